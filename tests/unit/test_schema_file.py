"""The committed schema.graphql is what the code exports."""

from __future__ import annotations

from pathlib import Path

from imchat.config import Settings
from imchat.schema.root import build_schema

SCHEMA_FILE = Path(__file__).parents[2] / "schema.graphql"


def test_schema_graphql_is_up_to_date() -> None:
    exported = build_schema(Settings()).as_str() + "\n"
    assert SCHEMA_FILE.read_text() == exported, "run `imchat export-schema > schema.graphql`"


def test_introspection_can_be_switched_off() -> None:
    schema = build_schema(Settings(introspection=False))
    result = schema.execute_sync("{ __schema { types { name } } }")
    assert result.errors
