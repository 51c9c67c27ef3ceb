"""Opening the MongoDB client and registering the Beanie documents."""

from __future__ import annotations

from typing import Any

from beanie import init_beanie
from pymongo import AsyncMongoClient

from imchat.models import ALL_DOCUMENTS

MongoClientType = AsyncMongoClient[dict[str, Any]]


async def open_database(url: str, database_name: str, **client_options: Any) -> MongoClientType:
    """Connect, check the server answers, and create the collections' indexes."""
    client: MongoClientType = AsyncMongoClient(
        url,
        tz_aware=True,
        serverSelectionTimeoutMS=10_000,
        **client_options,
    )
    await client.admin.command("ping")
    await init_beanie(database=client[database_name], document_models=ALL_DOCUMENTS)
    return client


async def database_ready(client: MongoClientType) -> bool:
    try:
        await client.admin.command("ping")
    except Exception:
        return False
    return True
