"""Size limits every operation meets before it runs: tokens, depth, aliases."""

from __future__ import annotations

from imchat.config import Settings
from imchat.schema.root import build_schema


def test_an_operation_over_the_token_limit_is_refused() -> None:
    schema = build_schema(Settings(max_query_tokens=10))
    result = schema.execute_sync("{ " + "__typename " * 20 + "}")
    assert result.errors
    assert "more than 10 tokens" in result.errors[0].message


async def test_a_subscription_nested_too_deep_is_refused_before_it_starts() -> None:
    schema = build_schema(Settings(max_query_depth=2))
    query = "subscription { events { ... on MessageEvent { message { sender { id } } } } }"
    stream = await schema.subscribe(query)
    assert hasattr(stream, "__aiter__")
    results = [result async for result in stream]
    assert len(results) == 1
    assert results[0].errors
    assert "exceeds maximum operation depth" in results[0].errors[0].message
