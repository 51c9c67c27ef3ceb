"""Group fan-out benchmark: one sender to groups of N connected members.

    .venv/bin/python bench/group_fanout.py                       # service, N = 10,100,1000
    .venv/bin/python bench/group_fanout.py --mode all --json out.json

For each size N the owner (friends with everyone) creates a group through `createGroup`,
the N-1 other members subscribe to `events`, and the owner sends M messages at a fixed
rate (open loop). Per message: the time until the LAST member received it, and each
member's latency; per delivery: the worker's, the API's and SecantusDB's CPU and the
MongoDB round trips. See docs/benchmarks.md ("Group fan-out").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from delivery_report import cpu_model, fmt, table
from harness import (
    SECRET_KEY,
    Idle,
    Meter,
    Mongo,
    Sample,
    broker_processes,
    delete_queues,
    delete_queues_quietly,
    idle_rates,
    imchat_env,
    run_benchmark,
    running,
    settle,
    start_api,
    start_worker,
)
from loadgen import (
    EventSockets,
    Ledger,
    Step,
    User,
    befriend_all,
    create_group,
    drain,
    drive,
    percentile,
    usernames,
)
from seed import register_users

MODES = ("service", "embedded")
# CPU groups that are not the system's own servers.
SUPPORT = ("mongo", "broker", "client")


@dataclass(frozen=True)
class Size:
    members: int  # N, the owner included
    messages: int  # M
    rate: float  # msg/s


@dataclass(frozen=True)
class Options:
    modes: tuple[str, ...]
    sizes: tuple[Size, ...]
    drain: float
    idle: float
    concurrency: int
    json_path: Path | None


# --- receipts ---------------------------------------------------------------------------------


class GroupLedger(Ledger):
    """Receipts per message and member. A message counts as delivered in its Step (whose
    latency is then the latency to the last member) once every member has it, so the
    open-loop driver and the drain of the 1:1 benchmark work unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.members = 0
        self.per_member: dict[tuple[int, int], dict[str, float]] = {}
        self.member_duplicates = 0

    def receive(self, content: str, now: float, user_id: str = "") -> None:
        try:
            number, index, due = content.split(":")
            key = (int(number), int(index))
            latency = now - float(due)
        except ValueError:
            return  # a SYSTEM message ("Ann created the group"), not one of ours
        step = self.steps.get(key[0])
        if step is None:
            return
        receipts = self.per_member.setdefault(key, {})
        if user_id in receipts:
            self.member_duplicates += 1
            return
        receipts[user_id] = latency
        if len(receipts) == self.members:
            step.receive(key[1], latency)

    def member_latencies(self, step: Step) -> list[float]:
        return sorted(
            latency
            for (number, _), receipts in self.per_member.items()
            if number == step.number
            for latency in receipts.values()
        )

    def last_receipt(self, step: Step, rate: float) -> float:
        """Seconds from the first due time to the last receipt of any member."""
        ends = [
            index / rate + max(receipts.values())
            for (number, index), receipts in self.per_member.items()
            if number == step.number and receipts
        ]
        return max(ends) if ends else math.nan


class GroupTarget(EventSockets):
    """The owner sending into one group; `pairs` = 1 so the 1:1 driver can be reused."""

    pairs = 1

    def __init__(
        self, base_url: str, owner: User, members: Sequence[User], conversation: str
    ) -> None:
        super().__init__(base_url, [owner, *members])
        self.owner = owner
        self.members = list(members)
        self.conversation = conversation

    async def connect(self, ledger: Ledger, users: Sequence[int], concurrency: int) -> None:
        await self.subscribe_all([self.members[i] for i in users], ledger, concurrency)

    async def send(self, pair: int, forward: bool, content: str) -> str | None:
        return await self.send_message(self.owner, self.conversation, content)


# --- one size -----------------------------------------------------------------------------------


@dataclass
class SizeResult:
    members: int
    messages: int
    rate: float
    sent: int = 0
    failed: int = 0
    complete: int = 0  # messages every member received
    deliveries: int = 0  # member receipts (N-1 per message)
    duplicates: int = 0
    create_s: float = 0.0
    connect_s: float = 0.0
    warmup_last_ms: float = math.nan
    last_p50_ms: float = math.nan
    last_p99_ms: float = math.nan
    last_max_ms: float = math.nan
    member_p50_ms: float = math.nan
    member_p99_ms: float = math.nan
    burst_s: float = math.nan
    cpu_us: dict[str, float] = field(default_factory=dict)
    mongo_round_trips: float | None = None
    other_cores: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def deliveries_per_s(self) -> float:
        return self.deliveries / self.burst_s if self.burst_s > 0 else math.nan


