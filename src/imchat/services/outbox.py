"""The outbox: which messages the queue confirmed, and re-announcing those it did not."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from beanie import PydanticObjectId

from imchat.models import Message
from imchat.models.clock import utcnow
from imchat.models.ids import id_of
from imchat.services.events import announce, message_deliveries
from imchat.services.ports import DeliveryQueue

log = logging.getLogger(__name__)


class DispatchLog:
    """Collects confirmed message ids and marks them dispatched in one write per interval.

    Losing this buffer (a crash) only means the sweeper announces those messages again,
    which the worker recognises and ignores.
    """

    def __init__(self, interval: float = 1.0) -> None:
        self._pending: set[PydanticObjectId] = set()
        self._interval = interval

    def add(self, message_id: PydanticObjectId) -> None:
        self._pending.add(message_id)

    async def flush(self) -> None:
        if not self._pending:
            return
        ids, self._pending = list(self._pending), set()
        await Message.get_pymongo_collection().update_many(
            {"_id": {"$in": ids}}, {"$set": {"dispatched": True}}
        )

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.flush()
            except Exception:
                log.warning("Could not mark messages dispatched; the sweeper will cover them")

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.flush()


async def sweep_undispatched(queue: DeliveryQueue, older_than: timedelta, limit: int = 500) -> int:
    """Re-announce messages the queue never confirmed; returns how many were announced."""
    cutoff = utcnow() - older_than
    stuck = (
        await Message.find({"dispatched": False, "created_at": {"$lt": cutoff}})
        .sort("created_at")
        .limit(limit)
        .to_list()
    )
    done: list[PydanticObjectId] = []
    for message in stuck:
        if await announce(queue, message_deliveries(message)):
            done.append(id_of(message))
    if done:
        await Message.get_pymongo_collection().update_many(
            {"_id": {"$in": done}}, {"$set": {"dispatched": True}}
        )
        log.info("Re-announced %d messages from the outbox", len(done))
    return len(done)
