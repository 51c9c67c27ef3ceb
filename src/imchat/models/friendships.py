"""Friendship rows: two per pair, one owned by each side (the seed's user-center table)."""

from __future__ import annotations

from datetime import datetime

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import IndexModel

from imchat.models.clock import utcnow


class Friendship(Document):
    user_id: PydanticObjectId
    friend_id: PydanticObjectId
    conversation_id: PydanticObjectId
    since: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "friendships"
        indexes = [
            IndexModel(
                [("user_id", pymongo.ASCENDING), ("friend_id", pymongo.ASCENDING)], unique=True
            ),
        ]
