"""Groups: creation, adding members, roles, leaving, removal, dissolution, lookups.

Membership lives in three places kept together here: the membership row (role), the
conversation's `member_ids` (who may post and who receives), and the member row (read
state). Every change posts a SYSTEM message into the conversation and a group event to
everyone concerned.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from imchat.errors import bad_input, forbidden, not_found
from imchat.models import (
    Conversation,
    ConversationKind,
    Group,
    GroupMembership,
    GroupRole,
    Member,
    User,
)
from imchat.models.clock import utcnow
from imchat.models.ids import id_of
from imchat.services.events import announce, group_deliveries
from imchat.services.friends import are_friends
from imchat.services.group_roles import MANAGERS, membership, require_role
from imchat.services.messages import post_system_message
from imchat.services.outbox import DispatchLog
from imchat.services.ports import DeliveryQueue
from imchat.services.validation import (
    MAX_DISPLAY_NAME_LENGTH,
    MAX_SEARCH_LENGTH,
    check_page_size,
    check_text,
    check_url,
)


@dataclass(frozen=True)
class GroupContext:
    """What group rules need besides the database: the queue and the size limit."""

    queue: DeliveryQueue
    dispatched: DispatchLog
    max_members: int


async def names_of(user_ids: list[PydanticObjectId]) -> str:
    users = {u.id: u for u in await User.find({"_id": {"$in": user_ids}}).to_list()}
    return ", ".join(users[uid].display_name for uid in user_ids if uid in users)


async def _announce_change(
    ctx: GroupContext,
    group: Group,
    change: str,
    actor_id: PydanticObjectId,
    user_ids: list[PydanticObjectId],
    audience: list[PydanticObjectId],
) -> None:
    await announce(
        ctx.queue,
        group_deliveries(
            [str(uid) for uid in dict.fromkeys(audience)],
            str(group.id),
            change,
            str(actor_id),
            [str(uid) for uid in user_ids],
            source=f"group:{group.id}:{change}:{uuid.uuid4().hex}",
        ),
    )


async def create_group(
    ctx: GroupContext, creator_id: PydanticObjectId, name: str, member_ids: list[PydanticObjectId]
) -> Group:
    """A new group owned by its creator, with the listed friends already in it."""
    title = check_text(name, "name", MAX_DISPLAY_NAME_LENGTH, allow_empty=False) or ""
    others = [uid for uid in dict.fromkeys(member_ids) if uid != creator_id]
    if 1 + len(others) > ctx.max_members:
        raise bad_input(f"A group has at most {ctx.max_members} members")
    for uid in others:
        if not await are_friends(creator_id, uid):
            raise forbidden("Only friends can be added directly; invite others instead")
    everyone = [creator_id, *others]
    conversation = Conversation(
        kind=ConversationKind.GROUP, member_ids=everyone, pair_key=f"group:{uuid.uuid4().hex}"
    )
    await conversation.insert()
    group = Group(
        name=title,
        name_lower=title.lower(),
        owner_id=creator_id,
        conversation_id=conversation.id,
        member_count=len(everyone),
    )
    await group.insert()
    await conversation.set({"group_id": group.id})
    await GroupMembership.insert_many(
        [
            GroupMembership(
                group_id=group.id,
                user_id=uid,
                role=GroupRole.OWNER if uid == creator_id else GroupRole.MEMBER,
            )
            for uid in everyone
        ]
    )
    await _upsert_member_rows(group, everyone, joined_after_seq=0)
    creator_name = await names_of([creator_id])
    text = f"{creator_name} created the group"
    if others:
        text += f" with {await names_of(others)}"
    await post_system_message(ctx.queue, ctx.dispatched, id_of(conversation), creator_id, text)
    await _announce_change(ctx, group, "CREATED", creator_id, everyone, everyone)
    return group


async def _upsert_member_rows(
    group: Group, user_ids: list[PydanticObjectId], joined_after_seq: int
) -> None:
    now = utcnow()
    collection = Member.get_pymongo_collection()
    for uid in user_ids:
        fresh = Member(
            user_id=uid,
            conversation_id=group.conversation_id,
            kind=ConversationKind.GROUP,
            group_id=group.id,
        )
        await collection.update_one(
            {"user_id": uid, "conversation_id": group.conversation_id},
            {
                "$setOnInsert": fresh.model_dump(
                    exclude={
                        "id",
                        "active",
                        "updated_at",
                        "joined_after_seq",
                        "left_after_seq",
                        "last_read_seq",
                        "unread_count",
                        "unread_mentions",
                    }
                ),
                "$set": {
                    "active": True,
                    "updated_at": now,
                    "joined_after_seq": joined_after_seq,
                    "left_after_seq": None,
                    "last_read_seq": joined_after_seq,
                    "unread_count": 0,
                    "unread_mentions": 0,
                },
            },
            upsert=True,
        )


async def add_members(
    ctx: GroupContext,
    group: Group,
    actor_id: PydanticObjectId,
    user_ids: list[PydanticObjectId],
    text: str,
) -> None:
    """Add people who are not yet members; refused as a whole past the size limit."""
    fresh = [uid for uid in dict.fromkeys(user_ids) if await membership(id_of(group), uid) is None]
    if not fresh:
        return
    # Guarded update_one calls, not findAndModify: SecantusDB answers that with a
    # collection scan (services/seqs.py).
    grown = await Group.get_pymongo_collection().update_one(
        {"_id": group.id, "member_count": {"$lte": ctx.max_members - len(fresh)}},
        {"$inc": {"member_count": len(fresh)}},
    )
    if grown.matched_count == 0:
        raise bad_input(f"A group has at most {ctx.max_members} members")
    added: list[PydanticObjectId] = []
    for uid in fresh:
        try:
            await GroupMembership(group_id=group.id, user_id=uid).insert()
            added.append(uid)
        except DuplicateKeyError:
            continue
    if len(added) != len(fresh):
        await Group.get_pymongo_collection().update_one(
            {"_id": group.id}, {"$inc": {"member_count": len(added) - len(fresh)}}
        )
    if not added:
        return
    conversations = Conversation.get_pymongo_collection()
    # The seq is read before the members change: a newcomer may see a message sent in
    # between in history, never miss one that reached them live.
    before = await conversations.find_one({"_id": group.conversation_id})
    await conversations.update_one(
        {"_id": group.conversation_id}, {"$addToSet": {"member_ids": {"$each": added}}}
    )
    last_seq = int(before["last_seq"]) if before else 0
    await _upsert_member_rows(
        group, added, joined_after_seq=last_seq if group.history_from_join else 0
    )
    await post_system_message(ctx.queue, ctx.dispatched, group.conversation_id, actor_id, text)
    members = list(
        dict.fromkeys(
            [*(PydanticObjectId(m) for m in (before or {}).get("member_ids", [])), *added]
        )
    )
    await _announce_change(ctx, group, "MEMBERS_ADDED", actor_id, added, members)


async def _remove_members(
    ctx: GroupContext,
    group: Group,
    actor_id: PydanticObjectId,
    user_ids: list[PydanticObjectId],
    change: str,
    text: str,
) -> None:
    # The removed see the message that removes them, and nothing after it.
    notice = await post_system_message(
        ctx.queue, ctx.dispatched, group.conversation_id, actor_id, text
    )
    result = await GroupMembership.get_pymongo_collection().delete_many(
        {"group_id": group.id, "user_id": {"$in": user_ids}}
    )
    await Group.get_pymongo_collection().update_one(
        {"_id": group.id}, {"$inc": {"member_count": -result.deleted_count}}
    )
    conversations = Conversation.get_pymongo_collection()
    await conversations.update_one(
        {"_id": group.conversation_id}, {"$pull": {"member_ids": {"$in": user_ids}}}
    )
    conversation = await conversations.find_one({"_id": group.conversation_id})
    await Member.get_pymongo_collection().update_many(
        {"conversation_id": group.conversation_id, "user_id": {"$in": user_ids}},
        {"$set": {"active": False, "left_after_seq": notice.seq}},
    )
    remaining = [PydanticObjectId(m) for m in (conversation or {}).get("member_ids", [])]
    await _announce_change(ctx, group, change, actor_id, user_ids, [*remaining, *user_ids])


async def leave(ctx: GroupContext, user_id: PydanticObjectId, group_id: PydanticObjectId) -> bool:
    group, mine = await require_role(group_id, user_id)
    if mine.role == GroupRole.OWNER:
        raise forbidden("The owner must transfer ownership or dissolve the group to leave")
    await _remove_members(
        ctx, group, user_id, [user_id], "MEMBER_LEFT", f"{await names_of([user_id])} left"
    )
    return True


async def remove_member(
    ctx: GroupContext,
    actor_id: PydanticObjectId,
    group_id: PydanticObjectId,
    user_id: PydanticObjectId,
) -> bool:
    """Owners remove anyone else; admins remove plain members."""
    group, mine = await require_role(group_id, actor_id, *MANAGERS)
    if user_id == actor_id:
        raise bad_input("Use leaveGroup to leave")
    target = await membership(group_id, user_id)
    if target is None:
        raise not_found("Member")
    if mine.role == GroupRole.ADMIN and target.role != GroupRole.MEMBER:
        raise forbidden("Admins can remove members, not other admins or the owner")
    text = f"{await names_of([actor_id])} removed {await names_of([user_id])}"
    await _remove_members(ctx, group, actor_id, [user_id], "MEMBER_REMOVED", text)
    return True


async def set_role(
    ctx: GroupContext,
    actor_id: PydanticObjectId,
    group_id: PydanticObjectId,
    user_id: PydanticObjectId,
    role: GroupRole,
) -> GroupMembership:
    group, _ = await require_role(group_id, actor_id, GroupRole.OWNER)
    if role == GroupRole.OWNER:
        raise bad_input("Use transferOwnership to change the owner")
    target = await membership(group_id, user_id)
    if target is None:
        raise not_found("Member")
    if target.role == GroupRole.OWNER:
        raise bad_input("The owner's role changes only by transferOwnership")
    await target.set({"role": role})
    await _announce_change(ctx, group, "ROLE_CHANGED", actor_id, [user_id], await _audience(group))
    return target


async def transfer_ownership(
    ctx: GroupContext,
    actor_id: PydanticObjectId,
    group_id: PydanticObjectId,
    user_id: PydanticObjectId,
) -> Group:
    group, mine = await require_role(group_id, actor_id, GroupRole.OWNER)
    target = await membership(group_id, user_id)
    if target is None or user_id == actor_id:
        raise not_found("Member")
    await target.set({"role": GroupRole.OWNER})
    await mine.set({"role": GroupRole.ADMIN})
    await group.set({"owner_id": user_id})
    text = f"{await names_of([actor_id])} made {await names_of([user_id])} the owner"
    await post_system_message(ctx.queue, ctx.dispatched, group.conversation_id, actor_id, text)
    await _announce_change(ctx, group, "OWNER_CHANGED", actor_id, [user_id], await _audience(group))
    return group


async def update_group(
    ctx: GroupContext,
    actor_id: PydanticObjectId,
    group_id: PydanticObjectId,
    name: str | None,
    avatar_url: str | None,
) -> Group:
    group, _ = await require_role(group_id, actor_id, *MANAGERS)
    changes: dict[str, object] = {}
    if name is not None:
        title = check_text(name, "name", MAX_DISPLAY_NAME_LENGTH, allow_empty=False) or ""
        changes.update(name=title, name_lower=title.lower())
    if avatar_url is not None:
        changes["avatar_url"] = check_url(avatar_url, "avatarUrl")
    if changes:
        await group.set(changes)
        await _announce_change(ctx, group, "UPDATED", actor_id, [], await _audience(group))
    return group


async def dissolve(
    ctx: GroupContext, actor_id: PydanticObjectId, group_id: PydanticObjectId
) -> bool:
    """End the group: nobody can post any more; members keep the history."""
    group, _ = await require_role(group_id, actor_id, GroupRole.OWNER)
    audience = await _audience(group)
    await post_system_message(
        ctx.queue,
        ctx.dispatched,
        group.conversation_id,
        actor_id,
        f"{await names_of([actor_id])} dissolved the group",
    )
    await group.set({"dissolved": True})
    await Conversation.get_pymongo_collection().update_one(
        {"_id": group.conversation_id}, {"$set": {"active": False}}
    )
    await _announce_change(ctx, group, "DISSOLVED", actor_id, [], audience)
    return True


async def _audience(group: Group) -> list[PydanticObjectId]:
    conversation = await Conversation.get(group.conversation_id)
    return list(conversation.member_ids) if conversation else []


async def my_groups(user_id: PydanticObjectId) -> list[tuple[Group, GroupRole]]:
    rows = await GroupMembership.find(GroupMembership.user_id == user_id).to_list()
    roles = {row.group_id: row.role for row in rows}
    groups = await Group.find({"_id": {"$in": list(roles)}, "dissolved": False}).to_list()
    return sorted(((g, roles[id_of(g)]) for g in groups), key=lambda pair: pair[0].name_lower)


async def group_for_member(
    user_id: PydanticObjectId, group_id: PydanticObjectId
) -> tuple[Group, GroupRole] | None:
    """The group and my role, or None when I am not in it (outsiders learn nothing)."""
    group = await Group.get(group_id)
    mine = await membership(group_id, user_id) if group else None
    if group is None or mine is None:
        return None
    return group, mine.role


async def search_groups(query: str, first: int | None) -> list[Group]:
    text = check_text(query, "query", MAX_SEARCH_LENGTH, allow_empty=False) or ""
    limit = check_page_size(first)
    prefix = {"$regex": "^" + re.escape(text.lower())}
    return (
        await Group.find({"name_lower": prefix, "open_to_join": True, "dissolved": False})
        .sort("name_lower")
        .limit(limit)
        .to_list()
    )


async def list_members(
    group_id: PydanticObjectId, first: int | None, after: str | None
) -> tuple[list[GroupMembership], bool]:
    size = check_page_size(first, default=50)
    query: dict[str, object] = {"group_id": group_id}
    if after is not None:
        try:
            query["_id"] = {"$gt": PydanticObjectId(after)}
        except Exception:
            raise bad_input("Invalid cursor") from None
    rows = await GroupMembership.find(query).sort("_id").limit(size + 1).to_list()
    return rows[:size], len(rows) > size