def per_delivery(
    result: SizeResult, before: Sample, after: Sample, idle: Idle, deliveries: int
) -> None:
    window = after.at - before.at
    count = max(deliveries, 1)
    for name in before.cpu:
        spent = after.cpu[name] - before.cpu[name]
        if name != "client":
            spent -= idle.cpu_per_s[name] * window
        result.cpu_us[name] = max(spent, 0.0) / count * 1e6
    if before.mongo_requests is not None and after.mongo_requests is not None:
        requests = after.mongo_requests - before.mongo_requests - idle.mongo_per_s * window
        result.mongo_round_trips = max(requests, 0.0) / count
    ours = sum(after.cpu[name] - before.cpu[name] for name in before.cpu)
    result.other_cores = max(after.machine - before.machine - ours, 0.0) / window


async def run_size(
    api_url: str, owner: User, friends: Sequence[User], size: Size, meter: Meter, options: Options
) -> SizeResult:
    result = SizeResult(size.members, size.messages, size.rate)
    members = list(friends[: size.members - 1])
    started = time.perf_counter()
    conversation = await create_group(api_url, owner, f"bench {size.members}", members)
    result.create_s = time.perf_counter() - started
    await settle(meter)  # the creation's SYSTEM message and group events are delivered

    ledger = GroupLedger()
    ledger.members = len(members)
    target = GroupTarget(api_url, owner, members, conversation)
    try:
        started = time.perf_counter()
        await target.connect(ledger, range(len(members)), options.concurrency)
        result.connect_s = time.perf_counter() - started
        await asyncio.sleep(1)
        await settle(meter)

        def the_owner(_index: int) -> tuple[int, bool]:
            return 0, True

        # Warm-up: one message, so the first socket events and caches are not measured.
        warmup = ledger.new_step()
        await drive(target, ledger, warmup, 1.0, 1, the_owner)
        await drain(warmup, options.drain)
        result.warmup_last_ms = max(warmup.latencies.values(), default=math.nan) * 1000
        await settle(meter)

        before = meter.sample()
        await asyncio.sleep(options.idle)
        idle = idle_rates(before, meter.sample())

        step = ledger.new_step()
        await settle(meter)
        before = meter.sample()
        await drive(target, ledger, step, size.rate, size.messages, the_owner)
        await drain(step, options.drain)
        await asyncio.sleep(0.3)  # the conversation updates follow each message event
        after = meter.sample()
    finally:
        await target.close()

    last = sorted(step.latencies.values())
    each = ledger.member_latencies(step)
    result.sent, result.failed, result.errors = step.sent, step.failed, dict(step.errors)
    result.complete, result.deliveries = step.delivered, len(each)
    result.duplicates = ledger.member_duplicates
    result.last_p50_ms = percentile(last, 0.50) * 1000
    result.last_p99_ms = percentile(last, 0.99) * 1000
    result.last_max_ms = last[-1] * 1000 if last else math.nan
    result.member_p50_ms = percentile(each, 0.50) * 1000
    result.member_p99_ms = percentile(each, 0.99) * 1000
    result.burst_s = ledger.last_receipt(step, size.rate)
    per_delivery(result, before, after, idle, len(each))
    print(f"  {describe(result)}", flush=True)
    return result


# --- one mode -----------------------------------------------------------------------------------


@dataclass
class ModeResult:
    mode: str
    setup_s: float = 0.0
    sizes: list[SizeResult] = field(default_factory=list)


@dataclass
class Shared:
    """What the modes share: one database, the owner and the owner's friends."""

    mongo: Mongo
    database: str = field(default_factory=lambda: f"bench_{uuid.uuid4().hex[:8]}")
    owner: User | None = None
    friends: list[User] = field(default_factory=list)


async def set_up(api_url: str, shared: Shared, count: int, concurrency: int) -> None:
    """`count` users seeded (one shared Argon2 hash); user 0 befriends the rest over HTTP."""
    names = usernames(count)
    users = await register_users(shared.mongo.url, shared.database, SECRET_KEY, names, concurrency)
    shared.owner, shared.friends = users[0], users[1:]
    await befriend_all(api_url, shared.owner, shared.friends, concurrency)


async def run_mode(
    mode: str, options: Options, workdir: Path, stack: contextlib.ExitStack, shared: Shared
) -> ModeResult:
    namespace = f"bench{uuid.uuid4().hex[:8]}" if mode == "service" else None
    if namespace is not None:
        stack.callback(delete_queues_quietly, namespace)
    env = imchat_env(shared.mongo.url, shared.database, namespace)
    api = stack.enter_context(running(start_api(env, workdir)))
    servers = {"api": api.ps}
    children = [api]
    if namespace is not None:
        worker = stack.enter_context(running(start_worker(env, workdir)))
        servers["worker"] = worker.ps
        children.append(worker)
    result = ModeResult(mode)
    try:
        meter = Meter(servers, shared.mongo, broker_processes() if namespace else [])
        if shared.owner is None:
            started = time.perf_counter()
            largest = max(size.members for size in options.sizes)
            await set_up(api.url, shared, largest, options.concurrency)
            result.setup_s = time.perf_counter() - started
            print(f"  set-up: {largest} users, owner friends with all: {result.setup_s:.0f} s")
            await settle(meter)
        assert shared.owner is not None
        for size in options.sizes:
            outcome = await run_size(api.url, shared.owner, shared.friends, size, meter, options)
            result.sizes.append(outcome)
    finally:
        for child in children:
            child.stop()
        if namespace is not None:
            await delete_queues(namespace)
    return result


