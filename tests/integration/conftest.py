"""Service-level fixtures: a fresh database per test on the real SecantusDB server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from imchat.adapters.database import open_database
from imchat.types import JsonObject
from tests.conftest import unique


@dataclass
class RecordingEvents:
    """Collects events as the API would publish them, round-tripped through JSON."""

    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    async def notify(self, user_ids: list[str], event: JsonObject) -> None:
        decoded = json.loads(json.dumps(event))
        self.sent.extend((user_id, decoded) for user_id in user_ids)

    def for_user(self, user_id: object) -> list[dict[str, Any]]:
        return [event for uid, event in self.sent if uid == str(user_id)]


@pytest.fixture
async def db(mongo_url: str) -> AsyncIterator[str]:
    name = unique("t_")
    client = await open_database(mongo_url, name)
    try:
        yield name
    finally:
        await client.drop_database(name)
        await client.close()


@pytest.fixture
def events() -> RecordingEvents:
    return RecordingEvents()
