"""One user's event stream: replay from the inbox, then live, with no gap and no repeat.

Subscribe to the user's channel first, then replay from the inbox, then deliver live
events, skipping any eventSeq already delivered. A live event that jumps ahead, or a
resync marker from the pub/sub (reconnect, overflow), makes us read the inbox from the
last delivered eventSeq: the worker stores every event before it publishes it, so the
inbox always holds what the channel skipped.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from beanie import PydanticObjectId

from imchat.channels import user_channel
from imchat.services.inbox import events_after, latest_event_seq, resume_point
from imchat.services.ports import PubSub

Event = dict[str, Any]


async def _replay(user_id: PydanticObjectId, after: int) -> AsyncIterator[Event]:
    while True:
        page = await events_after(user_id, after)
        for event in page:
            after = event["event_seq"]
            yield event
        if not page:
            return


async def user_events(
    pubsub: PubSub, user_id: PydanticObjectId, since: int | None
) -> AsyncIterator[Event]:
    """Every event for the user after `since` (or from now), each exactly once, in order."""
    async with pubsub.subscribe(user_channel(str(user_id))) as live:
        if since is None:
            last = await latest_event_seq(user_id)
        else:
            point = await resume_point(user_id, since)
            if point.complete:
                last = since
            else:
                yield {"type": "resync", "latest_event_seq": point.latest}
                last = point.latest
        # The `del`s: an idle socket's stream waits in `live.get()` for hours, and should
        # not hold on to the last event it delivered while it does.
        async for event in _replay(user_id, last):
            last = event["event_seq"]
            yield event
            del event
        while True:
            raw = await live.get()
            if raw is None:
                async for event in _replay(user_id, last):
                    last = event["event_seq"]
                    yield event
                    del event
                continue
            event = json.loads(raw)
            del raw
            seq = event.get("event_seq")
            if seq is None:
                yield event  # ephemeral: typing, presence
            elif seq == last + 1:
                last = seq
                yield event
            elif seq > last + 1:
                async for missed in _replay(user_id, last):
                    last = missed["event_seq"]
                    yield missed
                    del missed
            del event
