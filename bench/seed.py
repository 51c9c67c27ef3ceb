"""Accounts for the benchmark without paying Argon2 a thousand times.

Registering through the API costs one Argon2 hash per user (about 0.1-0.2 s of CPU
here), so 1,000 users took ~3 minutes of a 2-core machine: longer than all the
measurements together. This runs imchat's own `register` service against the same
database, with every account sharing one real Argon2 hash of the benchmark password
(computed once): the stored documents are exactly what the API would write, and each
account can log in. Friend requests still go through the HTTP API (loadgen.befriend).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from argon2 import PasswordHasher

from imchat.adapters.database import open_database
from imchat.services import users as accounts
from imchat.services.tokens import TokenIssuer
from loadgen import PASSWORD, User


@contextmanager
def one_shared_hash() -> Iterator[None]:
    """Within this block, `register` stores one precomputed hash instead of hashing."""
    stored = PasswordHasher().hash(PASSWORD)

    async def precomputed(password: str) -> str:
        return stored

    namespace = vars(accounts)  # the name `register` looks up at call time
    original = namespace["hash_password"]
    namespace["hash_password"] = precomputed
    try:
        yield
    finally:
        namespace["hash_password"] = original


async def register_users(
    mongo_url: str, database: str, secret_key: str, names: list[str], concurrency: int
) -> list[User]:
    client = await open_database(mongo_url, database)
    tokens = TokenIssuer(secret_key, timedelta(hours=2), timedelta(days=1))
    gate = asyncio.Semaphore(concurrency)

    async def register(name: str) -> User:
        async with gate:
            session = await accounts.register(tokens, name, PASSWORD, None)
        return User(str(session.user.id), session.access_token)

    try:
        with one_shared_hash():
            return list(await asyncio.gather(*(register(name) for name in names)))
    finally:
        await client.close()
