"""Processes the delivery benchmark starts, and what it reads from them (CPU, RSS, MongoDB).

Everything here runs on the machine being measured, so every reading is a difference
between two samples of the same counters: process CPU seconds, resident memory, and the
database server's request counters.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import psutil
import uvloop
from pymongo import MongoClient

from imchat.adapters.embedded_mongo import EmbeddedMongo, free_port
from imchat.adapters.rabbit_queue import RabbitQueue

BENCH_DIR = Path(__file__).resolve().parent
AMQP_URL = os.environ.get("IMCHAT_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS_URL = os.environ.get("IMCHAT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789abcdef"
# Below this CPU use (in cores) the servers count as idle between steps.
IDLE_CORES = 0.15
# Default of `imchat worker`'s settings; the tear-down must delete the same queues.
DELIVERY_SHARDS = 16


@dataclass
class Child:
    """A subprocess we started, with psutil's view of it for CPU and memory readings."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    url: str = ""

    @property
    def ps(self) -> psutil.Process:
        return psutil.Process(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        """The end of its log, for an error message: the log dies with the temp dir."""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _outside_env() -> dict[str, str]:
    """Our environment without IMCHAT_ settings: each child gets exactly the ones we pass."""
    return {key: value for key, value in os.environ.items() if not key.startswith("IMCHAT_")}


def _spawn(name: str, argv: list[str], env: dict[str, str], workdir: Path) -> Child:
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv,
            env={**_outside_env(), **env},
            cwd=workdir,  # no stray .env file from the repository is read
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return Child(name, process, log_path)


def _wait_http_ok(child: Child, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise RuntimeError(f"{child.name} exited at start:\n{child.log_tail()}")
        try:
            with urllib.request.urlopen(child.url + path, timeout=1) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    child.stop()
    raise RuntimeError(f"{child.name} was not ready in {timeout:.0f} s:\n{child.log_tail()}")


def imchat_env(mongo_url: str, database: str, namespace: str | None) -> dict[str, str]:
    """Settings shared by the API and the worker; a namespace switches on service mode."""
    env = {
        "IMCHAT_MONGODB_URL": mongo_url,
        "IMCHAT_DATABASE_NAME": database,
        "IMCHAT_SECRET_KEY": SECRET_KEY,
        "IMCHAT_ENV": "test",
        # Tokens issued in the set-up must outlive every mode of one run.
        "IMCHAT_ACCESS_TOKEN_TTL_SECONDS": "7200",
    }
    if namespace is not None:
        env |= {
            "IMCHAT_AMQP_URL": AMQP_URL,
            "IMCHAT_REDIS_URL": REDIS_URL,
            "IMCHAT_AMQP_NAMESPACE": namespace,
            "IMCHAT_DELIVERY_SHARDS": str(DELIVERY_SHARDS),
        }
    return env


# How a Python module is run as a child: `python -m <module> ...`; bench/socket_memory.py
# passes its own launcher, which traces allocations and then runs the same module.
PYTHON_M = (sys.executable, "-m")


def start_api(env: dict[str, str], workdir: Path, launcher: Sequence[str] = PYTHON_M) -> Child:
    port = free_port()
    argv = [*launcher, "imchat", "serve", "--port", str(port)]
    child = _spawn("api", [*argv, "--data-dir", str(workdir)], env, workdir)
    child.url = f"http://127.0.0.1:{port}"
    _wait_http_ok(child, "/readyz")
    return child


def start_worker(env: dict[str, str], workdir: Path, timeout: float = 60.0) -> Child:
    worker_env = {**env, "IMCHAT_DATA_DIR": str(workdir)}
    child = _spawn("worker", [sys.executable, "-m", "imchat", "worker"], worker_env, workdir)
    deadline = time.monotonic() + timeout
    while b"Consuming" not in child.log_path.read_bytes():
        if child.process.poll() is not None or time.monotonic() > deadline:
            child.stop()
            raise RuntimeError(f"worker did not start:\n{child.log_tail()}")
        time.sleep(0.1)
    return child


def start_app(module: str, workdir: Path, launcher: Sequence[str] = PYTHON_M) -> Child:
    """A comparison app from bench/ (`bare_router`, `strawberry_relay`) under uvicorn with
    the same defaults as `imchat serve` (uvloop, httptools, websockets), minus the access
    log: they stand for the bare transport."""
    port = free_port()
    argv = [
        *launcher,
        "uvicorn",
        f"{module}:app",
        "--app-dir",
        str(BENCH_DIR),
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    child = _spawn(module, argv, {}, workdir)
    child.url = f"http://127.0.0.1:{port}"
    _wait_http_ok(child, "/healthz")
    return child


def machine_busy_seconds() -> float:
    """CPU seconds every process on the machine has spent, ours and anyone else's."""
    times = psutil.cpu_times()
    # guest time is already inside user; steal is the hypervisor's, not this machine's work
    return float(times.user + times.nice + times.system + times.irq + times.softirq)


@dataclass
class Mongo:
    """A SecantusDB server in its own process, and a client for its counters."""

    server: EmbeddedMongo
    client: MongoClient[dict[str, object]] = field(init=False)

    def __post_init__(self) -> None:
        self.client = MongoClient(self.server.url)

    @classmethod
    def start(cls, workdir: Path) -> Mongo:
        server = EmbeddedMongo(workdir / "db")
        server.start()
        return cls(server)

    @property
    def url(self) -> str:
        return self.server.url

    @functools.cached_property
    def ps(self) -> psutil.Process:
        # EmbeddedMongo keeps its Popen private; it is our only child listening on its port.
        for child in psutil.Process().children():
            if str(self.server.port) in " ".join(child.cmdline()):
                return child
        raise RuntimeError("the SecantusDB process is gone")

    def requests(self) -> int:
        """Wire requests the server has answered; each is one round trip from some client."""
        status = self.client.admin.command("serverStatus")
        return int(status["network"]["numRequests"])

    def operations(self) -> dict[str, int]:
        """Operations answered so far per collection and kind (`top`), e.g. "inbox insert"."""
        totals = self.client.admin.command("top")["totals"]
        counts: dict[str, int] = {}
        for namespace, kinds in totals.items():
            if not isinstance(kinds, dict) or namespace.startswith(("admin.", "local.")):
                continue
            collection = namespace.split(".", 1)[1]
            for kind in ("queries", "getmore", "insert", "update", "remove", "commands"):
                counts[f"{collection} {kind}"] = int(kinds[kind]["count"])
        return counts

    def stop(self) -> None:
        self.client.close()
        self.server.stop()


def cpu_seconds(processes: Iterable[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def rss_bytes(processes: Iterable[psutil.Process]) -> int:
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            total += process.memory_info().rss
    return total


def broker_processes() -> list[psutil.Process]:
    """RabbitMQ and Redis, read-only: their CPU is part of what service mode costs."""
    found: list[psutil.Process] = []
    for process in psutil.process_iter(["name"]):
        if process.info["name"] in ("beam.smp", "redis-server"):
            found.append(process)
    return found


async def delete_queues(namespace: str) -> None:
    queue = RabbitQueue(AMQP_URL, shards=DELIVERY_SHARDS, namespace=namespace)
    await queue.start()
    try:
        await queue.delete_topology()
    finally:
        await queue.stop()


def delete_queues_quietly(namespace: str) -> None:
    with contextlib.suppress(Exception):
        asyncio.run(delete_queues(namespace))


# --- readings of a system under test ---------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """Cumulative counters at one instant; a window's cost is the difference of two."""

    at: float
    cpu: dict[str, float]
    mongo_requests: int | None
    machine: float
    mongo_operations: dict[str, int] = field(default_factory=dict)


@dataclass
class Meter:
    """What to read for one system under test: its own processes, the database, brokers."""

    servers: dict[str, psutil.Process]
    mongo: Mongo | None
    brokers: list[psutil.Process] = field(default_factory=list)
    client: psutil.Process = field(default_factory=psutil.Process)

    def groups(self) -> dict[str, list[psutil.Process]]:
        groups = {name: [process] for name, process in self.servers.items()}
        if self.mongo is not None:
            groups["mongo"] = [self.mongo.ps]
        if self.brokers:
            groups["broker"] = self.brokers
        groups["client"] = [self.client]
        return groups

    def sample(self) -> Sample:
        cpu = {name: cpu_seconds(processes) for name, processes in self.groups().items()}
        requests = self.mongo.requests() if self.mongo is not None else None
        operations = self.mongo.operations() if self.mongo is not None else {}
        return Sample(time.perf_counter(), cpu, requests, machine_busy_seconds(), operations)

    def busy_seconds(self) -> float:
        """CPU spent so far by the servers and the database: what a backlog keeps busy."""
        groups = self.groups()
        return sum(cpu_seconds(groups[name]) for name in groups if name not in ("client", "broker"))

    def rss(self) -> dict[str, int]:
        return {name: rss_bytes([process]) for name, process in self.servers.items()}


@dataclass(frozen=True)
class Idle:
    """Per-second cost of the system doing nothing with K sockets open (timers, pings),
    subtracted from every loaded window so only the messages' work is counted."""

    cpu_per_s: dict[str, float]
    mongo_per_s: float


def idle_rates(before: Sample, after: Sample) -> Idle:
    seconds = after.at - before.at
    cpu = {name: (after.cpu[name] - before.cpu[name]) / seconds for name in before.cpu}
    mongo = 0.0
    if before.mongo_requests is not None and after.mongo_requests is not None:
        mongo = (after.mongo_requests - before.mongo_requests) / seconds
    return Idle(cpu, mongo)


async def settle(meter: Meter, limit: float = 60.0) -> None:
    """Wait until the servers and the database are idle again, so each step starts from an
    empty system instead of inheriting the previous step's backlog."""
    deadline = time.perf_counter() + limit
    spent = meter.busy_seconds()
    while time.perf_counter() < deadline:
        await asyncio.sleep(0.5)
        now = meter.busy_seconds()
        if now - spent < IDLE_CORES * 0.5:
            return
        spent = now


@contextlib.contextmanager
def running(child: Child) -> Iterator[Child]:
    """Registers a started child so it is stopped however the run ends."""
    try:
        yield child
    finally:
        child.stop()


def exit_on_sigterm() -> Callable[[], None]:
    """SIGTERM unwinds like Ctrl-C, so the children and queues are cleaned up."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore


T = TypeVar("T")


def run_benchmark(
    run: Callable[[Path, contextlib.ExitStack[bool | None]], Coroutine[Any, Any, T]],
) -> T:
    """Run a benchmark in a temporary folder, with an exit stack for the processes it
    starts, on uvloop (the load generator shares the cores with the servers, so keep it
    cheap); SIGTERM unwinds like Ctrl-C so everything is cleaned up."""
    restore = exit_on_sigterm()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="imchat-bench-") as tmp,
            contextlib.ExitStack() as stack,
            asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner,
        ):
            return runner.run(run(Path(tmp), stack))
    finally:
        restore()
