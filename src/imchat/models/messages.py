"""Messages: persisted before anything is announced, ordered by a per-conversation seq."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import IndexModel

from imchat.models.clock import utcnow


class MessageType(StrEnum):
    TEXT = "TEXT"
    IMAGE = "IMAGE"
    FILE = "FILE"
    SYSTEM = "SYSTEM"


class Message(Document):
    conversation_id: PydanticObjectId
    seq: int
    sender_id: PydanticObjectId
    type: MessageType
    content: str | None = None
    client_id: str
    mention_ids: list[PydanticObjectId] = Field(default_factory=list)
    mention_all: bool = False
    # Who should receive it, fixed when it was accepted: the fan-out needs no lookup.
    recipient_ids: list[PydanticObjectId]
    created_at: datetime = Field(default_factory=utcnow)
    # Outbox flag: false until the queue confirmed the announcement; the sweeper re-announces.
    dispatched: bool = False

    async def store(self) -> None:
        """Insert this new message.

        Straight through pymongo: Beanie's `insert` builds a pydantic TypeAdapter for the
        returned id on every call, about a tenth of a send's CPU in the profile.
        """
        self.id = PydanticObjectId()
        await self.get_pymongo_collection().insert_one(self.model_dump(by_alias=True))

    class Settings:
        name = "messages"
        indexes = [
            IndexModel(
                [("conversation_id", pymongo.ASCENDING), ("seq", pymongo.ASCENDING)], unique=True
            ),
            IndexModel(
                [("sender_id", pymongo.ASCENDING), ("client_id", pymongo.ASCENDING)], unique=True
            ),
            IndexModel([("dispatched", pymongo.ASCENDING), ("created_at", pymongo.ASCENDING)]),
        ]
