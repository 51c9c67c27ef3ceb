"""Per-user state of one conversation: read cursor, unread count, last message summary."""

from __future__ import annotations

from datetime import datetime

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field, model_validator
from pymongo import IndexModel

from imchat.models.clock import utcnow
from imchat.models.conversations import ConversationKind


class LastMessage(BaseModel):
    """A copy of the newest message, so the home list needs no second query."""

    id: PydanticObjectId
    conversation_id: PydanticObjectId
    seq: int
    sender_id: PydanticObjectId
    type: str
    content: str | None
    client_id: str
    created_at: datetime


def row_key(user_id: object, conversation_id: object) -> str:
    return f"{user_id}:{conversation_id}"


class Member(Document):
    user_id: PydanticObjectId
    conversation_id: PydanticObjectId
    # `row_key(user_id, conversation_id)`: one indexed field, so a batch of exact rows is one
    # `$in` (SecantusDB serves `$in` on two fields by walking every row of those users).
    row_key: str = ""
    # Copied from the conversation so the home list is one query.
    kind: ConversationKind = ConversationKind.DIRECT
    peer_id: PydanticObjectId | None = None
    group_id: PydanticObjectId | None = None
    # The member sees messages after this seq (history from when they joined).
    joined_after_seq: int = 0
    last_read_seq: int = 0
    # Direct conversations: how far the other person has read (for "Read" marks).
    peer_last_read_seq: int = 0
    # Highest message seq applied to this row.
    last_delivered_seq: int = 0
    # The seqs applied most recently, in arrival order: a message whose seq is here (or is
    # older than the window services.delivery keeps) is not applied again.
    applied_seqs: list[int] = Field(default_factory=list)
    unread_count: int = 0
    unread_mentions: int = 0
    # Set when the member left or was removed: they may read history up to here only.
    left_after_seq: int | None = None
    last_message: LastMessage | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    active: bool = True

    @model_validator(mode="after")
    def _keyed(self) -> Member:
        self.row_key = row_key(self.user_id, self.conversation_id)
        return self

    class Settings:
        name = "members"
        indexes = [
            IndexModel([("row_key", pymongo.ASCENDING)]),
            IndexModel(
                [("user_id", pymongo.ASCENDING), ("conversation_id", pymongo.ASCENDING)],
                unique=True,
            ),
            # The home list: my rows, newest activity first.
            IndexModel([("user_id", pymongo.ASCENDING), ("updated_at", pymongo.DESCENDING)]),
            # Unread totals: only the rows that add to one, so a user with thousands of
            # read conversations costs nothing here.
            IndexModel(
                [("user_id", pymongo.ASCENDING)],
                name="unread_by_user",
                partialFilterExpression={"unread_count": {"$gt": 0}, "active": True},
            ),
            # readCount: how many members' cursors reached a seq.
            IndexModel(
                [("conversation_id", pymongo.ASCENDING), ("last_read_seq", pymongo.ASCENDING)]
            ),
        ]
