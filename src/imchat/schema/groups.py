"""Group chat: create, find, join, invite, roles, leave, remove, dissolve."""

from __future__ import annotations

import strawberry

from imchat.errors import not_found
from imchat.models import GroupRole
from imchat.schema.context import Info
from imchat.schema.friends import group_context, present_requests
from imchat.schema.group_types import GroupMemberNode, GroupNode, GroupRoleKind
from imchat.schema.permissions import AUTHENTICATED
from imchat.schema.types import FriendRequestType, GroupSummaryNode
from imchat.services import group_requests, groups
from imchat.services.validation import parse_id


async def _present(info: Info, group_id: strawberry.ID) -> GroupNode:
    found = await groups.group_for_member(
        info.context.require_user(), parse_id(group_id, "groupId")
    )
    if found is None:
        raise not_found("Group")
    return GroupNode.from_model(found[0], found[1].value)


@strawberry.type
class GroupQuery:
    @strawberry.field(permission_classes=AUTHENTICATED)
    async def groups(self, info: Info) -> list[GroupNode]:
        """The groups I am in."""
        mine = await groups.my_groups(info.context.require_user())
        return [GroupNode.from_model(group, role.value) for group, role in mine]

    @strawberry.field(permission_classes=AUTHENTICATED)
    async def group(self, info: Info, id: strawberry.ID) -> GroupNode | None:
        """A group I am in; null for any other."""
        found = await groups.group_for_member(info.context.require_user(), parse_id(id, "id"))
        return GroupNode.from_model(found[0], found[1].value) if found else None

    @strawberry.field(permission_classes=AUTHENTICATED)
    async def search_groups(
        self, info: Info, query: str, first: int | None = 20
    ) -> list[GroupSummaryNode]:
        """Groups open to join requests whose name starts with the query."""
        return [GroupSummaryNode.from_model(g) for g in await groups.search_groups(query, first)]


@strawberry.type
class GroupMutation:
    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def create_group(
        self, info: Info, name: str, member_ids: list[strawberry.ID] | None = None
    ) -> GroupNode:
        ids = [parse_id(m, "memberIds") for m in member_ids or []]
        group = await groups.create_group(
            group_context(info), info.context.require_user(), name, ids
        )
        return GroupNode.from_model(group, GroupRole.OWNER.value)

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def request_join_group(
        self, info: Info, group_id: strawberry.ID, note: str | None = None
    ) -> FriendRequestType:
        request = await group_requests.request_join(
            group_context(info), info.context.require_user(), parse_id(group_id, "groupId"), note
        )
        return (await present_requests([request]))[0]

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def invite_to_group(
        self, info: Info, group_id: strawberry.ID, user_ids: list[strawberry.ID]
    ) -> list[FriendRequestType]:
        requests = await group_requests.invite(
            group_context(info),
            info.context.require_user(),
            parse_id(group_id, "groupId"),
            [parse_id(u, "userIds") for u in user_ids],
        )
        return await present_requests(requests)

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def leave_group(self, info: Info, group_id: strawberry.ID) -> bool:
        return await groups.leave(
            group_context(info), info.context.require_user(), parse_id(group_id, "groupId")
        )

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def remove_member(
        self, info: Info, group_id: strawberry.ID, user_id: strawberry.ID
    ) -> bool:
        return await groups.remove_member(
            group_context(info),
            info.context.require_user(),
            parse_id(group_id, "groupId"),
            parse_id(user_id, "userId"),
        )

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def set_member_role(
        self, info: Info, group_id: strawberry.ID, user_id: strawberry.ID, role: GroupRoleKind
    ) -> GroupMemberNode:
        row = await groups.set_role(
            group_context(info),
            info.context.require_user(),
            parse_id(group_id, "groupId"),
            parse_id(user_id, "userId"),
            GroupRole(role.value),
        )
        return GroupMemberNode.from_model(row)

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def transfer_ownership(
        self, info: Info, group_id: strawberry.ID, user_id: strawberry.ID
    ) -> GroupNode:
        await groups.transfer_ownership(
            group_context(info),
            info.context.require_user(),
            parse_id(group_id, "groupId"),
            parse_id(user_id, "userId"),
        )
        return await _present(info, group_id)

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def update_group(
        self,
        info: Info,
        group_id: strawberry.ID,
        name: str | None = None,
        avatar_url: str | None = None,
    ) -> GroupNode:
        await groups.update_group(
            group_context(info),
            info.context.require_user(),
            parse_id(group_id, "groupId"),
            name,
            avatar_url,
        )
        return await _present(info, group_id)

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def dissolve_group(self, info: Info, group_id: strawberry.ID) -> bool:
        return await groups.dissolve(
            group_context(info), info.context.require_user(), parse_id(group_id, "groupId")
        )
