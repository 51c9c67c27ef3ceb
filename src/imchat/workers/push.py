"""The push worker: fan-outs expanded per member, deliveries into inboxes and onto pub/sub."""

from __future__ import annotations

import asyncio
from typing import Protocol

from imchat.services.delivery import InboxWriter, fan_out
from imchat.services.ports import DeliveryQueue, LivePublisher
from imchat.types import BatchHandler, Incoming


class DeliveryConsumer(Protocol):
    async def run(self, handle: BatchHandler) -> None: ...

    async def run_fanout(self, handle: BatchHandler) -> None: ...


async def run_push_worker(
    consumer: DeliveryConsumer, queue: DeliveryQueue, live: LivePublisher
) -> None:
    """Consume until cancelled; the consumer acknowledges a batch only after it was handled."""
    writer = InboxWriter(live)

    async def expand(items: list[Incoming]) -> None:
        await fan_out(queue, items)

    await asyncio.gather(consumer.run(writer.handle), consumer.run_fanout(expand))
