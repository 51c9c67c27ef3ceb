"""Sending, reading and paging messages; read cursors; typing."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

from beanie import PydanticObjectId, SortDirection
from pymongo.errors import DuplicateKeyError

from imchat.channels import user_channel
from imchat.errors import ErrorCode, ImchatError, bad_input
from imchat.models import Conversation, Member, Message, MessageType
from imchat.models.ids import id_of
from imchat.services.conversations import member_of
from imchat.services.delivery import in_flight_seqs
from imchat.services.events import announce, message_deliveries, read_deliveries
from imchat.services.group_roles import check_may_mention_all
from imchat.services.outbox import DispatchLog
from imchat.services.ports import DeliveryQueue, LivePublisher
from imchat.services.seqs import SeqHints, allocate_seq, claim_seq
from imchat.services.validation import MAX_PAGE_SIZE, check_text

MAX_TEXT_LENGTH = 10_000
MAX_MENTIONS = 50
MAX_CLIENT_ID_LENGTH = 64
DEFAULT_PAGE_SIZE = 30


@dataclass(frozen=True)
class SendMessageRequest:
    client_id: str
    type: MessageType = MessageType.TEXT
    content: str | None = None
    conversation_id: PydanticObjectId | None = None
    to_user_id: PydanticObjectId | None = None
    mentions: tuple[PydanticObjectId, ...] = ()
    mention_all: bool = False


def check_message(request: SendMessageRequest) -> str:
    """The trimmed text of a valid message; BAD_USER_INPUT otherwise."""
    if not request.client_id or len(request.client_id) > MAX_CLIENT_ID_LENGTH:
        raise bad_input(f"clientId must be 1-{MAX_CLIENT_ID_LENGTH} characters")
    if request.type in (MessageType.IMAGE, MessageType.FILE):
        raise bad_input("Images and files are not supported yet")
    if request.type == MessageType.SYSTEM:
        raise bad_input("SYSTEM messages are written by the server only")
    if request.content is None:
        raise bad_input("content is required for a TEXT message")
    text = check_text(request.content, "content", MAX_TEXT_LENGTH, allow_empty=False)
    return text or ""


async def send_message(
    queue: DeliveryQueue,
    dispatched: DispatchLog,
    hints: SeqHints,
    sender_id: PydanticObjectId,
    request: SendMessageRequest,
) -> Message:
    """Persist a message, then announce it; a repeated clientId returns the first message."""
    text = check_message(request)
    if len(request.mentions) > MAX_MENTIONS:
        raise bad_input(f"At most {MAX_MENTIONS} mentions per message")
    if request.mention_all:
        await check_may_mention_all(sender_id, request.conversation_id)
    # The seq comes from one atomic increment, so order never depends on clocks. A retried
    # send takes a seq too and then meets the unique (sender, clientId) index: seqs only
    # ever increase, and may skip a number.
    claim = await allocate_seq(sender_id, request.conversation_id, request.to_user_id, hints)
    members = set(claim.member_ids)
    message = Message(
        conversation_id=claim.conversation_id,
        seq=claim.seq,
        sender_id=sender_id,
        type=request.type,
        content=text,
        client_id=request.client_id,
        # Mentions of people not in the conversation are dropped rather than refused: a
        # member may have left between the client's render and this send.
        mention_ids=[m for m in dict.fromkeys(request.mentions) if m in members and m != sender_id],
        mention_all=request.mention_all,
        recipient_ids=list(claim.member_ids),
    )
    try:
        await message.store()
    except DuplicateKeyError:
        # A concurrent retry won the race: its message is the one.
        first = await Message.find_one({"sender_id": sender_id, "client_id": request.client_id})
        if first is None:
            raise ImchatError(ErrorCode.CONFLICT, "Retry the send") from None
        return first
    if await announce(queue, message_deliveries(message)):
        dispatched.add(id_of(message))
    return message


async def post_system_message(
    queue: DeliveryQueue,
    dispatched: DispatchLog,
    conversation_id: PydanticObjectId,
    actor_id: PydanticObjectId,
    text: str,
) -> Message:
    """A SYSTEM message ("Ann added Bob") to everyone currently in the conversation."""
    claim = await claim_seq({"_id": conversation_id})
    if claim is None:
        raise ImchatError(ErrorCode.NOT_FOUND, "Conversation not found")
    message = Message(
        conversation_id=conversation_id,
        seq=claim.seq,
        sender_id=actor_id,
        type=MessageType.SYSTEM,
        content=text,
        client_id=f"system:{uuid.uuid4().hex}",
        recipient_ids=list(claim.member_ids),
    )
    await message.store()
    if await announce(queue, message_deliveries(message)):
        dispatched.add(id_of(message))
    return message


@dataclass(frozen=True)
class MessagePage:
    messages: list[Message]
    has_next: bool
    has_previous: bool


def _seq_cursor(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise bad_input(f"{name} is not a valid cursor") from None


async def list_messages(
    user_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> MessagePage:
    """History by seq, oldest first within the page; `last`/`before` pages back from the newest."""
    member = await member_of(user_id, conversation_id, including_former=True)
    if first is not None and last is not None:
        raise bad_input("Give first or last, not both")
    for size in (first, last):
        if size is not None and not 1 <= size <= MAX_PAGE_SIZE:
            raise bad_input(f"Page size must be between 1 and {MAX_PAGE_SIZE}")
    after_seq = _seq_cursor(after, "after")
    before_seq = _seq_cursor(before, "before")
    seq_filter: dict[str, int] = {"$gt": max(member.joined_after_seq, after_seq or 0)}
    if before_seq is not None:
        seq_filter["$lt"] = before_seq
    if member.left_after_seq is not None:
        seq_filter["$lte"] = member.left_after_seq
    query = {"conversation_id": conversation_id, "seq": seq_filter}
    forward = first is not None or (after is not None and last is None)
    size = (first if forward else last) or DEFAULT_PAGE_SIZE
    rows = (
        await Message.find(query)
        .sort([("seq", SortDirection.ASCENDING if forward else SortDirection.DESCENDING)])
        .limit(size + 1)
        .to_list()
    )
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    return MessagePage(
        rows,
        has_next=more if forward else before_seq is not None,
        has_previous=more if not forward else after_seq is not None,
    )


async def mark_read(
    queue: DeliveryQueue,
    user_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    up_to_seq: int | None,
) -> Member:
    """Move the read cursor forward (never back) and tell every member, the reader's devices too."""
    if up_to_seq is not None and up_to_seq < 0:
        raise bad_input("upToSeq must not be negative")
    for _ in range(10):
        member = await member_of(user_id, conversation_id)
        conversation = await Conversation.get(conversation_id)
        if conversation is None:
            raise ImchatError(ErrorCode.NOT_FOUND, "Conversation not found")
        target = (
            conversation.last_seq if up_to_seq is None else min(up_to_seq, conversation.last_seq)
        )
        if target <= member.last_read_seq:
            return member
        unread = mentions = 0
        if target < member.last_delivered_seq:
            tail = {
                "conversation_id": conversation_id,
                "seq": {
                    "$gt": target,
                    "$lte": member.last_delivered_seq,
                    # Not yet applied to the row (announced out of order): the worker
                    # counts those when it gets to them.
                    "$nin": in_flight_seqs(member, target),
                },
                "sender_id": {"$ne": user_id},
                "type": {"$ne": MessageType.SYSTEM.value},
            }
            unread = await Message.find(tail).count()
            mentions = await Message.find(
                {**tail, "$or": [{"mention_ids": user_id}, {"mention_all": True}]}
            ).count()
        # Optimistic: if the worker changed the row meanwhile, recount from the new state.
        result = await Member.get_pymongo_collection().update_one(
            {
                "_id": member.id,
                "last_read_seq": member.last_read_seq,
                "last_delivered_seq": member.last_delivered_seq,
                "unread_count": member.unread_count,
                "unread_mentions": member.unread_mentions,
            },
            {
                "$set": {
                    "last_read_seq": target,
                    "unread_count": unread,
                    "unread_mentions": mentions,
                }
            },
        )
        if result.modified_count == 1:
            member.last_read_seq, member.unread_count = target, unread
            member.unread_mentions = mentions
            members = [str(m) for m in conversation.member_ids]
            await announce(
                queue, read_deliveries(members, str(conversation_id), str(user_id), target)
            )
            return member
    raise ImchatError(ErrorCode.CONFLICT, "The conversation is busy; retry")


