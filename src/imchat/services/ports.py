"""The small interfaces through which services reach the outside world."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from imchat.types import JsonObject


class EventSink(Protocol):
    """Where services hand user-facing events once the write behind them has succeeded."""

    async def notify(self, user_ids: list[str], event: JsonObject) -> None: ...


class Subscription(Protocol):
    """Messages of one channel; `None` means some may have been missed: re-read the source."""

    async def get(self) -> str | None: ...


class PubSub(Protocol):
    async def publish(self, channel: str, message: str) -> None: ...

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]: ...

    @property
    def healthy(self) -> bool: ...
