"""Who may do what in a group: the role checks every group rule starts from."""

from __future__ import annotations

from beanie import PydanticObjectId

from imchat.errors import bad_input, forbidden, not_found
from imchat.models import Group, GroupMembership, GroupRole
from imchat.models.ids import id_of

MANAGERS = (GroupRole.OWNER, GroupRole.ADMIN)


async def membership(
    group_id: PydanticObjectId, user_id: PydanticObjectId
) -> GroupMembership | None:
    return await GroupMembership.find_one({"group_id": group_id, "user_id": user_id})


async def require_role(
    group_id: PydanticObjectId, user_id: PydanticObjectId, *roles: GroupRole
) -> tuple[Group, GroupMembership]:
    """The live group and the caller's row; NOT_FOUND for outsiders, FORBIDDEN for a low role."""
    group = await Group.get(group_id)
    mine = await membership(group_id, user_id) if group else None
    if group is None or group.dissolved or mine is None:
        raise not_found("Group")
    if roles and mine.role not in roles:
        allowed = " or ".join(role.value.lower() for role in roles)
        raise forbidden(f"Only the group's {allowed} can do that")
    return group, mine


async def check_may_mention_all(
    user_id: PydanticObjectId, conversation_id: PydanticObjectId | None
) -> None:
    """@all is for a group's owner and admins."""
    group = (
        await Group.find_one(Group.conversation_id == conversation_id) if conversation_id else None
    )
    if group is None:
        raise bad_input("@all is only for group conversations")
    await require_role(id_of(group), user_id, *MANAGERS)
