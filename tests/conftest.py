"""Fixtures every test tier shares: one real SecantusDB server per test session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from imchat.adapters.embedded_mongo import EmbeddedMongo


@pytest.fixture(scope="session")
def mongo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SecantusDB server over TCP, shared by the session; each test takes its own database."""
    server = EmbeddedMongo(Path(tmp_path_factory.mktemp("secantus")))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"
