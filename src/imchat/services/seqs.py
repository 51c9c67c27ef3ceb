"""Message seqs: authorising a send and taking the conversation's next seq in one step.

Not findAndModify: SecantusDB wraps that command's query in `$and`, which its planner
never serves from an index, so every call scanned the whole collection (28 ms a call at
5,000 conversations, measured). Two indexed forms replace it:

- a compare-and-set on what this process last saw of the conversation (members, "still
  friends", last seq): one round trip, exact, and it simply misses when anything changed;
- a claim: an `$inc` that also appends a random number to a capped list, then a read by
  the same key. Every increment appends exactly one claim, so the claims after ours are
  the seqs taken after ours, however many senders came in between (up to SEQ_CLAIMS).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from beanie import PydanticObjectId

from imchat.errors import ErrorCode, ImchatError, bad_input, forbidden, not_found
from imchat.models import Conversation
from imchat.models.conversations import direct_pair_key

# How many recent claims a conversation remembers.
SEQ_CLAIMS = 64


@dataclass(frozen=True)
class SeqClaim:
    """A seq taken, with the members the conversation had at that instant."""

    conversation_id: PydanticObjectId
    member_ids: tuple[PydanticObjectId, ...]
    seq: int


class SeqHints:
    """What this process last saw of the conversations it sent to, for the compare-and-set.

    A stale hint costs one extra round trip and nothing else: the compare-and-set names
    the exact member list, the active flag and the last seq, so it cannot match a
    conversation that changed.
    """

    def __init__(self, capacity: int = 100_000) -> None:
        self._capacity = capacity
        self._seen: dict[str, SeqClaim] = {}

    def get(self, key: str) -> SeqClaim | None:
        return self._seen.get(key)

    def remember(self, key: str, claim: SeqClaim) -> None:
        if len(self._seen) >= self._capacity:
            self._seen.clear()
        self._seen[key] = claim


async def allocate_seq(
    sender_id: PydanticObjectId,
    conversation_id: PydanticObjectId | None,
    to_user_id: PydanticObjectId | None,
    hints: SeqHints,
) -> SeqClaim:
    """Authorise a send and take the conversation's next seq, atomically."""
    if (conversation_id is None) == (to_user_id is None):
        raise bad_input("Give exactly one of conversationId and toUserId")
    where: dict[str, object]
    if conversation_id is not None:
        key, where = str(conversation_id), {"_id": conversation_id}
    else:
        key = direct_pair_key(sender_id, to_user_id)
        where = {"pair_key": key}
    hint = hints.get(key)
    claim = None
    if hint is not None and sender_id in hint.member_ids:
        claim = await _compare_and_claim(hint)
    if claim is None:
        # Membership and "still friends" (an inactive pair) are part of the claim's
        # filter, so a refused send allocates nothing.
        claim = await claim_seq(where, {"member_ids": sender_id, "active": True})
    if claim is None:
        raise await _why_not_allowed(sender_id, where, to_user_id)
    hints.remember(key, claim)
    return claim


def _claim_update(claim: int) -> dict[str, Any]:
    return {
        "$inc": {"last_seq": 1},
        "$push": {"seq_claims": {"$each": [claim], "$slice": -SEQ_CLAIMS}},
    }


async def _compare_and_claim(hint: SeqClaim) -> SeqClaim | None:
    result = await Conversation.get_pymongo_collection().update_one(
        {
            "_id": hint.conversation_id,
            "member_ids": list(hint.member_ids),
            "active": True,
            "last_seq": hint.seq,
        },
        _claim_update(secrets.randbits(63)),
    )
    if result.matched_count == 0:
        return None
    return SeqClaim(hint.conversation_id, hint.member_ids, hint.seq + 1)


async def claim_seq(
    where: dict[str, object], condition: dict[str, object] | None = None
) -> SeqClaim | None:
    """Take the next seq of the conversation `where` names; None if it (or `condition`) fails."""
    claim = secrets.randbits(63)
    collection = Conversation.get_pymongo_collection()
    result = await collection.update_one({**where, **(condition or {})}, _claim_update(claim))
    if result.matched_count == 0:
        return None
    found = await collection.find_one(where)
    claims: list[int] = (found or {}).get("seq_claims", [])
    if found is None or claim not in claims:
        # More than SEQ_CLAIMS sends in between (or the conversation went away): the
        # seq is skipped, which the contract allows, and the client retries.
        raise ImchatError(ErrorCode.CONFLICT, "The conversation is busy; retry")
    conversation = Conversation.model_validate(found)
    return SeqClaim(
        PydanticObjectId(found["_id"]),
        tuple(conversation.member_ids),
        conversation.last_seq - (len(claims) - 1 - claims.index(claim)),
    )


async def _why_not_allowed(
    sender_id: PydanticObjectId, where: dict[str, object], to_user_id: PydanticObjectId | None
) -> ImchatError:
    conversation = await Conversation.find_one(where)
    if conversation is None or sender_id not in conversation.member_ids:
        if to_user_id is not None:
            return forbidden("You can only message your friends")
        return not_found("Conversation")
    return forbidden("You can only message your friends")
