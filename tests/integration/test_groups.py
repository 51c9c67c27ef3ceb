"""Group rules on a real database: each role rule as an allowed and a refused case."""

from __future__ import annotations

import pytest

from imchat.errors import ErrorCode, ImchatError
from imchat.models import Group, GroupMembership, GroupRole, Member, Message, MessageType, User
from imchat.services import group_requests, groups, messages
from imchat.services.outbox import DispatchLog
from imchat.services.requests import respond_to_request
from imchat.services.seqs import SeqHints
from tests.factories import befriend, create_user, uid
from tests.integration.conftest import RecordingEvents

pytestmark = pytest.mark.usefixtures("db")


def context(events: RecordingEvents, limit: int = 2000) -> groups.GroupContext:
    return groups.GroupContext(events, DispatchLog(), limit)


async def role_of(group: Group, user: User) -> GroupRole | None:
    row = await GroupMembership.find_one(
        GroupMembership.group_id == group.id, GroupMembership.user_id == user.id
    )
    return row.role if row else None


async def refused(code: ErrorCode, action: object) -> None:
    with pytest.raises(ImchatError) as error:
        await action  # type: ignore[misc]
    assert error.value.code == code


async def team(events: RecordingEvents, *names: str) -> tuple[Group, list[User]]:
    """A group owned by the first user with the others (all their friends) in it."""
    people = [await create_user(name) for name in names]
    for other in people[1:]:
        await befriend(events, people[0], other)
    group = await groups.create_group(
        context(events), uid(people[0]), "Team", [uid(p) for p in people[1:]]
    )
    return group, people


async def send(
    events: RecordingEvents, user: User, group: Group, text: str, **extra: object
) -> Message:
    return await messages.send_message(
        events,
        DispatchLog(),
        SeqHints(),
        uid(user),
        messages.SendMessageRequest(
            client_id=f"{text}-{uid(user)}",
            content=text,
            conversation_id=group.conversation_id,
            **extra,  # type: ignore[arg-type]
        ),
    )


async def test_creator_is_owner_and_friends_are_added_directly(events: RecordingEvents) -> None:
    group, (ann, bob, cat) = await team(events, "ann", "bob", "cat")
    assert (await role_of(group, ann), await role_of(group, bob)) == (
        GroupRole.OWNER,
        GroupRole.MEMBER,
    )
    assert group.member_count == 3
    system = await Message.find_one(Message.conversation_id == group.conversation_id)
    assert system is not None and system.type == MessageType.SYSTEM
    assert (
        system.content == f"{ann.display_name} created the group with "
        f"{bob.display_name}, {cat.display_name}"
    )
    kinds = {d["kind"] for d in events.for_user(cat.id)}
    assert {"group", "message"} <= kinds


async def test_strangers_cannot_be_added_directly(events: RecordingEvents) -> None:
    ann, stranger = await create_user("ann"), await create_user("zed")
    await refused(
        ErrorCode.FORBIDDEN, groups.create_group(context(events), uid(ann), "Nope", [uid(stranger)])
    )


async def test_group_size_limit_is_enforced(events: RecordingEvents) -> None:
    ann, bob, cat = [await create_user(n) for n in ("ann", "bob", "cat")]
    await befriend(events, ann, bob)
    await befriend(events, ann, cat)
    await refused(
        ErrorCode.BAD_USER_INPUT,
        groups.create_group(context(events, limit=2), uid(ann), "Small", [uid(bob), uid(cat)]),
    )
    group = await groups.create_group(context(events, limit=2), uid(ann), "Small", [uid(bob)])
    join = await group_requests.request_join(context(events, limit=2), uid(cat), group.id, None)  # type: ignore[arg-type]
    await refused(
        ErrorCode.BAD_USER_INPUT,
        respond_to_request(context(events, limit=2), uid(ann), join.id, True),
    )  # type: ignore[arg-type]
    assert await role_of(group, cat) is None
    from imchat.models import FriendRequest, RequestStatus

    still = await FriendRequest.get(join.id)  # type: ignore[arg-type]
    assert still is not None and still.status == RequestStatus.PENDING


