"""When the garbage collector may pause an API node.

An API node holds thousands of long-lived objects per subscribed socket. Python's full
collection walks all of them, and with 1,000 sockets one took ~86 ms (STACK.md): those
pauses, not the work, set the tail latency. Objects that have lived a while are frozen
(moved out of the collector's reach) every `freeze_every` seconds, so routine collections
only walk what is young. Frozen cyclic garbage is not reclaimed, so once every
`full_every` seconds everything is thawed and collected in one pause, then frozen again.
"""

from __future__ import annotations

import asyncio
import gc
import time


def freeze_now() -> None:
    """Collect once, then freeze what survived (start-up objects live as long as the node)."""
    gc.collect()
    gc.freeze()


async def run_gc_policy(freeze_every: float = 30.0, full_every: float = 1800.0) -> None:
    next_full = time.monotonic() + full_every
    while True:
        await asyncio.sleep(freeze_every)
        if time.monotonic() >= next_full:
            gc.unfreeze()
            next_full = time.monotonic() + full_every
        # Collect before freezing: a request's objects form cycles that outlive a young
        # collection or two, and frozen they would wait for the next thaw. Without this,
        # every `sendMessage` left ~5.5 KB frozen for up to `full_every` (~1 GB per 30
        # minutes at 100 msg/s; bench/socket_memory.py --messages). The collection walks
        # only what is not frozen yet: what the last `freeze_every` seconds left alive.
        freeze_now()
