"""Conversation access and the home list: one member row per user and conversation."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from beanie import PydanticObjectId, SortDirection

from imchat.errors import ErrorCode, ImchatError, bad_input, forbidden, not_found
from imchat.models import Conversation, Member
from imchat.models.conversations import direct_pair_key
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


async def allocate_seq(
    sender_id: PydanticObjectId,
    conversation_id: PydanticObjectId | None,
    to_user_id: PydanticObjectId | None,
) -> tuple[Conversation, int]:
    """Authorise a send and take the conversation's next seq, in one atomic step."""
    if (conversation_id is None) == (to_user_id is None):
        raise bad_input("Give exactly one of conversationId and toUserId")
    where: dict[str, object] = (
        {"_id": conversation_id}
        if conversation_id is not None
        else {"pair_key": direct_pair_key(sender_id, to_user_id)}
    )
    # Membership and "still friends" (an inactive pair) are part of the claim's filter, so
    # a refused send allocates nothing.
    claimed = await claim_seq(where, {"member_ids": sender_id, "active": True})
    if claimed is None:
        raise await _why_not_allowed(sender_id, where, to_user_id)
    return claimed


# How many recent claims a conversation remembers: a sender finds its own claim among
# them even if this many other sends claimed a seq between its update and its read.
SEQ_CLAIMS = 64


async def claim_seq(
    where: dict[str, object], condition: dict[str, object] | None = None
) -> tuple[Conversation, int] | None:
    """Take the next seq of the conversation `where` names; None if it (or `condition`) fails.

    Not findAndModify: SecantusDB wraps that command's query in `$and`, which its planner
    never serves from an index, so every call scanned the whole collection (28 ms at 5,000
    conversations, measured). An indexed `$inc` that also appends a random claim to a
    capped list, then a read by the same key, gives the same exact answer: the claims
    after ours are the seqs taken after ours.
    """
    claim = secrets.randbits(63)
    collection = Conversation.get_pymongo_collection()
    result = await collection.update_one(
        {**where, **(condition or {})},
        {
            "$inc": {"last_seq": 1},
            "$push": {"seq_claims": {"$each": [claim], "$slice": -SEQ_CLAIMS}},
        },
    )
    if result.matched_count == 0:
        return None
    found = await collection.find_one(where)
    claims: list[int] = (found or {}).get("seq_claims", [])
    if found is None or claim not in claims:
        # More than SEQ_CLAIMS sends in between (or the conversation went away): the
        # seq is skipped, which the contract allows, and the client retries.
        raise ImchatError(ErrorCode.CONFLICT, "The conversation is busy; retry")
    conversation = Conversation.model_validate(found)
    return conversation, conversation.last_seq - (len(claims) - 1 - claims.index(claim))


async def _why_not_allowed(
    sender_id: PydanticObjectId, where: dict[str, object], to_user_id: PydanticObjectId | None
) -> ImchatError:
    conversation = await Conversation.find_one(where)
    if conversation is None or sender_id not in conversation.member_ids:
        if to_user_id is not None:
            return forbidden("You can only message your friends")
        return not_found("Conversation")
    return forbidden("You can only message your friends")


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


async def unread_totals(user_ids: list[PydanticObjectId]) -> dict[PydanticObjectId, int]:
    """Each user's unread total, summed from their member rows (always repairable)."""
    if not user_ids:
        return {}
    pipeline: list[dict[str, object]] = [
        {"$match": {"user_id": {"$in": user_ids}, "active": True, "unread_count": {"$gt": 0}}},
        {"$group": {"_id": "$user_id", "total": {"$sum": "$unread_count"}}},
    ]
    rows = await Member.get_pymongo_collection().aggregate(pipeline)
    totals = dict.fromkeys(user_ids, 0)
    async for row in rows:
        totals[PydanticObjectId(row["_id"])] = int(row["total"])
    return totals


async def total_unread(user_id: PydanticObjectId) -> int:
    return (await unread_totals([user_id]))[user_id]


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
