"""One user's event stream (subscriptions/stream.py) against the real database."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import tracemalloc

import pytest

from imchat.adapters.memory_pubsub import MemoryPubSub
from imchat.channels import user_channel
from imchat.subscriptions.stream import user_events
from tests.factories import create_user, uid

pytestmark = pytest.mark.usefixtures("db")

BIG = 1_000_000


async def test_an_idle_stream_holds_nothing_of_the_event_it_delivered() -> None:
    # A socket idles for hours between events; whatever its stream still references
    # from the last one is memory per socket.
    ann = await create_user("ann")
    pubsub = MemoryPubSub()
    stream = user_events(pubsub, uid(ann), None)
    waiting = asyncio.create_task(anext(stream))
    await asyncio.sleep(0.2)  # subscribed and waiting for live events
    tracemalloc.start()
    try:
        await pubsub.publish(
            user_channel(str(ann.id)), json.dumps({"type": "typing", "pad": "x" * BIG})
        )
        delivered = await asyncio.wait_for(waiting, 5)
        assert len(delivered["pad"]) == BIG
        del delivered
        waiting = asyncio.create_task(anext(stream))
        await asyncio.sleep(0.05)  # the stream is back in its wait for the next event
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
        await stream.aclose()
    assert held < BIG // 10
