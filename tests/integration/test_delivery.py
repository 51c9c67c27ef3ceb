"""The push worker's delivery step on a real database: idempotent, ordered, gapless."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from imchat.models import InboxEvent, Member, Message, MessageType
from imchat.services import messages
from imchat.services.delivery import InboxWriter
from imchat.services.outbox import DispatchLog
from imchat.services.seqs import SeqHints
from imchat.types import Incoming
from tests.factories import befriend, create_user, uid
from tests.integration.conftest import RecordingEvents

pytestmark = pytest.mark.usefixtures("db")


class RecordingLive:
    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, object]]] = []

    async def publish_many(self, items: Sequence[tuple[str, str]]) -> None:
        self.published.extend((channel, json.loads(body)) for channel, body in items)


async def _chat(events: RecordingEvents, count: int) -> tuple[object, object, list[Message]]:
    ann, bob = await create_user("ann"), await create_user("bob")
    await befriend(events, ann, bob)
    events.sent.clear()
    sent = [
        await messages.send_message(
            events,
            DispatchLog(),
            SeqHints(),
            uid(ann),
            messages.SendMessageRequest(client_id=f"c{i}", content=f"m{i}", to_user_id=uid(bob)),
        )
        for i in range(count)
    ]
    return ann, bob, sent


def _incoming(events: RecordingEvents, redelivered: bool = False) -> list[Incoming]:
    return [Incoming(delivery, redelivered) for delivery in events.sent]


async def _row_of(user: object) -> Member:
    """The user's only member row (each test here has one conversation)."""
    row = await Member.find_one(Member.user_id == user.id)  # type: ignore[attr-defined]
    assert row is not None
    return row


def _by_seq(events: RecordingEvents, user: object) -> list[dict[str, Any]]:
    """The deliveries announced to the user, in seq order."""
    return sorted(events.for_user(user.id), key=lambda d: d["message"]["seq"])  # type: ignore[attr-defined]


async def test_a_message_becomes_an_event_for_each_member_and_counts_as_unread(
    events: RecordingEvents,
) -> None:
    ann, bob, [sent] = await _chat(events, 1)
    live = RecordingLive()
    await InboxWriter(live).handle(_incoming(events))
    bob_row = await Member.find_one(Member.user_id == bob.id)  # type: ignore[attr-defined]
    ann_row = await Member.find_one(Member.user_id == ann.id)  # type: ignore[attr-defined]
    assert bob_row is not None and ann_row is not None
    assert (bob_row.unread_count, ann_row.unread_count) == (1, 0)
    assert ann_row.last_read_seq == sent.seq
    assert bob_row.last_message is not None and bob_row.last_message.id == sent.id
    kinds = [(channel.split(":")[1], event["type"]) for channel, event in live.published]
    assert sorted(kinds) == sorted(
        [
            (str(ann.id), "message"),
            (str(ann.id), "conversation"),  # type: ignore[attr-defined]
            (str(bob.id), "message"),
            (str(bob.id), "conversation"),  # type: ignore[attr-defined]
        ]
    )


async def test_handling_the_same_batch_twice_changes_nothing(events: RecordingEvents) -> None:
    _, bob, _ = await _chat(events, 3)
    writer = InboxWriter(RecordingLive())
    await writer.handle(_incoming(events))
    inbox_before = await InboxEvent.find_all().count()
    again = RecordingLive()
    await InboxWriter(again).handle(_incoming(events, redelivered=True))
    row = await _row_of(bob)
    assert row.unread_count == 3
    assert await InboxEvent.find_all().count() == inbox_before
    assert again.published == []


async def test_a_repeated_delivery_in_one_batch_is_applied_once(events: RecordingEvents) -> None:
    _, bob, _ = await _chat(events, 1)
    doubled = _incoming(events) + _incoming(events)
    await InboxWriter(RecordingLive()).handle(doubled)
    row = await _row_of(bob)
    assert row.unread_count == 1


async def test_messages_announced_out_of_seq_order_all_count_and_the_newest_is_shown(
    events: RecordingEvents,
) -> None:
    _, bob, sent = await _chat(events, 3)
    by_seq = _by_seq(events, bob)
    writer = InboxWriter(RecordingLive())
    # Racing senders: seq 3 is announced first, then 1 and 2.
    for delivery in (by_seq[2], by_seq[0], by_seq[1]):
        await writer.handle([Incoming(delivery, False)])
    row = await _row_of(bob)
    assert row.unread_count == 3
    assert row.last_message is not None and row.last_message.seq == sent[-1].seq
    assert row.last_delivered_seq == sent[-1].seq


