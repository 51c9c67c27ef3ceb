"""The shapes of events: deliveries handed to the worker and events stored in inboxes.

A delivery names one user (`user_id`), what caused it (`source`, unique per user so a
redelivery is recognised) and its `kind`. The worker turns each into one or more inbox
events, numbered per user, which are what clients receive.
"""

from __future__ import annotations

import logging
from typing import Any

from imchat.models import FriendRequest, Member, Message
from imchat.services.ports import DeliveryQueue

log = logging.getLogger(__name__)

JsonDict = dict[str, Any]


def message_json(message: Message) -> JsonDict:
    return {
        "id": str(message.id),
        "conversation_id": str(message.conversation_id),
        "seq": message.seq,
        "sender_id": str(message.sender_id),
        "type": message.type.value,
        "content": message.content,
        "client_id": message.client_id,
        "mention_ids": [str(m) for m in message.mention_ids],
        "mention_all": message.mention_all,
        "created_at": message.created_at.isoformat(),
    }


def conversation_json(member: Member) -> JsonDict:
    last = member.last_message
    return {
        "id": str(member.conversation_id),
        "kind": member.kind.value,
        "peer_id": str(member.peer_id) if member.peer_id else None,
        "group_id": str(member.group_id) if member.group_id else None,
        "last_message": last.model_dump(mode="json") if last else None,
        "active": member.active,
        "unread_count": member.unread_count,
        "unread_mentions": member.unread_mentions,
        "last_read_seq": member.last_read_seq,
        "peer_last_read_seq": member.peer_last_read_seq,
        "updated_at": member.updated_at.isoformat(),
    }


# Above this many recipients the API hands the worker one fan-out delivery instead of one
# delivery per member, so a send to a large group costs the API one publish.
FANOUT_THRESHOLD = 8


def message_deliveries(message: Message) -> list[JsonDict]:
    body = message_json(message)
    source = f"msg:{message.id}"
    if len(message.recipient_ids) > FANOUT_THRESHOLD:
        return [
            {
                "fanout_key": str(message.conversation_id),
                "source": source,
                "kind": "fanout",
                "message": body,
                "recipient_ids": [str(uid) for uid in message.recipient_ids],
            }
        ]
    return [
        {"user_id": str(user_id), "source": source, "kind": "message", "message": body}
        for user_id in message.recipient_ids
    ]


def expand_fanout(fanout: JsonDict) -> list[JsonDict]:
    """The per-member deliveries of one fan-out delivery, in member order."""
    return [
        {
            "user_id": user_id,
            "source": fanout["source"],
            "kind": "message",
            "message": fanout["message"],
        }
        for user_id in fanout["recipient_ids"]
    ]


def read_deliveries(
    member_ids: list[str], conversation_id: str, reader_id: str, up_to_seq: int
) -> list[JsonDict]:
    source = f"read:{conversation_id}:{reader_id}:{up_to_seq}"
    return [
        {
            "user_id": user_id,
            "source": source,
            "kind": "read",
            "conversation_id": conversation_id,
            "reader_id": reader_id,
            "up_to_seq": up_to_seq,
        }
        for user_id in member_ids
    ]


def request_delivery(user_id: str, request: FriendRequest) -> JsonDict:
    return {
        "user_id": user_id,
        "source": f"request:{request.id}:{request.status.value}",
        "kind": "friend_request",
        "request": request.model_dump(mode="json"),
    }


async def announce(queue: DeliveryQueue, deliveries: list[JsonDict]) -> bool:
    """Hand deliveries to the worker; False if the queue could not confirm them.

    The state behind every delivery is already stored, so a failed announcement loses
    no data: messages are re-announced by the outbox sweeper, and requests and read
    cursors are there for the client's next query.
    """
    try:
        await queue.publish(deliveries)
    except Exception:
        log.warning("Could not announce %d deliveries", len(deliveries), exc_info=True)
        return False
    return True


def group_deliveries(
    member_ids: list[str],
    group_id: str,
    change: str,
    actor_id: str,
    user_ids: list[str],
    source: str,
) -> list[JsonDict]:
    return [
        {
            "user_id": member_id,
            "source": source,
            "kind": "group",
            "group_id": group_id,
            "change": change,
            "actor_id": actor_id,
            "user_ids": user_ids,
        }
        for member_id in member_ids
    ]
