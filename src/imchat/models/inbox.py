"""Each user's inbox: every durable event for them, numbered by a gapless per-user eventSeq."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import IndexModel

from imchat.models.clock import utcnow


class InboxEvent(Document):
    user_id: PydanticObjectId
    event_seq: int
    # What caused it (e.g. "msg:<id>"); unique per user so a redelivery appends nothing.
    source: str
    payload: dict[str, Any]
    created_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "inbox"
        indexes = [
            IndexModel(
                [("user_id", pymongo.ASCENDING), ("event_seq", pymongo.ASCENDING)], unique=True
            ),
            IndexModel(
                [("user_id", pymongo.ASCENDING), ("source", pymongo.ASCENDING)], unique=True
            ),
            IndexModel([("created_at", pymongo.ASCENDING)]),
        ]


class UserState(Document):
    """Per-user counters that must never go backwards, even after the inbox is trimmed."""

    id: PydanticObjectId  # the user's id
    last_event_seq: int = 0

    class Settings:
        name = "user_states"
