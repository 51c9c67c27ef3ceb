"""Nobody reads or writes what is not theirs: every chat operation as an outsider."""

from __future__ import annotations

import asyncio

import pytest
from gql import GraphQLRequest
from gql.transport.exceptions import TransportQueryError

from tests.e2e.chat import CONVERSATIONS, MARK_READ, SEND, friends, listening, person
from tests.e2e.clients import error_code, http_client, ws_client
from tests.e2e.conftest import Server

MESSAGES = "query($c: ID!) { messages(conversationId: $c) { edges { node { content } } } }"
TYPING = "mutation($c: ID!) { typing(conversationId: $c) }"


async def test_outsider_cannot_read_history(server: Server) -> None:
    ann, _, conversation = await friends(server)
    await ann.send(conversation, "private")
    carol = await person(server, "carol")
    assert await error_code(http_client(server, carol.token), MESSAGES, c=conversation) == (
        "NOT_FOUND"
    )


async def test_outsider_cannot_post_into_a_conversation(server: Server) -> None:
    _, bob, conversation = await friends(server)
    carol = await person(server, "carol")
    code = await error_code(
        http_client(server, carol.token),
        SEND,
        input={"conversationId": conversation, "content": "intrusion", "clientId": "c1"},
    )
    assert code == "NOT_FOUND"
    history = await bob.run(MESSAGES, c=conversation)
    assert history["messages"]["edges"] == []


async def test_non_friends_cannot_message_each_other(server: Server) -> None:
    ann, carol = await person(server, "ann"), await person(server, "carol")
    code = await error_code(
        http_client(server, carol.token),
        SEND,
        input={"toUserId": ann.id, "content": "hello stranger", "clientId": "c2"},
    )
    assert code == "FORBIDDEN"


async def test_former_friends_cannot_message_but_keep_their_history(server: Server) -> None:
    ann, bob, conversation = await friends(server)
    await ann.send(conversation, "before")
    await bob.run("mutation($id: ID!) { removeFriend(userId: $id) }", id=ann.id)
    code = await error_code(
        http_client(server, ann.token),
        SEND,
        input={"conversationId": conversation, "content": "after", "clientId": "c3"},
    )
    assert code == "FORBIDDEN"
    history = await bob.run(MESSAGES, c=conversation)
    assert [e["node"]["content"] for e in history["messages"]["edges"]] == ["before"]


async def test_outsider_cannot_mark_read_or_type(server: Server) -> None:
    _, _, conversation = await friends(server)
    carol = await person(server, "carol")
    client = http_client(server, carol.token)
    assert await error_code(client, MARK_READ, c=conversation, s=None) == "NOT_FOUND"
    assert await error_code(http_client(server, carol.token), TYPING, c=conversation) == (
        "NOT_FOUND"
    )


async def test_outsider_cannot_subscribe_to_a_conversation(server: Server) -> None:
    _, _, conversation = await friends(server)
    carol = await person(server, "carol")
    query = GraphQLRequest(
        "subscription($c: ID) { messageAdded(conversationId: $c) { content } }",
        variable_values={"c": conversation},
    )
    async with ws_client(server, carol.token) as session:
        with pytest.raises(TransportQueryError) as refused:
            await asyncio.wait_for(anext(session.subscribe(query)), 10)
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "NOT_FOUND"


async def test_outsider_stream_carries_nothing_of_others(server: Server) -> None:
    ann, bob, conversation = await friends(server)
    carol = await person(server, "carol")
    async with (
        listening(server, carol) as carol_heard,
        listening(server, bob) as bob_heard,
    ):
        async with listening(server, ann):
            await ann.send(conversation, "for bob only")
            await ann.run(TYPING, c=conversation)
            await bob.run(MARK_READ, c=conversation, s=None)
            await bob_heard.wait_for(lambda h: h.of_type("TypingEvent") and h.messages())
        await asyncio.sleep(1.0)
    assert carol_heard.events == []
    assert (await carol.run(CONVERSATIONS))["conversations"]["edges"] == []
    assert (await carol.run(CONVERSATIONS))["totalUnread"] == 0


async def test_malformed_conversation_id_is_bad_user_input(server: Server) -> None:
    ann, _, _ = await friends(server)
    assert await error_code(http_client(server, ann.token), MESSAGES, c="../etc") == (
        "BAD_USER_INPUT"
    )


async def test_events_with_negative_since_is_bad_user_input(server: Server) -> None:
    ann = await person(server, "ann")
    query = GraphQLRequest("subscription { events(since: -1) { __typename } }")
    async with ws_client(server, ann.token) as session:
        with pytest.raises(TransportQueryError) as refused:
            await asyncio.wait_for(anext(session.subscribe(query)), 10)
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
