"""`make run`'s setup: one `imchat serve` process with nothing else running."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.chat import Person, friends, listening
from tests.e2e.conftest import start_server, stop_server

HISTORY = "query($c: ID!) { messages(conversationId: $c) { edges { node { content } } } }"


async def test_serve_with_no_urls_runs_its_own_database_queue_and_pubsub(tmp_path: Path) -> None:
    server = await asyncio.to_thread(start_server, None, tmp_path)
    try:
        ann, bob, conversation = await friends(server)
        async with listening(server, bob) as heard:
            sent = await ann.send(conversation, "embedded hello")
            await heard.wait_for(lambda h: h.messages())
        assert heard.messages()[0]["id"] == sent["id"]
    finally:
        await asyncio.to_thread(stop_server, server)
    assert (tmp_path / "db").is_dir()


async def test_embedded_data_survives_a_restart(tmp_path: Path) -> None:
    server = await asyncio.to_thread(start_server, None, tmp_path, None, "imchat")
    try:
        ann, _, conversation = await friends(server)
        await ann.send(conversation, "kept on disk")
    finally:
        await asyncio.to_thread(stop_server, server)
    again = await asyncio.to_thread(start_server, None, tmp_path, None, "imchat")
    try:
        result = await Person(again, ann.auth).run(HISTORY, c=conversation)
    finally:
        await asyncio.to_thread(stop_server, again)
    assert [e["node"]["content"] for e in result["messages"]["edges"]] == ["kept on disk"]
