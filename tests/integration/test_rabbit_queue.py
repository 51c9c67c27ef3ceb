"""The RabbitMQ delivery queue on the machine's broker: batches, order, failure."""

from __future__ import annotations

import asyncio
import contextlib
import os

from imchat.adapters.rabbit_queue import RabbitQueue
from imchat.types import Incoming
from tests.conftest import unique

AMQP_URL = os.environ.get("IMCHAT_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


async def test_a_failed_batch_is_redelivered_before_what_came_after_it() -> None:
    queue = RabbitQueue(AMQP_URL, shards=1, max_batch=5, namespace=unique("t"))
    await queue.start()
    handled: list[int] = []
    failed, finished = asyncio.Event(), asyncio.Event()

    async def handle(items: list[Incoming]) -> None:
        numbers = [int(item.payload["source"]) for item in items]
        if 10 in numbers and not failed.is_set():
            failed.set()
            raise RuntimeError("the database went away")
        handled.extend(n for n in numbers if n not in handled)
        if len(handled) == 40:
            finished.set()

    consumer = asyncio.create_task(queue.run(handle))
    try:
        await queue.publish(
            [{"user_id": "u1", "source": str(n), "kind": "message"} for n in range(40)]
        )
        await asyncio.wait_for(finished.wait(), 30)
        assert failed.is_set()
        assert handled == list(range(40))
    finally:
        consumer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await consumer
        await queue.delete_topology()
        await queue.stop()