async def test_join_request_is_answered_by_owner_or_admin_only(events: RecordingEvents) -> None:
    group, (ann, bob) = await team(events, "ann", "bob")
    dan, eve = await create_user("dan"), await create_user("eve")
    ctx = context(events)
    to_join = await group_requests.request_join(ctx, uid(dan), group.id, "let me in")  # type: ignore[arg-type]
    again = await group_requests.request_join(ctx, uid(dan), group.id, None)  # type: ignore[arg-type]
    assert again.id == to_join.id
    await refused(ErrorCode.FORBIDDEN, respond_to_request(ctx, uid(bob), to_join.id, True))  # type: ignore[arg-type]
    await refused(ErrorCode.NOT_FOUND, respond_to_request(ctx, uid(eve), to_join.id, True))  # type: ignore[arg-type]
    await groups.set_role(ctx, uid(ann), group.id, uid(bob), GroupRole.ADMIN)  # type: ignore[arg-type]
    await respond_to_request(ctx, uid(bob), to_join.id, True)  # type: ignore[arg-type]
    assert await role_of(group, dan) == GroupRole.MEMBER
    await refused(ErrorCode.CONFLICT, group_requests.request_join(ctx, uid(dan), group.id, None))  # type: ignore[arg-type]


async def test_invitations_are_for_friends_and_answered_by_the_invitee(
    events: RecordingEvents,
) -> None:
    group, (ann, bob) = await team(events, "ann", "bob")
    cat, zed = await create_user("cat"), await create_user("zed")
    await befriend(events, bob, cat)
    ctx = context(events)
    await refused(ErrorCode.FORBIDDEN, group_requests.invite(ctx, uid(bob), group.id, [uid(zed)]))  # type: ignore[arg-type]
    [invitation] = await group_requests.invite(ctx, uid(bob), group.id, [uid(cat)])  # type: ignore[arg-type]
    await refused(ErrorCode.NOT_FOUND, respond_to_request(ctx, uid(ann), invitation.id, True))  # type: ignore[arg-type]
    await respond_to_request(ctx, uid(cat), invitation.id, True)  # type: ignore[arg-type]
    assert await role_of(group, cat) == GroupRole.MEMBER


async def test_members_leave_but_the_owner_must_hand_over_first(events: RecordingEvents) -> None:
    group, (ann, bob, cat) = await team(events, "ann", "bob", "cat")
    ctx = context(events)
    assert await groups.leave(ctx, uid(bob), group.id)  # type: ignore[arg-type]
    assert await role_of(group, bob) is None
    await refused(ErrorCode.FORBIDDEN, groups.leave(ctx, uid(ann), group.id))  # type: ignore[arg-type]
    await refused(ErrorCode.FORBIDDEN, groups.transfer_ownership(ctx, uid(cat), group.id, uid(ann)))  # type: ignore[arg-type]
    await groups.transfer_ownership(ctx, uid(ann), group.id, uid(cat))  # type: ignore[arg-type]
    assert (await role_of(group, cat), await role_of(group, ann)) == (
        GroupRole.OWNER,
        GroupRole.ADMIN,
    )
    assert await groups.leave(ctx, uid(ann), group.id)  # type: ignore[arg-type]


async def test_who_may_remove_whom(events: RecordingEvents) -> None:
    group, (ann, bob, cat, dan) = await team(events, "ann", "bob", "cat", "dan")
    ctx = context(events)
    gid = group.id
    await groups.set_role(ctx, uid(ann), gid, uid(bob), GroupRole.ADMIN)  # type: ignore[arg-type]
    await groups.set_role(ctx, uid(ann), gid, uid(cat), GroupRole.ADMIN)  # type: ignore[arg-type]
    await refused(ErrorCode.FORBIDDEN, groups.remove_member(ctx, uid(dan), gid, uid(bob)))  # type: ignore[arg-type]
    await refused(ErrorCode.FORBIDDEN, groups.remove_member(ctx, uid(bob), gid, uid(cat)))  # type: ignore[arg-type]
    await refused(ErrorCode.FORBIDDEN, groups.remove_member(ctx, uid(bob), gid, uid(ann)))  # type: ignore[arg-type]
    assert await groups.remove_member(ctx, uid(bob), gid, uid(dan))  # type: ignore[arg-type]
    assert await groups.remove_member(ctx, uid(ann), gid, uid(cat))  # type: ignore[arg-type]
    assert [await role_of(group, p) for p in (cat, dan)] == [None, None]


