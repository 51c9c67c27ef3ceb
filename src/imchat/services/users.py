"""Accounts: registration, login, token refresh, profiles and user search."""

from __future__ import annotations

import re
from dataclasses import dataclass

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from imchat.errors import ErrorCode, ImchatError, not_found, unauthenticated
from imchat.models import User
from imchat.services.passwords import hash_password, verify_password
from imchat.services.tokens import TokenIssuer
from imchat.services.validation import (
    MAX_DISPLAY_NAME_LENGTH,
    MAX_SEARCH_LENGTH,
    check_page_size,
    check_password,
    check_text,
    check_url,
    check_username,
)


@dataclass(frozen=True)
class Session:
    access_token: str
    refresh_token: str
    user: User


def _session(tokens: TokenIssuer, user: User) -> Session:
    user_id = str(user.id)
    return Session(tokens.issue(user_id, "access"), tokens.issue(user_id, "refresh"), user)


async def register(
    tokens: TokenIssuer, username: str, password: str, display_name: str | None
) -> Session:
    """Create an account; usernames are unique regardless of case."""
    check_username(username)
    check_password(password)
    name = check_text(display_name, "displayName", MAX_DISPLAY_NAME_LENGTH, allow_empty=True)
    name = name or username
    user = User(
        username=username,
        username_lower=username.lower(),
        display_name=name,
        display_name_lower=name.lower(),
        password_hash=await hash_password(password),
    )
    try:
        await user.insert()
    except DuplicateKeyError:
        raise ImchatError(ErrorCode.CONFLICT, "That username is taken") from None
    return _session(tokens, user)


async def login(tokens: TokenIssuer, username: str, password: str) -> Session:
    """Sign in; a failure never says whether the username or the password was wrong."""
    user = None
    if len(username) <= 64 and len(password) <= 1024:
        user = await User.find_one(User.username_lower == username.lower())
    ok = await verify_password(user.password_hash if user else None, password[:1024])
    if user is None or not ok:
        raise unauthenticated("Invalid username or password")
    return _session(tokens, user)


async def refresh(tokens: TokenIssuer, refresh_token: str) -> Session:
    user_id = tokens.verify(refresh_token, "refresh")
    user = await User.get(PydanticObjectId(user_id))
    if user is None:
        raise unauthenticated("Invalid token")
    return _session(tokens, user)


async def get_user(user_id: PydanticObjectId) -> User:
    user = await User.get(user_id)
    if user is None:
        raise not_found("User")
    return user


async def get_users(user_ids: list[PydanticObjectId]) -> dict[PydanticObjectId, User]:
    if not user_ids:
        return {}
    users = await User.find({"_id": {"$in": list(set(user_ids))}}).to_list()
    return {user.id: user for user in users if user.id is not None}


async def update_profile(
    user_id: PydanticObjectId, display_name: str | None, avatar_url: str | None
) -> User:
    """Change the fields given; a field left out stays as it is."""
    changes: dict[str, object] = {}
    if display_name is not None:
        name = check_text(display_name, "displayName", MAX_DISPLAY_NAME_LENGTH, allow_empty=False)
        changes["display_name"] = name
        changes["display_name_lower"] = (name or "").lower()
    if avatar_url is not None:
        changes["avatar_url"] = check_url(avatar_url, "avatarUrl")
    user = await get_user(user_id)
    if changes:
        await user.set(changes)
    return user


async def search_users(viewer_id: PydanticObjectId, query: str, first: int | None) -> list[User]:
    """Users whose username or display name starts with the query, case-insensitively."""
    text = check_text(query, "query", MAX_SEARCH_LENGTH, allow_empty=False) or ""
    limit = check_page_size(first)
    # A prefix match on a lower-cased field is served by its index.
    prefix = {"$regex": "^" + re.escape(text.lower())}
    found = (
        await User.find(
            {
                "$or": [{"username_lower": prefix}, {"display_name_lower": prefix}],
                "_id": {"$ne": viewer_id},
            }
        )
        .sort("username_lower")
        .limit(limit)
        .to_list()
    )
    return found
