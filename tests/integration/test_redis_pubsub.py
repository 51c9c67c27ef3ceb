"""The supervised Redis pub/sub against the machine's real Redis."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from imchat.adapters.redis_pubsub import RedisPubSub
from tests.conftest import unique

REDIS_URL = os.environ.get("IMCHAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def pubsub() -> AsyncIterator[RedisPubSub]:
    hub = RedisPubSub(REDIS_URL)
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()


async def test_a_published_message_reaches_every_local_subscriber(pubsub: RedisPubSub) -> None:
    channel = unique("test:")
    async with pubsub.subscribe(channel) as first, pubsub.subscribe(channel) as second:
        await pubsub.publish(channel, "hello")
        assert await asyncio.wait_for(first.get(), 5) == "hello"
        assert await asyncio.wait_for(second.get(), 5) == "hello"


async def test_subscription_is_confirmed_before_subscribe_returns(pubsub: RedisPubSub) -> None:
    channel = unique("test:")
    async with pubsub.subscribe(channel) as subscription:
        # Published by another client the instant subscribe returned: must not be missed.
        other = redis.Redis.from_url(REDIS_URL)
        await other.publish(channel, "first")
        await other.aclose()
        assert await asyncio.wait_for(subscription.get(), 5) == "first"


async def test_killed_pubsub_connection_reconnects_and_asks_for_resync(
    pubsub: RedisPubSub,
) -> None:
    channel = unique("test:")
    async with pubsub.subscribe(channel) as subscription:
        admin = redis.Redis.from_url(REDIS_URL)
        await admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
        # The subscriber is told something may have been missed...
        assert await asyncio.wait_for(subscription.get(), 10) is None
        for _ in range(100):
            if pubsub.healthy:
                break
            await asyncio.sleep(0.05)
        assert pubsub.healthy
        assert pubsub.reconnects == 1
        # ...and live delivery resumes on the same subscription without any action.
        await admin.publish(channel, "after")
        await admin.aclose()
        assert await asyncio.wait_for(subscription.get(), 5) == "after"


async def test_a_slow_subscriber_is_told_to_resync_instead_of_growing_memory(
    pubsub: RedisPubSub,
) -> None:
    channel = unique("test:")
    async with pubsub.subscribe(channel) as subscription:
        for i in range(1500):
            await pubsub.publish(channel, str(i))
        await asyncio.sleep(0.5)
        received = []
        while True:
            item = await asyncio.wait_for(subscription.get(), 5)
            received.append(item)
            if item == "1499":
                break
        assert None in received
        assert len(received) <= 1001
