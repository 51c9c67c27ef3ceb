"""The push worker's work: apply deliveries to member state, append inbox events, go live.

One worker at a time owns each user (the queue's shard), so a user's events are numbered
by a counter cached here and written in order. Every step is idempotent: member rows
ignore a message seq they already applied, and the inbox refuses a (user, source) it
already holds, so a redelivered batch changes nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

from beanie import PydanticObjectId
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from imchat.channels import user_channel
from imchat.models import InboxEvent, LastMessage, Member, UserState
from imchat.models.members import row_key
from imchat.services.conversations import sum_by_user, unread_rows
from imchat.services.events import JsonDict, conversation_json, expand_fanout
from imchat.services.ports import DeliveryQueue, LivePublisher
from imchat.types import Incoming

log = logging.getLogger(__name__)

UserConversation = tuple[PydanticObjectId, PydanticObjectId]


@dataclass
class PendingEvent:
    user_id: PydanticObjectId
    source: str
    payload: JsonDict
    event_seq: int = 0


async def fan_out(queue: DeliveryQueue, items: list[Incoming]) -> None:
    """Expand fan-out deliveries into one per member and hand them on (confirmed).

    Acknowledged only after the queue confirmed every expanded delivery; a redelivered
    fan-out expands again, and the inbox ignores what it already holds.
    """
    deliveries = [d for item in items for d in expand_fanout(item.payload)]
    if deliveries:
        await queue.publish(deliveries)


class InboxWriter:
    def __init__(self, live: LivePublisher) -> None:
        self._live = live
        self._last_seq: dict[PydanticObjectId, int] = {}

    async def handle(self, items: list[Incoming]) -> None:
        """Apply one batch of deliveries; returns only when all of it is stored."""
        deliveries = _unique(items)
        if any(item.redelivered for item in items):
            deliveries = await _drop_already_applied(deliveries)
        if not deliveries:
            return
        await _apply_messages(deliveries)
        members, totals = await _read_state(deliveries)
        events = [event for d in deliveries for event in _events_for(d, members, totals)]
        stored = await self._append(events)
        await self._live.publish_many(
            [
                (
                    user_channel(str(event.user_id)),
                    json.dumps({"event_seq": event.event_seq, **event.payload}),
                )
                for event in stored
            ]
        )

    async def _append(self, events: list[PendingEvent]) -> list[PendingEvent]:
        """Insert events in order with the next eventSeqs; returns those actually stored."""
        await self._load_counters({event.user_id for event in events})
        stored: list[PendingEvent] = []
        pending = events
        for _ in range(20):
            if not pending:
                break
            counters = dict(self._last_seq)
            for event in pending:
                counters[event.user_id] += 1
                event.event_seq = counters[event.user_id]
            try:
                await InboxEvent.get_pymongo_collection().insert_many(
                    [_inbox_doc(event) for event in pending], ordered=True
                )
                inserted = len(pending)
            except BulkWriteError as error:
                inserted = int(error.details.get("nInserted", 0))
                self._commit(stored, pending[:inserted])
                failed = pending[inserted]
                problem = (error.details.get("writeErrors") or [{}])[0]
                if "source" in str(problem.get("keyPattern") or problem.get("errmsg", "")):
                    # Stored before (an earlier attempt, or a copy the outbox re-announced):
                    # drop every such event of the rest at once, not one per attempt.
                    pending = await _drop_already_stored(pending[inserted:])
                else:
                    # Another worker wrote for this user meanwhile: re-read its counter.
                    self._last_seq.pop(failed.user_id, None)
                    await self._load_counters({failed.user_id})
                    pending = pending[inserted:]
                continue
            self._commit(stored, pending[:inserted])
            pending = []
        if pending:
            raise RuntimeError("could not append inbox events")
        return stored

    def _commit(self, stored: list[PendingEvent], done: list[PendingEvent]) -> None:
        for event in done:
            self._last_seq[event.user_id] = event.event_seq
        stored.extend(done)

    async def _load_counters(self, user_ids: set[PydanticObjectId]) -> None:
        missing = [uid for uid in user_ids if uid not in self._last_seq]
        if not missing:
            return
        states = await UserState.find({"_id": {"$in": missing}}).to_list()
        known = {state.id: state.last_event_seq for state in states}
        newest = await asyncio.gather(*(_newest_inbox_seq(uid) for uid in missing))
        for uid, inbox_seq in zip(missing, newest, strict=True):
            self._last_seq[uid] = max(known.get(uid, 0), inbox_seq)


async def _newest_inbox_seq(user_id: PydanticObjectId) -> int:
    newest = (
        await InboxEvent.find(InboxEvent.user_id == user_id).sort("-event_seq").limit(1).to_list()
    )
    return newest[0].event_seq if newest else 0


def _inbox_doc(event: PendingEvent) -> dict[str, Any]:
    doc: dict[str, Any] = InboxEvent(
        user_id=event.user_id,
        event_seq=event.event_seq,
        source=event.source,
        payload=event.payload,
    ).model_dump(exclude={"id"})
    return doc


def _unique(items: list[Incoming]) -> list[JsonDict]:
    """Deliveries in arrival order, without repeats of the same (user, source)."""
    seen: set[tuple[str, str]] = set()
    unique: list[JsonDict] = []
    for item in items:
        payload = item.payload
        key = (str(payload.get("user_id")), str(payload.get("source")))
        if key in seen or "kind" not in payload:
            continue
        seen.add(key)
        unique.append(payload)
    return unique


async def _stored_sources(pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (user, source) pairs the inbox already holds."""
    if not pairs:
        return set()
    present = (
        await InboxEvent.get_pymongo_collection()
        .find(
            {
                "user_id": {"$in": list({PydanticObjectId(user) for user, _ in pairs})},
                "source": {"$in": list({source for _, source in pairs})},
            },
            projection={"user_id": True, "source": True},
        )
        .to_list()
    )
    return {(str(row["user_id"]), row["source"]) for row in present}


