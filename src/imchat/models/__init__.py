"""Beanie documents, one collection each, with the indexes the product's queries use."""

from __future__ import annotations

from beanie import Document

from imchat.models.conversations import Conversation, ConversationKind
from imchat.models.friendships import Friendship
from imchat.models.members import LastMessage, Member
from imchat.models.requests import FriendRequest, RequestKind, RequestStatus
from imchat.models.users import User

ALL_DOCUMENTS: list[type[Document]] = [
    User,
    Friendship,
    FriendRequest,
    Conversation,
    Member,
]

__all__ = [
    "ALL_DOCUMENTS",
    "Conversation",
    "ConversationKind",
    "FriendRequest",
    "Friendship",
    "LastMessage",
    "Member",
    "RequestKind",
    "RequestStatus",
    "User",
]
