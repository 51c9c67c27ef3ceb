"""The small interfaces through which services reach the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from imchat.types import JsonObject


class Subscription(Protocol):
    """Messages of one channel; `None` means some may have been missed: re-read the source."""

    async def get(self) -> str | None: ...


class PubSub(Protocol):
    async def publish(self, channel: str, message: str) -> None: ...

    async def publish_many(self, messages: Sequence[tuple[str, str]]) -> None: ...

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]: ...

    @property
    def healthy(self) -> bool: ...


class DeliveryQueue(Protocol):
    """Durable hand-off of per-user deliveries to the push worker."""

    async def publish(self, deliveries: Sequence[JsonObject]) -> None:
        """Returns once the queue has confirmed every delivery; raises if it could not."""
        ...


class LivePublisher(Protocol):
    async def publish_many(self, messages: Sequence[tuple[str, str]]) -> None: ...
