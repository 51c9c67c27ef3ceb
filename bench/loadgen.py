"""The load generator: users and pairs, subscribed sockets, and open-loop senders.

It shares the two cores with the servers it measures, so it is kept cheap: aiohttp for
both HTTP keep-alive and raw WebSockets (no GraphQL client library), a substring check
before any JSON parsing of a frame, and no per-frame work beyond recording a latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

import aiohttp

PASSWORD = "bench-password-1234"
REGISTER = """mutation($u: String!, $p: String!) {
  register(username: $u, password: $p) { accessToken user { id } } }"""
REQUEST_FRIEND = "mutation($id: ID!) { requestFriend(userId: $id) { id } }"
ACCEPT = "mutation($id: ID!) { respondToRequest(requestId: $id, accept: true) { id } }"
FRIENDS = "query { friends { user { id } conversationId } }"
CREATE_GROUP = """mutation($n: String!, $m: [ID!]) {
  createGroup(name: $n, memberIds: $m) { id conversationId memberCount } }"""
SEND = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id seq } }"
RELAY_EVENTS = "subscription($u: String!) { events(user: $u) }"
RELAY_SEND = "mutation($to: String!, $b: String!) { sendMessage(to: $to, body: $b) }"
JSON_HEADERS = {"content-type": "application/json"}
# What a chat client subscribes to: the message and the conversation row it updates.
EVENTS = """subscription { events { __typename
  ... on MessageEvent { eventSeq message { id seq content conversationId sender { id } } }
  ... on ConversationUpdatedEvent { eventSeq totalUnread conversation { id unreadCount } } } }"""


class BenchError(RuntimeError):
    pass


# --- what was sent and what arrived ------------------------------------------------------


@dataclass
class Step:
    """One load step: messages are numbered from 0 and stamped with their due time."""

    number: int
    sent: int = 0
    failed: int = 0
    max_lag: float = 0.0
    latencies: dict[int, float] = field(default_factory=dict)
    duplicates: int = 0
    # Set once sending is over, so `arrived` does not fire while the count is still growing.
    closed: bool = False
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    errors: dict[str, int] = field(default_factory=dict)

    @property
    def delivered(self) -> int:
        return len(self.latencies)

    def fail(self, problem: str) -> None:
        self.failed += 1
        if problem in self.errors or len(self.errors) < 5:
            self.errors[problem] = self.errors.get(problem, 0) + 1

    @property
    def complete(self) -> bool:
        return self.delivered >= self.sent - self.failed

    def receive(self, index: int, latency: float) -> None:
        if index in self.latencies:
            self.duplicates += 1
            return
        self.latencies[index] = latency
        if self.closed and self.complete:
            self.arrived.set()


class Ledger:
    """Routes each receipt to its step, so a late arrival still counts where it was sent."""

    def __init__(self) -> None:
        self.steps: dict[int, Step] = {}

    def new_step(self) -> Step:
        step = Step(len(self.steps))
        self.steps[step.number] = step
        return step

    def content(self, step: Step, index: int, due: float) -> str:
        return f"{step.number}:{index}:{due:.6f}"

    def receive(self, content: str, now: float, user_id: str = "") -> None:
        number, index, due = content.split(":")
        step = self.steps.get(int(number))
        if step is not None:
            step.receive(int(index), now - float(due))


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


# --- the two systems under test, behind one interface --------------------------------------


class Target(Protocol):
    pairs: int

    async def connect(self, ledger: Ledger, users: Sequence[int], concurrency: int) -> None:
        """Open and subscribe the sockets of these users (0 .. 2 x pairs - 1)."""
        ...

    async def send(self, pair: int, forward: bool, content: str) -> str | None:
        """Send one message; None when accepted, else what went wrong."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class User:
    id: str
    token: str


@dataclass(frozen=True)
class Pair:
    first: User
    second: User
    conversation_id: str


def _sessions(deflate: bool) -> tuple[aiohttp.ClientSession, aiohttp.ClientSession]:
    """One pooled session for requests, one unpooled for sockets (each socket holds a
    connection of its session's pool, which would starve the senders). Idle pooled
    connections are dropped after 3 s, before uvicorn's 5 s keep-alive timeout closes them
    under a request ("Can not write request body" after an idle baseline)."""
    timeout = aiohttp.ClientTimeout(total=30)
    http = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=64, keepalive_timeout=3), timeout=timeout
    )
    ws = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout)
    return http, ws


