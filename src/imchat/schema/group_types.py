"""GraphQL types for groups."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from beanie import PydanticObjectId

from imchat.models import Group as GroupDocument
from imchat.models import GroupMembership
from imchat.schema.context import Info
from imchat.schema.types import UserType, load_user
from imchat.services import groups


@strawberry.enum(name="GroupRole")
class GroupRoleKind(Enum):
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    MEMBER = "MEMBER"


@strawberry.enum
class GroupChange(Enum):
    CREATED = "CREATED"
    MEMBERS_ADDED = "MEMBERS_ADDED"
    MEMBER_LEFT = "MEMBER_LEFT"
    MEMBER_REMOVED = "MEMBER_REMOVED"
    ROLE_CHANGED = "ROLE_CHANGED"
    OWNER_CHANGED = "OWNER_CHANGED"
    UPDATED = "UPDATED"
    DISSOLVED = "DISSOLVED"


@strawberry.type(name="GroupMember")
class GroupMemberNode:
    role: GroupRoleKind
    joined_at: datetime
    user_id: strawberry.Private[PydanticObjectId]

    @strawberry.field
    async def user(self, info: Info) -> UserType:
        return await load_user(info, self.user_id)

    @classmethod
    def from_model(cls, row: GroupMembership) -> GroupMemberNode:
        return cls(role=GroupRoleKind(row.role.value), joined_at=row.joined_at, user_id=row.user_id)


@strawberry.type
class GroupMemberEdge:
    cursor: str
    node: GroupMemberNode


@strawberry.type
class GroupMemberConnection:
    edges: list[GroupMemberEdge]
    has_next_page: bool


@strawberry.type(name="Group")
class GroupNode:
    id: strawberry.ID
    name: str
    avatar_url: str | None
    member_count: int
    my_role: GroupRoleKind
    conversation_id: strawberry.ID
    open_to_join: bool
    dissolved: bool
    created_at: datetime
    owner_id: strawberry.Private[PydanticObjectId]

    @strawberry.field
    async def owner(self, info: Info) -> UserType:
        return await load_user(info, self.owner_id)

    @strawberry.field
    async def members(
        self, first: int | None = 50, after: str | None = None
    ) -> GroupMemberConnection:
        rows, more = await groups.list_members(PydanticObjectId(self.id), first, after)
        return GroupMemberConnection(
            edges=[
                GroupMemberEdge(cursor=str(r.id), node=GroupMemberNode.from_model(r)) for r in rows
            ],
            has_next_page=more,
        )

    @classmethod
    def from_model(cls, group: GroupDocument, role: str) -> GroupNode:
        return cls(
            id=strawberry.ID(str(group.id)),
            name=group.name,
            avatar_url=group.avatar_url,
            member_count=group.member_count,
            my_role=GroupRoleKind(role),
            conversation_id=strawberry.ID(str(group.conversation_id)),
            open_to_join=group.open_to_join,
            dissolved=group.dissolved,
            created_at=group.created_at,
            owner_id=group.owner_id,
        )
