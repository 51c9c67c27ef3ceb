"""Local fan-out of channel messages to the subscriptions this process holds.

Each subscription has a bounded mailbox: a socket that cannot keep up is told to resync
(it re-reads its inbox) instead of growing memory without limit.

Every idle socket holds one subscription for hours, so its size is the per-socket
memory bill: a subscription is one slotted object that grows a deque only while
messages wait, where an `asyncio.Queue` holds three deques (~2.3 KB) from birth, and it
is its own async context manager rather than a generator-based one (a suspended
generator frame per socket).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

QUEUE_LIMIT = 1000

# Called with the channel and its first local subscription, after it is registered.
FirstHook = Callable[[str, "HubSubscription"], Awaitable[None]]
# Called with the channel once its last local subscription has left.
LastHook = Callable[[str], Awaitable[None]]


class HubSubscription:
    """One subscriber's mailbox; `async with` attaches it to its channel for the block."""

    __slots__ = ("_hub", "_waiter", "_waiting", "channel")

    def __init__(self, hub: LocalHub, channel: str) -> None:
        self._hub = hub
        self.channel = channel
        self._waiting: deque[str | None] | None = None
        self._waiter: asyncio.Future[None] | None = None

    async def __aenter__(self) -> HubSubscription:
        await self._hub.attach(self)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._hub.detach(self)

    def put(self, message: str | None) -> None:
        waiting = self._waiting
        if waiting is None:
            waiting = self._waiting = deque()
        if len(waiting) >= QUEUE_LIMIT:
            # Drop what is queued and ask for a resync: the inbox holds every durable event.
            waiting.clear()
            message = None
        waiting.append(message)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> str | None:
        # The message stays queued until the getter runs, so a get cancelled after
        # its wake-up loses nothing.
        while not self._waiting:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        message = self._waiting.popleft()
        if not self._waiting:
            self._waiting = None
        return message


async def _nothing(*_: object) -> None:
    return None


class LocalHub:
    def __init__(self, on_first: FirstHook = _nothing, on_last: LastHook = _nothing) -> None:
        # Lists, not sets: most channels have one subscriber (a user on one device), and a
        # one-item set is 216 bytes where a list is 64.
        self._channels: dict[str, list[HubSubscription]] = {}
        self._on_first = on_first
        self._on_last = on_last

    @property
    def channels(self) -> list[str]:
        return list(self._channels)

    def subscription(self, channel: str) -> HubSubscription:
        return HubSubscription(self, channel)

    def deliver(self, channel: str, message: str | None) -> None:
        for subscription in self._channels.get(channel, ()):
            subscription.put(message)

    def resync_all(self) -> None:
        for channel in self._channels:
            self.deliver(channel, None)

    async def attach(self, subscription: HubSubscription) -> None:
        subscribers = self._channels.setdefault(subscription.channel, [])
        is_new = not subscribers
        subscribers.append(subscription)
        if is_new:
            try:
                await self._on_first(subscription.channel, subscription)
            except BaseException:
                # `async with` skips __aexit__ when __aenter__ fails: leave nothing behind.
                await self.detach(subscription)
                raise

    async def detach(self, subscription: HubSubscription) -> None:
        channel = subscription.channel
        subscribers = self._channels.get(channel)
        if subscribers is None:
            return
        if subscription in subscribers:
            subscribers.remove(subscription)
        if not subscribers:
            del self._channels[channel]
            await self._on_last(channel)
