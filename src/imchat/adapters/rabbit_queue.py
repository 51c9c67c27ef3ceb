"""Deliveries over RabbitMQ: durable, confirmed, sharded by user, one active consumer per shard.

Every delivery is routed to one of `shards` quorum queues by its user id. Each queue has
a single active consumer (`x-single-active-consumer`), so one worker at a time owns a
user's inbox and appends to it in order; other workers stand by and take over when it
dies. Messages are acknowledged only after the batch they came in was fully handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import zlib
from collections.abc import Sequence
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)

from imchat.types import BatchHandler, Incoming, JsonObject

log = logging.getLogger(__name__)

EXCHANGE = "imchat.deliveries"
DEAD_EXCHANGE = "imchat.deliveries.dead"
DEAD_QUEUE = "imchat.deliveries.dead"


def shard_of(user_id: str, shards: int) -> int:
    return zlib.crc32(user_id.encode()) % shards


class RabbitQueue:
    def __init__(
        self, url: str, shards: int = 16, prefetch: int = 400, max_batch: int = 200
    ) -> None:
        self._url = url
        self._shards = shards
        self._prefetch = prefetch
        self._max_batch = max_batch
        # aio-pika restores only objects we hold strong references to after a reconnect.
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._consume_channel: AbstractChannel | None = None
        self._queues: list[AbstractQueue] = []

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(
            self._url, client_properties={"connection_name": "imchat"}
        )
        self._publish_channel = await self._connection.channel(
            publisher_confirms=True, on_return_raises=True
        )
        self._exchange = await self._declare(self._publish_channel)

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    @property
    def healthy(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    def queue_name(self, shard: int) -> str:
        return f"imchat.deliveries.{shard}"

    async def _declare(self, channel: AbstractChannel) -> AbstractExchange:
        dead = await channel.declare_exchange(
            DEAD_EXCHANGE, aio_pika.ExchangeType.FANOUT, durable=True
        )
        dead_queue = await channel.declare_queue(
            DEAD_QUEUE, durable=True, arguments={"x-queue-type": "quorum"}
        )
        await dead_queue.bind(dead)
        exchange = await channel.declare_exchange(
            EXCHANGE, aio_pika.ExchangeType.DIRECT, durable=True
        )
        for shard in range(self._shards):
            queue = await channel.declare_queue(
                self.queue_name(shard),
                durable=True,
                arguments={
                    "x-queue-type": "quorum",
                    "x-single-active-consumer": True,
                    # A delivery that keeps failing is parked instead of blocking its shard.
                    "x-delivery-limit": 20,
                    "x-dead-letter-exchange": DEAD_EXCHANGE,
                },
            )
            await queue.bind(exchange, routing_key=str(shard))
        return exchange

    async def publish(self, deliveries: Sequence[JsonObject]) -> None:
        exchange = self._exchange
        if exchange is None:
            raise RuntimeError("queue not started")
        await asyncio.gather(
            *(
                exchange.publish(
                    aio_pika.Message(
                        json.dumps(delivery, separators=(",", ":")).encode(),
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        content_type="application/json",
                    ),
                    routing_key=str(shard_of(str(delivery["user_id"]), self._shards)),
                    mandatory=True,
                    timeout=10,
                )
                for delivery in deliveries
            )
        )

    async def run(self, handle: BatchHandler) -> None:
        """Consume every shard this worker is given, in batches, until cancelled."""
        if self._connection is None:
            raise RuntimeError("queue not started")
        inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        self._consume_channel = await self._connection.channel()
        await self._consume_channel.set_qos(prefetch_count=self._prefetch)
        await self._declare(self._consume_channel)
        self._queues = []
        for shard in range(self._shards):
            queue = await self._consume_channel.get_queue(self.queue_name(shard), ensure=False)
            await queue.consume(inbox.put)
            self._queues.append(queue)
        while True:
            batch = [await inbox.get()]
            while len(batch) < self._max_batch and not inbox.empty():
                batch.append(inbox.get_nowait())
            await self._handle(handle, batch)

    async def _handle(self, handle: BatchHandler, batch: list[AbstractIncomingMessage]) -> None:
        items: list[Incoming] = []
        accepted: list[AbstractIncomingMessage] = []
        for message in batch:
            try:
                payload: dict[str, Any] = json.loads(message.body)
            except ValueError:
                log.error("Dead-lettering a delivery that is not JSON")
                await message.reject(requeue=False)
                continue
            items.append(Incoming(payload, bool(message.redelivered)))
            accepted.append(message)
        batch = accepted
        try:
            await handle(items)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("Delivery batch failed; returning it to the queue")
            for message in batch:
                with contextlib.suppress(Exception):
                    await message.nack(requeue=True)
            await asyncio.sleep(0.5)
            return
        for message in batch:
            # A channel lost after the work is done only means a harmless redelivery.
            with contextlib.suppress(Exception):
                await message.ack()