async def _drop_already_applied(deliveries: list[JsonDict]) -> list[JsonDict]:
    done = await _stored_sources({(d["user_id"], d["source"]) for d in deliveries})
    return [d for d in deliveries if (d["user_id"], d["source"]) not in done]


async def _drop_already_stored(events: list[PendingEvent]) -> list[PendingEvent]:
    done = await _stored_sources({(str(e.user_id), e.source) for e in events})
    return [e for e in events if (str(e.user_id), e.source) not in done]


async def _apply_messages(deliveries: list[JsonDict]) -> None:
    """Member rows after messages (last message, unread) and peers' reads, in one write."""
    operations: list[UpdateOne] = []
    for delivery in deliveries:
        if delivery["kind"] == "read" and delivery["reader_id"] != delivery["user_id"]:
            direct = {"$eq": ["$kind", "DIRECT"]}
            peer_read = {"$max": ["$peer_last_read_seq", delivery["up_to_seq"]]}
            operations.append(
                UpdateOne(
                    _row(
                        PydanticObjectId(delivery["user_id"]),
                        PydanticObjectId(delivery["conversation_id"]),
                    ),
                    [
                        {
                            "$set": {
                                "peer_last_read_seq": {
                                    "$cond": [direct, peer_read, "$peer_last_read_seq"]
                                }
                            }
                        }
                    ],
                )
            )
        if delivery["kind"] == "message":
            operations.append(_apply_message(delivery))
    if operations:
        await Member.get_pymongo_collection().bulk_write(operations, ordered=True)


# Racing senders in one conversation can be announced out of seq order (11 before 10), so
# a message applies in any order, once: its seq is checked against the last APPLIED_KEPT
# applied seqs. One arriving more than APPLIED_WINDOW seqs behind the newest is taken as
# applied (it cannot have been evicted from a list twice the window's size).
APPLIED_WINDOW = 32
APPLIED_KEPT = 2 * APPLIED_WINDOW


def in_flight_seqs(member: Member, after: int) -> list[int]:
    """Seqs above `after`, up to the row's newest, that the row has not applied yet."""
    if not member.applied_seqs:
        return []  # a row written before `applied_seqs` existed: everything was applied
    low = max(after, member.last_delivered_seq - APPLIED_WINDOW)
    applied = set(member.applied_seqs)
    return [seq for seq in range(low + 1, member.last_delivered_seq + 1) if seq not in applied]


def _row(user_id: PydanticObjectId, conversation_id: PydanticObjectId) -> JsonDict:
    """A member row by its unique key and nothing else.

    Conditions go into the update ($cond), not the filter: SecantusDB serves a filter
    from the (user_id, conversation_id) index only when it holds exactly those equalities;
    with one more clause it walked all of the user's rows (16 ms per update for a user
    with 1,000 conversations, against 1 ms).
    """
    return {"user_id": user_id, "conversation_id": conversation_id}