async def _bounded(concurrency: int, jobs: Sequence[Callable[[], Awaitable[Any]]]) -> list[Any]:
    gate = asyncio.Semaphore(concurrency)

    async def run(job: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await job()

    return list(await asyncio.gather(*(run(job) for job in jobs)))


class _Sockets:
    """The sockets and reader tasks a target holds, and their tear-down."""

    def __init__(self, deflate: bool) -> None:
        self.deflate = deflate
        self.http, self.ws = _sessions(deflate)
        self.sockets: list[aiohttp.ClientWebSocketResponse] = []
        self.readers: list[asyncio.Task[None]] = []

    async def _open(
        self, url: str, protocols: tuple[str, ...] = ()
    ) -> aiohttp.ClientWebSocketResponse:
        ws = await self.ws.ws_connect(url, protocols=protocols, compress=15 if self.deflate else 0)
        self.sockets.append(ws)
        return ws

    def _listen(self, reading: Awaitable[None]) -> None:
        self.readers.append(asyncio.ensure_future(reading))

    async def _post(self, url: str, body: str, headers: dict[str, str], ok: bytes) -> str | None:
        """None when the answer is a 200 whose body holds `ok`, else the start of the answer."""
        async with self.http.post(url, data=body, headers=headers) as response:
            payload = await response.read()
        if response.status == 200 and ok in payload:
            return None
        return f"HTTP {response.status}: {payload[:200].decode(errors='replace')}"

    async def close(self) -> None:
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        for ws in self.sockets:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 2)
        await self.http.close()
        await self.ws.close()


async def _graphql_subscribe(
    ws: aiohttp.ClientWebSocketResponse,
    init: dict[str, Any],
    query: str,
    variables: dict[str, Any] | None = None,
) -> None:
    """graphql-transport-ws: connection_init, wait for the ack, then one subscribe."""
    await ws.send_str(json.dumps({"type": "connection_init", "payload": init}))
    ack = await ws.receive(timeout=30)
    if ack.type != aiohttp.WSMsgType.TEXT or json.loads(ack.data)["type"] != "connection_ack":
        raise BenchError(f"no connection_ack: {ack.data!r}")
    payload = {"query": query, "variables": variables or {}}
    await ws.send_str(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))


class Receiver(Protocol):
    """Where an `events` socket hands each message another user sent (its content)."""

    def receive(self, content: str, now: float, user_id: str) -> None: ...


class EventSockets(_Sockets):
    """imchat over its public API: graphql-transport-ws `events` subscriptions, one per
    user, and `sendMessage` over HTTP keep-alive."""

    def __init__(self, base_url: str, users: Sequence[User], deflate: bool = False) -> None:
        super().__init__(deflate)
        self.url = f"{base_url}/graphql"
        self.headers = {
            user.id: {"authorization": f"Bearer {user.token}", "content-type": "application/json"}
            for user in users
        }

    async def subscribe_all(
        self, users: Sequence[User], receiver: Receiver, concurrency: int
    ) -> None:
        await _bounded(concurrency, [partial(self._subscribe, user, receiver) for user in users])

    async def _subscribe(self, user: User, receiver: Receiver) -> None:
        ws = await self._open(self.url.replace("http://", "ws://"), ("graphql-transport-ws",))
        init = {"authorization": f"Bearer {user.token}", "deviceType": "pc"}
        await _graphql_subscribe(ws, init, EVENTS)
        self._listen(self._read(ws, user.id, receiver))

    @staticmethod
    async def _read(ws: aiohttp.ClientWebSocketResponse, me: str, receiver: Receiver) -> None:
        async for frame in ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            data: str = frame.data
            if '"MessageEvent"' not in data:
                if '"ping"' in data:
                    await ws.send_str('{"type":"pong"}')
                continue
            now = time.perf_counter()
            message = json.loads(data)["payload"]["data"]["events"]["message"]
            if message["sender"]["id"] != me:  # the sender's own copy is not a delivery
                receiver.receive(message["content"], now, me)

    async def send_message(self, sender: User, conversation_id: str, content: str) -> str | None:
        """`sendMessage` as `sender`; None when accepted, else what went wrong."""
        variables = {
            "input": {
                "conversationId": conversation_id,
                "content": content,
                "clientId": uuid.uuid4().hex,
            }
        }
        body = json.dumps({"query": SEND, "variables": variables})
        return await self._post(self.url, body, self.headers[sender.id], b'{"data":{"sendMessage"')


