"""The friend flow between three users, with every rule a chat user expects."""

from __future__ import annotations

import asyncio

import pytest
from beanie import PydanticObjectId

from imchat.errors import ErrorCode, ImchatError
from imchat.models import Conversation, FriendRequest, Friendship, Member, RequestStatus
from imchat.services import friends
from imchat.services.friends import RequestDirection
from tests.factories import befriend, create_user, uid
from tests.integration.conftest import RecordingEvents

pytestmark = pytest.mark.usefixtures("db")


async def test_request_is_pending_and_announced_to_the_addressee(events: RecordingEvents) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    request = await friends.request_friend(events, uid(ann), uid(bob), "hi, it's Ann")
    assert request.status == RequestStatus.PENDING
    assert request.note == "hi, it's Ann"
    [event] = events.for_user(bob.id)
    assert event["kind"] == "friend_request"
    assert event["request"]["id"] == str(request.id)


async def test_accepting_creates_both_rows_and_one_direct_conversation(
    events: RecordingEvents,
) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    await befriend(events, ann, bob)
    rows = await Friendship.find_all().to_list()
    assert {(r.user_id, r.friend_id) for r in rows} == {(ann.id, bob.id), (bob.id, ann.id)}
    assert len({r.conversation_id for r in rows}) == 1
    conversation = await Conversation.get(rows[0].conversation_id)
    assert conversation is not None
    assert set(conversation.member_ids) == {ann.id, bob.id}
    members = await Member.find(Member.conversation_id == conversation.id).to_list()
    assert {m.user_id for m in members} == {ann.id, bob.id}


async def test_both_sides_see_each_other_as_friends(events: RecordingEvents) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    await befriend(events, ann, bob)
    assert [e.user.id for e in await friends.list_friends(uid(ann))] == [bob.id]
    assert [e.user.id for e in await friends.list_friends(uid(bob))] == [ann.id]


async def test_requester_is_told_when_the_request_is_accepted(events: RecordingEvents) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    await befriend(events, ann, bob)
    statuses = [e["request"]["status"] for e in events.for_user(ann.id)]
    assert statuses == ["ACCEPTED"]


async def test_request_to_yourself_is_refused(events: RecordingEvents) -> None:
    ann = await create_user("ann")
    with pytest.raises(ImchatError) as refused:
        await friends.request_friend(events, uid(ann), uid(ann), None)
    assert refused.value.code == ErrorCode.BAD_USER_INPUT
    assert await FriendRequest.find_all().count() == 0


async def test_request_to_an_unknown_user_is_not_found(events: RecordingEvents) -> None:
    ann = await create_user("ann")
    with pytest.raises(ImchatError) as refused:
        await friends.request_friend(events, uid(ann), PydanticObjectId("0" * 24), None)
    assert refused.value.code == ErrorCode.NOT_FOUND


async def test_request_to_a_friend_is_refused(events: RecordingEvents) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    await befriend(events, ann, bob)
    with pytest.raises(ImchatError) as refused:
        await friends.request_friend(events, uid(bob), uid(ann), None)
    assert refused.value.code == ErrorCode.CONFLICT


async def test_duplicate_pending_request_returns_the_existing_one(events: RecordingEvents) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    first = await friends.request_friend(events, uid(ann), uid(bob), None)
    again = await friends.request_friend(events, uid(ann), uid(bob), "please")
    assert again.id == first.id
    assert await FriendRequest.find_all().count() == 1
    assert len(events.for_user(bob.id)) == 1


async def test_opposite_pending_request_is_accepted_instead_of_duplicated(
    events: RecordingEvents,
) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    first = await friends.request_friend(events, uid(ann), uid(bob), None)
    answer = await friends.request_friend(events, uid(bob), uid(ann), None)
    assert answer.id == first.id
    assert answer.status == RequestStatus.ACCEPTED
    assert await FriendRequest.find_all().count() == 1
    assert await friends.are_friends(uid(ann), uid(bob))


async def test_only_the_addressee_may_respond(events: RecordingEvents) -> None:
    ann, bob, cat = await create_user("ann"), await create_user("bob"), await create_user("cat")
    request = await friends.request_friend(events, uid(ann), uid(bob), None)
    assert request.id is not None
    with pytest.raises(ImchatError) as by_sender:
        await friends.respond_to_request(events, uid(ann), request.id, accept=True)
    with pytest.raises(ImchatError) as by_stranger:
        await friends.respond_to_request(events, uid(cat), request.id, accept=True)
    assert by_sender.value.code == ErrorCode.FORBIDDEN
    # A stranger learns nothing, not even that the request exists.
    assert by_stranger.value.code == ErrorCode.NOT_FOUND
    assert (await FriendRequest.get(request.id)).status == RequestStatus.PENDING  # type: ignore[union-attr]


