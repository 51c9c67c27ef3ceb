"""Conversations: a direct pair or a group, with the last allocated message seq."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import IndexModel

from imchat.models.clock import utcnow


class ConversationKind(StrEnum):
    DIRECT = "DIRECT"
    GROUP = "GROUP"


class Conversation(Document):
    kind: ConversationKind
    member_ids: list[PydanticObjectId]
    # Direct conversations are keyed by their sorted pair so a pair has exactly one.
    pair_key: str
    group_id: PydanticObjectId | None = None
    last_seq: int = 0
    # The most recent seq claims, newest last (see services.conversations.claim_seq).
    seq_claims: list[int] = Field(default_factory=list)
    # False while nobody may post: a direct pair that is no longer friends.
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "conversations"
        indexes = [IndexModel([("pair_key", pymongo.ASCENDING)], unique=True)]


def direct_pair_key(a: object, b: object) -> str:
    first, second = sorted((str(a), str(b)))
    return f"direct:{first}:{second}"
