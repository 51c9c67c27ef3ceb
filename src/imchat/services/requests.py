"""Answering a request of either kind (the seed's one callbackRequest for both)."""

from __future__ import annotations

from beanie import PydanticObjectId

from imchat.errors import not_found
from imchat.models import FriendRequest, RequestKind
from imchat.services import group_requests, groups
from imchat.services.friends import answer_friend_request


async def respond_to_request(
    ctx: groups.GroupContext,
    user_id: PydanticObjectId,
    request_id: PydanticObjectId,
    accept: bool,
) -> FriendRequest:
    request = await FriendRequest.get(request_id)
    if request is None:
        raise not_found("Request")
    if request.kind == RequestKind.GROUP:
        return await group_requests.respond(ctx, user_id, request, accept)
    return await answer_friend_request(ctx.queue, user_id, request, accept)
