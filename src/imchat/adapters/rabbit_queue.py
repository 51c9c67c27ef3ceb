"""Deliveries over RabbitMQ: durable, confirmed, sharded by user, one active consumer per shard.

Every delivery is routed to one of `shards` quorum queues by its user id. Each queue has
a single active consumer (`x-single-active-consumer`), so one worker at a time owns a
user's inbox and appends to it in order; other workers stand by and take over when it
dies. Messages are acknowledged only after the batch they came in was fully handled.

Connections are supervised here rather than by aio-pika's `connect_robust`: after a
broker-side close (`rabbitmqctl close_all_connections`) its robust channels failed to
come back in our tests (compare aio-pika #231, #626), which stalled both publishing and
consuming. A publisher that finds its channel closed reconnects once and retries; the
consumer loop reconnects with back-off and re-subscribes every shard.
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
    AbstractConnection,
    AbstractExchange,
    AbstractIncomingMessage,
)

from imchat.types import BatchHandler, Incoming, JsonObject

log = logging.getLogger(__name__)


def shard_of(user_id: str, shards: int) -> int:
    return zlib.crc32(user_id.encode()) % shards


class RabbitQueue:
    def __init__(
        self,
        url: str,
        shards: int = 16,
        prefetch: int = 400,
        max_batch: int = 200,
        namespace: str = "imchat",
        fanout_shards: int = 4,
    ) -> None:
        self._url = url
        self._fanout_shards = fanout_shards
        self._exchange_name = f"{namespace}.deliveries"
        self._dead_name = f"{namespace}.deliveries.dead"
        self._shards = shards
        self._prefetch = prefetch
        self._max_batch = max_batch
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._reconnect_lock = asyncio.Lock()

    def queue_name(self, shard: int) -> str:
        return f"{self._exchange_name}.{shard}"

    def fanout_queue_name(self, shard: int) -> str:
        return f"{self._exchange_name}.fanout.{shard}"

    def _queues(self) -> list[tuple[str, str]]:
        """(queue name, routing key) of every user shard and every fan-out shard."""
        users = [(self.queue_name(k), str(k)) for k in range(self._shards)]
        fanouts = [(self.fanout_queue_name(k), f"fanout.{k}") for k in range(self._fanout_shards)]
        return users + fanouts

    def _routing_key(self, delivery: JsonObject) -> str:
        if "user_id" in delivery:
            return str(shard_of(str(delivery["user_id"]), self._shards))
        # One conversation's fan-outs share a shard, so they are expanded in order.
        return f"fanout.{shard_of(str(delivery['fanout_key']), self._fanout_shards)}"

    @property
    def healthy(self) -> bool:
        return self._channel is not None and not self._channel.is_closed

    async def start(self) -> None:
        await self._open_publisher()

    async def stop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()

    async def _open_publisher(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
        self._connection = await aio_pika.connect(
            self._url, client_properties={"connection_name": "imchat publisher"}, timeout=10
        )
        self._channel = await self._connection.channel(
            publisher_confirms=True, on_return_raises=True
        )
        self._exchange = await self._declare(self._channel)

    async def _declare(self, channel: AbstractChannel) -> AbstractExchange:
        dead = await channel.declare_exchange(
            self._dead_name, aio_pika.ExchangeType.FANOUT, durable=True
        )
        dead_queue = await channel.declare_queue(
            self._dead_name, durable=True, arguments={"x-queue-type": "quorum"}
        )
        await dead_queue.bind(dead)
        exchange = await channel.declare_exchange(
            self._exchange_name, aio_pika.ExchangeType.DIRECT, durable=True
        )
        for name, routing_key in self._queues():
            queue = await channel.declare_queue(
                name,
                durable=True,
                arguments={
                    "x-queue-type": "quorum",
                    "x-single-active-consumer": True,
                    # A delivery that keeps failing is parked instead of blocking its shard.
                    "x-delivery-limit": 20,
                    "x-dead-letter-exchange": self._dead_name,
                },
            )
            await queue.bind(exchange, routing_key=routing_key)
        return exchange

    async def publish(self, deliveries: Sequence[JsonObject]) -> None:
        """Publish with confirms; after a lost connection, reconnect once and retry."""
        for attempt in range(2):
            channel = self._channel
            if channel is None or channel.is_closed or self._exchange is None:
                async with self._reconnect_lock:
                    if self._channel is channel:
                        await self._open_publisher()
            try:
                await self._publish_all(deliveries)
                return
            except Exception:
                if attempt == 1:
                    raise
                self._exchange = None

    async def _publish_all(self, deliveries: Sequence[JsonObject]) -> None:
        exchange = self._exchange
        if exchange is None:
            raise ConnectionError("no channel to the broker")
        await asyncio.gather(
            *(
                exchange.publish(
                    aio_pika.Message(
                        json.dumps(delivery, separators=(",", ":")).encode(),
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        content_type="application/json",
                    ),
                    routing_key=self._routing_key(delivery),
                    mandatory=True,
                    timeout=10,
                )
                for delivery in deliveries
            )
        )

    async def delete_topology(self) -> None:
        """Remove this namespace's exchange and queues (tests and tear-down only)."""
        if self._channel is None:
            return
        for name, _ in self._queues():
            await self._channel.queue_delete(name)
        await self._channel.queue_delete(self._dead_name)
        await self._channel.exchange_delete(self._exchange_name)
        await self._channel.exchange_delete(self._dead_name)

    async def run(self, handle: BatchHandler) -> None:
        """Consume the user shards this worker is given, in batches, until cancelled."""
        await self._supervise(handle, [self.queue_name(k) for k in range(self._shards)])

    async def run_fanout(self, handle: BatchHandler) -> None:
        """Consume the fan-out shards this worker is given, until cancelled."""
        names = [self.fanout_queue_name(k) for k in range(self._fanout_shards)]
        await self._supervise(handle, names)

    async def _supervise(self, handle: BatchHandler, names: list[str]) -> None:
        backoff = 0.2
        while True:
            try:
                await self._consume(handle, names)
                backoff = 0.2
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("Consumer connection lost (%s); reconnecting", error)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    async def _consume(self, handle: BatchHandler, names: list[str]) -> None:
        connection = await aio_pika.connect(
            self._url, client_properties={"connection_name": "imchat worker"}, timeout=10
        )
        closed = asyncio.Event()
        connection.close_callbacks.add(lambda *_: closed.set())
        async with connection:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self._prefetch)
            await self._declare(channel)
            inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
            for name in names:
                queue = await channel.get_queue(name, ensure=False)
                await queue.consume(inbox.put)
            log.info("Consuming %d queues", len(names))
            while not closed.is_set():
                batch = await _next_batch(inbox, closed, self._max_batch)
                if batch:
                    await self._handle(handle, batch)
        raise ConnectionError("connection closed")

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
        try:
            await handle(items)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            # Not a nack per message: the deliveries prefetched behind this batch would be
            # handled before the requeued ones, out of order. Dropping the connection
            # returns this batch and everything after it to the queue, in order.
            log.exception("Delivery batch failed; reconnecting so it is redelivered in order")
            raise ConnectionError("delivery batch failed") from error
        for message in accepted:
            # A channel lost after the work is done only means a harmless redelivery.
            with contextlib.suppress(Exception):
                await message.ack()


async def _next_batch(
    inbox: asyncio.Queue[AbstractIncomingMessage], closed: asyncio.Event, limit: int
) -> list[AbstractIncomingMessage]:
    """Wait for the first message (or the connection closing), then take what is queued."""
    getter = asyncio.ensure_future(inbox.get())
    closing = asyncio.ensure_future(closed.wait())
    try:
        await asyncio.wait({getter, closing}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        closing.cancel()
        if not getter.done():
            getter.cancel()
    if not getter.done() or getter.cancelled():
        return []
    batch = [getter.result()]
    while len(batch) < limit and not inbox.empty():
        batch.append(inbox.get_nowait())
    return batch
