"""Friend and group requests in one table, as the seed design keeps them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import IndexModel

from imchat.models.clock import utcnow


class RequestKind(StrEnum):
    FRIEND = "FRIEND"
    GROUP = "GROUP"


class RequestStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


class FriendRequest(Document):
    kind: RequestKind
    from_id: PydanticObjectId
    to_id: PydanticObjectId
    group_id: PydanticObjectId | None = None
    # GROUP kind: an invitation (answered by the invitee) rather than a join request
    # (answered by the group's owner or an admin).
    invitation: bool = False
    status: RequestStatus = RequestStatus.PENDING
    note: str | None = None
    # Unique while pending, so two racing identical requests leave one row; a settled
    # request gets its own id appended, freeing the key for a later request.
    pending_key: str
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "requests"
        indexes = [
            IndexModel([("pending_key", pymongo.ASCENDING)], unique=True),
            IndexModel(
                [
                    ("to_id", pymongo.ASCENDING),
                    ("status", pymongo.ASCENDING),
                    ("created_at", pymongo.DESCENDING),
                ]
            ),
            IndexModel(
                [
                    ("from_id", pymongo.ASCENDING),
                    ("status", pymongo.ASCENDING),
                    ("created_at", pymongo.DESCENDING),
                ]
            ),
        ]


def pending_key(kind: RequestKind, from_id: object, to_id: object, group_id: object) -> str:
    return f"{kind}:{from_id}:{to_id}:{group_id or '-'}"
