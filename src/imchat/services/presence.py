"""Presence per device type: who is online, on PC and/or mobile."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Protocol

from beanie import PydanticObjectId

from imchat.channels import user_channel
from imchat.models import Friendship
from imchat.services.ports import LivePublisher


class PresenceStore(Protocol):
    async def change(self, user_id: str, device: str, delta: int) -> None:
        """Count one socket of this device type in (+1) or out (-1) for this node."""
        ...

    async def devices(self, user_ids: Sequence[str]) -> dict[str, list[str]]:
        """The device types each user is online on, across all nodes."""
        ...


async def set_presence(
    store: PresenceStore, live: LivePublisher, user_id: PydanticObjectId, device: str, delta: int
) -> None:
    """Record a socket coming or going and tell the user's friends and devices if it changed."""
    key = str(user_id)
    before = (await store.devices([key]))[key]
    await store.change(key, device, delta)
    after = (await store.devices([key]))[key]
    if before == after:
        return
    friends = await Friendship.find(Friendship.user_id == user_id).to_list()
    event = json.dumps(
        {"type": "presence", "user_id": key, "online": bool(after), "devices": after}
    )
    audience = [key, *(str(row.friend_id) for row in friends)]
    await live.publish_many([(user_channel(uid), event) for uid in audience])
