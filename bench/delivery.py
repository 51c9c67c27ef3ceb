"""End-to-end delivery benchmark: K subscribed sockets, 1:1 messages at R msg/s.

    .venv/bin/python bench/delivery.py --mode all --sockets 1000 --rates 50,100,250,500

Modes: `embedded` (one `imchat serve`, worker in-process), `service` (`imchat serve` +
`imchat worker` on RabbitMQ and Redis), and `bare`, a bare Starlette WebSocket router doing
the same routing: the transport ceiling every figure is also divided by. All of them run
against a SecantusDB server this script starts, on this machine, next to the load
generator; see docs/benchmarks.md for how to read the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from delivery_report import ModeResult, StepResult, describe, report, save_json
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
    start_app,
    start_worker,
)
from loadgen import (
    BareTarget,
    GraphQLTarget,
    Ledger,
    Pair,
    RelayTarget,
    Step,
    Target,
    befriend_pairs,
    drain,
    drive,
    every_pair,
    percentile,
    random_pairs,
    register_via_api,
    usernames,
)
from seed import register_users

MODES = ("bare", "relay", "embedded", "service")
WARMUP_DRAIN_S = 60.0
# A p99 this far past the 50 ms bound means the system is saturated at this rate.
SATURATED_P99_MS = 1000.0


@dataclass(frozen=True)
class Options:
    modes: tuple[str, ...]
    sockets: int
    rates: tuple[int, ...]
    duration: float
    drain: float
    idle: float
    warmup_rate: int
    concurrency: int
    deflate: bool
    register: str
    json_path: Path | None


def step_result(
    rate: int, step: Step, before: Sample, after: Sample, idle: Idle | None
) -> StepResult:
    window = after.at - before.at
    delivered = max(step.delivered, 1)
    cpu: dict[str, float] = {}
    for name in before.cpu:
        spent = after.cpu[name] - before.cpu[name]
        if idle is not None and name != "client":
            spent -= idle.cpu_per_s[name] * window
        cpu[name] = max(spent, 0.0) / delivered * 1e6
    round_trips = None
    if before.mongo_requests is not None and after.mongo_requests is not None:
        requests = float(after.mongo_requests - before.mongo_requests)
        if idle is not None:
            requests -= idle.mongo_per_s * window
        round_trips = max(requests, 0.0) / delivered
    operations = {
        name: (count - before.mongo_operations.get(name, 0)) / delivered
        for name, count in after.mongo_operations.items()
        if count > before.mongo_operations.get(name, 0)
    }
    latencies = sorted(step.latencies.values())
    ours = sum(after.cpu[name] - before.cpu[name] for name in before.cpu)
    return StepResult(
        rate=rate,
        sent=step.sent,
        failed=step.failed,
        delivered=step.delivered,
        duplicates=step.duplicates,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p95_ms=percentile(latencies, 0.95) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        max_ms=(latencies[-1] * 1000) if latencies else math.nan,
        client_lag_ms=step.max_lag * 1000,
        window_s=window,
        cpu_us=cpu,
        mongo_round_trips=round_trips,
        mongo_operations=operations,
        other_cores=max(after.machine - before.machine - ours, 0.0) / window,
        errors=dict(step.errors),
    )


# --- one mode -------------------------------------------------------------------------------


async def measure_step(
    target: Target, ledger: Ledger, meter: Meter, rate: int, count: int, options: Options
) -> tuple[Step, Sample, Sample]:
    step = ledger.new_step()
    warmup = step.number == 0
    choose = every_pair(target.pairs) if warmup else random_pairs(target.pairs, step.number)
    await settle(meter)
    before = meter.sample()
    await drive(target, ledger, step, rate, count, choose)
    # The cold warm-up may lag far behind; it must be done before anything is measured.
    await drain(step, max(options.drain, WARMUP_DRAIN_S) if warmup else options.drain)
    # The sender's own copy and the conversation updates finish just after the receipt.
    await asyncio.sleep(0.3)
    return step, before, meter.sample()


async def run_load(target: Target, meter: Meter, result: ModeResult, options: Options) -> None:
    ledger = Ledger()
    # The first few sockets pay for one-off costs (lazy imports, caches, arenas); memory per
    # socket is measured over the rest.
    users = list(range(2 * target.pairs))
    first = max(2, len(users) // 20)
    await target.connect(ledger, users[:first], options.concurrency)
    await settle(meter)
    rss_before = meter.rss()
    await target.connect(ledger, users[first:], options.concurrency)
    await asyncio.sleep(1)
    await settle(meter)  # the last subscriptions finish starting on the server
    result.rss_before, result.rss_after = rss_before, meter.rss()
    result.rss_sockets = len(users) - first

    # Warm-up: one message over every pair, so every user's per-user state is loaded (the
    # worker's event counters, the user cache); its cost is reported apart as the cold cost.
    # The comparison apps keep no per-user state: a short warm-up opens the HTTP pool.
    count = target.pairs if isinstance(target, GraphQLTarget) else min(target.pairs, 100)
    step, before, after = await measure_step(
        target, ledger, meter, options.warmup_rate, count, options
    )
    result.warmup = step_result(options.warmup_rate, step, before, after, None)

    await settle(meter)
    before = meter.sample()
    await asyncio.sleep(options.idle)
    idle = idle_rates(before, meter.sample())

    for rate in options.rates:
        count = round(rate * options.duration)
        step, before, after = await measure_step(target, ledger, meter, rate, count, options)
        outcome = step_result(rate, step, before, after, idle)
        result.steps.append(outcome)
        print(f"  {result.mode} {describe(outcome)}", flush=True)
        if not outcome.lossless or outcome.p99_ms > SATURATED_P99_MS:
            break  # saturated: a higher rate only adds a backlog and minutes of draining


async def run_app(
    mode: str, options: Options, workdir: Path, stack: contextlib.ExitStack
) -> ModeResult:
    """A comparison app: `bare` (the Starlette router) or `relay` (bare Strawberry)."""
    module = "bare_router" if mode == "bare" else "strawberry_relay"
    server = stack.enter_context(running(start_app(module, workdir)))
    meter = Meter({"server": server.ps}, None)
    target: Target = (
        BareTarget(server.url, options.sockets, options.deflate)
        if mode == "bare"
        else RelayTarget(server.url, options.sockets, options.deflate)
    )
    result = ModeResult(mode, options.sockets)
    try:
        await run_load(target, meter, result, options)
    finally:
        await target.close()
        server.stop()
    return result


@dataclass
class Shared:
    """What the two imchat modes share: one database, and the users made in the first."""

    mongo: Mongo
    database: str = field(default_factory=lambda: f"bench_{uuid.uuid4().hex[:8]}")
    pairs: list[Pair] = field(default_factory=list)


async def run_imchat(
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
    result = ModeResult(mode, options.sockets)
    try:
        if not shared.pairs:
            started = time.perf_counter()
            shared.pairs = await make_pairs(api.url, shared, options)
            result.setup_s = time.perf_counter() - started
            print(f"  set-up: {len(shared.pairs)} friend pairs in {result.setup_s:.0f} s")
        brokers = broker_processes() if namespace is not None else []
        meter = Meter(servers, shared.mongo, brokers)
        target = GraphQLTarget(api.url, shared.pairs, options.deflate)
        try:
            await run_load(target, meter, result, options)
        finally:
            await target.close()
    finally:
        for child in children:
            child.stop()
        if namespace is not None:
            await delete_queues(namespace)
    return result


async def make_pairs(api_url: str, shared: Shared, options: Options) -> list[Pair]:
    names = usernames(options.sockets)
    if options.register == "api":
        users = await register_via_api(api_url, names, options.concurrency)
    else:
        users = await register_users(
            shared.mongo.url, shared.database, SECRET_KEY, names, options.concurrency
        )
    return await befriend_pairs(api_url, users, options.concurrency)


async def run_modes(
    options: Options, workdir: Path, stack: contextlib.ExitStack
) -> list[ModeResult]:
    results: list[ModeResult] = []
    shared: Shared | None = None
    for mode in options.modes:
        print(f"== {mode}", flush=True)
        if mode in ("bare", "relay"):
            results.append(await run_app(mode, options, workdir, stack))
            continue
        if shared is None:
            mongo = Mongo.start(workdir)
            stack.callback(mongo.stop)
            shared = Shared(mongo)
        results.append(await run_imchat(mode, options, workdir, stack, shared))
    return results


# --- command line ---------------------------------------------------------------------------


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=(*MODES, "all"), default="all")
    parser.add_argument("--sockets", type=int, default=1000, help="subscribed sockets (even)")
    parser.add_argument("--rates", default="10,25,50,100,250,500", help="msg/s, ascending")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per rate")
    parser.add_argument("--drain", type=float, default=5.0, help="max wait for stragglers, s")
    parser.add_argument("--idle", type=float, default=3.0, help="idle baseline window, s")
    parser.add_argument("--warmup-rate", type=int, default=50, help="msg/s of the warm-up")
    parser.add_argument("--concurrency", type=int, default=48, help="parallel set-up requests")
    parser.add_argument("--deflate", action="store_true", help="offer permessage-deflate")
    parser.add_argument(
        "--register",
        choices=("fast", "api"),
        default="fast",
        help="fast: imchat's register service with one shared Argon2 hash; api: the mutation",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args(argv)
    if args.sockets < 2 or args.sockets % 2:
        parser.error("--sockets must be an even number ≥ 2")
    return Options(
        modes=MODES if args.mode == "all" else (args.mode,),
        sockets=args.sockets,
        rates=tuple(int(r) for r in args.rates.split(",") if r.strip()),
        duration=args.duration,
        drain=args.drain,
        idle=args.idle,
        warmup_rate=args.warmup_rate,
        concurrency=args.concurrency,
        deflate=args.deflate,
        register=args.register,
        json_path=args.json,
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    results = run_benchmark(lambda tmp, stack: run_modes(options, tmp, stack))
    print("\n" + report(results, options.sockets, options.duration))
    if options.json_path is not None:
        save_json(options.json_path, results, asdict(options))
    return 0


if __name__ == "__main__":
    sys.exit(main())