class GraphQLTarget(EventSockets):
    """1:1 messages over friend pairs through imchat's public API."""

    def __init__(self, base_url: str, pairs: Sequence[Pair], deflate: bool = False) -> None:
        self.pair_list = list(pairs)
        self.pairs = len(self.pair_list)
        super().__init__(base_url, self.users(), deflate)

    def users(self) -> list[User]:
        return [user for pair in self.pair_list for user in (pair.first, pair.second)]

    async def connect(self, ledger: Ledger, users: Sequence[int], concurrency: int) -> None:
        everyone = self.users()
        await self.subscribe_all([everyone[i] for i in users], ledger, concurrency)

    async def send(self, pair: int, forward: bool, content: str) -> str | None:
        chosen = self.pair_list[pair]
        sender = chosen.first if forward else chosen.second
        return await self.send_message(sender, chosen.conversation_id, content)


class RelayTarget(_Sockets):
    """The bare Strawberry relay: the same GraphQL transport, none of imchat's work."""

    def __init__(self, base_url: str, sockets: int, deflate: bool = False) -> None:
        super().__init__(deflate)
        self.url = f"{base_url}/graphql"
        self.pairs = sockets // 2

    async def connect(self, ledger: Ledger, users: Sequence[int], concurrency: int) -> None:
        await _bounded(concurrency, [partial(self._subscribe, u, ledger) for u in users])

    async def _subscribe(self, user: int, ledger: Ledger) -> None:
        ws = await self._open(self.url.replace("http://", "ws://"), ("graphql-transport-ws",))
        await _graphql_subscribe(ws, {}, RELAY_EVENTS, {"u": str(user)})
        self._listen(self._read(ws, ledger))

    @staticmethod
    async def _read(ws: aiohttp.ClientWebSocketResponse, ledger: Ledger) -> None:
        async for frame in ws:
            if frame.type == aiohttp.WSMsgType.TEXT and '"next"' in frame.data:
                now = time.perf_counter()
                ledger.receive(json.loads(frame.data)["payload"]["data"]["events"], now)

    async def send(self, pair: int, forward: bool, content: str) -> str | None:
        to = 2 * pair + (1 if forward else 0)
        body = json.dumps({"query": RELAY_SEND, "variables": {"to": str(to), "b": content}})
        return await self._post(self.url, body, JSON_HEADERS, b'"sendMessage":true')


class BareTarget(_Sockets):
    """The bare router: a plain socket per user id, POST /send to route one message."""

    def __init__(self, base_url: str, sockets: int, deflate: bool = False) -> None:
        super().__init__(deflate)
        self.base_url = base_url
        self.pairs = sockets // 2

    async def connect(self, ledger: Ledger, users: Sequence[int], concurrency: int) -> None:
        await _bounded(concurrency, [partial(self._subscribe, u, ledger) for u in users])

    async def _subscribe(self, user: int, ledger: Ledger) -> None:
        ws = await self._open(self.base_url.replace("http://", "ws://") + f"/ws?user={user}")
        self._listen(self._read(ws, ledger))

    @staticmethod
    async def _read(ws: aiohttp.ClientWebSocketResponse, ledger: Ledger) -> None:
        async for frame in ws:
            if frame.type == aiohttp.WSMsgType.TEXT:
                ledger.receive(frame.data, time.perf_counter())

    async def send(self, pair: int, forward: bool, content: str) -> str | None:
        to = 2 * pair + (1 if forward else 0)
        body = json.dumps({"to": str(to), "body": content})
        return await self._post(f"{self.base_url}/send", body, JSON_HEADERS, b'"delivered":true')


# --- set-up of imchat users through its API -------------------------------------------------


