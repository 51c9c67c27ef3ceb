"""The one error type of the service layer and its stable codes.

Hierarchy: ``ImchatError`` is the only exception services raise on purpose. Its
``code`` is one of ``ErrorCode`` and reaches clients as ``extensions.code``; its
message is written for the client. Anything else that escapes a resolver is a bug
and reaches the client as ``INTERNAL`` with a generic message.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    INTERNAL = "INTERNAL"


class ImchatError(Exception):
    """A failure the client should see, with a machine-readable code."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def bad_input(message: str) -> ImchatError:
    return ImchatError(ErrorCode.BAD_USER_INPUT, message)


def not_found(what: str) -> ImchatError:
    return ImchatError(ErrorCode.NOT_FOUND, f"{what} not found")


def forbidden(message: str) -> ImchatError:
    return ImchatError(ErrorCode.FORBIDDEN, message)


def unauthenticated(message: str = "Sign in first") -> ImchatError:
    return ImchatError(ErrorCode.UNAUTHENTICATED, message)
