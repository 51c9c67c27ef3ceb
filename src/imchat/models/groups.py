"""Groups and their membership rows (kept beside friendship rows, as the seed does)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import IndexModel

from imchat.models.clock import utcnow


class GroupRole(StrEnum):
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    MEMBER = "MEMBER"


class Group(Document):
    name: str
    name_lower: str
    avatar_url: str | None = None
    owner_id: PydanticObjectId
    conversation_id: PydanticObjectId
    member_count: int = 0
    # Listed by searchGroups and open to join requests.
    open_to_join: bool = True
    # New members see history from when they joined (False: the whole history).
    history_from_join: bool = True
    dissolved: bool = False
    created_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "groups"
        indexes = [
            IndexModel([("name_lower", pymongo.ASCENDING)]),
            IndexModel([("conversation_id", pymongo.ASCENDING)], unique=True),
        ]


class GroupMembership(Document):
    group_id: PydanticObjectId
    user_id: PydanticObjectId
    role: GroupRole = GroupRole.MEMBER
    joined_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "group_memberships"
        indexes = [
            IndexModel(
                [("group_id", pymongo.ASCENDING), ("user_id", pymongo.ASCENDING)], unique=True
            ),
            IndexModel([("user_id", pymongo.ASCENDING), ("joined_at", pymongo.DESCENDING)]),
            IndexModel([("group_id", pymongo.ASCENDING), ("joined_at", pymongo.ASCENDING)]),
        ]
