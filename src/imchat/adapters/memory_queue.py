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
        self._queue: asyncio.Queue[Incoming] = asyncio.Queue()
        self._max_batch = max_batch

    async def publish(self, deliveries: Sequence[JsonObject]) -> None:
        for delivery in deliveries:
            # A JSON round trip, so embedded mode fails on exactly what RabbitMQ would refuse.
            self._queue.put_nowait(Incoming(json.loads(json.dumps(delivery)), redelivered=False))

    async def run(self, handle: BatchHandler) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
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
