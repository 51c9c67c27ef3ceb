"""Beanie documents, one collection each, with the indexes the product's queries use."""

from __future__ import annotations

from beanie import Document

from imchat.models.conversations import Conversation, ConversationKind
from imchat.models.friendships import Friendship
from imchat.models.groups import Group, GroupMembership, GroupRole
from imchat.models.inbox import InboxEvent, UserState
from imchat.models.members import LastMessage, Member
from imchat.models.messages import Message, MessageType
from imchat.models.requests import FriendRequest, RequestKind, RequestStatus
from imchat.models.users import User

ALL_DOCUMENTS: list[type[Document]] = [
    User,
    Friendship,
    FriendRequest,
    Conversation,
    Member,
    Message,
    InboxEvent,
    UserState,
    Group,
    GroupMembership,
]

__all__ = [
    "ALL_DOCUMENTS",
    "Conversation",
    "ConversationKind",
    "FriendRequest",
    "Friendship",
    "Group",
    "GroupMembership",
    "GroupRole",
    "InboxEvent",
    "LastMessage",
    "Member",
    "Message",
    "MessageType",
    "RequestKind",
    "RequestStatus",
    "User",
    "UserState",
]
