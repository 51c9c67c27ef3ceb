"""Conversation access and the home list: one member row per user and conversation."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime

from beanie import PydanticObjectId, SortDirection

from imchat.errors import bad_input, not_found
from imchat.models import Member
from imchat.services.validation import check_page_size


@dataclass(frozen=True)
class Page:
    members: list[Member]
    has_next: bool


async def member_of(
    user_id: PydanticObjectId, conversation_id: PydanticObjectId, *, including_former: bool = False
) -> Member:
    """The caller's row of a conversation; NOT_FOUND when they are not in it (no leak).

    Former members (who left or were removed) count only where `including_former` says so:
    they may still read history up to the point they left.
    """
    member = await Member.find_one({"user_id": user_id, "conversation_id": conversation_id})
    if member is None or not (member.active or including_former):
        raise not_found("Conversation")
    return member


def conversation_cursor(member: Member) -> str:
    raw = f"{member.updated_at.timestamp():.6f}:{member.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _parse_cursor(cursor: str) -> tuple[datetime, PydanticObjectId]:
    try:
        stamp, _, member_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        return datetime.fromtimestamp(float(stamp), UTC), PydanticObjectId(member_id)
    except (ValueError, TypeError):
        raise bad_input("Invalid cursor") from None


async def list_conversations(
    user_id: PydanticObjectId, first: int | None, after: str | None
) -> Page:
    """Newest activity first, one indexed query."""
    size = check_page_size(first, default=50)
    # Every row is listed once it has a message: groups you left or were removed from stay
    # (read-only, `active` false), as chat apps show them.
    query: dict[str, object] = {"user_id": user_id, "last_message": {"$ne": None}}
    if after:
        stamp, member_id = _parse_cursor(after)
        query["$or"] = [
            {"updated_at": {"$lt": stamp}},
            {"updated_at": stamp, "_id": {"$lt": member_id}},
        ]
    rows = (
        await Member.find(query)
        .sort([("updated_at", SortDirection.DESCENDING), ("_id", SortDirection.DESCENDING)])
        .limit(size + 1)
        .to_list()
    )
    return Page(rows[:size], len(rows) > size)


async def unread_rows(
    user_ids: list[PydanticObjectId],
) -> dict[tuple[PydanticObjectId, PydanticObjectId], int]:
    """The unread count of each (user, conversation) that adds to one of these users' totals."""
    if not user_ids:
        return {}
    # This exact shape is served by the partial index `unread_by_user`, which holds only
    # rows that add to a total: a user's read conversations cost nothing here.
    rows = (
        await Member.get_pymongo_collection()
        .find(
            {"user_id": {"$in": user_ids}, "unread_count": {"$gt": 0}, "active": True},
            projection={"user_id": True, "conversation_id": True, "unread_count": True},
        )
        .to_list()
    )
    return {
        (PydanticObjectId(row["user_id"]), PydanticObjectId(row["conversation_id"])): int(
            row["unread_count"]
        )
        for row in rows
    }


def sum_by_user(
    counts: dict[tuple[PydanticObjectId, PydanticObjectId], int], user_ids: list[PydanticObjectId]
) -> dict[PydanticObjectId, int]:
    totals = dict.fromkeys(user_ids, 0)
    for (user_id, _), count in counts.items():
        totals[user_id] += count
    return totals


async def total_unread(user_id: PydanticObjectId) -> int:
    """The user's unread total, summed from their member rows (always repairable)."""
    return sum((await unread_rows([user_id])).values())


async def read_count(
    conversation_id: PydanticObjectId, sender_id: PydanticObjectId, seq: int
) -> int:
    """How many other members' read cursors have reached `seq` (an index count, no scan)."""
    return await Member.find(
        {
            "conversation_id": conversation_id,
            "last_read_seq": {"$gte": seq},
            "user_id": {"$ne": sender_id},
            "active": True,
        }
    ).count()