def _apply_message(delivery: JsonDict) -> UpdateOne:
    """One member row after one message: newest message summary, unread, own read cursor."""
    message = LastMessage.model_validate(delivery["message"])
    user_id = PydanticObjectId(delivery["user_id"])
    seq = message.seq
    applied = {"$ifNull": ["$applied_seqs", []]}
    applies = {
        "$and": [
            {"$not": [{"$in": [seq, applied]}]},
            {"$lt": ["$last_delivered_seq", seq + APPLIED_WINDOW]},
        ]
    }
    newest = {"$and": ["$_applies", {"$lt": ["$last_delivered_seq", seq]}]}

    def if_newest(then: object, otherwise: object) -> JsonDict:
        return {"$cond": [newest, then, otherwise]}

    changes: JsonDict = {
        "last_delivered_seq": {"$max": ["$last_delivered_seq", seq]},
        # $literal: message text is data, never an expression ("$price" stays "$price").
        "last_message": if_newest({"$literal": message.model_dump()}, "$last_message"),
        "updated_at": if_newest(message.created_at, "$updated_at"),
        "applied_seqs": {"$slice": [{"$concatArrays": [applied, [seq]]}, -APPLIED_KEPT]},
    }
    if user_id == message.sender_id:
        # Your own message is read by you, and so is everything before it.
        changes["last_read_seq"] = {"$max": ["$last_read_seq", seq]}
        changes["unread_count"] = if_newest(0, "$unread_count")
        changes["unread_mentions"] = if_newest(0, "$unread_mentions")
    elif message.type != "SYSTEM":
        # ("Ann added Bob" is news, not something left unread.) Not counted when the reader
        # already read past it (markRead was faster than the worker).
        mentioned = delivery["message"].get("mention_all") or str(user_id) in delivery[
            "message"
        ].get("mention_ids", ())
        unseen = {"$lt": ["$last_read_seq", seq]}
        changes["unread_count"] = {"$add": ["$unread_count", {"$cond": [unseen, 1, 0]}]}
        changes["unread_mentions"] = {
            "$add": ["$unread_mentions", {"$cond": [unseen, 1 if mentioned else 0, 0]}]
        }
    # A message already applied leaves every field as it was. The test runs once, into a
    # scratch field (half the server time of repeating it in every field's $cond).
    kept = {field: {"$cond": ["$_applies", value, f"${field}"]} for field, value in changes.items()}
    return UpdateOne(
        _row(user_id, message.conversation_id),
        [{"$set": {"_applies": applies}}, {"$set": kept}, {"$unset": "_applies"}],
    )


def _needs_conversation(delivery: JsonDict) -> UserConversation | None:
    user_id = PydanticObjectId(delivery["user_id"])
    if delivery["kind"] == "message":
        return user_id, PydanticObjectId(delivery["message"]["conversation_id"])
    if delivery["kind"] == "read" and delivery["reader_id"] == delivery["user_id"]:
        return user_id, PydanticObjectId(delivery["conversation_id"])
    return None


async def _read_state(
    deliveries: list[JsonDict],
) -> tuple[dict[UserConversation, Member], dict[PydanticObjectId, int]]:
    """The member rows the batch touched, and each affected user's unread total."""
    wanted = {pair for pair in map(_needs_conversation, deliveries) if pair is not None}
    if not wanted:
        return {}, {}
    users = list({user for user, _ in wanted})
    # Two indexed reads side by side, each touching only the rows it returns: the touched
    # rows by their one-field key, and the rows that add to a total (unread_rows). (SecantusDB
    # plans a top-level `$or` as a collection scan, and serves `$in` on user_id and
    # conversation_id by walking every row of those users or conversations: 20 ms for a
    # user with 1,000 conversations, 85 ms for 60 members of a group of 1,000;
    # bench/secantus_shapes.py.)
    touched, unread = await asyncio.gather(
        Member.get_pymongo_collection()
        .find({"row_key": {"$in": [row_key(u, c) for u, c in wanted]}})
        .to_list(),
        unread_rows(users),
    )
    members = {(m.user_id, m.conversation_id): m for m in map(Member.model_validate, touched)}
    # Touched rows are newer than the other read: theirs is the count.
    for key, member in members.items():
        unread[key] = member.unread_count if member.active else 0
    return members, sum_by_user(unread, users)


def _events_for(
    delivery: JsonDict,
    members: dict[UserConversation, Member],
    totals: dict[PydanticObjectId, int],
) -> list[PendingEvent]:
    user_id = PydanticObjectId(delivery["user_id"])
    source = delivery["source"]
    kind = delivery["kind"]
    events: list[PendingEvent] = []
    if kind == "message":
        events.append(
            PendingEvent(user_id, source, {"type": "message", "message": delivery["message"]})
        )
    elif kind == "read":
        events.append(
            PendingEvent(
                user_id,
                source,
                {
                    "type": "read",
                    "conversation_id": delivery["conversation_id"],
                    "user_id": delivery["reader_id"],
                    "up_to_seq": delivery["up_to_seq"],
                },
            )
        )
    elif kind == "group":
        events.append(
            PendingEvent(
                user_id,
                source,
                {
                    "type": "group",
                    "group_id": delivery["group_id"],
                    "change": delivery["change"],
                    "actor_id": delivery["actor_id"],
                    "user_ids": delivery["user_ids"],
                },
            )
        )
    elif kind == "friend_request":
        events.append(
            PendingEvent(
                user_id, source, {"type": "friend_request", "request": delivery["request"]}
            )
        )
    else:
        log.warning("Ignoring a delivery of unknown kind %r", kind)
    pair = _needs_conversation(delivery)
    member = members.get(pair) if pair else None
    if member is not None:
        events.append(
            PendingEvent(
                user_id,
                f"{source}#conversation",
                {
                    "type": "conversation",
                    "conversation": conversation_json(member),
                    "total_unread": totals.get(user_id, 0),
                },
            )
        )
    return events
