"""Seq allocation: exact, gapless under concurrency, and never fooled by what a process
remembers of a conversation (its hint for the one-round-trip compare-and-set)."""

from __future__ import annotations

import asyncio

import pytest

from imchat.errors import ErrorCode, ImchatError
from imchat.models import Message, User
from imchat.services import friends, groups, messages
from imchat.services.outbox import DispatchLog
from imchat.services.seqs import SeqHints
from tests.factories import befriend, create_user, uid
from tests.integration.conftest import RecordingEvents

pytestmark = pytest.mark.usefixtures("db")


async def send_to(
    events: RecordingEvents, hints: SeqHints, sender: User, to: User, client_id: str
) -> Message:
    return await messages.send_message(
        events,
        DispatchLog(),
        hints,
        uid(sender),
        messages.SendMessageRequest(client_id=client_id, content=client_id, to_user_id=uid(to)),
    )


async def test_one_process_sending_in_turn_takes_consecutive_seqs(
    events: RecordingEvents,
) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    await befriend(events, ann, bob)
    hints = SeqHints()
    sent = [await send_to(events, hints, ann, bob, f"c{i}") for i in range(5)]
    assert [m.seq for m in sent] == [1, 2, 3, 4, 5]


async def test_a_stale_hint_still_yields_the_next_seq(events: RecordingEvents) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    await befriend(events, ann, bob)
    this_node, other_node = SeqHints(), SeqHints()
    await send_to(events, this_node, ann, bob, "first")
    await send_to(events, other_node, bob, ann, "second")
    third = await send_to(events, this_node, ann, bob, "third")
    assert third.seq == 3


async def test_concurrent_sends_from_two_processes_take_distinct_consecutive_seqs(
    events: RecordingEvents,
) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    await befriend(events, ann, bob)
    nodes = (SeqHints(), SeqHints())
    sent = await asyncio.gather(
        *(
            send_to(events, nodes[i % 2], ann, bob, f"a{i}")
            if i % 3
            else send_to(events, nodes[i % 2], bob, ann, f"b{i}")
            for i in range(40)
        )
    )
    assert sorted(m.seq for m in sent) == list(range(1, 41))


async def test_a_warm_hint_does_not_let_a_former_friend_send(events: RecordingEvents) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    await befriend(events, ann, bob)
    hints = SeqHints()
    await send_to(events, hints, ann, bob, "hello")
    await friends.remove_friend(uid(bob), uid(ann))
    with pytest.raises(ImchatError) as refused:
        await send_to(events, hints, ann, bob, "still there?")
    assert refused.value.code == ErrorCode.FORBIDDEN


async def test_a_member_added_after_the_hint_receives_the_next_message(
    events: RecordingEvents,
) -> None:
    ann, bob, cat = await create_user("ann"), await create_user("bob"), await create_user("cat")
    await befriend(events, ann, bob)
    await befriend(events, ann, cat)
    ctx = groups.GroupContext(events, DispatchLog(), 100)
    group = await groups.create_group(ctx, uid(ann), "Team", [uid(bob)])
    hints = SeqHints()

    async def post(text: str) -> Message:
        return await messages.send_message(
            events,
            DispatchLog(),
            hints,
            uid(ann),
            messages.SendMessageRequest(
                client_id=text, content=text, conversation_id=group.conversation_id
            ),
        )

    await post("before")
    await groups.add_members(ctx, group, uid(ann), [uid(cat)], "Ann added Cat")
    after = await post("after")
    assert uid(cat) in after.recipient_ids
