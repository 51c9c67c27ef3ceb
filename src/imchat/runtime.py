"""Wiring: opens every resource a process needs from the settings, and closes them."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from imchat.adapters.database import MongoClientType, open_database
from imchat.adapters.embedded_mongo import EmbeddedMongo
from imchat.adapters.memory_pubsub import MemoryPubSub
from imchat.adapters.pubsub_events import PubSubEventSink
from imchat.adapters.redis_pubsub import RedisPubSub
from imchat.config import Settings
from imchat.schema.context import Services
from imchat.services.ports import PubSub
from imchat.services.tokens import TokenIssuer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    services: Services
    mongo: MongoClientType


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    async with AsyncExitStack() as stack:
        secret = settings.resolve_secret_key()
        url = settings.mongodb_url
        if url is None:
            embedded = EmbeddedMongo(settings.data_dir.resolve() / "db")
            await embedded.astart()
            stack.push_async_callback(embedded.astop)
            url = embedded.url
            log.info("Embedded SecantusDB listening on %s", url)
        mongo = await open_database(url, settings.database_name)
        stack.push_async_callback(mongo.close)

        pubsub: PubSub
        if settings.redis_url:
            redis_pubsub = RedisPubSub(settings.redis_url)
            await redis_pubsub.start()
            stack.push_async_callback(redis_pubsub.stop)
            pubsub = redis_pubsub
        else:
            pubsub = MemoryPubSub()

        tokens = TokenIssuer(
            secret,
            timedelta(seconds=settings.access_token_ttl_seconds),
            timedelta(seconds=settings.refresh_token_ttl_seconds),
        )
        services = Services(
            settings=settings, tokens=tokens, events=PubSubEventSink(pubsub), pubsub=pubsub
        )
        yield Runtime(services=services, mongo=mongo)
