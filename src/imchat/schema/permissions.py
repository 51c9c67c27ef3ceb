"""Permission classes: who may run a field at all."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from imchat.schema.context import Info


class IsAuthenticated(BasePermission):
    """Raises UNAUTHENTICATED (with the token's problem, if any) for anonymous callers."""

    message = "Sign in first"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        info.context.require_user()
        return True


# Typed as the base class so Strawberry's decorators keep their signatures under mypy.
AUTHENTICATED: list[type[BasePermission]] = [IsAuthenticated]