async def run_modes(
    options: Options, workdir: Path, stack: contextlib.ExitStack
) -> list[ModeResult]:
    mongo = Mongo.start(workdir)
    stack.callback(mongo.stop)
    shared = Shared(mongo)
    results = []
    for mode in options.modes:
        print(f"== {mode}", flush=True)
        results.append(await run_mode(mode, options, workdir, stack, shared))
    return results


# --- report -------------------------------------------------------------------------------------


def describe(r: SizeResult) -> str:
    return (
        f"N={r.members}: {r.complete}/{r.sent} messages to all, last member "
        f"p50 {fmt(r.last_p50_ms, 1)} p99 {fmt(r.last_p99_ms, 1)} ms, "
        f"{fmt(r.deliveries_per_s)} deliveries/s, worker {fmt(r.cpu_us.get('worker'))} "
        f"api {fmt(r.cpu_us.get('api'))} mongo {fmt(r.cpu_us.get('mongo'))} µs/delivery, "
        f"RT/delivery {fmt(r.mongo_round_trips, 2)}, other load {r.other_cores:.2f}"
    )


def mode_table(result: ModeResult) -> str:
    worker = "worker" if result.mode == "service" else "api"
    header = [
        "N",
        "msgs @ rate/s",
        "to all / sent",
        "last member p50 ms",
        "last member p99 ms",
        "member p50 ms",
        "member p99 ms",
        "deliveries/s",
        f"worker CPU µs/delivery ({worker})",
        "API CPU µs/delivery",
        "SecantusDB CPU µs/delivery",
        "RabbitMQ + Redis µs/delivery",
        "client µs/delivery",
        "Mongo RT/delivery",
        "create ms",
        "other load",
    ]
    rows = []
    for r in result.sizes:
        api = r.cpu_us.get("api") if result.mode == "service" else None
        rows.append(
            [
                str(r.members),
                f"{r.messages} @ {r.rate:g}",
                f"{r.complete}/{r.sent}" + (f" ({r.failed} failed)" if r.failed else ""),
                fmt(r.last_p50_ms, 1),
                fmt(r.last_p99_ms, 1),
                fmt(r.member_p50_ms, 1),
                fmt(r.member_p99_ms, 1),
                fmt(r.deliveries_per_s),
                fmt(r.cpu_us.get(worker)),
                fmt(api) if api is not None else "(same)",
                fmt(r.cpu_us.get("mongo")),
                fmt(r.cpu_us.get("broker")),
                fmt(r.cpu_us.get("client")),
                fmt(r.mongo_round_trips, 2),
                fmt(r.create_s * 1000),
                f"{r.other_cores:.2f}",
            ]
        )
    setup = f" · set-up {result.setup_s:.0f} s" if result.setup_s else ""
    return f"### {result.mode}{setup}\n\n" + table(header, rows)


def report(results: Sequence[ModeResult]) -> str:
    head = (
        f"## group fan-out: {psutil.cpu_count()} cores ({cpu_model()}), "
        f"{time.strftime('%Y-%m-%d %H:%M')}"
    )
    return "\n\n".join([head, *(mode_table(r) for r in results)])


# --- command line -------------------------------------------------------------------------------


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=(*MODES, "all"), default="service")
    parser.add_argument("--sizes", default="10,100,1000", help="members per group, owner included")
    parser.add_argument("--messages", default="20,20,5", help="messages per size")
    parser.add_argument("--rates", default="5,2,0.2", help="msg/s per size")
    parser.add_argument("--drain", type=float, default=30.0, help="max wait for stragglers, s")
    parser.add_argument("--idle", type=float, default=3.0, help="idle baseline window, s")
    parser.add_argument("--concurrency", type=int, default=48, help="parallel set-up requests")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args(argv)
    sizes = [int(v) for v in args.sizes.split(",")]
    messages = [int(v) for v in args.messages.split(",")]
    rates = [float(v) for v in args.rates.split(",")]
    if not len(sizes) == len(messages) == len(rates) or min(sizes) < 2:
        parser.error("--sizes, --messages and --rates need one value each; sizes ≥ 2")
    return Options(
        modes=MODES if args.mode == "all" else (args.mode,),
        sizes=tuple(Size(*values) for values in zip(sizes, messages, rates, strict=True)),
        drain=args.drain,
        idle=args.idle,
        concurrency=args.concurrency,
        json_path=args.json,
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    results = run_benchmark(lambda tmp, stack: run_modes(options, tmp, stack))
    print("\n" + report(results))
    if options.json_path is not None:
        data = {"options": asdict(options), "results": [asdict(r) for r in results]}
        options.json_path.write_text(json.dumps(data, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
