"""In-process delivery queue for embedded mode: same batching and retry as RabbitMQ."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence

from imchat.types import BatchHandler, Incoming, JsonObject

log = logging.getLogger(__name__)


class MemoryQueue:
    def __init__(self, max_batch: int = 200) -> None:
        self._users: asyncio.Queue[Incoming] = asyncio.Queue()
        self._fanouts: asyncio.Queue[Incoming] = asyncio.Queue()
        self._max_batch = max_batch

    async def publish(self, deliveries: Sequence[JsonObject]) -> None:
        for delivery in deliveries:
            # A JSON round trip, so embedded mode fails on exactly what RabbitMQ would refuse.
            item = Incoming(json.loads(json.dumps(delivery)), redelivered=False)
            (self._users if "user_id" in delivery else self._fanouts).put_nowait(item)

    async def run(self, handle: BatchHandler) -> None:
        await self._drain(self._users, handle)

    async def run_fanout(self, handle: BatchHandler) -> None:
        await self._drain(self._fanouts, handle)

    async def _drain(self, queue: asyncio.Queue[Incoming], handle: BatchHandler) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < self._max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            while True:
                try:
                    await handle(batch)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("Delivery batch failed; retrying")
                    batch = [Incoming(item.payload, redelivered=True) for item in batch]
                    await asyncio.sleep(0.5)
