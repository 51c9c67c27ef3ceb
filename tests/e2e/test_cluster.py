"""Service mode: API nodes and workers as separate processes on RabbitMQ, Redis and
SecantusDB, including the crash of any one of them mid-stream."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as redis

from tests.e2e.chat import SEND, Listener, Person, friends, listening
from tests.e2e.cluster import REDIS_URL, Cluster, kill
from tests.e2e.conftest import Server

pytestmark = pytest.mark.slow


@pytest.fixture
async def cluster(mongo_url: str, tmp_path: Path) -> AsyncIterator[Cluster]:
    running = Cluster(mongo_url, tmp_path)
    try:
        yield running
    finally:
        await asyncio.to_thread(running.stop_all)
        await running.delete_queues()


async def burst(
    server: Server, sender: Person, conversation: str, count: int, prefix: str, pause_every: int = 0
) -> list[dict[str, object]]:
    """Sends `count` messages one after another over one keep-alive HTTP connection."""
    sent: list[dict[str, object]] = []
    headers = {"authorization": f"Bearer {sender.token}"}
    async with httpx.AsyncClient(timeout=30, headers=headers) as client:
        for i in range(count):
            variables = {
                "input": {
                    "conversationId": conversation,
                    "content": f"{prefix} {i}",
                    "clientId": uuid.uuid4().hex,
                }
            }
            for attempt in range(20):
                try:
                    response = await client.post(
                        server.graphql_url, json={"query": SEND, "variables": variables}
                    )
                    body = response.json()
                    if "errors" not in body:
                        break
                except httpx.HTTPError:
                    pass
                # The same clientId again: a retry can never create a second message.
                await asyncio.sleep(0.1 * (attempt + 1))
            else:
                raise AssertionError(f"send {i} kept failing")
            sent.append(body["data"]["sendMessage"])
            if pause_every and i % pause_every == 0:
                await asyncio.sleep(0)
    return sent


def assert_exactly_once_in_order(heard: Listener, sent: list[dict[str, object]]) -> None:
    received = heard.messages()
    assert [m["id"] for m in received] == [m["id"] for m in sent]
    assert [m["seq"] for m in received] == sorted(m["seq"] for m in received)  # type: ignore[type-var]
    seqs = [e["eventSeq"] for e in heard.events if "eventSeq" in e]
    assert seqs == sorted(set(seqs))


async def test_message_sent_via_one_node_reaches_a_subscriber_on_another(
    cluster: Cluster,
) -> None:
    node_a, node_b = (
        await asyncio.to_thread(cluster.start_api),
        await asyncio.to_thread(cluster.start_api),
    )
    await asyncio.to_thread(cluster.start_worker)
    await asyncio.to_thread(cluster.start_worker)
    ann, bob, conversation = await friends(node_a)
    bob_on_b = Person(node_b, bob.auth)
    async with listening(node_b, bob_on_b) as heard:
        sent = await burst(node_a, ann, conversation, 30, "a->b")
        await heard.wait_for(lambda h: len(h.messages()) >= 30)
        await asyncio.sleep(0.5)
    assert_exactly_once_in_order(heard, sent)


async def test_worker_killed_mid_burst_loses_and_doubles_nothing(cluster: Cluster) -> None:
    node = await asyncio.to_thread(cluster.start_api)
    first_worker = await asyncio.to_thread(cluster.start_worker)
    ann, bob, conversation = await friends(node)
    async with listening(node, bob) as heard:
        sending = asyncio.create_task(burst(node, ann, conversation, 1000, "burst"))
        await heard.wait_for(lambda h: len(h.messages()) >= 200, within=60)
        kill(first_worker)
        await asyncio.sleep(1)
        await asyncio.to_thread(cluster.start_worker)
        sent = await sending
        await heard.wait_for(lambda h: len(h.messages()) >= 1000, within=120)
        await asyncio.sleep(1)
    assert_exactly_once_in_order(heard, sent)


async def test_api_node_killed_subscriber_resumes_on_another_with_since(
    cluster: Cluster,
) -> None:
    node_a, node_b = (
        await asyncio.to_thread(cluster.start_api),
        await asyncio.to_thread(cluster.start_api),
    )
    await asyncio.to_thread(cluster.start_worker)
    ann, bob, conversation = await friends(node_b)
    sending = asyncio.create_task(burst(node_b, ann, conversation, 300, "failover"))
    async with listening(node_a, Person(node_a, bob.auth)) as before:
        await before.wait_for(lambda h: len(h.messages()) >= 50, within=60)
        kill(node_a.process)
        await asyncio.sleep(0.2)
    seen = before.last_seq
    async with listening(node_b, Person(node_b, bob.auth), since=seen) as after:
        sent = await sending
        await after.wait_for(lambda h: len(before.messages()) + len(h.messages()) >= 300, within=60)
        await asyncio.sleep(0.5)
    combined = Listener(events=before.events + after.events)
    assert_exactly_once_in_order(combined, sent)


async def test_broker_connections_closed_mid_burst_lose_nothing(cluster: Cluster) -> None:
    node = await asyncio.to_thread(cluster.start_api)
    await asyncio.to_thread(cluster.start_worker)
    ann, bob, conversation = await friends(node)
    async with listening(node, bob) as heard:
        sending = asyncio.create_task(burst(node, ann, conversation, 400, "broker"))
        await heard.wait_for(lambda h: len(h.messages()) >= 100, within=60)
        closed = await asyncio.to_thread(
            subprocess.run,
            ["rabbitmqctl", "close_all_connections", "imchat test: broker outage"],
            capture_output=True,
            check=False,
            timeout=60,
        )
        assert closed.returncode == 0, closed.stderr
        sent = await sending
        await heard.wait_for(lambda h: len(h.messages()) >= 400, within=120)
        await asyncio.sleep(1)
    assert_exactly_once_in_order(heard, sent)


async def test_redis_pubsub_killed_mid_stream_live_delivery_resumes_and_gap_is_filled(
    cluster: Cluster,
) -> None:
    node = await asyncio.to_thread(cluster.start_api)
    await asyncio.to_thread(cluster.start_worker)
    ann, bob, conversation = await friends(node)
    admin = redis.Redis.from_url(REDIS_URL)
    async with listening(node, bob) as heard:
        sending = asyncio.create_task(burst(node, ann, conversation, 300, "redis"))
        await heard.wait_for(lambda h: len(h.messages()) >= 50, within=60)
        await admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
        sent = await sending
        await heard.wait_for(lambda h: len(h.messages()) >= 300, within=60)
        after_kill = await ann.send(conversation, "live after the kill")
        await heard.wait_for(lambda h: len(h.messages()) >= 301, within=30)
        await asyncio.sleep(0.5)
    await admin.aclose()
    assert_exactly_once_in_order(heard, [*sent, after_kill])


async def test_worker_killed_during_group_fan_out_no_member_misses_or_doubles(
    cluster: Cluster,
) -> None:
    from contextlib import AsyncExitStack

    from tests.e2e.groups_helpers import group_of

    node = await asyncio.to_thread(cluster.start_api)
    first_worker = await asyncio.to_thread(cluster.start_worker)
    people, group = await group_of(node, 10)  # past FANOUT_THRESHOLD: the worker fans out
    sender, members = people[0], people[1:]
    async with AsyncExitStack() as stack:
        listeners = [await stack.enter_async_context(listening(node, m)) for m in members]
        sending = asyncio.create_task(burst(node, sender, group["conversationId"], 150, "fan-out"))
        await listeners[0].wait_for(lambda h: len(h.messages()) >= 30, within=60)
        kill(first_worker)
        await asyncio.sleep(1)
        await asyncio.to_thread(cluster.start_worker)
        sent = await sending
        for heard in listeners:
            await heard.wait_for(
                lambda h: len([m for m in h.messages() if "fan-out" in m["content"]]) >= 150,
                within=120,
            )
        await asyncio.sleep(1)
    for heard in listeners:
        only_burst = Listener(
            events=[
                e
                for e in heard.events
                if e["__typename"] != "MessageEvent" or "fan-out" in e["message"]["content"]
            ]
        )
        assert_exactly_once_in_order(only_burst, sent)
