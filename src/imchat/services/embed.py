"""Embed tokens: short-lived access tokens a host's backend mints for an embedded client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from imchat.errors import bad_input, forbidden, unauthenticated
from imchat.services.tokens import TokenIssuer

MIN_EMBED_TTL_SECONDS = 30
MAX_EMBED_TTL_SECONDS = 3600
DEFAULT_EMBED_TTL_SECONDS = 300


@dataclass(frozen=True)
class EmbedToken:
    token: str
    expires_at: datetime


def check_embed_ttl(ttl_seconds: int | None) -> int:
    ttl = DEFAULT_EMBED_TTL_SECONDS if ttl_seconds is None else ttl_seconds
    if not MIN_EMBED_TTL_SECONDS <= ttl <= MAX_EMBED_TTL_SECONDS:
        raise bad_input(
            f"ttlSeconds must be between {MIN_EMBED_TTL_SECONDS} and {MAX_EMBED_TTL_SECONDS}"
        )
    return ttl


def create_embed_token(
    tokens: TokenIssuer, bearer_header: str | None, ttl_seconds: int | None
) -> EmbedToken:
    """Mint an embed token for the caller of a full access token.

    An embed token may not mint another: a page that holds one could otherwise keep a
    session alive forever without the host's backend ever being asked again.
    """
    ttl = check_embed_ttl(ttl_seconds)
    user_id = tokens.user_from_bearer(bearer_header)
    if user_id is None:
        raise unauthenticated()
    _, _, token = (bearer_header or "").partition(" ")
    if tokens.is_embed(token.strip()):
        raise forbidden("An embed token cannot mint another; ask the host's backend")
    expires_at = datetime.now(UTC) + timedelta(seconds=ttl)
    return EmbedToken(tokens.issue_embed(user_id, timedelta(seconds=ttl)), expires_at)
