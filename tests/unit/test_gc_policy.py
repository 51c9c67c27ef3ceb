"""The API node's garbage-collection policy (gc_policy.py)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import weakref

from imchat.gc_policy import run_gc_policy


class Node:
    def __init__(self) -> None:
        self.itself = self


async def test_a_garbage_cycle_is_collected_not_frozen_by_the_periodic_freeze() -> None:
    # What a finished request leaves: a cycle that lived through a collection or two.
    node = Node()
    gone = weakref.ref(node)
    gc.collect()  # survives into the oldest generation while still in use
    del node
    policy = asyncio.create_task(run_gc_policy(freeze_every=0.01, full_every=3600))
    try:
        await asyncio.sleep(0.1)
    finally:
        policy.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await policy
        gc.unfreeze()
    assert gone() is None
