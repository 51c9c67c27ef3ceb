"""Names of the pub/sub channels that carry live events between processes."""

from __future__ import annotations


def user_channel(user_id: str) -> str:
    """The channel that carries one user's live events to every API node."""
    return f"user:{user_id}"
