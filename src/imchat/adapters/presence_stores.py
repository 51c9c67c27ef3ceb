"""Where presence is counted: in memory (one process) or in Redis (many API nodes)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from collections.abc import Sequence

import redis.asyncio as redis

DEVICE_ORDER = ("pc", "mobile")


def _sorted_devices(devices: set[str]) -> list[str]:
    return sorted(devices, key=lambda d: (DEVICE_ORDER.index(d) if d in DEVICE_ORDER else 9, d))


class MemoryPresence:
    def __init__(self) -> None:
        self._sockets: dict[str, Counter[str]] = {}

    async def change(self, user_id: str, device: str, delta: int) -> None:
        counts = self._sockets.setdefault(user_id, Counter())
        counts[device] += delta
        if counts[device] <= 0:
            del counts[device]
        if not counts:
            del self._sockets[user_id]

    async def devices(self, user_ids: Sequence[str]) -> dict[str, list[str]]:
        return {uid: _sorted_devices(set(self._sockets.get(uid, ()))) for uid in user_ids}


class RedisPresence:
    """A hash per user, one field per (node, device) holding that node's socket count.

    Each node refreshes the expiry of its users' hashes; a node that dies stops
    refreshing, so its sockets stop counting within `ttl` seconds.
    """

    def __init__(self, url: str, ttl: int = 90) -> None:
        self._redis: redis.Redis = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=5, socket_connect_timeout=5
        )
        self._node = uuid.uuid4().hex[:12]
        self._ttl = ttl
        self._local: dict[str, Counter[str]] = {}
        self._task: asyncio.Task[None] | None = None

    @staticmethod
    def _key(user_id: str) -> str:
        return f"presence:{user_id}"

    async def start(self) -> None:
        self._task = asyncio.create_task(self._refresh(), name="presence-refresh")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            async with self._redis.pipeline(transaction=False) as pipe:
                for user_id, counts in self._local.items():
                    for device in counts:
                        pipe.hdel(self._key(user_id), f"{self._node}:{device}")
                await pipe.execute()
        await self._redis.aclose()

    async def change(self, user_id: str, device: str, delta: int) -> None:
        counts = self._local.setdefault(user_id, Counter())
        counts[device] += delta
        field = f"{self._node}:{device}"
        async with self._redis.pipeline(transaction=False) as pipe:
            if counts[device] > 0:
                pipe.hset(self._key(user_id), field, counts[device])
                pipe.expire(self._key(user_id), self._ttl)
            else:
                del counts[device]
                pipe.hdel(self._key(user_id), field)
            await pipe.execute()
        if not counts:
            del self._local[user_id]

    async def devices(self, user_ids: Sequence[str]) -> dict[str, list[str]]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                pipe.hgetall(self._key(user_id))
            rows = await pipe.execute()
        result: dict[str, list[str]] = {}
        for user_id, fields in zip(user_ids, rows, strict=True):
            devices = {field.split(":", 1)[1] for field, count in fields.items() if int(count) > 0}
            result[user_id] = _sorted_devices(devices)
        return result

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(self._ttl / 3)
            with contextlib.suppress(Exception):
                async with self._redis.pipeline(transaction=False) as pipe:
                    for user_id, counts in self._local.items():
                        for device, count in counts.items():
                            pipe.hset(self._key(user_id), f"{self._node}:{device}", count)
                        pipe.expire(self._key(user_id), self._ttl)
                    await pipe.execute()
