"""Group chat through real clients: fan-out, unread and readCount, removal, mentions."""

from __future__ import annotations

import asyncio

from tests.e2e.chat import MARK_READ, listening
from tests.e2e.clients import error_code, http_client
from tests.e2e.conftest import Server
from tests.e2e.groups_helpers import group_of

HOME = """query { totalUnread conversations { edges { node { id kind unreadCount unreadMentions
  group { id name memberCount } lastMessage { content type } } } } }"""
READ_COUNTS = """query($c: ID!) { messages(conversationId: $c) {
  edges { node { content type readCount sender { id } } } } }"""


async def test_three_members_chat_with_unread_counts_and_read_counts(server: Server) -> None:
    (ann, bob, cat), group = await group_of(server, 3)
    conversation = group["conversationId"]
    async with listening(server, bob) as bob_heard, listening(server, cat) as cat_heard:
        await ann.send(conversation, "hello team")
        await ann.send(conversation, "second")
        for heard in (bob_heard, cat_heard):
            await heard.wait_for(
                lambda h: [m["content"] for m in h.messages()][-2:] == ["hello team", "second"]
            )
    home = await bob.run(HOME)
    [node] = [e["node"] for e in home["conversations"]["edges"] if e["node"]["id"] == conversation]
    assert node["kind"] == "GROUP"
    assert node["group"] == {"id": group["id"], "name": "Crew", "memberCount": 3}
    assert node["unreadCount"] == 2  # the "created the group" notice is not unread
    assert home["totalUnread"] == 2

    await bob.run(MARK_READ, c=conversation, s=None)
    after_bob = await ann.run(READ_COUNTS, c=conversation)
    counts = {
        e["node"]["content"]: e["node"]["readCount"]
        for e in after_bob["messages"]["edges"]
        if e["node"]["type"] == "TEXT"
    }
    assert counts == {"hello team": 1, "second": 1}
    await cat.run(MARK_READ, c=conversation, s=None)
    after_cat = await ann.run(READ_COUNTS, c=conversation)
    assert {
        e["node"]["readCount"]
        for e in after_cat["messages"]["edges"]
        if e["node"]["type"] == "TEXT"
    } == {2}
    # readCount is the sender's to see.
    bob_view = await bob.run(READ_COUNTS, c=conversation)
    assert {e["node"]["readCount"] for e in bob_view["messages"]["edges"]} == {None}


async def test_removed_member_stops_receiving_at_once(server: Server) -> None:
    (ann, bob, cat), group = await group_of(server, 3)
    conversation = group["conversationId"]
    async with listening(server, bob) as bob_heard, listening(server, cat) as cat_heard:
        await ann.run(
            "mutation($g: ID!, $u: ID!) { removeMember(groupId: $g, userId: $u) }",
            g=group["id"],
            u=bob.id,
        )
        await bob_heard.wait_for(lambda h: any(e["__typename"] == "GroupEvent" for e in h.events))
        await ann.send(conversation, "without bob")
        await cat_heard.wait_for(lambda h: "without bob" in [m["content"] for m in h.messages()])
        await asyncio.sleep(1.0)
    assert "without bob" not in [m["content"] for m in bob_heard.messages()]
    code = await error_code(
        http_client(server, bob.token),
        "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }",
        i={"conversationId": conversation, "content": "let me back", "clientId": "x"},
    )
    assert code == "NOT_FOUND"
    listed = await bob.run("query { conversations { edges { node { id isMember } } } }")
    assert {"id": conversation, "isMember": False} in [
        e["node"] for e in listed["conversations"]["edges"]
    ]


async def test_mentions_count_for_the_mentioned_only(server: Server) -> None:
    (ann, bob, cat), group = await group_of(server, 3)
    conversation = group["conversationId"]
    async with listening(server, cat) as cat_heard:
        await ann.run(
            "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id mentions } }",
            i={
                "conversationId": conversation,
                "content": "@bob look",
                "clientId": "m1",
                "mentions": [bob.id],
            },
        )
        await cat_heard.wait_for(lambda h: h.messages())
        await asyncio.sleep(0.5)

    def mentions(home: dict[str, object]) -> int:
        edges = home["conversations"]["edges"]  # type: ignore[index]
        return next(e["node"]["unreadMentions"] for e in edges if e["node"]["id"] == conversation)

    assert mentions(await bob.run(HOME)) == 1
    assert mentions(await cat.run(HOME)) == 0
    await bob.run(MARK_READ, c=conversation, s=None)
    assert mentions(await bob.run(HOME)) == 0


async def test_member_cannot_mention_all_but_owner_can(server: Server) -> None:
    (ann, bob), group = await group_of(server, 2)
    mutation = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { mentionAll } }"
    payload = {"conversationId": group["conversationId"], "content": "@all", "mentionAll": True}
    assert (
        await error_code(http_client(server, bob.token), mutation, i={**payload, "clientId": "a1"})
        == "FORBIDDEN"
    )
    sent = await ann.run(mutation, i={**payload, "clientId": "a2"})
    assert sent["sendMessage"]["mentionAll"] is True


async def test_outsider_gets_null_for_a_group_and_only_public_fields_in_search(
    server: Server,
) -> None:
    (_, _), group = await group_of(server, 2, name="Secret Garden")
    from tests.e2e.chat import person

    zed = await person(server, "zed")
    assert (await zed.run("query($id: ID!) { group(id: $id) { id } }", id=group["id"]))[
        "group"
    ] is None
    found = await zed.run('query { searchGroups(query: "secret") { id name memberCount } }')
    assert {"id": group["id"], "name": "Secret Garden", "memberCount": 2} in found["searchGroups"]


async def test_a_large_group_is_fanned_out_by_the_worker_to_every_member(server: Server) -> None:
    from contextlib import AsyncExitStack

    people, group = await group_of(server, 12)
    async with AsyncExitStack() as stack:
        listeners = [await stack.enter_async_context(listening(server, p)) for p in people[1:]]
        sent = await people[0].send(group["conversationId"], "to all twelve")
        for heard in listeners:
            await heard.wait_for(lambda h: sent["id"] in [m["id"] for m in h.messages()])
    assert all([m["id"] for m in h.messages()].count(sent["id"]) == 1 for h in listeners)
