"""GraphQL types for messages, conversations and the event stream."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from beanie import PydanticObjectId

from imchat.models import Group
from imchat.schema.context import Info
from imchat.schema.group_types import GroupChange
from imchat.schema.types import FriendRequestType, GroupSummaryNode, UserType, load_user
from imchat.services.conversations import read_count


@strawberry.enum(name="MessageType")
class MessageKind(Enum):
    TEXT = "TEXT"
    IMAGE = "IMAGE"
    FILE = "FILE"
    SYSTEM = "SYSTEM"


@strawberry.enum
class ConversationKind(Enum):
    DIRECT = "DIRECT"
    GROUP = "GROUP"


@strawberry.type(name="Message")
class MessageNode:
    id: strawberry.ID
    conversation_id: strawberry.ID
    seq: int
    type: MessageKind
    content: str | None
    client_id: str
    created_at: datetime
    mentions: list[strawberry.ID]
    mention_all: bool
    sender_id: strawberry.Private[str]

    @strawberry.field(
        description="For your own messages: how many other members have read up to it."
    )
    async def read_count(self, info: Info) -> int | None:
        if str(info.context.user_id) != self.sender_id:
            return None
        return await read_count(
            PydanticObjectId(self.conversation_id), PydanticObjectId(self.sender_id), self.seq
        )

    @strawberry.field
    async def sender(self, info: Info) -> UserType:
        return await load_user(info, PydanticObjectId(self.sender_id))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MessageNode:
        created = data["created_at"]
        return cls(
            id=strawberry.ID(str(data["id"])),
            conversation_id=strawberry.ID(str(data["conversation_id"])),
            seq=int(data["seq"]),
            type=MessageKind(data["type"]),
            content=data.get("content"),
            client_id=data["client_id"],
            created_at=created
            if isinstance(created, datetime)
            else datetime.fromisoformat(created),
            mentions=[strawberry.ID(str(m)) for m in data.get("mention_ids") or []],
            mention_all=bool(data.get("mention_all")),
            sender_id=str(data["sender_id"]),
        )


@strawberry.type(name="Conversation")
class ConversationNode:
    id: strawberry.ID
    kind: ConversationKind
    last_message: MessageNode | None
    unread_count: int
    unread_mentions: int
    is_member: bool = strawberry.field(
        description="False for a group you left or were removed from: history is read-only"
    )
    last_read_seq: int
    peer_last_read_seq: int = strawberry.field(
        description="Direct conversations: how far the other person has read"
    )
    updated_at: datetime
    peer_id: strawberry.Private[str | None]
    group_id: strawberry.Private[str | None]

    @strawberry.field
    async def group(self) -> GroupSummaryNode | None:
        """The group of a GROUP conversation."""
        if not self.group_id:
            return None
        found = await Group.get(PydanticObjectId(self.group_id))
        return GroupSummaryNode.from_model(found) if found else None

    @strawberry.field
    async def peer(self, info: Info) -> UserType | None:
        """The other person of a direct conversation."""
        return await load_user(info, PydanticObjectId(self.peer_id)) if self.peer_id else None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConversationNode:
        last = data.get("last_message")
        updated = data["updated_at"]
        return cls(
            id=strawberry.ID(str(data["id"])),
            kind=ConversationKind(data["kind"]),
            last_message=MessageNode.from_json(last) if last else None,
            unread_count=int(data["unread_count"]),
            unread_mentions=int(data.get("unread_mentions", 0)),
            is_member=bool(data.get("active", True)),
            last_read_seq=int(data["last_read_seq"]),
            peer_last_read_seq=int(data.get("peer_last_read_seq", 0)),
            updated_at=updated
            if isinstance(updated, datetime)
            else datetime.fromisoformat(updated),
            peer_id=data.get("peer_id"),
            group_id=data.get("group_id"),
        )


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class ConversationEdge:
    cursor: str
    node: ConversationNode


@strawberry.type
class ConversationConnection:
    edges: list[ConversationEdge]
    page_info: PageInfo


@strawberry.type
class MessageEdge:
    cursor: str
    node: MessageNode


@strawberry.type
class MessageConnection:
    edges: list[MessageEdge]
    page_info: PageInfo


@strawberry.input
class SendMessageInput:
    client_id: str
    conversation_id: strawberry.ID | None = None
    to_user_id: strawberry.ID | None = None
    type: MessageKind = MessageKind.TEXT
    content: str | None = None
    mentions: list[strawberry.ID] | None = None
    mention_all: bool = strawberry.field(
        default=False, description="@all: for a group's owner and admins"
    )


@strawberry.type
class MessageEvent:
    event_seq: int
    message: MessageNode


@strawberry.type
class ReadReceiptEvent:
    event_seq: int
    conversation_id: strawberry.ID
    user_id: strawberry.ID
    up_to_seq: int


@strawberry.type
class FriendRequestEvent:
    event_seq: int
    request: FriendRequestType


@strawberry.type
class TypingEvent:
    conversation_id: strawberry.ID
    user_id: strawberry.ID


@strawberry.type
class PresenceEvent:
    user_id: strawberry.ID
    online: bool
    devices: list[str]


@strawberry.type
class ConversationUpdatedEvent:
    event_seq: int
    conversation: ConversationNode
    total_unread: int


@strawberry.type
class GroupEvent:
    event_seq: int
    group_id: strawberry.ID
    change: GroupChange
    actor_id: strawberry.ID
    user_ids: list[strawberry.ID]

    @strawberry.field
    async def group(self) -> GroupSummaryNode | None:
        found = await Group.get(PydanticObjectId(self.group_id))
        return GroupSummaryNode.from_model(found) if found else None


@strawberry.type
class ResyncRequiredEvent:
    """Events after your `since` are no longer kept: refetch state, resume from latestEventSeq."""

    latest_event_seq: int


ChatEvent = Annotated[
    MessageEvent
    | ReadReceiptEvent
    | FriendRequestEvent
    | TypingEvent
    | PresenceEvent
    | ConversationUpdatedEvent
    | GroupEvent
    | ResyncRequiredEvent,
    strawberry.union("ChatEvent"),
]
