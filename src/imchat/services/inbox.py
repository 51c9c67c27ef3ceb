"""Reading a user's inbox: replay after an eventSeq, the resume check, trimming."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from beanie import PydanticObjectId
from pymongo import UpdateOne

from imchat.models import InboxEvent, UserState
from imchat.models.clock import utcnow

REPLAY_PAGE = 500


@dataclass(frozen=True)
class ResumePoint:
    latest: int
    # False when events after `since` were trimmed (or `since` is from another history):
    # the client must refetch its state instead of trusting a replay.
    complete: bool


def event_json(event: InboxEvent) -> dict[str, Any]:
    return {"event_seq": event.event_seq, **event.payload}


async def latest_event_seq(user_id: PydanticObjectId) -> int:
    state = await UserState.get(user_id)
    newest = (
        await InboxEvent.find(InboxEvent.user_id == user_id).sort("-event_seq").limit(1).to_list()
    )
    return max(state.last_event_seq if state else 0, newest[0].event_seq if newest else 0)


async def resume_point(user_id: PydanticObjectId, since: int) -> ResumePoint:
    latest = await latest_event_seq(user_id)
    if since > latest:
        return ResumePoint(latest, complete=False)
    oldest = (
        await InboxEvent.find(InboxEvent.user_id == user_id).sort("event_seq").limit(1).to_list()
    )
    first_kept = oldest[0].event_seq if oldest else latest + 1
    return ResumePoint(latest, complete=since >= first_kept - 1)


async def events_after(
    user_id: PydanticObjectId, after_seq: int, limit: int = REPLAY_PAGE
) -> list[dict[str, Any]]:
    rows = (
        await InboxEvent.find({"user_id": user_id, "event_seq": {"$gt": after_seq}})
        .sort("event_seq")
        .limit(limit)
        .to_list()
    )
    return [event_json(row) for row in rows]


async def trim_inbox(retention: timedelta) -> int:
    """Delete inbox events older than the retention window; returns how many.

    Each user's highest trimmed eventSeq is kept in `user_states` first: the worker
    continues a user's numbering from the newest of that and the inbox, so an eventSeq
    is never reused, without a counter write on every delivery.
    """
    cutoff = {"created_at": {"$lt": utcnow() - retention}}
    collection = InboxEvent.get_pymongo_collection()
    newest = await collection.aggregate(
        [{"$match": cutoff}, {"$group": {"_id": "$user_id", "seq": {"$max": "$event_seq"}}}]
    )
    keep = [
        UpdateOne({"_id": row["_id"]}, {"$max": {"last_event_seq": row["seq"]}}, upsert=True)
        async for row in newest
    ]
    if keep:
        await UserState.get_pymongo_collection().bulk_write(keep, ordered=False)
    result = await collection.delete_many(cutoff)
    return int(result.deleted_count)
