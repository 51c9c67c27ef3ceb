"""Embed tokens: short-lived access tokens for embedded clients, minted from a full session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from imchat.errors import ErrorCode, ImchatError
from imchat.services.embed import create_embed_token
from imchat.services.tokens import TokenIssuer

ISSUER = TokenIssuer("unit-secret-0123456789abcdef0123", timedelta(minutes=15), timedelta(days=1))


def bearer(token: str) -> str:
    return f"Bearer {token}"


def test_embed_token_is_an_access_token_for_the_same_user() -> None:
    minted = create_embed_token(ISSUER, bearer(ISSUER.issue("u1", "access")), 120)
    assert ISSUER.verify(minted.token, "access") == "u1"


def test_embed_token_expires_after_the_requested_ttl() -> None:
    minted = create_embed_token(ISSUER, bearer(ISSUER.issue("u1", "access")), 60)
    remaining = minted.expires_at - datetime.now(UTC)
    assert timedelta(seconds=55) < remaining <= timedelta(seconds=60)


@pytest.mark.parametrize("ttl", [0, 29, 3601, -5])
def test_embed_token_ttl_outside_the_limits_is_refused(ttl: int) -> None:
    with pytest.raises(ImchatError) as refused:
        create_embed_token(ISSUER, bearer(ISSUER.issue("u1", "access")), ttl)
    assert refused.value.code == ErrorCode.BAD_USER_INPUT


def test_embed_token_cannot_mint_another() -> None:
    minted = create_embed_token(ISSUER, bearer(ISSUER.issue("u1", "access")), 300)
    with pytest.raises(ImchatError) as refused:
        create_embed_token(ISSUER, bearer(minted.token), 300)
    assert refused.value.code == ErrorCode.FORBIDDEN


def test_embed_token_needs_a_signed_in_caller() -> None:
    with pytest.raises(ImchatError) as refused:
        create_embed_token(ISSUER, None, 300)
    assert refused.value.code == ErrorCode.UNAUTHENTICATED


def test_refresh_token_cannot_mint_an_embed_token() -> None:
    with pytest.raises(ImchatError) as refused:
        create_embed_token(ISSUER, bearer(ISSUER.issue("u1", "refresh")), 300)
    assert refused.value.code == ErrorCode.UNAUTHENTICATED
