"""Subscriptions over WebSocket with both subprotocols, and refusal of unauthenticated sockets."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from gql import gql

from tests.e2e.clients import LEGACY_WS, TRANSPORT_WS, execute, http_client, register, ws_client
from tests.e2e.conftest import Server

RECEIVED = "subscription { friendRequestReceived { id status note from { id } to { id } } }"
REQUEST = "mutation($id: ID!, $note: String) { requestFriend(userId: $id, note: $note) { id } }"


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY_WS])
async def test_friend_request_arrives_live(server: Server, subprotocol: str) -> None:
    ann, bob = await register(server, "ann"), await register(server, "bob")
    async with ws_client(server, bob["accessToken"], subprotocol) as session:
        stream = session.subscribe(gql(RECEIVED))
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.5)  # let the subscription reach the server before the request
        sent = await execute(
            http_client(server, ann["accessToken"]), REQUEST, id=bob["user"]["id"], note="hey"
        )
        event = await asyncio.wait_for(first, 10)
    received = event["friendRequestReceived"]
    assert received["id"] == sent["requestFriend"]["id"]
    assert received["from"]["id"] == ann["user"]["id"]
    assert received["note"] == "hey"


async def test_other_users_do_not_receive_my_requests(server: Server) -> None:
    ann, bob, cat = [await register(server, n) for n in ("ann", "bob", "cat")]
    async with ws_client(server, cat["accessToken"]) as session:
        stream = session.subscribe(gql(RECEIVED))
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.5)
        await execute(http_client(server, ann["accessToken"]), REQUEST, id=bob["user"]["id"])
        done, _ = await asyncio.wait({first}, timeout=1.5)
        first.cancel()
    assert not done


async def _raw_handshake(
    server: Server, subprotocol: str, payload: object
) -> tuple[list[dict[str, object]], int | None]:
    """Opens a socket as a client library would, sends connection_init, reads until closed."""
    messages: list[dict[str, object]] = []
    async with websockets.connect(server.ws_url, subprotocols=[subprotocol]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        try:
            while True:
                raw = await asyncio.wait_for(socket.recv(), 10)
                messages.append(json.loads(raw))
        except websockets.ConnectionClosed as closed:
            return messages, closed.rcvd.code if closed.rcvd else None
    return messages, None


async def test_transport_ws_without_token_is_closed_with_4403(server: Server) -> None:
    messages, code = await _raw_handshake(server, TRANSPORT_WS, {})
    assert code == 4403
    assert all(m["type"] != "connection_ack" for m in messages)


async def test_transport_ws_with_forged_token_is_closed_with_4403(server: Server) -> None:
    _, code = await _raw_handshake(server, TRANSPORT_WS, {"authorization": "Bearer forged"})
    assert code == 4403


async def test_legacy_graphql_ws_without_token_is_refused(server: Server) -> None:
    messages, code = await _raw_handshake(server, LEGACY_WS, {})
    assert [m["type"] for m in messages] == ["connection_error"]
    assert code is not None


async def test_subscription_before_connection_init_is_not_run(server: Server) -> None:
    async with websockets.connect(server.ws_url, subprotocols=[TRANSPORT_WS]) as socket:  # type: ignore[list-item]
        await socket.send(
            json.dumps({"type": "subscribe", "id": "1", "payload": {"query": RECEIVED}})
        )
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401


async def test_cross_origin_socket_from_unlisted_origin_is_refused(server: Server) -> None:
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(
            server.ws_url,
            subprotocols=[TRANSPORT_WS],
            origin="https://evil.example",  # type: ignore[list-item,arg-type]
        ):
            pass
    assert refused.value.response.status_code == 403