async def test_only_the_owner_sets_roles(events: RecordingEvents) -> None:
    group, (ann, bob, cat) = await team(events, "ann", "bob", "cat")
    ctx = context(events)
    await groups.set_role(ctx, uid(ann), group.id, uid(bob), GroupRole.ADMIN)  # type: ignore[arg-type]
    await refused(
        ErrorCode.FORBIDDEN, groups.set_role(ctx, uid(bob), group.id, uid(cat), GroupRole.ADMIN)
    )  # type: ignore[arg-type]
    await refused(
        ErrorCode.BAD_USER_INPUT,
        groups.set_role(ctx, uid(ann), group.id, uid(bob), GroupRole.OWNER),
    )  # type: ignore[arg-type]


async def test_owner_and_admins_update_the_group(events: RecordingEvents) -> None:
    group, (ann, bob, cat) = await team(events, "ann", "bob", "cat")
    ctx = context(events)
    await groups.set_role(ctx, uid(ann), group.id, uid(bob), GroupRole.ADMIN)  # type: ignore[arg-type]
    renamed = await groups.update_group(ctx, uid(bob), group.id, "Renamed", None)  # type: ignore[arg-type]
    assert renamed.name == "Renamed"
    await refused(
        ErrorCode.FORBIDDEN, groups.update_group(ctx, uid(cat), group.id, "Mine now", None)
    )  # type: ignore[arg-type]


async def test_only_the_owner_dissolves_and_then_nobody_posts(events: RecordingEvents) -> None:
    group, (ann, bob) = await team(events, "ann", "bob")
    ctx = context(events)
    await refused(ErrorCode.FORBIDDEN, groups.dissolve(ctx, uid(bob), group.id))  # type: ignore[arg-type]
    assert await groups.dissolve(ctx, uid(ann), group.id)  # type: ignore[arg-type]
    await refused(ErrorCode.FORBIDDEN, send(events, bob, group, "anyone?"))
    assert await groups.my_groups(uid(bob)) == []


async def test_removed_member_reads_history_only_up_to_removal(events: RecordingEvents) -> None:
    group, (ann, bob) = await team(events, "ann", "bob")
    await send(events, ann, group, "before")
    await groups.remove_member(context(events), uid(ann), group.id, uid(bob))  # type: ignore[arg-type]
    await send(events, ann, group, "after")
    page = await messages.list_messages(uid(bob), group.conversation_id, last=50)
    assert "after" not in [m.content for m in page.messages]
    assert "before" in [m.content for m in page.messages]
    await refused(ErrorCode.NOT_FOUND, send(events, bob, group, "still here?"))


async def test_new_member_sees_history_from_joining(events: RecordingEvents) -> None:
    group, (ann, _) = await team(events, "ann", "bob")
    await send(events, ann, group, "old news")
    cat = await create_user("cat")
    await befriend(events, ann, cat)
    [invitation] = await group_requests.invite(context(events), uid(ann), group.id, [uid(cat)])  # type: ignore[arg-type]
    await respond_to_request(context(events), uid(cat), invitation.id, True)  # type: ignore[arg-type]
    await send(events, ann, group, "welcome")
    page = await messages.list_messages(uid(cat), group.conversation_id, last=50)
    contents = [m.content for m in page.messages]
    assert "old news" not in contents
    assert "welcome" in contents
    row = await Member.find_one(
        Member.user_id == cat.id, Member.conversation_id == group.conversation_id
    )
    assert row is not None and row.active


async def test_mention_all_is_for_owner_and_admins(events: RecordingEvents) -> None:
    group, (ann, bob) = await team(events, "ann", "bob")
    await refused(ErrorCode.FORBIDDEN, send(events, bob, group, "hey all", mention_all=True))
    sent = await send(events, ann, group, "hey all", mention_all=True)
    assert sent.mention_all


async def test_outsiders_see_only_public_fields_of_open_groups(events: RecordingEvents) -> None:
    group, _ = await team(events, "ann", "bob")
    outsider = await create_user("zed")
    assert await groups.group_for_member(uid(outsider), group.id) is None  # type: ignore[arg-type]
    found = await groups.search_groups("tea", 20)
    assert [g.id for g in found] == [group.id]


async def test_an_invitation_list_with_a_stranger_invites_nobody(events: RecordingEvents) -> None:
    from imchat.models import FriendRequest

    group, (ann, _) = await team(events, "ann", "bob")
    cat, zed = await create_user("cat"), await create_user("zed")
    await befriend(events, ann, cat)
    before = await FriendRequest.find_all().count()
    await refused(
        ErrorCode.FORBIDDEN,
        group_requests.invite(context(events), uid(ann), group.id, [uid(cat), uid(zed)]),
    )  # type: ignore[arg-type]
    assert await FriendRequest.find_all().count() == before
