"""In-process pub/sub for embedded mode: one process, no broker."""

from __future__ import annotations

from collections.abc import Sequence

from imchat.adapters.hub import HubSubscription, LocalHub


class MemoryPubSub:
    def __init__(self) -> None:
        self._hub = LocalHub()

    @property
    def healthy(self) -> bool:
        return True

    async def publish(self, channel: str, message: str) -> None:
        self._hub.deliver(channel, message)

    async def publish_many(self, messages: Sequence[tuple[str, str]]) -> None:
        for channel, message in messages:
            self._hub.deliver(channel, message)

    def subscribe(self, channel: str) -> HubSubscription:
        return self._hub.subscription(channel)
