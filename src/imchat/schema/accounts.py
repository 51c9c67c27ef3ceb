"""Accounts: register, login, refresh, profile and user search."""

from __future__ import annotations

import strawberry

from imchat.schema.context import Info
from imchat.schema.permissions import AUTHENTICATED
from imchat.schema.types import AuthPayload, UserType
from imchat.services import users
from imchat.services.users import Session


def _payload(session: Session) -> AuthPayload:
    return AuthPayload(
        access_token=session.access_token,
        refresh_token=session.refresh_token,
        user=UserType.from_model(session.user),
    )


@strawberry.type
class AccountQuery:
    @strawberry.field(permission_classes=AUTHENTICATED)
    async def me(self, info: Info) -> UserType:
        return UserType.from_model(await users.get_user(info.context.require_user()))

    @strawberry.field(permission_classes=AUTHENTICATED)
    async def search_users(self, info: Info, query: str, first: int | None = 20) -> list[UserType]:
        found = await users.search_users(info.context.require_user(), query, first)
        return [UserType.from_model(user) for user in found]


@strawberry.type
class AccountMutation:
    @strawberry.mutation
    async def register(
        self, info: Info, username: str, password: str, display_name: str | None = None
    ) -> AuthPayload:
        tokens = info.context.services.tokens
        return _payload(await users.register(tokens, username, password, display_name))

    @strawberry.mutation
    async def login(self, info: Info, username: str, password: str) -> AuthPayload:
        return _payload(await users.login(info.context.services.tokens, username, password))

    @strawberry.mutation
    async def refresh_token(self, info: Info, refresh_token: str) -> AuthPayload:
        return _payload(await users.refresh(info.context.services.tokens, refresh_token))

    @strawberry.mutation(permission_classes=AUTHENTICATED)
    async def update_profile(
        self, info: Info, display_name: str | None = None, avatar_url: str | None = None
    ) -> UserType:
        user = await users.update_profile(info.context.require_user(), display_name, avatar_url)
        return UserType.from_model(user)
