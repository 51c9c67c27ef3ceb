"""Friend requests and friendships, with the rules users of chat apps expect."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from beanie import PydanticObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError, PyMongoError

from imchat.errors import ErrorCode, ImchatError, bad_input, forbidden, not_found
from imchat.models import (
    Conversation,
    ConversationKind,
    FriendRequest,
    Friendship,
    GroupMembership,
    GroupRole,
    Member,
    RequestKind,
    RequestStatus,
    User,
)
from imchat.models.clock import utcnow
from imchat.models.conversations import direct_pair_key
from imchat.models.requests import pending_key
from imchat.services.events import announce, request_delivery
from imchat.services.ports import DeliveryQueue
from imchat.services.validation import MAX_NOTE_LENGTH, check_text


class RequestDirection(StrEnum):
    INCOMING = "INCOMING"
    OUTGOING = "OUTGOING"


@dataclass(frozen=True)
class FriendEntry:
    friendship: Friendship
    user: User


async def are_friends(user_id: PydanticObjectId, other_id: PydanticObjectId) -> bool:
    row = await Friendship.find_one({"user_id": user_id, "friend_id": other_id})
    return row is not None


async def request_friend(
    queue: DeliveryQueue, from_id: PydanticObjectId, to_id: PydanticObjectId, note: str | None
) -> FriendRequest:
    """Ask to become friends (seed: requestAddFriend).

    Asking again while a request is pending returns that request; asking someone who has
    already asked you accepts their request instead of opening a second one.
    """
    text = check_text(note, "note", MAX_NOTE_LENGTH, allow_empty=True) or None
    if from_id == to_id:
        raise bad_input("You cannot send a friend request to yourself")
    if await User.get(to_id) is None:
        raise not_found("User")
    if await are_friends(from_id, to_id):
        raise ImchatError(ErrorCode.CONFLICT, "You are already friends")

    reverse = await FriendRequest.find_one(
        FriendRequest.pending_key == pending_key(RequestKind.FRIEND, to_id, from_id, None)
    )
    if reverse is not None and reverse.id is not None:
        return await respond_to_request(queue, from_id, reverse.id, accept=True)

    request, created = await open_request(
        FriendRequest(
            kind=RequestKind.FRIEND,
            from_id=from_id,
            to_id=to_id,
            note=text,
            pending_key=pending_key(RequestKind.FRIEND, from_id, to_id, None),
        )
    )
    if created:
        await announce(queue, [request_delivery(str(to_id), request)])
    return request


async def open_request(request: FriendRequest) -> tuple[FriendRequest, bool]:
    """Store a new pending request, or return the one already pending under its key.

    The unique `pending_key` settles two identical requests racing each other.
    """
    try:
        await request.insert()
    except DuplicateKeyError:
        existing = await FriendRequest.find_one(FriendRequest.pending_key == request.pending_key)
        if existing is None:  # settled between our insert and this read
            raise ImchatError(ErrorCode.CONFLICT, "Request changed meanwhile; retry") from None
        return existing, False
    return request, True


async def respond_to_request(
    queue: DeliveryQueue, user_id: PydanticObjectId, request_id: PydanticObjectId, accept: bool
) -> FriendRequest:
    """Accept or reject a pending friend request (seed: callbackRequest)."""
    request = await FriendRequest.get(request_id)
    if request is None:
        raise not_found("Request")
    return await answer_friend_request(queue, user_id, request, accept)


async def answer_friend_request(
    queue: DeliveryQueue, user_id: PydanticObjectId, request: FriendRequest, accept: bool
) -> FriendRequest:
    """Only the addressee answers, once; accepting befriends in one transaction."""
    if user_id not in (request.from_id, request.to_id):
        raise not_found("Request")
    if request.to_id != user_id:
        raise forbidden("Only the person asked can answer this request")
    if request.status != RequestStatus.PENDING:
        raise ImchatError(ErrorCode.CONFLICT, "This request was already answered")

    status = RequestStatus.ACCEPTED if accept else RequestStatus.REJECTED
    collection = FriendRequest.get_pymongo_collection()
    try:
        async with (
            collection.database.client.start_session() as session,
            await session.start_transaction(),
        ):
            settled = await settle_request(request, status, session)
            if accept:
                await _befriend(request.from_id, request.to_id, session)
    except PyMongoError as error:
        # Another answer's transaction holds the request: it wins, this one changed nothing.
        if error.has_error_label("TransientTransactionError"):
            raise ImchatError(ErrorCode.CONFLICT, "This request was already answered") from None
        raise
    await announce(
        queue, [request_delivery(str(uid), settled) for uid in (request.from_id, request.to_id)]
    )
    return settled


async def settle_request(
    request: FriendRequest, status: RequestStatus, session: AsyncClientSession | None = None
) -> FriendRequest:
    """Move a pending request to its answer, once; CONFLICT if it was answered meanwhile.

    A guarded update_one, not findAndModify (a collection scan on SecantusDB: see
    services/seqs.py); the answered request is the one we had, with what we set.
    """
    changes = {
        "status": status.value,
        "pending_key": f"{request.pending_key}:{request.id}",
        "updated_at": utcnow(),
    }
    result = await FriendRequest.get_pymongo_collection().update_one(
        {"_id": request.id, "status": RequestStatus.PENDING.value},
        {"$set": changes},
        session=session,
    )
    if result.matched_count == 0:
        raise ImchatError(ErrorCode.CONFLICT, "This request was already answered")
    settled: FriendRequest = request.model_copy(update={**changes, "status": status})
    return settled


async def _befriend(
    a: PydanticObjectId, b: PydanticObjectId, session: AsyncClientSession
) -> PydanticObjectId:
    """Both friendship rows, the pair's direct conversation and its two member rows."""
    now = utcnow()
    fresh = Conversation(
        kind=ConversationKind.DIRECT, member_ids=[a, b], pair_key=direct_pair_key(a, b)
    )
    conversations = Conversation.get_pymongo_collection()
    # update_one + a read by the unique pair key, not findAndModify (a collection scan on
    # SecantusDB: see services/seqs.py).
    upserted = await conversations.update_one(
        {"pair_key": fresh.pair_key},
        {"$setOnInsert": fresh.model_dump(exclude={"id", "active"}), "$set": {"active": True}},
        upsert=True,
        session=session,
    )
    conversation_id = upserted.upserted_id
    if conversation_id is None:
        existing = await conversations.find_one(
            {"pair_key": fresh.pair_key}, projection={"_id": True}, session=session
        )
        conversation_id = cast(dict[str, Any], existing)["_id"]
    for user_id, friend_id in ((a, b), (b, a)):
        row = Friendship(user_id=user_id, friend_id=friend_id, conversation_id=conversation_id)
        await Friendship.get_pymongo_collection().update_one(
            {"user_id": user_id, "friend_id": friend_id},
            {"$setOnInsert": row.model_dump(exclude={"id"})},
            upsert=True,
            session=session,
        )
        member = Member(
            user_id=user_id,
            conversation_id=conversation_id,
            kind=ConversationKind.DIRECT,
            peer_id=friend_id,
            updated_at=now,
        )
        await Member.get_pymongo_collection().update_one(
            {"user_id": user_id, "conversation_id": conversation_id},
            {
                "$setOnInsert": member.model_dump(exclude={"id", "active", "updated_at"}),
                "$set": {"active": True, "updated_at": now},
            },
            upsert=True,
            session=session,
        )
    return PydanticObjectId(conversation_id)


