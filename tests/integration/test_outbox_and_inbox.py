"""The outbox sweeper and the inbox retention window, on a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from imchat.models import InboxEvent, Message
from imchat.services import inbox, messages
from imchat.services.outbox import DispatchLog, sweep_undispatched
from imchat.services.seqs import SeqHints
from tests.factories import befriend, create_user, uid
from tests.integration.conftest import RecordingEvents

pytestmark = pytest.mark.usefixtures("db")


class BrokenQueue:
    async def publish(self, deliveries: object) -> None:
        raise ConnectionError("broker down")


async def test_a_message_the_broker_never_confirmed_is_announced_by_the_sweeper(
    events: RecordingEvents,
) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    await befriend(events, ann, bob)
    sent = await messages.send_message(
        BrokenQueue(),
        DispatchLog(),
        SeqHints(),
        uid(ann),
        messages.SendMessageRequest(client_id="c1", content="while down", to_user_id=uid(bob)),
    )
    stored = await Message.get(sent.id)  # type: ignore[arg-type]
    assert stored is not None and stored.dispatched is False

    recovered = RecordingEvents()
    assert await sweep_undispatched(recovered, older_than=timedelta(0)) == 1
    assert {d["user_id"] for d in recovered.sent} == {str(ann.id), str(bob.id)}
    assert all(d["source"] == f"msg:{sent.id}" for d in recovered.sent)
    assert (await Message.get(sent.id)).dispatched is True  # type: ignore[arg-type,union-attr]
    assert await sweep_undispatched(recovered, older_than=timedelta(0)) == 0


async def test_confirmed_messages_are_marked_dispatched_in_one_write(
    events: RecordingEvents,
) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    await befriend(events, ann, bob)
    log = DispatchLog()
    for i in range(3):
        await messages.send_message(
            events,
            log,
            SeqHints(),
            uid(ann),
            messages.SendMessageRequest(client_id=f"d{i}", content="ok", to_user_id=uid(bob)),
        )
    await log.flush()
    assert await Message.find(Message.dispatched == False).count() == 0  # noqa: E712


async def _inbox_of(count: int) -> object:
    user = await create_user("inboxed")
    for seq in range(1, count + 1):
        await InboxEvent(user_id=uid(user), event_seq=seq, source=f"s{seq}", payload={}).insert()
    return user


async def test_resume_inside_the_retention_window_is_complete() -> None:
    user = await _inbox_of(5)
    point = await inbox.resume_point(uid(user), 2)  # type: ignore[arg-type]
    assert point.complete and point.latest == 5
    replay = await inbox.events_after(uid(user), 2)  # type: ignore[arg-type]
    assert [e["event_seq"] for e in replay] == [3, 4, 5]


async def test_resume_from_before_trimmed_events_asks_for_a_resync() -> None:
    user = await _inbox_of(5)
    await InboxEvent.find(InboxEvent.event_seq <= 3).delete()
    assert (await inbox.resume_point(uid(user), 3)).complete  # type: ignore[arg-type]
    assert not (await inbox.resume_point(uid(user), 2)).complete  # type: ignore[arg-type]


async def test_trimming_removes_only_events_past_retention() -> None:
    await _inbox_of(3)
    assert await inbox.trim_inbox(timedelta(days=7)) == 0
    assert await inbox.trim_inbox(timedelta(seconds=-1)) == 3


async def test_numbering_continues_after_a_users_whole_inbox_was_trimmed(
    events: RecordingEvents,
) -> None:
    from imchat.services.delivery import InboxWriter
    from imchat.services.friends import request_friend
    from imchat.types import Incoming
    from tests.integration.test_delivery import RecordingLive

    user = await _inbox_of(3)
    await inbox.trim_inbox(timedelta(seconds=-1))
    other = await create_user("other")
    await request_friend(events, uid(other), uid(user), None)  # type: ignore[arg-type]
    await InboxWriter(RecordingLive()).handle([Incoming(d, False) for d in events.sent])
    [event] = await InboxEvent.find(InboxEvent.user_id == uid(user)).to_list()  # type: ignore[arg-type]
    assert event.event_seq == 4
