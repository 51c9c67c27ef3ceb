"""A short-lived per-process cache of users, so streamed events do not each cost a query."""

from __future__ import annotations

import time

from beanie import PydanticObjectId

from imchat.models import User
from imchat.services.users import get_users


class UserCache:
    def __init__(self, ttl: float = 30.0, capacity: int = 50_000) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._entries: dict[PydanticObjectId, tuple[float, User]] = {}

    async def get_many(self, user_ids: list[PydanticObjectId]) -> dict[PydanticObjectId, User]:
        now = time.monotonic()
        found: dict[PydanticObjectId, User] = {}
        missing: list[PydanticObjectId] = []
        for uid in user_ids:
            entry = self._entries.get(uid)
            if entry is not None and now - entry[0] < self._ttl:
                found[uid] = entry[1]
            else:
                missing.append(uid)
        if missing:
            if len(self._entries) >= self._capacity:
                self._entries.clear()
            for uid, user in (await get_users(missing)).items():
                self._entries[uid] = (now, user)
                found[uid] = user
        return found

    async def get(self, user_id: PydanticObjectId) -> User | None:
        return (await self.get_many([user_id])).get(user_id)
