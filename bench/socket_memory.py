"""Memory per idle subscribed socket, by allocation site: imchat against the bare relay.

    .venv/bin/python bench/socket_memory.py                    # relay, embedded, service
    .venv/bin/python bench/socket_memory.py --mode embedded --sockets 1000 --top 40
    .venv/bin/python bench/socket_memory.py --messages 1      # sockets that have chatted

Each server runs under this script's launcher, which starts `tracemalloc` and writes a
snapshot when sent SIGUSR1. `--first` sockets are opened (they pay one-off costs), then a
snapshot and an RSS reading, then the other sockets, then again. Per socket: the Python
heap grown between the two snapshots, RSS likewise, and the allocation sites that grew
most; with the relay in the same run, each site also as the difference to the relay.
With `--messages N` every pair exchanges N messages each way before its sockets are
measured: what an idle socket holds once it has been used (per-user caches; and, if it
grew with N, a leak).
This is where `bench/delivery.py`'s "RSS per subscribed socket" comes from, site by site.
Tracing costs memory of its own, so RSS is read in a separate, untraced run (`--rss`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import runpy
import signal
import sys
import time
import tracemalloc
import uuid
from dataclasses import dataclass
from pathlib import Path

from harness import (
    SECRET_KEY,
    Child,
    Mongo,
    delete_queues,
    imchat_env,
    run_benchmark,
    running,
    start_api,
    start_app,
    start_worker,
)
from loadgen import GraphQLTarget, Ledger, RelayTarget, Target, befriend_pairs, usernames
from seed import register_users

MODES = ("relay", "embedded", "service")
# Not IMCHAT_-prefixed: the harness passes no IMCHAT_ variable it was not told to.
SNAPSHOT_DIR = "BENCH_SNAPSHOT_DIR"
# "0": run the servers untraced and read RSS only (tracing's own bookkeeping inflates RSS).
TRACE = "BENCH_TRACE"
WRAPPED = "--wrapped"
FRAMES = 12


def launcher() -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), WRAPPED]


def run_wrapped(module: str, argv: list[str]) -> None:
    """In the server process: trace allocations, snapshot on SIGUSR1, run the module."""
    if os.environ.get(TRACE) != "0":
        tracemalloc.start(FRAMES)
    folder = Path(os.environ[SNAPSHOT_DIR])
    taken = 0

    def snapshot(signum: int, frame: object) -> None:
        nonlocal taken
        gc.collect()
        taken += 1
        if tracemalloc.is_tracing():
            tracemalloc.take_snapshot().dump(str(folder / f"{taken}.snapshot"))
        (folder / f"{taken}.done").touch()

    signal.signal(signal.SIGUSR1, snapshot)
    sys.argv = [module, *argv]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


@dataclass
class Measured:
    mode: str
    sockets: int
    heap_per_socket: float
    rss_per_socket: float
    by_site: dict[str, float]


def take(child: Child, folder: Path, number: int) -> tuple[int, tracemalloc.Snapshot | None]:
    rss = child.ps.memory_info().rss
    os.kill(child.process.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 120
    while not (folder / f"{number}.done").exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"no snapshot from {child.name}:\n{child.log_tail()}")
        time.sleep(0.1)
    traced = folder / f"{number}.snapshot"
    return rss, tracemalloc.Snapshot.load(str(traced)) if traced.exists() else None


async def exchange(target: Target, ledger: Ledger, pairs: range) -> None:
    """One message each way over every pair in `pairs`, each received once.

    The relay drops a message for a subscription it has not started yet (imchat's stream
    would replay it from the inbox), so whatever did not arrive is sent again.
    """
    wanted = [(pair, forward) for pair in pairs for forward in (True, False)]
    for _ in range(10):
        step = ledger.new_step()
        sends = []
        for pair, forward in wanted:
            content = ledger.content(step, step.sent, time.perf_counter())
            step.sent += 1
            sends.append(target.send(pair, forward, content))
        step.failed = sum(1 for p in await asyncio.gather(*sends) if p is not None)
        step.closed = True
        if not step.complete:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(step.arrived.wait(), 5)
        wanted = [w for index, w in enumerate(wanted) if index not in step.latencies]
        if not wanted:
            return
    raise RuntimeError(f"{len(wanted)} messages never arrived")


async def measure(
    mode: str,
    child: Child,
    target: Target,
    folder: Path,
    first: int,
    total: int,
    options: argparse.Namespace,
) -> Measured:
    ledger = Ledger()
    conc = options.concurrency
    await target.connect(ledger, range(first), conc)
    for _ in range(options.messages):
        await exchange(target, ledger, range(first // 2))
    await asyncio.sleep(2)
    rss_before, before = take(child, folder, 1)
    await target.connect(ledger, range(first, total), conc)
    for _ in range(options.messages):
        await exchange(target, ledger, range(first // 2, total // 2))
    await asyncio.sleep(2)
    rss_after, after = take(child, folder, 2)
    await target.close()
    added = total - first
    stats = after.compare_to(before, "lineno") if after and before else []
    return Measured(
        mode=mode,
        sockets=added,
        heap_per_socket=sum(s.size_diff for s in stats) / added,
        rss_per_socket=(rss_after - rss_before) / added,
        by_site={str(s.traceback[0]): s.size_diff / added for s in stats},
    )


async def run_mode(mode: str, options: argparse.Namespace, workdir: Path) -> Measured:
    folder = workdir / f"{mode}-snapshots"
    folder.mkdir()
    os.environ[SNAPSHOT_DIR] = str(folder)
    async with contextlib.AsyncExitStack() as stack:
        if mode == "relay":
            child = stack.enter_context(running(start_app("strawberry_relay", workdir, launcher())))
            target: Target = RelayTarget(child.url, options.sockets)
        else:
            mongo = Mongo.start(workdir / mode)
            stack.callback(mongo.server.stop)
            namespace = f"mem{uuid.uuid4().hex[:8]}" if mode == "service" else None
            if namespace is not None:
                stack.push_async_callback(delete_queues, namespace)
            env = imchat_env(mongo.url, "imchat_memory", namespace)
            child = stack.enter_context(running(start_api(env, workdir, launcher())))
            if namespace is not None:  # delivers what the API announces (--messages)
                stack.enter_context(running(start_worker(env, workdir)))
            names = usernames(options.sockets)
            users = await register_users(
                mongo.url, "imchat_memory", SECRET_KEY, names, options.concurrency
            )
            target = GraphQLTarget(
                child.url, await befriend_pairs(child.url, users, options.concurrency)
            )
        first = max(2, options.sockets * options.first_percent // 100)
        return await measure(mode, child, target, folder, first, options.sockets, options)


def report(results: list[Measured], top: int) -> None:
    relay = next((r for r in results if r.mode == "relay"), None)
    for result in results:
        print(f"== {result.mode}: {result.sockets} sockets measured")
        if not result.by_site:
            print(f"   RSS {result.rss_per_socket / 1024:.1f} KB per socket (untraced)")
            continue
        print(
            f"   Python heap {result.heap_per_socket / 1024:.1f} KB per socket "
            "(RSS not shown: tracing inflates it; --rss for that)"
        )
        print(f"   sites that grew most (bytes per socket{', minus the relay' if relay else ''}):")
        sites = result.by_site
        if relay is not None and result is not relay:
            keys = set(sites) | set(relay.by_site)
            sites = {k: sites.get(k, 0.0) - relay.by_site.get(k, 0.0) for k in keys}
        for site, size in sorted(sites.items(), key=lambda kv: -kv[1])[:top]:
            print(f"   {size:8.0f}  {site}")


async def main(options: argparse.Namespace, workdir: Path) -> None:
    results = [await run_mode(mode, options, workdir) for mode in options.modes]
    report(results, options.top)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=[*MODES, "all"], default="all")
    parser.add_argument("--sockets", type=int, default=500, help="subscribed sockets (even)")
    parser.add_argument(
        "--first-percent", type=int, default=20, help="sockets opened before the baseline"
    )
    parser.add_argument("--concurrency", type=int, default=48, help="parallel connects")
    parser.add_argument("--top", type=int, default=25, help="allocation sites to print")
    parser.add_argument("--rss", action="store_true", help="untraced servers, RSS only")
    parser.add_argument(
        "--messages",
        type=int,
        default=0,
        help="messages each socket sends and receives before it is measured",
    )
    options = parser.parse_args(argv)
    os.environ[TRACE] = "0" if options.rss else "1"
    options.modes = MODES if options.mode == "all" else (options.mode,)
    return options


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == WRAPPED:
        run_wrapped(sys.argv[2], sys.argv[3:])
    else:
        parsed = parse(sys.argv[1:])
        run_benchmark(lambda workdir, _stack: main(parsed, workdir))
