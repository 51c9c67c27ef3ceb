"""Accounts on a real database: registration rules, login, refresh, profiles, search."""

from __future__ import annotations

import pytest

from imchat.errors import ErrorCode, ImchatError
from imchat.models import User
from imchat.services import users
from tests.conftest import unique
from tests.factories import PASSWORD, TOKENS, create_user, uid

pytestmark = pytest.mark.usefixtures("db")


async def test_register_returns_tokens_for_the_new_user() -> None:
    name = unique("ann")
    session = await users.register(TOKENS, name, PASSWORD, "Ann")
    assert session.user.username == name
    assert session.user.display_name == "Ann"
    assert TOKENS.verify(session.access_token, "access") == str(session.user.id)
    assert TOKENS.verify(session.refresh_token, "refresh") == str(session.user.id)


async def test_password_is_stored_only_as_an_argon2_hash() -> None:
    user = await create_user()
    stored = await User.get(uid(user))
    assert stored is not None
    assert stored.password_hash.startswith("$argon2")
    assert PASSWORD not in stored.password_hash


async def test_usernames_are_unique_regardless_of_case() -> None:
    name = unique("Bob")
    await users.register(TOKENS, name, PASSWORD, None)
    with pytest.raises(ImchatError) as refused:
        await users.register(TOKENS, name.upper(), PASSWORD, None)
    assert refused.value.code == ErrorCode.CONFLICT


@pytest.mark.parametrize("bad", ["ab", "x" * 33, "has space", "emoji😀x", "semi;colon"])
async def test_malformed_usernames_are_refused(bad: str) -> None:
    with pytest.raises(ImchatError) as refused:
        await users.register(TOKENS, bad, PASSWORD, None)
    assert refused.value.code == ErrorCode.BAD_USER_INPUT
    assert await User.find_all().count() == 0


async def test_short_passwords_are_refused() -> None:
    with pytest.raises(ImchatError) as refused:
        await users.register(TOKENS, unique("carl"), "1234567", None)
    assert refused.value.code == ErrorCode.BAD_USER_INPUT


async def test_oversized_display_name_is_refused_and_nothing_is_stored() -> None:
    with pytest.raises(ImchatError) as refused:
        await users.register(TOKENS, unique("dora"), PASSWORD, "x" * 1_000_000)
    assert refused.value.code == ErrorCode.BAD_USER_INPUT
    assert await User.find_all().count() == 0


async def test_login_accepts_any_case_of_the_username() -> None:
    user = await create_user("Eve")
    session = await users.login(TOKENS, user.username.upper(), PASSWORD)
    assert session.user.id == user.id


async def test_login_failure_does_not_say_which_part_was_wrong() -> None:
    user = await create_user()
    with pytest.raises(ImchatError) as wrong_password:
        await users.login(TOKENS, user.username, "not the password")
    with pytest.raises(ImchatError) as unknown_user:
        await users.login(TOKENS, unique("nobody"), PASSWORD)
    assert wrong_password.value.code == unknown_user.value.code == ErrorCode.UNAUTHENTICATED
    assert wrong_password.value.message == unknown_user.value.message


async def test_refresh_token_yields_a_new_session() -> None:
    session = await users.register(TOKENS, unique("fay"), PASSWORD, None)
    renewed = await users.refresh(TOKENS, session.refresh_token)
    assert renewed.user.id == session.user.id


async def test_access_token_cannot_be_used_as_refresh_token() -> None:
    session = await users.register(TOKENS, unique("gus"), PASSWORD, None)
    with pytest.raises(ImchatError) as refused:
        await users.refresh(TOKENS, session.access_token)
    assert refused.value.code == ErrorCode.UNAUTHENTICATED


async def test_update_profile_changes_only_given_fields() -> None:
    user = await create_user(display_name="Hal")
    updated = await users.update_profile(uid(user), None, "https://example.org/hal.png")
    assert updated.display_name == "Hal"
    assert updated.avatar_url == "https://example.org/hal.png"
    renamed = await users.update_profile(uid(user), "Hal 9000", None)
    assert renamed.display_name == "Hal 9000"
    assert renamed.avatar_url == "https://example.org/hal.png"


async def test_update_profile_refuses_script_urls() -> None:
    user = await create_user()
    with pytest.raises(ImchatError) as refused:
        await users.update_profile(uid(user), None, "javascript:alert(1)")
    assert refused.value.code == ErrorCode.BAD_USER_INPUT


async def test_search_finds_users_by_username_or_display_name_prefix() -> None:
    me = await create_user("me")
    ivy = await create_user("ivy", display_name="Poison")
    found_by_name = await users.search_users(uid(me), ivy.username[:6].upper(), 20)
    found_by_display = await users.search_users(uid(me), "pois", 20)
    assert [u.id for u in found_by_name] == [ivy.id]
    assert ivy.id in [u.id for u in found_by_display]


async def test_search_does_not_return_the_searcher() -> None:
    me = await create_user("self")
    assert await users.search_users(uid(me), me.username, 20) == []


async def test_search_treats_regex_characters_literally() -> None:
    me = await create_user()
    await create_user("jay")
    assert await users.search_users(uid(me), ".*", 20) == []