async def test_a_request_is_answered_once(events: RecordingEvents) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    request = await friends.request_friend(events, uid(ann), uid(bob), None)
    assert request.id is not None
    await friends.respond_to_request(events, uid(bob), request.id, accept=False)
    with pytest.raises(ImchatError) as again:
        await friends.respond_to_request(events, uid(bob), request.id, accept=True)
    assert again.value.code == ErrorCode.CONFLICT
    assert not await friends.are_friends(uid(ann), uid(bob))


async def test_two_answers_racing_settle_the_request_once(events: RecordingEvents) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    request = await friends.request_friend(events, uid(ann), uid(bob), None)
    assert request.id is not None
    outcomes = await asyncio.gather(
        friends.respond_to_request(events, uid(bob), request.id, accept=True),
        friends.respond_to_request(events, uid(bob), request.id, accept=False),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, ImchatError)]
    settled = [o for o in outcomes if isinstance(o, FriendRequest)]
    assert [r.code for r in refused] == [ErrorCode.CONFLICT] and len(settled) == 1
    stored = await FriendRequest.get(request.id)
    assert stored is not None and stored.status == settled[0].status
    assert await friends.are_friends(uid(ann), uid(bob)) == (
        settled[0].status == RequestStatus.ACCEPTED
    )


async def test_rejecting_creates_no_friendship_and_allows_a_later_request(
    events: RecordingEvents,
) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    first = await friends.request_friend(events, uid(ann), uid(bob), None)
    assert first.id is not None
    rejected = await friends.respond_to_request(events, uid(bob), first.id, accept=False)
    assert rejected.status == RequestStatus.REJECTED
    assert await Friendship.find_all().count() == 0
    second = await friends.request_friend(events, uid(ann), uid(bob), "second try")
    assert second.id != first.id
    assert second.status == RequestStatus.PENDING


async def test_requests_are_listed_by_direction_and_status(events: RecordingEvents) -> None:
    ann, bob, cat = await create_user("ann"), await create_user("bob"), await create_user("cat")
    to_bob = await friends.request_friend(events, uid(ann), uid(bob), None)
    to_cat = await friends.request_friend(events, uid(ann), uid(cat), None)
    assert to_cat.id is not None
    await friends.respond_to_request(events, uid(cat), to_cat.id, accept=False)

    outgoing = await friends.list_requests(uid(ann), RequestDirection.OUTGOING, None)
    pending_out = await friends.list_requests(
        uid(ann), RequestDirection.OUTGOING, RequestStatus.PENDING
    )
    incoming_bob = await friends.list_requests(uid(bob), RequestDirection.INCOMING, None)
    assert {r.id for r in outgoing} == {to_bob.id, to_cat.id}
    assert [r.id for r in pending_out] == [to_bob.id]
    assert [r.id for r in incoming_bob] == [to_bob.id]
    assert await friends.list_requests(uid(ann), RequestDirection.INCOMING, None) == []


async def test_removing_a_friend_removes_both_rows(events: RecordingEvents) -> None:
    ann, bob, cat = await create_user("ann"), await create_user("bob"), await create_user("cat")
    await befriend(events, ann, bob)
    await befriend(events, ann, cat)
    assert await friends.remove_friend(uid(bob), uid(ann))
    assert [e.user.id for e in await friends.list_friends(uid(ann))] == [cat.id]
    assert await friends.list_friends(uid(bob)) == []
    assert await Friendship.find_all().count() == 2


async def test_removing_someone_who_is_not_a_friend_is_not_found(
    events: RecordingEvents,
) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    with pytest.raises(ImchatError) as refused:
        await friends.remove_friend(uid(ann), uid(bob))
    assert refused.value.code == ErrorCode.NOT_FOUND


async def test_friends_again_after_removal_share_the_same_conversation(
    events: RecordingEvents,
) -> None:
    ann, bob = await create_user("ann"), await create_user("bob")
    await befriend(events, ann, bob)
    [before] = await friends.list_friends(uid(ann))
    await friends.remove_friend(uid(ann), uid(bob))
    await befriend(events, bob, ann)
    [after] = await friends.list_friends(uid(ann))
    assert after.friendship.conversation_id == before.friendship.conversation_id
    assert await Conversation.find_all().count() == 1