async def _graphql(
    session: aiohttp.ClientSession, url: str, query: str, token: str | None = None, **variables: Any
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with session.post(
        url, json={"query": query, "variables": variables}, headers=headers
    ) as response:
        body: dict[str, Any] = await response.json()
    if body.get("errors"):
        raise BenchError(f"{query.split('(')[0]} failed: {body['errors']}")
    data: dict[str, Any] = body["data"]
    return data


async def _register(session: aiohttp.ClientSession, url: str, username: str) -> User:
    data = await _graphql(session, url, REGISTER, u=username, p=PASSWORD)
    return User(data["register"]["user"]["id"], data["register"]["accessToken"])


async def _make_friends(
    session: aiohttp.ClientSession, url: str, first: User, second: User
) -> None:
    """`first` asks, `second` accepts: both through the API."""
    request = await _graphql(session, url, REQUEST_FRIEND, first.token, id=second.id)
    await _graphql(session, url, ACCEPT, second.token, id=request["requestFriend"]["id"])


async def _befriend(session: aiohttp.ClientSession, url: str, first: User, second: User) -> Pair:
    await _make_friends(session, url, first, second)
    friends = await _graphql(session, url, FRIENDS, first.token)
    [entry] = friends["friends"]
    return Pair(first, second, entry["conversationId"])


def usernames(count: int) -> list[str]:
    run = uuid.uuid4().hex[:8]
    return [f"b{run}_{i}" for i in range(count)]


async def register_via_api(base_url: str, names: Sequence[str], concurrency: int) -> list[User]:
    """The real `register` mutation: one Argon2 hash each, the slow part of the set-up."""
    url = f"{base_url}/graphql"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
        return await _bounded(concurrency, [partial(_register, session, url, n) for n in names])


async def befriend_pairs(base_url: str, users: Sequence[User], concurrency: int) -> list[Pair]:
    """Users 2i and 2i+1 become friends through the API (request, accept)."""
    url = f"{base_url}/graphql"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
        jobs = [
            partial(_befriend, session, url, users[2 * i], users[2 * i + 1])
            for i in range(len(users) // 2)
        ]
        return await _bounded(concurrency, jobs)


async def befriend_all(
    base_url: str, owner: User, others: Sequence[User], concurrency: int
) -> None:
    """`owner` becomes friends with each of `others` through the API (request, accept)."""
    url = f"{base_url}/graphql"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
        jobs = [partial(_make_friends, session, url, owner, other) for other in others]
        await _bounded(concurrency, jobs)


async def create_group(base_url: str, owner: User, name: str, members: Sequence[User]) -> str:
    """`createGroup` with the owner's friends added directly; returns its conversation id."""
    url = f"{base_url}/graphql"
    ids = [member.id for member in members]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
        data = await _graphql(session, url, CREATE_GROUP, owner.token, n=name, m=ids)
    conversation_id: str = data["createGroup"]["conversationId"]
    return conversation_id


# --- the open-loop driver ---------------------------------------------------------------------


Chooser = Callable[[int], tuple[int, bool]]


def random_pairs(pairs: int, seed: int) -> Chooser:
    """Message i goes over a random pair, in a random direction."""
    rng = random.Random(seed)
    return lambda _index: (rng.randrange(pairs), rng.random() < 0.5)


def every_pair(pairs: int) -> Chooser:
    """Message i goes over pair i mod pairs, forth then back (the warm-up: `pairs`
    messages give every user one event as sender or recipient)."""
    return lambda index: (index % pairs, (index // pairs) % 2 == 0)


async def drive(
    target: Target, ledger: Ledger, step: Step, rate: float, count: int, choose: Chooser
) -> None:
    """Send `count` messages at fixed due times whether or not earlier ones were answered
    (open loop); each is stamped with its due time, so a late send counts against latency."""
    pending: set[asyncio.Task[None]] = set()
    start = time.perf_counter() + 0.01

    async def fire(index: int, due: float, pair: int, forward: bool) -> None:
        step.max_lag = max(step.max_lag, time.perf_counter() - due)
        try:
            problem = await target.send(pair, forward, ledger.content(step, index, due))
        except (aiohttp.ClientError, TimeoutError) as error:
            problem = f"{type(error).__name__}: {error}"
        if problem is not None:
            step.fail(problem)

    for index in range(count):
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        step.sent += 1
        task = asyncio.create_task(fire(index, due, *choose(index)))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.wait(pending, timeout=30)


async def drain(step: Step, within: float) -> None:
    """After the last send: wait until every accepted message arrived, or `within` seconds."""
    step.closed = True
    if step.complete:
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(step.arrived.wait(), within)
