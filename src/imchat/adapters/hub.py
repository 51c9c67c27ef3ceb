"""Local fan-out of channel messages to the subscriptions this process holds.

Each subscription has a bounded queue: a socket that cannot keep up is told to resync
(it re-reads its inbox) instead of growing memory without limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

QUEUE_LIMIT = 1000


class HubSubscription:
    def __init__(self) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue(QUEUE_LIMIT)

    def put(self, message: str | None) -> None:
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            # Drop what is queued and ask for a resync: the inbox holds every durable event.
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(None)

    async def get(self) -> str | None:
        return await self._queue.get()


class LocalHub:
    def __init__(self) -> None:
        self._channels: dict[str, set[HubSubscription]] = {}

    @property
    def channels(self) -> list[str]:
        return list(self._channels)

    def deliver(self, channel: str, message: str | None) -> None:
        for subscription in self._channels.get(channel, ()):
            subscription.put(message)

    def resync_all(self) -> None:
        for channel in self._channels:
            self.deliver(channel, None)

    @asynccontextmanager
    async def attach(self, channel: str) -> AsyncIterator[tuple[HubSubscription, bool]]:
        """Register a subscription; the flag says whether the channel is new here."""
        subscription = HubSubscription()
        subscribers = self._channels.setdefault(channel, set())
        is_new = not subscribers
        subscribers.add(subscription)
        try:
            yield subscription, is_new
        finally:
            subscribers.discard(subscription)
            if not subscribers:
                self._channels.pop(channel, None)

    def is_empty(self, channel: str) -> bool:
        return not self._channels.get(channel)
