"""Service-level fixtures: a fresh database per test on the real SecantusDB server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from imchat.adapters.database import open_database
from imchat.types import JsonObject
from tests.conftest import unique


@dataclass
class RecordingEvents:
    """A delivery queue that keeps what services announce, round-tripped through JSON."""

    sent: list[dict[str, Any]] = field(default_factory=list)

    async def publish(self, deliveries: Sequence[JsonObject]) -> None:
        self.sent.extend(json.loads(json.dumps(list(deliveries))))

    def for_user(self, user_id: object) -> list[dict[str, Any]]:
        return [d for d in self.sent if d["user_id"] == str(user_id)]


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
