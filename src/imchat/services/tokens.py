"""Signed JWT access and refresh tokens."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt

from imchat.errors import unauthenticated

TokenType = Literal["access", "refresh"]
_ALGORITHM = "HS256"
# Access tokens remembered as verified; the map is simply emptied when full.
VERIFIED_CAPACITY = 50_000


@dataclass(frozen=True)
class TokenIssuer:
    secret_key: str
    access_ttl: timedelta
    refresh_ttl: timedelta
    # Every HTTP request carries its access token: checking the signature once per token,
    # not once per request, was ~2.5 % of the API's CPU per message. Nothing revokes an
    # access token before it expires, so the expiry is all a remembered token needs.
    _verified: dict[str, tuple[str, float]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def issue(self, user_id: str, token_type: TokenType) -> str:
        now = datetime.now(UTC)
        ttl = self.access_ttl if token_type == "access" else self.refresh_ttl  # noqa: S105 - a token kind, not a secret
        claims = {
            "sub": user_id,
            "typ": token_type,
            "iat": now,
            "exp": now + ttl,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.secret_key, algorithm=_ALGORITHM)

    def issue_embed(self, user_id: str, ttl: timedelta) -> str:
        """A short-lived access token for an embedded client, marked so it cannot mint more."""
        now = datetime.now(UTC)
        claims = {
            "sub": user_id,
            "typ": "access",
            "emb": True,
            "iat": now,
            "exp": now + ttl,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.secret_key, algorithm=_ALGORITHM)

    def is_embed(self, token: str) -> bool:
        """Whether a valid access token was minted for an embed (see `issue_embed`)."""
        return self._claims(token, "access").get("emb") is True

    def verify(self, token: str, token_type: TokenType) -> str:
        """The user id a valid token of this type names; UNAUTHENTICATED otherwise."""
        if token_type != "access":  # noqa: S105 - a token kind, not a secret
            return str(self._claims(token, token_type)["sub"])
        known = self._verified.get(token)
        if known is not None:
            user_id, expires_at = known
            if time.time() < expires_at:
                return user_id
            raise unauthenticated("Token expired")
        claims = self._claims(token, token_type)
        if len(self._verified) >= VERIFIED_CAPACITY:
            self._verified.clear()
        self._verified[token] = (str(claims["sub"]), float(claims["exp"]))
        return str(claims["sub"])

    def _claims(self, token: str, token_type: TokenType) -> dict[str, Any]:
        try:
            claims = jwt.decode(
                token,
                self.secret_key,
                algorithms=[_ALGORITHM],
                options={"require": ["sub", "typ", "exp"]},
            )
        except jwt.ExpiredSignatureError:
            raise unauthenticated("Token expired") from None
        except jwt.PyJWTError:
            raise unauthenticated("Invalid token") from None
        if claims.get("typ") != token_type or not isinstance(claims.get("sub"), str):
            raise unauthenticated("Invalid token")
        return claims

    def user_from_bearer(self, header: str | None) -> str | None:
        """The user id of an `Authorization: Bearer` value; None when there is none."""
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthenticated("Authorization must be 'Bearer <accessToken>'")
        return self.verify(token.strip(), "access")
