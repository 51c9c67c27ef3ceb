"""Embed tokens for host pages that frame /embed or use the Vue component."""

from __future__ import annotations

from datetime import datetime

import strawberry

from imchat.schema.context import Info
from imchat.schema.permissions import AUTHENTICATED
from imchat.services import embed


def _bearer_header(info: Info) -> str | None:
    # Over a WebSocket the token travelled in connection_init, not in an HTTP header.
    params = info.context.connection_params
    if params is not None:
        value = params.get("authorization") or params.get("Authorization")
        return value if isinstance(value, str) else None
    request = info.context.request
    header = request.headers.get("authorization") if request is not None else None
    return header if isinstance(header, str) else None


@strawberry.type(name="EmbedToken")
class EmbedTokenType:
    token: str
    expires_at: datetime


@strawberry.type
class EmbedMutation:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="A short-lived access token for an embedded client (no refresh token). "
        "Call it from the host's backend with the user's own bearer token.",
    )
    async def create_embed_token(self, info: Info, ttl_seconds: int | None = 300) -> EmbedTokenType:
        header = _bearer_header(info)
        minted = embed.create_embed_token(info.context.services.tokens, header, ttl_seconds)
        return EmbedTokenType(token=minted.token, expires_at=minted.expires_at)
