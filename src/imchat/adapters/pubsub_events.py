"""Events straight onto each user's pub/sub channel (no durable inbox)."""

from __future__ import annotations

import json
from typing import Protocol

from imchat.channels import user_channel
from imchat.types import JsonObject


class _Publisher(Protocol):
    async def publish(self, channel: str, message: str) -> None: ...


class PubSubEventSink:
    def __init__(self, pubsub: _Publisher) -> None:
        self._pubsub = pubsub

    async def notify(self, user_ids: list[str], event: JsonObject) -> None:
        payload = json.dumps(event, separators=(",", ":"))
        for user_id in dict.fromkeys(user_ids):
            await self._pubsub.publish(user_channel(user_id), payload)
