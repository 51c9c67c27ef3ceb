"""Messages, conversations, read state, typing, and the live event stream."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from beanie import PydanticObjectId

from imchat.errors import bad_input
from imchat.models import FriendRequest, MessageType
from imchat.schema.chat_types import (
    ChatEvent,
    ConversationConnection,
    ConversationEdge,
    ConversationNode,
    ConversationUpdatedEvent,
    FriendRequestEvent,
    GroupEvent,
    MessageConnection,
    MessageEdge,
    MessageEvent,
    MessageNode,
    PageInfo,
    PresenceEvent,
    ReadReceiptEvent,
    ResyncRequiredEvent,
    SendMessageInput,
    TypingEvent,
)
from imchat.schema.context import Info
from imchat.schema.friends import present_requests
from imchat.schema.group_types import GroupChange
from imchat.schema.permissions import AUTHENTICATED
from imchat.services import conversations, messages, presence
from imchat.services.events import conversation_json, message_json
from imchat.services.inbox import latest_event_seq
from imchat.services.validation import parse_id
from imchat.subscriptions.stream import user_events


def _optional_id(value: strawberry.ID | None, what: str) -> PydanticObjectId | None:
    return parse_id(value, what) if value is not None else None


@strawberry.type
class MessagingQuery:
    @strawberry.field(permission_classes=AUTHENTICATED)
    async def conversations(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> ConversationConnection:
        """The home list: newest activity first, with last message and unread count."""
        page = await conversations.list_conversations(info.context.require_user(), first, after)
        edges = [
            ConversationEdge(
                cursor=conversations.conversation_cursor(member),
                node=ConversationNode.from_json(conversation_json(member)),
            )
            for member in page.members
        ]
        return ConversationConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @strawberry.field(permission_classes=AUTHENTICATED)
    async def latest_event_seq(self, info: Info) -> int:
        """Your newest eventSeq: fetch state, then subscribe with events(since: this)."""
        return await latest_event_seq(info.context.require_user())

    @strawberry.field(permission_classes=AUTHENTICATED)
    async def total_unread(self, info: Info) -> int:
        return await conversations.total_unread(info.context.require_user())

    @strawberry.field(permission_classes=AUTHENTICATED)
    async def messages(
        self,
        info: Info,
        conversation_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> MessageConnection:
        """History by seq; with no arguments, the newest page. At most 100 per page."""
        page = await messages.list_messages(
            info.context.require_user(),
            parse_id(conversation_id, "conversationId"),
            first=first,
            after=after,
            last=last,
            before=before,
        )
        edges = [
            MessageEdge(cursor=str(m.seq), node=MessageNode.from_json(message_json(m)))
            for m in page.messages
        ]
        return MessageConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )


@strawberry.type
class MessagingMutation:
    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def send_message(self, info: Info, input: SendMessageInput) -> MessageNode:
        services = info.context.services
        sent = await messages.send_message(
            services.queue,
            services.dispatched,
            services.seq_hints,
            info.context.require_user(),
            messages.SendMessageRequest(
                client_id=input.client_id,
                type=MessageType(input.type.value),
                content=input.content,
                conversation_id=_optional_id(input.conversation_id, "conversationId"),
                to_user_id=_optional_id(input.to_user_id, "toUserId"),
                mentions=tuple(parse_id(m, "mentions") for m in input.mentions or ()),
                mention_all=input.mention_all,
            ),
        )
        return MessageNode.from_json(message_json(sent))

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def mark_read(
        self, info: Info, conversation_id: strawberry.ID, up_to_seq: int | None = None
    ) -> ConversationNode:
        """Move the read cursor forward (default: to the newest message)."""
        member = await messages.mark_read(
            info.context.services.queue,
            info.context.require_user(),
            parse_id(conversation_id, "conversationId"),
            up_to_seq,
        )
        return ConversationNode.from_json(conversation_json(member))

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def typing(self, info: Info, conversation_id: strawberry.ID) -> bool:
        """Tell the others you are typing; false when suppressed by the rate limit."""
        services = info.context.services
        return await messages.announce_typing(
            services.typing,
            services.pubsub,
            info.context.require_user(),
            parse_id(conversation_id, "conversationId"),
        )


async def _to_graphql(event: dict[str, Any], info: Info) -> ChatEvent | None:
    kind = event.get("type")
    seq = event.get("event_seq", 0)
    if kind == "message":
        return MessageEvent(event_seq=seq, message=MessageNode.from_json(event["message"]))
    if kind == "conversation":
        return ConversationUpdatedEvent(
            event_seq=seq,
            conversation=ConversationNode.from_json(event["conversation"]),
            total_unread=event["total_unread"],
        )
    if kind == "read":
        return ReadReceiptEvent(
            event_seq=seq,
            conversation_id=strawberry.ID(event["conversation_id"]),
            user_id=strawberry.ID(event["user_id"]),
            up_to_seq=event["up_to_seq"],
        )
    if kind == "friend_request":
        request = FriendRequest.model_validate(event["request"])
        [node] = await present_requests([request])
        return FriendRequestEvent(event_seq=seq, request=node)
    if kind == "typing":
        return TypingEvent(
            conversation_id=strawberry.ID(event["conversation_id"]),
            user_id=strawberry.ID(event["user_id"]),
        )
    if kind == "presence":
        return PresenceEvent(
            user_id=strawberry.ID(event["user_id"]),
            online=event["online"],
            devices=event["devices"],
        )
    if kind == "group":
        return GroupEvent(
            event_seq=seq,
            group_id=strawberry.ID(event["group_id"]),
            change=GroupChange(event["change"]),
            actor_id=strawberry.ID(event["actor_id"]),
            user_ids=[strawberry.ID(u) for u in event["user_ids"]],
        )
    if kind == "resync":
        return ResyncRequiredEvent(latest_event_seq=event["latest_event_seq"])
    return None


@strawberry.type
class MessagingSubscription:
    @strawberry.subscription(permission_classes=AUTHENTICATED)
    async def events(self, info: Info, since: int | None = None) -> AsyncGenerator[ChatEvent, None]:
        """Everything for you, each once and in order; `since` replays after that eventSeq."""
        if since is not None and since < 0:
            raise bad_input("since must not be negative")
        me = info.context.require_user()
        services = info.context.services
        device = info.context.device_type
        await presence.set_presence(services.presence, services.pubsub, me, device, +1)
        try:
            async for event in user_events(services.pubsub, me, since):
                converted = await _to_graphql(event, info)
                del event  # nothing of the last delivery stays held while the socket idles
                if converted is not None:
                    yield converted
                del converted
        finally:
            await presence.set_presence(services.presence, services.pubsub, me, device, -1)

    @strawberry.subscription(permission_classes=AUTHENTICATED)
    async def message_added(
        self, info: Info, conversation_id: strawberry.ID | None = None
    ) -> AsyncGenerator[MessageNode, None]:
        """New messages as they arrive, optionally of one conversation."""
        me = info.context.require_user()
        wanted = _optional_id(conversation_id, "conversationId")
        if wanted is not None:
            await conversations.member_of(me, wanted)
        async for event in user_events(info.context.services.pubsub, me, None):
            message = event["message"] if event.get("type") == "message" else None
            del event  # as in `events`: nothing of the last delivery held while idle
            if message is not None and (
                wanted is None or message["conversation_id"] == str(wanted)
            ):
                yield MessageNode.from_json(message)
            del message
