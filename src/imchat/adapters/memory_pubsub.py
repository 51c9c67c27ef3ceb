"""In-process pub/sub for embedded mode: one process, no broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from imchat.adapters.hub import HubSubscription, LocalHub


class MemoryPubSub:
    def __init__(self) -> None:
        self._hub = LocalHub()

    @property
    def healthy(self) -> bool:
        return True

    async def publish(self, channel: str, message: str) -> None:
        self._hub.deliver(channel, message)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[HubSubscription]:
        async with self._hub.attach(channel) as (subscription, _):
            yield subscription
