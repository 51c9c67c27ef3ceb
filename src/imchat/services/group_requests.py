"""Group join requests and invitations, and answering them."""

from __future__ import annotations

from beanie import PydanticObjectId

from imchat.errors import ErrorCode, ImchatError, bad_input, forbidden, not_found
from imchat.models import FriendRequest, Group, GroupMembership, RequestKind, RequestStatus
from imchat.models.ids import id_of
from imchat.models.requests import pending_key
from imchat.services.events import announce, request_delivery
from imchat.services.friends import are_friends, open_request, settle_request
from imchat.services.group_roles import MANAGERS, membership, require_role
from imchat.services.groups import GroupContext, add_members, names_of
from imchat.services.validation import MAX_NOTE_LENGTH, check_text

MAX_INVITES = 100


async def request_join(
    ctx: GroupContext, user_id: PydanticObjectId, group_id: PydanticObjectId, note: str | None
) -> FriendRequest:
    """Ask to join a group that is open to requests; its owner and admins answer."""
    text = check_text(note, "note", MAX_NOTE_LENGTH, allow_empty=True) or None
    group = await Group.get(group_id)
    if group is None or group.dissolved or not group.open_to_join:
        raise not_found("Group")
    if await membership(group_id, user_id) is not None:
        raise ImchatError(ErrorCode.CONFLICT, "You are already in this group")
    request, created = await open_request(
        FriendRequest(
            kind=RequestKind.GROUP,
            from_id=user_id,
            to_id=group.owner_id,
            group_id=group.id,
            note=text,
            pending_key=pending_key(RequestKind.GROUP, user_id, group.id, group.id),
        )
    )
    if not created:
        return request
    managers = await GroupMembership.find(
        {"group_id": group.id, "role": {"$in": [r.value for r in MANAGERS]}}
    ).to_list()
    await announce(ctx.queue, [request_delivery(str(m.user_id), request) for m in managers])
    return request


async def invite(
    ctx: GroupContext,
    inviter_id: PydanticObjectId,
    group_id: PydanticObjectId,
    user_ids: list[PydanticObjectId],
) -> list[FriendRequest]:
    """Invite friends into a group you are in; each invitee accepts or declines."""
    if not user_ids or len(user_ids) > MAX_INVITES:
        raise bad_input(f"Invite between 1 and {MAX_INVITES} people at a time")
    group, _ = await require_role(group_id, inviter_id)
    invitees = list(dict.fromkeys(user_ids))
    # Check everyone before inviting anyone, so a refused list changes nothing.
    for uid in invitees:
        if uid == inviter_id or await membership(group_id, uid) is not None:
            raise ImchatError(ErrorCode.CONFLICT, "Already a member of this group")
        if not await are_friends(inviter_id, uid):
            raise forbidden("You can only invite your friends")
    invitations: list[FriendRequest] = []
    for uid in invitees:
        request, created = await open_request(
            FriendRequest(
                kind=RequestKind.GROUP,
                from_id=inviter_id,
                to_id=uid,
                group_id=group.id,
                invitation=True,
                pending_key=pending_key(RequestKind.GROUP, inviter_id, uid, group_id),
            )
        )
        if created:
            await announce(ctx.queue, [request_delivery(str(uid), request)])
        invitations.append(request)
    return invitations


async def respond(
    ctx: GroupContext, responder_id: PydanticObjectId, request: FriendRequest, accept: bool
) -> FriendRequest:
    """Answer a group request: the invitee answers an invitation, a manager a join request."""
    group = await Group.get(request.group_id) if request.group_id else None
    if group is None or group.dissolved:
        raise not_found("Request")
    if request.invitation:
        if request.to_id != responder_id:
            raise not_found("Request")
        joiner = responder_id
    else:
        mine = await membership(id_of(group), responder_id)
        if mine is None:
            raise not_found("Request")
        if mine.role not in MANAGERS:
            raise forbidden("Only the group's owner or an admin can answer join requests")
        joiner = request.from_id
    if accept and group.member_count >= ctx.max_members:
        raise bad_input(f"A group has at most {ctx.max_members} members")
    status = RequestStatus.ACCEPTED if accept else RequestStatus.REJECTED
    settled = await settle_request(request, status)
    if accept:
        name = await names_of([joiner])
        inviter = await names_of([request.from_id]) if request.invitation else ""
        text = f"{inviter} invited {name}" if request.invitation else f"{name} joined"
        await add_members(
            ctx, group, request.from_id if request.invitation else responder_id, [joiner], text
        )
    audience = {request.from_id, request.to_id, responder_id}
    await announce(ctx.queue, [request_delivery(str(uid), settled) for uid in audience])
    return settled
