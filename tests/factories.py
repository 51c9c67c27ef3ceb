"""Test factories: users and friendships made through the real services."""

from __future__ import annotations

from datetime import timedelta

from beanie import PydanticObjectId

from imchat.models import User
from imchat.services import friends, users
from imchat.services.ports import DeliveryQueue
from imchat.services.tokens import TokenIssuer
from tests.conftest import unique

TOKENS = TokenIssuer("test-secret-key-0123456789abcdef", timedelta(minutes=5), timedelta(days=1))
PASSWORD = "correct horse battery"


async def create_user(name: str = "user", display_name: str | None = None) -> User:
    session = await users.register(TOKENS, unique(name), PASSWORD, display_name)
    return session.user


def uid(user: User) -> PydanticObjectId:
    assert user.id is not None
    return user.id


async def befriend(events: DeliveryQueue, a: User, b: User) -> None:
    request = await friends.request_friend(events, uid(a), uid(b), None)
    assert request.id is not None
    await friends.respond_to_request(events, uid(b), request.id, accept=True)
