"""Operations are validated once per distinct document, not once per request."""

from __future__ import annotations

from unittest import mock

import graphql

from imchat.config import Settings
from imchat.schema.root import build_schema


def test_repeated_operation_is_validated_once() -> None:
    schema = build_schema(Settings())
    with mock.patch("strawberry.schema.schema.validate", wraps=graphql.validate) as validate:
        for _ in range(5):
            schema.execute_sync("{ __typename }")
    assert validate.call_count == 1


def test_limits_still_apply_with_the_cache() -> None:
    schema = build_schema(Settings(max_query_aliases=2))
    query = "{ a: __typename b: __typename c: __typename }"
    first, second = schema.execute_sync(query), schema.execute_sync(query)
    assert first.errors and second.errors
