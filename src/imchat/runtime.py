"""Wiring: opens every resource a process needs from the settings, and closes them.

Roles: `api` serves GraphQL; `worker` consumes deliveries and runs maintenance; `all`
(embedded mode) does both in one process with the in-memory queue and pub/sub.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from imchat.adapters.database import MongoClientType, open_database
from imchat.adapters.embedded_mongo import EmbeddedMongo
from imchat.adapters.memory_pubsub import MemoryPubSub
from imchat.adapters.memory_queue import MemoryQueue
from imchat.adapters.presence_stores import MemoryPresence, RedisPresence
from imchat.adapters.rabbit_queue import RabbitQueue
from imchat.adapters.redis_pubsub import RedisPubSub
from imchat.config import ConfigurationError, Settings
from imchat.schema.context import Services
from imchat.services.migrations import migrate
from imchat.services.outbox import DispatchLog
from imchat.services.ports import PubSub
from imchat.services.presence import PresenceStore
from imchat.services.tokens import TokenIssuer
from imchat.workers.maintenance import run_maintenance
from imchat.workers.push import DeliveryConsumer, run_push_worker

log = logging.getLogger(__name__)
Role = Literal["api", "worker", "all"]


@dataclass(frozen=True)
class Runtime:
    services: Services
    mongo: MongoClientType
    role: Role


async def _run_forever(name: str, work: Awaitable[None]) -> None:
    try:
        await work
    except asyncio.CancelledError:
        raise
    except Exception:
        log.critical("%s stopped unexpectedly", name, exc_info=True)
        raise


@asynccontextmanager
async def _background(name: str, work: Awaitable[None]) -> AsyncIterator[None]:
    task = asyncio.create_task(_run_forever(name, work), name=name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


@asynccontextmanager
async def open_runtime(settings: Settings, role: Role = "api") -> AsyncIterator[Runtime]:
    embedded = settings.embedded_messaging
    if embedded and role == "worker":
        raise ConfigurationError(
            "`imchat worker` needs IMCHAT_AMQP_URL and IMCHAT_REDIS_URL; without them "
            "`imchat serve` runs the worker in-process."
        )
    if embedded:
        role = "all"
    async with AsyncExitStack() as stack:
        secret = settings.resolve_secret_key()
        url = settings.mongodb_url
        if url is None:
            server = EmbeddedMongo(settings.data_dir.resolve() / "db")
            await server.astart()
            stack.push_async_callback(server.astop)
            url = server.url
            log.info("Embedded SecantusDB listening on %s", url)
        mongo = await open_database(url, settings.database_name)
        stack.push_async_callback(mongo.close)
        await migrate()

        pubsub: PubSub
        presence: PresenceStore
        queue: MemoryQueue | RabbitQueue
        if embedded:
            pubsub, presence = MemoryPubSub(), MemoryPresence()
            queue = MemoryQueue(max_batch=settings.worker_batch)
        else:
            if not (settings.redis_url and settings.amqp_url):  # narrowed for the type checker
                raise ConfigurationError("IMCHAT_AMQP_URL and IMCHAT_REDIS_URL must both be set")
            redis_pubsub = RedisPubSub(settings.redis_url)
            await redis_pubsub.start()
            stack.push_async_callback(redis_pubsub.stop)
            redis_presence = RedisPresence(settings.redis_url)
            await redis_presence.start()
            stack.push_async_callback(redis_presence.stop)
            rabbit = RabbitQueue(
                settings.amqp_url,
                shards=settings.delivery_shards,
                max_batch=settings.worker_batch,
                namespace=settings.amqp_namespace,
            )
            await rabbit.start()
            stack.push_async_callback(rabbit.stop)
            pubsub, presence, queue = redis_pubsub, redis_presence, rabbit

        # Well inside the sweeper's grace period, so it does not re-announce what the queue
        # confirmed; at most once a second, so at chat rates the flag costs a small
        # fraction of a database round trip per message.
        dispatched = DispatchLog(interval=min(1.0, settings.outbox_grace_seconds / 5))
        if role in ("api", "all"):
            stack.push_async_callback(dispatched.close)
            await stack.enter_async_context(_background("dispatch-log", dispatched.run()))
        if role in ("worker", "all"):
            consumer: DeliveryConsumer = queue
            await stack.enter_async_context(
                _background("push-worker", run_push_worker(consumer, queue, pubsub))
            )
            await stack.enter_async_context(
                _background("maintenance", run_maintenance(queue, settings))
            )

        tokens = TokenIssuer(
            secret,
            timedelta(seconds=settings.access_token_ttl_seconds),
            timedelta(seconds=settings.refresh_token_ttl_seconds),
        )
        services = Services(
            settings=settings,
            tokens=tokens,
            queue=queue,
            pubsub=pubsub,
            presence=presence,
            dispatched=dispatched,
        )
        yield Runtime(services=services, mongo=mongo, role=role)
