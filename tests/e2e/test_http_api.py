"""The API over HTTP POST through a real GraphQL client, against the app under uvicorn."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import unique
from tests.e2e.clients import REGISTER, error_code, execute, http_client, register
from tests.e2e.conftest import Server, post
from tests.factories import PASSWORD

ME = "query { me { id username displayName avatarUrl } }"


async def test_register_then_me_over_http(server: Server) -> None:
    ann = await register(server, "ann", "Ann")
    me = await execute(http_client(server, ann["accessToken"]), ME)
    assert me["me"]["id"] == ann["user"]["id"]
    assert me["me"]["displayName"] == "Ann"


async def test_login_and_refresh_token_over_http(server: Server) -> None:
    ann = await register(server, "ann")
    username = ann["user"]["username"]
    login = await execute(
        http_client(server),
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) "
        "{ accessToken user { id } } }",
        u=username.upper(),
        p=PASSWORD,
    )
    assert login["login"]["user"]["id"] == ann["user"]["id"]
    refreshed = await execute(
        http_client(server),
        "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken user { id } } }",
        t=ann["refreshToken"],
    )
    assert refreshed["refreshToken"]["user"]["id"] == ann["user"]["id"]


async def test_wrong_password_is_unauthenticated(server: Server) -> None:
    ann = await register(server, "ann")
    code = await error_code(
        http_client(server),
        'mutation($u: String!) { login(username: $u, password: "wrong-password") { accessToken } }',
        u=ann["user"]["username"],
    )
    assert code == "UNAUTHENTICATED"


async def test_me_without_token_is_unauthenticated(server: Server) -> None:
    assert await error_code(http_client(server), ME) == "UNAUTHENTICATED"


async def test_me_with_forged_token_is_unauthenticated(server: Server) -> None:
    assert await error_code(http_client(server, "not.a.token"), ME) == "UNAUTHENTICATED"


async def test_register_still_works_for_a_client_holding_a_stale_token(server: Server) -> None:
    result = await execute(
        http_client(server, "expired.or.forged"),
        REGISTER,
        username=unique("stale"),
        password=PASSWORD,
        displayName=None,
    )
    assert result["register"]["accessToken"]


async def test_megabyte_display_name_is_refused_as_bad_input(server: Server) -> None:
    username = unique("big")
    code = await error_code(
        http_client(server),
        REGISTER,
        username=username,
        password=PASSWORD,
        displayName="x" * 1_000_000,
    )
    assert code == "BAD_USER_INPUT"
    # Nothing was stored: the same username can still be registered.
    again = await execute(
        http_client(server), REGISTER, username=username, password=PASSWORD, displayName=None
    )
    assert again["register"]["user"]["username"] == username


async def test_update_profile_with_oversized_avatar_url_changes_nothing(server: Server) -> None:
    ann = await register(server, "ann", "Ann")
    client = http_client(server, ann["accessToken"])
    code = await error_code(
        client,
        "mutation($u: String) { updateProfile(avatarUrl: $u) { id } }",
        u="https://x.org/" + "a" * 100_000,
    )
    assert code == "BAD_USER_INPUT"
    me = await execute(http_client(server, ann["accessToken"]), ME)
    assert me["me"]["avatarUrl"] is None


def test_request_body_over_the_limit_is_payload_too_large(server: Server) -> None:
    response = httpx.post(
        server.graphql_url,
        json={"query": "{ me { id } }", "variables": {"pad": "x" * 3_000_000}},
        timeout=10,
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


def test_syntax_error_has_a_code(server: Server) -> None:
    body = post(server, "{ me { id ")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_too_many_aliases_are_refused(server: Server) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }"
    body = post(server, query)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "alias" in body["errors"][0]["message"].lower()


def test_too_many_tokens_are_refused(server: Server) -> None:
    query = "{ " + " ".join("__typename" for _ in range(3000)) + " }"
    body = post(server, query)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_unknown_field_is_bad_user_input(server: Server) -> None:
    body = post(server, "{ passwordHashes }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_graphiql_is_served_to_browsers(server: Server) -> None:
    response = httpx.get(server.graphql_url, headers={"accept": "text/html"}, timeout=10)
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_health_and_readiness(server: Server) -> None:
    assert httpx.get(f"{server.base_url}/healthz", timeout=5).json() == {"status": "ok"}
    ready = httpx.get(f"{server.base_url}/readyz", timeout=5)
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] is True


REQUEST = (
    "mutation($id: ID!, $note: String) { requestFriend(userId: $id, note: $note) "
    "{ id kind status note from { id } to { id } } }"
)
RESPOND = (
    "mutation($id: ID!, $ok: Boolean!) { respondToRequest(requestId: $id, accept: $ok) "
    "{ id status } }"
)
FRIENDS = "query { friends { user { id username } since conversationId } }"
INCOMING = "query { friendRequests { id status from { id } } }"


async def test_friend_flow_between_three_users_over_http(server: Server) -> None:
    ann, bob, cat = [await register(server, n) for n in ("ann", "bob", "cat")]
    as_ann = http_client(server, ann["accessToken"])
    as_bob = http_client(server, bob["accessToken"])
    as_cat = http_client(server, cat["accessToken"])

    to_bob = (await execute(as_ann, REQUEST, id=bob["user"]["id"], note="hi"))["requestFriend"]
    assert to_bob["kind"] == "FRIEND"
    assert to_bob["status"] == "PENDING"
    to_cat = (await execute(as_ann, REQUEST, id=cat["user"]["id"]))["requestFriend"]

    incoming = (await execute(as_bob, INCOMING))["friendRequests"]
    assert [r["id"] for r in incoming] == [to_bob["id"]]
    assert await error_code(as_cat, RESPOND, id=to_bob["id"], ok=True) == "NOT_FOUND"

    assert (await execute(as_bob, RESPOND, id=to_bob["id"], ok=True))["respondToRequest"][
        "status"
    ] == "ACCEPTED"
    assert (await execute(as_cat, RESPOND, id=to_cat["id"], ok=False))["respondToRequest"][
        "status"
    ] == "REJECTED"
    assert await error_code(as_bob, RESPOND, id=to_bob["id"], ok=False) == "CONFLICT"

    ann_friends = (await execute(as_ann, FRIENDS))["friends"]
    assert [f["user"]["id"] for f in ann_friends] == [bob["user"]["id"]]
    bob_friends = (await execute(as_bob, FRIENDS))["friends"]
    assert bob_friends[0]["conversationId"] == ann_friends[0]["conversationId"]

    removed = await execute(
        as_bob, "mutation($id: ID!) { removeFriend(userId: $id) }", id=ann["user"]["id"]
    )
    assert removed["removeFriend"] is True
    assert (await execute(as_ann, FRIENDS))["friends"] == []


async def test_request_with_malformed_id_is_bad_user_input(server: Server) -> None:
    ann = await register(server, "ann")
    code = await error_code(http_client(server, ann["accessToken"]), REQUEST, id="nope")
    assert code == "BAD_USER_INPUT"


async def test_search_users_over_http(server: Server) -> None:
    ann = await register(server, "ann")
    zed = await register(server, "zed", "Zed Zebra")
    found = await execute(
        http_client(server, ann["accessToken"]),
        "query($q: String!) { searchUsers(query: $q) { id } }",
        q="zed zeb",
    )
    assert {"id": zed["user"]["id"]} in found["searchUsers"]


@pytest.mark.parametrize("first", [0, 101])
async def test_search_page_size_is_bounded(server: Server, first: int) -> None:
    ann = await register(server, "ann")
    code = await error_code(
        http_client(server, ann["accessToken"]),
        'query($f: Int) { searchUsers(query: "a", first: $f) { id } }',
        f=first,
    )
    assert code == "BAD_USER_INPUT"


def test_a_subscription_sent_over_http_is_pointed_to_the_websocket(server: Server) -> None:
    body = post(server, "subscription { events { __typename } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "WebSocket" in body["errors"][0]["message"]
