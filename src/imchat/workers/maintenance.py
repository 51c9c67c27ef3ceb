"""Periodic upkeep: re-announce unconfirmed messages, trim inboxes past retention."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from imchat.config import Settings
from imchat.services.inbox import trim_inbox
from imchat.services.outbox import sweep_undispatched
from imchat.services.ports import DeliveryQueue

log = logging.getLogger(__name__)
TRIM_EVERY_SECONDS = 3600


async def run_maintenance(queue: DeliveryQueue, settings: Settings) -> None:
    grace = timedelta(seconds=settings.outbox_grace_seconds)
    retention = timedelta(days=settings.inbox_retention_days)
    next_trim = time.monotonic()
    while True:
        try:
            await sweep_undispatched(queue, grace)
            if time.monotonic() >= next_trim:
                trimmed = await trim_inbox(retention)
                if trimmed:
                    log.info("Trimmed %d inbox events past retention", trimmed)
                next_trim = time.monotonic() + TRIM_EVERY_SECONDS
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("Maintenance pass failed; will retry", exc_info=True)
        await asyncio.sleep(settings.sweep_interval_seconds)
