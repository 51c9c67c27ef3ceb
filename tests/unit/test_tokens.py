"""Access and refresh tokens."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from imchat.errors import ErrorCode, ImchatError
from imchat.services.tokens import TokenIssuer

ISSUER = TokenIssuer("unit-secret-0123456789abcdef0123", timedelta(minutes=5), timedelta(days=1))


def test_access_token_names_its_user() -> None:
    assert ISSUER.verify(ISSUER.issue("u1", "access"), "access") == "u1"


def test_token_signed_with_another_key_is_refused() -> None:
    other = TokenIssuer(
        "another-secret-0123456789abcdef-xyz", timedelta(minutes=5), timedelta(days=1)
    )
    with pytest.raises(ImchatError) as refused:
        ISSUER.verify(other.issue("u1", "access"), "access")
    assert refused.value.code == ErrorCode.UNAUTHENTICATED


def test_expired_token_is_refused() -> None:
    expired = TokenIssuer(ISSUER.secret_key, timedelta(seconds=-1), timedelta(days=1))
    with pytest.raises(ImchatError) as refused:
        ISSUER.verify(expired.issue("u1", "access"), "access")
    assert refused.value.message == "Token expired"


def test_a_token_accepted_before_is_refused_once_it_expires() -> None:
    short = TokenIssuer(ISSUER.secret_key, timedelta(seconds=1), timedelta(days=1))
    token = short.issue("u1", "access")
    assert short.verify(token, "access") == "u1"
    time.sleep(1.1)
    with pytest.raises(ImchatError) as refused:
        short.verify(token, "access")
    assert refused.value.message == "Token expired"


def test_a_refresh_token_checked_before_is_still_not_an_access_token() -> None:
    refresh = ISSUER.issue("u1", "refresh")
    assert ISSUER.verify(refresh, "refresh") == "u1"
    with pytest.raises(ImchatError):
        ISSUER.verify(refresh, "access")


def test_refresh_token_is_not_an_access_token() -> None:
    with pytest.raises(ImchatError):
        ISSUER.verify(ISSUER.issue("u1", "refresh"), "access")


def test_bearer_header_must_use_the_bearer_scheme() -> None:
    with pytest.raises(ImchatError):
        ISSUER.user_from_bearer("Basic dXNlcjpwYXNz")


def test_missing_bearer_header_means_anonymous() -> None:
    assert ISSUER.user_from_bearer(None) is None