class TypingLimiter:
    """At most one typing broadcast per user and conversation per interval."""

    def __init__(self, interval: float = 1.5, capacity: int = 100_000) -> None:
        self._interval = interval
        self._capacity = capacity
        self._last: dict[tuple[PydanticObjectId, PydanticObjectId], float] = {}

    def allow(self, user_id: PydanticObjectId, conversation_id: PydanticObjectId) -> bool:
        now = time.monotonic()
        key = (user_id, conversation_id)
        if now - self._last.get(key, -self._interval) < self._interval:
            return False
        if len(self._last) >= self._capacity:
            self._last.clear()
        self._last[key] = now
        return True


async def announce_typing(
    limiter: TypingLimiter,
    live: LivePublisher,
    user_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
) -> bool:
    """Tell the other members, live only, that the user is typing; False when rate-limited."""
    await member_of(user_id, conversation_id)
    if not limiter.allow(user_id, conversation_id):
        return False
    conversation = await Conversation.get(conversation_id)
    if conversation is None:
        return False
    event = json.dumps(
        {"type": "typing", "conversation_id": str(conversation_id), "user_id": str(user_id)}
    )
    others = [m for m in conversation.member_ids if m != user_id]
    await live.publish_many([(user_channel(str(m)), event) for m in others])
    return bool(others)
