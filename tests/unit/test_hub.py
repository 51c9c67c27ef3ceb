"""The local fan-out every API process uses to hand channel messages to its sockets."""

from __future__ import annotations

import asyncio

import pytest

from imchat.adapters.hub import LocalHub


async def test_messages_reach_each_subscriber_of_the_channel_in_order() -> None:
    hub = LocalHub()
    async with (
        hub.subscription("a") as first,
        hub.subscription("a") as second,
        hub.subscription("b") as other,
    ):
        for message in ("1", "2", "3"):
            hub.deliver("a", message)
        assert [await first.get() for _ in range(3)] == ["1", "2", "3"]
        assert [await second.get() for _ in range(3)] == ["1", "2", "3"]
        hub.deliver("b", "4")
        assert await other.get() == "4"


async def test_a_get_cancelled_after_its_wake_up_loses_no_message() -> None:
    hub = LocalHub()
    async with hub.subscription("a") as subscription:
        getter = asyncio.create_task(subscription.get())
        await asyncio.sleep(0)
        hub.deliver("a", "kept")
        getter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await getter
        assert await asyncio.wait_for(subscription.get(), 1) == "kept"


async def test_a_channel_whose_first_subscribe_fails_keeps_no_subscriber() -> None:
    async def refuse(channel: str, _: object) -> None:
        raise ConnectionError(channel)

    hub = LocalHub(on_first=refuse)
    with pytest.raises(ConnectionError):
        async with hub.subscription("a"):
            pass
    assert hub.channels == []


async def test_the_last_subscriber_leaving_releases_the_channel() -> None:
    released: list[str] = []

    async def release(channel: str) -> None:
        released.append(channel)

    hub = LocalHub(on_last=release)
    async with hub.subscription("a"):
        async with hub.subscription("a"):
            pass
        assert released == []
    assert released == ["a"]
    assert hub.channels == []
