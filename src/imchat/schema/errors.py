"""Turns every error into a GraphQL error with a stable `extensions.code`.

Errors the service layer raised on purpose keep their message; GraphQL syntax and
validation errors keep theirs; anything else is a bug, logged here and shown to the
client only as INTERNAL, never with a stack trace or a driver's message.
"""

from __future__ import annotations

import logging

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

from imchat.errors import ErrorCode, ImchatError

log = logging.getLogger(__name__)


def _code_of(error: GraphQLError) -> tuple[ErrorCode | str, str] | None:
    original = error.original_error
    if isinstance(original, ImchatError):
        return original.code, original.message
    existing = (error.extensions or {}).get("code")
    if original is None:
        # Raised by GraphQL itself (syntax, validation, limits) or by a permission class.
        return (existing or ErrorCode.BAD_USER_INPUT), error.message
    if isinstance(original, GraphQLError):
        return _code_of(original)
    return None


class ErrorCodes(MaskErrors):
    def __init__(self) -> None:
        super().__init__(error_message="Internal server error")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = []
        for error in errors:
            known = _code_of(error)
            code: ErrorCode | str
            if known is None:
                log.error("Unexpected error in %s", error.path, exc_info=error.original_error)
                code, message = ErrorCode.INTERNAL, self.error_message
            else:
                code, message = known
            processed.append(
                GraphQLError(
                    message,
                    nodes=error.nodes,
                    source=error.source,
                    positions=error.positions,
                    path=error.path,
                    extensions={"code": str(code)},
                )
            )
        return processed
