"""Two users chatting over real GraphQL clients: HTTP mutations, WebSocket subscriptions."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.chat import CONVERSATIONS, MARK_READ, friends, listening
from tests.e2e.clients import LEGACY_WS, error_code, http_client
from tests.e2e.conftest import Server


async def test_messages_arrive_live_in_order_exactly_once(server: Server) -> None:
    ann, bob, conversation = await friends(server)
    async with listening(server, bob) as heard:
        sent = [await ann.send(conversation, f"hello {i}") for i in range(20)]
        await heard.wait_for(lambda h: len(h.messages()) >= 20)
        await asyncio.sleep(0.3)
    received = heard.messages()
    assert [m["id"] for m in received] == [m["id"] for m in sent]
    assert [m["seq"] for m in received] == sorted(m["seq"] for m in sent)
    seqs = [e["eventSeq"] for e in heard.events if "eventSeq" in e]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


async def test_legacy_graphql_ws_clients_receive_messages_too(server: Server) -> None:
    ann, bob, conversation = await friends(server)
    async with listening(server, bob, subprotocol=LEGACY_WS) as heard:
        sent = await ann.send(conversation, "over the old protocol")
        await heard.wait_for(lambda h: len(h.messages()) >= 1)
    assert heard.messages()[0]["id"] == sent["id"]


async def test_resending_a_client_id_returns_the_first_message_and_delivers_once(
    server: Server,
) -> None:
    ann, bob, conversation = await friends(server)
    async with listening(server, bob) as heard:
        first = await ann.send(conversation, "once", client_id="retry-1")
        again = await ann.send(conversation, "once", client_id="retry-1")
        await ann.send(conversation, "after")
        await heard.wait_for(lambda h: len(h.messages()) >= 2)
        await asyncio.sleep(0.5)
    assert again["id"] == first["id"]
    assert again["seq"] == first["seq"]
    assert [m["content"] for m in heard.messages()] == ["once", "after"]


async def test_sender_sees_own_message_on_their_other_devices(server: Server) -> None:
    ann, _, conversation = await friends(server)
    async with listening(server, ann, device="mobile") as heard:
        sent = await ann.send(conversation, "from my laptop")
        await heard.wait_for(lambda h: len(h.messages()) >= 1)
    assert heard.messages()[0]["id"] == sent["id"]


async def test_unread_counts_and_total_are_kept_by_the_server(server: Server) -> None:
    ann, bob, conversation = await friends(server)
    async with listening(server, bob) as heard:
        for i in range(3):
            await ann.send(conversation, f"unread {i}")
        await heard.wait_for(
            lambda h: any(e["totalUnread"] == 3 for e in h.of_type("ConversationUpdatedEvent"))
        )
    home = await bob.run(CONVERSATIONS)
    assert home["totalUnread"] == 3
    [edge] = home["conversations"]["edges"]
    assert edge["node"]["unreadCount"] == 3
    assert edge["node"]["peer"]["id"] == ann.id
    assert edge["node"]["lastMessage"]["content"] == "unread 2"
    assert (await ann.run(CONVERSATIONS))["totalUnread"] == 0


async def test_mark_read_clears_unread_and_sends_receipts(server: Server) -> None:
    ann, bob, conversation = await friends(server)
    for i in range(3):
        await ann.send(conversation, f"m{i}")
    await asyncio.sleep(0.5)
    async with (
        listening(server, ann) as ann_heard,
        listening(server, bob, device="mobile") as bob_phone,
    ):
        read = await bob.run(MARK_READ, c=conversation, s=None)
        await ann_heard.wait_for(lambda h: h.of_type("ReadReceiptEvent"))
        await bob_phone.wait_for(
            lambda h: any(e["totalUnread"] == 0 for e in h.of_type("ConversationUpdatedEvent"))
        )
    assert read["markRead"]["unreadCount"] == 0
    [receipt] = ann_heard.of_type("ReadReceiptEvent")
    assert receipt["userId"] == bob.id
    assert receipt["upToSeq"] == read["markRead"]["lastReadSeq"]
    assert bob_phone.of_type("ReadReceiptEvent")
    assert (await bob.run(CONVERSATIONS))["totalUnread"] == 0


async def test_read_cursor_only_moves_forward(server: Server) -> None:
    ann, bob, conversation = await friends(server)
    sent = [await ann.send(conversation, f"m{i}") for i in range(4)]
    await asyncio.sleep(0.5)
    partial = await bob.run(MARK_READ, c=conversation, s=sent[1]["seq"])
    assert partial["markRead"]["unreadCount"] == 2
    back = await bob.run(MARK_READ, c=conversation, s=sent[0]["seq"])
    assert back["markRead"]["lastReadSeq"] == sent[1]["seq"]
    assert back["markRead"]["unreadCount"] == 2


async def test_typing_reaches_the_other_side_and_is_rate_limited(server: Server) -> None:
    ann, bob, conversation = await friends(server)
    async with listening(server, bob) as heard:
        first = await ann.run("mutation($c: ID!) { typing(conversationId: $c) }", c=conversation)
        second = await ann.run("mutation($c: ID!) { typing(conversationId: $c) }", c=conversation)
        await heard.wait_for(lambda h: h.of_type("TypingEvent"))
    assert first["typing"] is True
    assert second["typing"] is False
    assert heard.of_type("TypingEvent") == [
        {"__typename": "TypingEvent", "conversationId": conversation, "userId": ann.id}
    ]


async def test_presence_follows_each_device(server: Server) -> None:
    ann, bob, _ = await friends(server)
    friend_online = "query { friends { user { id } online devices } }"
    async with listening(server, ann) as heard:
        async with listening(server, bob, device="pc"):
            await heard.wait_for(
                lambda h: any(e["devices"] == ["pc"] for e in h.of_type("PresenceEvent"))
            )
            async with listening(server, bob, device="mobile"):
                await heard.wait_for(
                    lambda h: any(
                        e["devices"] == ["pc", "mobile"] for e in h.of_type("PresenceEvent")
                    )
                )
                [friend] = (await ann.run(friend_online))["friends"]
                assert friend["online"] is True
                assert friend["devices"] == ["pc", "mobile"]
        await heard.wait_for(
            lambda h: any(
                e["userId"] == bob.id and not e["online"] for e in h.of_type("PresenceEvent")
            )
        )
    [friend] = (await ann.run(friend_online))["friends"]
    assert friend["online"] is False


async def test_resume_with_since_replays_what_was_missed_exactly_once(server: Server) -> None:
    ann, bob, conversation = await friends(server)
    async with listening(server, bob) as before:
        await ann.send(conversation, "seen live")
        await before.wait_for(lambda h: len(h.messages()) >= 1)
    seen = before.last_seq
    missed = [await ann.send(conversation, f"missed {i}") for i in range(5)]
    await asyncio.sleep(0.5)
    async with listening(server, bob, since=seen) as after:
        await after.wait_for(lambda h: len(h.messages()) >= 5)
        live = await ann.send(conversation, "live again")
        await after.wait_for(lambda h: len(h.messages()) >= 6)
        await asyncio.sleep(0.3)
    assert [m["id"] for m in after.messages()] == [m["id"] for m in [*missed, live]]
    seqs = [e["eventSeq"] for e in after.events if "eventSeq" in e]
    assert seqs == list(range(seen + 1, seen + 1 + len(seqs)))


async def test_since_from_another_history_asks_for_a_resync(server: Server) -> None:
    _, bob, _ = await friends(server)
    async with listening(server, bob, since=10_000) as heard:
        await heard.wait_for(lambda h: h.of_type("ResyncRequiredEvent"))
    assert heard.events[0]["__typename"] == "ResyncRequiredEvent"


async def test_history_pages_back_by_seq(server: Server) -> None:
    ann, bob, conversation = await friends(server)
    sent = [await ann.send(conversation, f"h{i}") for i in range(25)]
    page = """query($c: ID!, $last: Int, $before: String, $first: Int, $after: String) {
      messages(conversationId: $c, last: $last, before: $before, first: $first, after: $after) {
        edges { cursor node { seq content } } pageInfo { hasNextPage hasPreviousPage startCursor }
      } }"""
    newest = (await bob.run(page, c=conversation, last=10))["messages"]
    assert [e["node"]["content"] for e in newest["edges"]] == [f"h{i}" for i in range(15, 25)]
    assert newest["pageInfo"]["hasPreviousPage"] is True
    older = (
        await bob.run(page, c=conversation, last=10, before=newest["pageInfo"]["startCursor"])
    )["messages"]
    assert [e["node"]["content"] for e in older["edges"]] == [f"h{i}" for i in range(5, 15)]
    oldest = (await bob.run(page, c=conversation, first=3))["messages"]
    assert [e["node"]["seq"] for e in oldest["edges"]] == [m["seq"] for m in sent[:3]]
    assert oldest["pageInfo"]["hasNextPage"] is True


async def test_a_sender_shows_its_profile_whenever_more_than_the_id_is_asked(
    server: Server,
) -> None:
    ann, bob, conversation = await friends(server)
    await ann.send(conversation, "who am I")
    history = """query($c: ID!) { messages(conversationId: $c, last: 1) {
      edges { node { idOnly: sender { id }
                     named: sender { id displayName }
                     fragment: sender { ... on User { username } } } } } }"""
    node = (await bob.run(history, c=conversation))["messages"]["edges"][0]["node"]
    assert node["idOnly"] == {"id": ann.id}
    assert node["named"] == {"id": ann.id, "displayName": ann.auth["user"]["displayName"]}
    assert node["fragment"] == {"username": ann.auth["user"]["username"]}


async def test_message_added_streams_one_conversation(server: Server) -> None:
    from gql import GraphQLRequest

    from tests.e2e.clients import ws_client

    ann, bob, conversation = await friends(server)
    query = GraphQLRequest(
        "subscription($c: ID) { messageAdded(conversationId: $c) { content seq } }",
        variable_values={"c": conversation},
    )
    async with ws_client(server, bob.token) as session:
        stream = session.subscribe(query)
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.5)
        await ann.send(conversation, "via messageAdded")
        got = await asyncio.wait_for(first, 10)
    assert got["messageAdded"]["content"] == "via messageAdded"


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ("", "TEXT"),
        ("   ", "TEXT"),
        ("x" * 10_001, "TEXT"),
        ("pic", "IMAGE"),
        ("f", "FILE"),
        ("sys", "SYSTEM"),
    ],
)
async def test_invalid_messages_are_refused_and_change_nothing(
    server: Server, content: str, kind: str
) -> None:
    ann, bob, conversation = await friends(server)
    code = await error_code(
        http_client(server, ann.token),
        "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }",
        i={"conversationId": conversation, "content": content, "type": kind, "clientId": "x"},
    )
    assert code == "BAD_USER_INPUT"
    assert (await bob.run(CONVERSATIONS))["conversations"]["edges"] == []


async def test_text_of_exactly_ten_thousand_characters_is_accepted(server: Server) -> None:
    ann, _, conversation = await friends(server)
    sent = await ann.send(conversation, "y" * 10_000)
    assert len(sent["content"]) == 10_000


async def test_giving_both_or_neither_target_is_bad_input(server: Server) -> None:
    ann, bob, conversation = await friends(server)
    mutation = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }"
    both = {"conversationId": conversation, "toUserId": bob.id, "content": "x", "clientId": "b"}
    neither = {"content": "x", "clientId": "n"}
    assert await error_code(http_client(server, ann.token), mutation, i=both) == "BAD_USER_INPUT"
    assert await error_code(http_client(server, ann.token), mutation, i=neither) == "BAD_USER_INPUT"


async def test_send_by_friend_id_uses_the_pair_conversation(server: Server) -> None:
    ann, bob, conversation = await friends(server)
    result = await ann.run(
        "mutation($i: SendMessageInput!) { sendMessage(input: $i) { conversationId } }",
        i={"toUserId": bob.id, "content": "by id", "clientId": "t1"},
    )
    assert result["sendMessage"]["conversationId"] == conversation


async def test_sender_sees_how_far_the_peer_has_read(server: Server) -> None:
    ann, bob, conversation = await friends(server)
    sent = [await ann.send(conversation, f"r{i}") for i in range(2)]
    await asyncio.sleep(0.5)
    await bob.run(MARK_READ, c=conversation, s=sent[0]["seq"])
    await asyncio.sleep(0.5)
    home = await ann.run("query { conversations { edges { node { peerLastReadSeq } } } }")
    assert home["conversations"]["edges"][0]["node"]["peerLastReadSeq"] == sent[0]["seq"]


async def test_latest_event_seq_is_where_a_fresh_client_resumes(server: Server) -> None:
    ann, bob, conversation = await friends(server)
    async with listening(server, bob) as heard:
        await ann.send(conversation, "counted")
        await heard.wait_for(lambda h: h.messages() and h.of_type("ConversationUpdatedEvent"))
    latest = await bob.run("query { latestEventSeq }")
    assert latest["latestEventSeq"] == heard.last_seq