async def test_reading_while_messages_arrive_out_of_order_counts_each_unread_once(
    events: RecordingEvents,
) -> None:
    _, bob, sent = await _chat(events, 3)
    by_seq = _by_seq(events, bob)
    writer = InboxWriter(RecordingLive())
    await writer.handle([Incoming(by_seq[2], False)])  # seq 3 overtook 1 and 2
    await messages.mark_read(RecordingEvents(), uid(bob), sent[0].conversation_id, sent[0].seq)  # type: ignore[arg-type]
    await writer.handle([Incoming(by_seq[0], False), Incoming(by_seq[1], False)])
    row = await _row_of(bob)
    assert (row.last_read_seq, row.unread_count) == (sent[0].seq, 2)


async def test_a_message_text_that_looks_like_an_expression_is_stored_as_written(
    events: RecordingEvents,
) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    await befriend(events, ann, bob)
    events.sent.clear()
    await messages.send_message(
        events,
        DispatchLog(),
        SeqHints(),
        uid(ann),
        messages.SendMessageRequest(client_id="x", content="$unread_count", to_user_id=uid(bob)),
    )
    await InboxWriter(RecordingLive()).handle(_incoming(events))
    row = await _row_of(bob)
    assert row.last_message is not None
    assert row.last_message.content == "$unread_count"


async def test_event_seqs_stay_gapless_when_another_worker_took_over(
    events: RecordingEvents,
) -> None:
    _, bob, _ = await _chat(events, 4)
    first, second = events.sent[:4], events.sent[4:]
    stale = InboxWriter(RecordingLive())
    await stale.handle([Incoming(d, False) for d in first])
    # A second worker appends for the same users; the first one's cached counters go stale.
    await InboxWriter(RecordingLive()).handle([Incoming(d, False) for d in second[:2]])
    await stale.handle([Incoming(d, False) for d in second[2:]])
    seqs = [
        e.event_seq
        for e in await InboxEvent.find(InboxEvent.user_id == bob.id).sort("event_seq").to_list()
    ]  # type: ignore[attr-defined]
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(seqs) == 8  # a message and a conversation update for each of 4 messages


async def test_a_message_already_read_does_not_count_as_unread(events: RecordingEvents) -> None:
    _, bob, [sent] = await _chat(events, 1)
    # Bob's reader marks everything read before the worker got to the message.
    await messages.mark_read(RecordingEvents(), uid(bob), sent.conversation_id, None)  # type: ignore[arg-type]
    await InboxWriter(RecordingLive()).handle(_incoming(events))
    row = await _row_of(bob)
    assert row.unread_count == 0
    assert row.last_message is not None and row.last_message.seq == sent.seq


async def test_large_recipient_lists_become_one_fanout_the_worker_expands(
    events: RecordingEvents,
) -> None:
    from imchat.services.delivery import fan_out
    from imchat.services.events import FANOUT_THRESHOLD, message_deliveries

    ann = await create_user("ann")
    crowd = [await create_user("m") for _ in range(FANOUT_THRESHOLD + 2)]
    message = Message(
        conversation_id=uid(ann),
        seq=1,
        sender_id=uid(ann),
        type=MessageType.TEXT,
        content="hi all",
        client_id="f1",
        recipient_ids=[uid(ann), *map(uid, crowd)],
    )
    [fanout] = message_deliveries(message)
    assert fanout["kind"] == "fanout"
    expanded = RecordingEvents()
    await fan_out(expanded, [Incoming(fanout, redelivered=False)])
    assert [d["user_id"] for d in expanded.sent] == [str(u) for u in message.recipient_ids]
    assert {d["source"] for d in expanded.sent} == {fanout["source"]}


async def test_a_batch_of_copies_the_outbox_re_announced_is_absorbed_in_one_pass(
    events: RecordingEvents,
) -> None:
    await _chat(events, 30)
    await InboxWriter(RecordingLive()).handle(_incoming(events))
    stored = await InboxEvent.find_all().count()
    again = RecordingLive()
    # Fresh deliveries, not redeliveries: the worker only learns from the inbox's unique
    # (user, source) index that it holds them all already.
    await InboxWriter(again).handle(_incoming(events, redelivered=False))
    assert await InboxEvent.find_all().count() == stored
    assert again.published == []


async def test_member_rows_stored_without_a_row_key_get_one_at_start_up(
    events: RecordingEvents,
) -> None:
    from imchat.services.migrations import backfill_member_row_keys

    _, bob, _ = await _chat(events, 1)
    collection = Member.get_pymongo_collection()
    await collection.update_many({}, {"$unset": {"row_key": ""}})
    assert await backfill_member_row_keys() == 2
    row = await collection.find_one({"user_id": bob.id})
    assert row is not None and row["row_key"] == f"{bob.id}:{row['conversation_id']}"
    assert await backfill_member_row_keys() == 0
