"""The push worker: batches of deliveries from the queue into inboxes and onto pub/sub."""

from __future__ import annotations

from typing import Protocol

from imchat.services.delivery import InboxWriter
from imchat.services.ports import LivePublisher
from imchat.types import BatchHandler


class DeliveryConsumer(Protocol):
    async def run(self, handle: BatchHandler) -> None: ...


async def run_push_worker(consumer: DeliveryConsumer, live: LivePublisher) -> None:
    """Consume until cancelled; the consumer acknowledges a batch only after it was handled."""
    writer = InboxWriter(live)
    await consumer.run(writer.handle)
