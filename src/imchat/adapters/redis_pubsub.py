"""Pub/sub on Redis with a supervised subscriber connection.

We do not use broadcaster's Redis backend: with redis-py 8 it delivers nothing, it never
reconnects after the pub/sub connection drops (upstream declines to), and it queues
without bound (docs/architecture.md). This supervisor re-subscribes every channel after
a loss and tells each local subscription to resync from its inbox, so the gap is filled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError

from imchat.adapters.hub import HubSubscription, LocalHub

log = logging.getLogger(__name__)

# Subscribed on every connection so the reader always has a connection to read from.
CONTROL_CHANNEL = "imchat:control"


class RedisPubSub:
    def __init__(self, url: str) -> None:
        self._url = url
        self._hub = LocalHub(on_first=self._subscribe_remote, on_last=self._unsubscribe_remote)
        self._publisher: redis.Redis = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=5, socket_connect_timeout=5
        )
        self._pubsub: Any = None
        self._confirmations: dict[str, asyncio.Future[None]] = {}
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.reconnects = 0

    @property
    def healthy(self) -> bool:
        return self._connected.is_set()

    async def start(self, ready_within: float = 10.0) -> None:
        await self._publisher.ping()
        self._task = asyncio.create_task(self._supervise(), name="redis-pubsub")
        await asyncio.wait_for(self._connected.wait(), ready_within)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._publisher.aclose()

    async def publish(self, channel: str, message: str) -> None:
        await self._publisher.publish(channel, message)

    async def publish_many(self, messages: Sequence[tuple[str, str]]) -> None:
        if not messages:
            return
        async with self._publisher.pipeline(transaction=False) as pipe:
            for channel, message in messages:
                pipe.publish(channel, message)
            await pipe.execute()

    def subscribe(self, channel: str) -> HubSubscription:
        return self._hub.subscription(channel)

    async def _unsubscribe_remote(self, channel: str) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.unsubscribe(channel)

    async def _subscribe_remote(self, channel: str, subscription: HubSubscription) -> None:
        """Subscribe and wait for Redis to confirm, so nothing published after this is missed."""
        pubsub = self._pubsub
        if pubsub is None or not self.healthy:
            # The supervisor subscribes every attached channel when it reconnects.
            subscription.put(None)
            return
        confirmed = asyncio.get_running_loop().create_future()
        self._confirmations[channel] = confirmed
        try:
            await pubsub.subscribe(channel)
            await asyncio.wait_for(confirmed, 5.0)
        except (RedisError, OSError, TimeoutError):
            subscription.put(None)
        finally:
            self._confirmations.pop(channel, None)

    async def _supervise(self) -> None:
        backoff = 0.05
        first = True
        while True:
            client = redis.Redis.from_url(
                self._url,
                decode_responses=True,
                socket_connect_timeout=5,
                socket_keepalive=True,
                health_check_interval=15,
            )
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(CONTROL_CHANNEL, *self._hub.channels)
                self._pubsub = pubsub
                self._connected.set()
                if not first:
                    self.reconnects += 1
                    log.warning("Redis pub/sub reconnected; subscribers resync from inbox")
                    self._hub.resync_all()
                first = False
                backoff = 0.05
                await self._read(pubsub)
            except (RedisError, OSError) as error:
                log.warning("Redis pub/sub connection lost: %s", error)
            finally:
                self._connected.clear()
                self._pubsub = None
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)

    async def _read(self, pubsub: Any) -> None:
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=False, timeout=1.0)
            if message is None:
                continue
            kind, channel = message["type"], message["channel"]
            if kind == "message":
                self._hub.deliver(channel, message["data"])
            elif kind == "subscribe":
                confirmed = self._confirmations.get(channel)
                if confirmed is not None and not confirmed.done():
                    confirmed.set_result(None)
