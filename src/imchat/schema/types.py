"""GraphQL object types for accounts and friends, built from the documents."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum

import strawberry
from beanie import PydanticObjectId
from strawberry.types.nodes import SelectedField

from imchat.models import FriendRequest as FriendRequestDocument
from imchat.models import Group as GroupDocument
from imchat.models import User as UserDocument
from imchat.schema.context import Info
from imchat.services.friends import FriendEntry


@strawberry.enum
class RequestKind(Enum):
    FRIEND = "FRIEND"
    GROUP = "GROUP"


@strawberry.enum
class RequestStatus(Enum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


@strawberry.enum
class RequestDirection(Enum):
    INCOMING = "INCOMING"
    OUTGOING = "OUTGOING"


@strawberry.type(name="User")
class UserType:
    id: strawberry.ID
    username: str
    display_name: str
    avatar_url: str | None

    @classmethod
    def from_model(cls, user: UserDocument) -> UserType:
        return cls(
            id=strawberry.ID(str(user.id)),
            username=user.username,
            display_name=user.display_name,
            avatar_url=user.avatar_url,
        )


# Fields a selection may ask for that the id alone answers.
_ID_ONLY = frozenset({"id", "__typename"})


def _asks_only_for_id(info: Info) -> bool:
    return all(
        isinstance(selection, SelectedField) and selection.name in _ID_ONLY
        for field in info.selected_fields
        for selection in field.selections
    )


async def load_user(info: Info, user_id: PydanticObjectId) -> UserType:
    """A user for display; a deleted account shows as a placeholder, never as an error."""
    if _asks_only_for_id(info):
        # A stream client that already knows its peers asks for `sender { id }`; every
        # event would otherwise cost a user lookup, and the profile fields go unread.
        return UserType(
            id=strawberry.ID(str(user_id)), username="", display_name="", avatar_url=None
        )
    user = await info.context.services.users.get(user_id)
    if user is None:
        return UserType(
            id=strawberry.ID(str(user_id)),
            username="deleted",
            display_name="Deleted user",
            avatar_url=None,
        )
    return UserType.from_model(user)


@strawberry.type
class AuthPayload:
    access_token: str
    refresh_token: str
    user: UserType


@strawberry.type(name="GroupSummary", description="What anyone may see of a group.")
class GroupSummaryNode:
    id: strawberry.ID
    name: str
    avatar_url: str | None
    member_count: int
    dissolved: bool

    @classmethod
    def from_model(cls, group: GroupDocument) -> GroupSummaryNode:
        return cls(
            id=strawberry.ID(str(group.id)),
            name=group.name,
            avatar_url=group.avatar_url,
            member_count=group.member_count,
            dissolved=group.dissolved,
        )


@strawberry.type(name="FriendRequest")
class FriendRequestType:
    id: strawberry.ID
    kind: RequestKind
    from_: UserType = strawberry.field(name="from")
    to: UserType
    status: RequestStatus
    note: str | None
    created_at: datetime
    updated_at: datetime
    invitation: bool = strawberry.field(
        description="GROUP kind: an invitation the addressee answers (else a join request)"
    )
    group_id: strawberry.Private[PydanticObjectId | None]

    @strawberry.field
    async def group(self) -> GroupSummaryNode | None:
        """The group a GROUP request is about."""
        if self.group_id is None:
            return None
        found = await GroupDocument.get(self.group_id)
        return GroupSummaryNode.from_model(found) if found else None

    @classmethod
    def from_model(
        cls, request: FriendRequestDocument, users: Mapping[PydanticObjectId, UserDocument]
    ) -> FriendRequestType:
        return cls(
            id=strawberry.ID(str(request.id)),
            kind=RequestKind(request.kind.value),
            from_=UserType.from_model(users[request.from_id]),
            to=UserType.from_model(users[request.to_id]),
            status=RequestStatus(request.status.value),
            note=request.note,
            created_at=request.created_at,
            updated_at=request.updated_at,
            invitation=request.invitation,
            group_id=request.group_id,
        )


@strawberry.type(name="Friend")
class FriendType:
    user: UserType
    since: datetime
    conversation_id: strawberry.ID
    online: bool
    devices: list[str] = strawberry.field(description="Device types online now: pc, mobile")

    @classmethod
    def from_entry(cls, entry: FriendEntry, devices: list[str]) -> FriendType:
        return cls(
            user=UserType.from_model(entry.user),
            since=entry.friendship.since,
            conversation_id=strawberry.ID(str(entry.friendship.conversation_id)),
            online=bool(devices),
            devices=devices,
        )