async def list_requests(
    user_id: PydanticObjectId, direction: RequestDirection, status: RequestStatus | None
) -> list[FriendRequest]:
    """My requests; incoming ones include join requests to groups I own or administer."""
    query: dict[str, Any] = {"from_id": user_id}
    if direction == RequestDirection.INCOMING:
        managed = await GroupMembership.find(
            {"user_id": user_id, "role": {"$in": [GroupRole.OWNER.value, GroupRole.ADMIN.value]}}
        ).to_list()
        query = {
            "$or": [
                {"to_id": user_id},
                {"group_id": {"$in": [m.group_id for m in managed]}, "invitation": False},
            ]
        }
    if status is not None:
        query["status"] = status.value
    return await FriendRequest.find(query).sort("-created_at").limit(200).to_list()


async def list_friends(user_id: PydanticObjectId) -> list[FriendEntry]:
    rows = await Friendship.find(Friendship.user_id == user_id).to_list()
    users = {
        u.id: u for u in await User.find({"_id": {"$in": [r.friend_id for r in rows]}}).to_list()
    }
    entries = [FriendEntry(row, users[row.friend_id]) for row in rows if row.friend_id in users]
    return sorted(entries, key=lambda e: e.user.username_lower)


async def remove_friend(user_id: PydanticObjectId, friend_id: PydanticObjectId) -> bool:
    """End a friendship on both sides; the conversation's history stays for a later reunion."""
    result = await Friendship.get_pymongo_collection().delete_many(
        {
            "$or": [
                {"user_id": user_id, "friend_id": friend_id},
                {"user_id": friend_id, "friend_id": user_id},
            ]
        }
    )
    if result.deleted_count == 0:
        raise not_found("Friend")
    await Conversation.get_pymongo_collection().update_one(
        {"pair_key": direct_pair_key(user_id, friend_id)}, {"$set": {"active": False}}
    )
    return True
