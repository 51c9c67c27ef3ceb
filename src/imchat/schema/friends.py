"""Friend requests and friendships."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from imchat.models import FriendRequest
from imchat.models import RequestStatus as RequestStatusModel
from imchat.schema.context import Info
from imchat.schema.permissions import AUTHENTICATED
from imchat.schema.types import (
    FriendRequestType,
    FriendType,
    RequestDirection,
    RequestStatus,
)
from imchat.services import friends, requests, users
from imchat.services.groups import GroupContext
from imchat.services.validation import parse_id
from imchat.subscriptions.stream import user_events


def group_context(info: Info) -> GroupContext:
    services = info.context.services
    return GroupContext(services.queue, services.dispatched, services.settings.max_group_members)


async def present_requests(requests: list[FriendRequest]) -> list[FriendRequestType]:
    """Schema objects for requests, loading every user they name in one query."""
    ids = [r.from_id for r in requests] + [r.to_id for r in requests]
    found = await users.get_users(ids)
    return [FriendRequestType.from_model(r, found) for r in requests]


@strawberry.type
class FriendQuery:
    @strawberry.field(permission_classes=AUTHENTICATED)
    async def friend_requests(
        self,
        info: Info,
        direction: RequestDirection | None = RequestDirection.INCOMING,
        status: RequestStatus | None = None,
    ) -> list[FriendRequestType]:
        found = await friends.list_requests(
            info.context.require_user(),
            friends.RequestDirection((direction or RequestDirection.INCOMING).value),
            RequestStatusModel(status.value) if status else None,
        )
        return await present_requests(found)

    @strawberry.field(permission_classes=AUTHENTICATED)
    async def friends(self, info: Info) -> list[FriendType]:
        entries = await friends.list_friends(info.context.require_user())
        devices = await info.context.services.presence.devices(
            [str(entry.user.id) for entry in entries]
        )
        return [FriendType.from_entry(entry, devices[str(entry.user.id)]) for entry in entries]


@strawberry.type
class FriendMutation:
    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def request_friend(
        self, info: Info, user_id: strawberry.ID, note: str | None = None
    ) -> FriendRequestType:
        request = await friends.request_friend(
            info.context.services.queue,
            info.context.require_user(),
            parse_id(user_id, "userId"),
            note,
        )
        return (await present_requests([request]))[0]

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def respond_to_request(
        self, info: Info, request_id: strawberry.ID, accept: bool
    ) -> FriendRequestType:
        request = await requests.respond_to_request(
            group_context(info),
            info.context.require_user(),
            parse_id(request_id, "requestId"),
            accept,
        )
        return (await present_requests([request]))[0]

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def remove_friend(self, info: Info, user_id: strawberry.ID) -> bool:
        return await friends.remove_friend(info.context.require_user(), parse_id(user_id, "userId"))


@strawberry.type
class FriendSubscription:
    @strawberry.subscription(permission_classes=AUTHENTICATED)
    async def friend_request_received(self, info: Info) -> AsyncGenerator[FriendRequestType, None]:
        """New friend requests to you, live."""
        me = info.context.require_user()
        async for event in user_events(info.context.services.pubsub, me, None):
            if event.get("type") != "friend_request":
                continue
            request = FriendRequest.model_validate(event["request"])
            if request.to_id == me and request.status == RequestStatusModel.PENDING:
                yield (await present_requests([request]))[0]
