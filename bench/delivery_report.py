"""Results of the delivery benchmark, and the tables and target verdicts printed from them."""

from __future__ import annotations

import contextlib
import json
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

P99_BOUND_MS = 50.0  # the latency bound of "sustainable"
# Processes that are part of a message's cost but not the system's own servers.
SUPPORT = ("mongo", "broker", "client")
# Issue 3's targets on 2 cores (STACK.md has the measurements behind them).
RELAY_CPU_FACTOR = 2.0  # (a) API + worker CPU per message within 2x the bare Strawberry relay
MAX_ROUND_TRIPS = 3.0  # (b) MongoDB round trips per message, amortised
SERVICE_RATE = 250  # (c) msg/s in service mode with p99 <= 50 ms
RELAY_RSS_KB = 44.0  # (d) RSS per idle subscribed socket below the relay's (STACK.md)


@dataclass
class StepResult:
    rate: int
    sent: int
    failed: int
    delivered: int
    duplicates: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    client_lag_ms: float
    window_s: float
    cpu_us: dict[str, float]
    mongo_round_trips: float | None
    # Cores busy with processes that are not part of this run (other users of the machine).
    other_cores: float
    errors: dict[str, int] = field(default_factory=dict)
    # Database operations per delivered message by collection and kind (SecantusDB's `top`;
    # the idle baseline is not subtracted, so at low rates this runs a little high).
    mongo_operations: dict[str, float] = field(default_factory=dict)

    @property
    def lossless(self) -> bool:
        return self.delivered == self.sent and self.failed == 0

    @property
    def sustainable(self) -> bool:
        return self.lossless and self.p99_ms <= P99_BOUND_MS

    @property
    def server_cpu_us(self) -> float:
        """API + worker (or the comparison app): the system's own processes."""
        return sum(v for k, v in self.cpu_us.items() if k not in SUPPORT)


@dataclass
class ModeResult:
    mode: str
    sockets: int
    rss_before: dict[str, int] = field(default_factory=dict)
    rss_after: dict[str, int] = field(default_factory=dict)
    rss_sockets: int = 0
    warmup: StepResult | None = None
    steps: list[StepResult] = field(default_factory=list)
    setup_s: float = 0.0

    def rss_per_socket_kb(self, name: str | None = None) -> float:
        names = [name] if name else list(self.rss_after)
        grown = sum(self.rss_after[n] - self.rss_before[n] for n in names)
        return grown / max(self.rss_sockets, 1) / 1024

    @property
    def max_sustainable(self) -> int | None:
        rates = [s.rate for s in self.steps if s.sustainable]
        return max(rates) if rates else None

    def step(self, rate: int) -> StepResult | None:
        return next((s for s in self.steps if s.rate == rate), None)

    @property
    def top_lossless(self) -> StepResult | None:
        """The highest rate at which every message arrived: where batching helps most."""
        lossless = [s for s in self.steps if s.lossless]
        return max(lossless, key=lambda s: s.rate) if lossless else None


# --- formatting ----------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 0) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:,.{digits}f}"


def ratio(value: float | None, base: float | None, digits: int = 1) -> str:
    if value is None or base is None or math.isnan(value) or math.isnan(base) or base <= 0:
        return fmt(value, digits)
    return f"{fmt(value, digits)} (x{value / base:.1f})"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def describe(step: StepResult) -> str:
    return (
        f"{step.rate}/s: delivered {step.delivered}/{step.sent} "
        f"p50 {fmt(step.p50_ms, 1)} p99 {fmt(step.p99_ms, 1)} max {fmt(step.max_ms, 1)} ms, "
        f"server CPU {fmt(step.server_cpu_us)} us/msg, other load {step.other_cores:.2f} cores"
    )


def _delivered(step: StepResult) -> str:
    failed = f" ({step.failed} failed)" if step.failed else ""
    return f"{step.delivered}/{step.sent}{failed}"


def mode_table(result: ModeResult) -> str:
    steps = ([result.warmup] if result.warmup else []) + result.steps
    extra = [n for n in ("worker", "mongo", "broker") if any(n in s.cpu_us for s in steps)]
    header = [
        "rate/s",
        "delivered/sent",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "server CPU µs/msg",
        *[f"of which {n}" if n == "worker" else f"{n} CPU µs/msg" for n in extra],
        "client CPU µs/msg",
        "Mongo RT/msg",
        "other load, cores",
    ]
    rows = []
    for step in steps:
        label = f"{step.rate} warm-up" if step is result.warmup else str(step.rate)
        rows.append(
            [
                label,
                _delivered(step),
                fmt(step.p50_ms, 1),
                fmt(step.p95_ms, 1),
                fmt(step.p99_ms, 1),
                fmt(step.max_ms, 1),
                fmt(step.server_cpu_us),
                *[fmt(step.cpu_us.get(n)) for n in extra],
                fmt(step.cpu_us.get("client")),
                fmt(step.mongo_round_trips, 2),
                f"{step.other_cores:.2f}",
            ]
        )
    failures = [
        f"\nfailed sends at {s.rate}/s: "
        + "; ".join(f"{count} x {problem}" for problem, count in s.errors.items())
        for s in steps
        if s.errors
    ]
    rss = ", ".join(f"{n} {result.rss_per_socket_kb(n):.1f} KB" for n in result.rss_after)
    setup = f" · set-up {result.setup_s:.0f} s" if result.setup_s else ""
    summary = (
        f"\nmax sustainable rate (p99 ≤ {P99_BOUND_MS:.0f} ms, all delivered): "
        f"{result.max_sustainable or 'none'} msg/s · RSS per subscribed socket: {rss}{setup}"
    )
    return (
        f"### {result.mode}\n\n"
        + table(header, rows)
        + summary
        + "".join(failures)
        + operations_breakdown(result.steps)
    )


def operations_breakdown(steps: Sequence[StepResult]) -> str:
    lines = [
        f"\n- {step.rate}/s: "
        + ", ".join(
            f"{name} {per_message:.2f}"
            for name, per_message in sorted(step.mongo_operations.items(), key=lambda kv: -kv[1])
            if per_message >= 0.01
        )
        for step in steps
        if step.mongo_operations
    ]
    if not lines:
        return ""
    return "\n\nMongoDB operations per message, by collection:" + "".join(lines)


def side_by_side(results: Sequence[ModeResult]) -> str:
    bare = next((r for r in results if r.mode == "bare"), None)
    header = ["rate/s", "mode", "delivered/sent", "p50 ms", "p99 ms", "server CPU µs/msg"]
    rows = []
    for rate in sorted({s.rate for r in results for s in r.steps}):
        base = bare.step(rate) if bare else None
        for result in results:
            step = result.step(rate)
            if step is None:
                continue
            rows.append(
                [
                    str(rate),
                    result.mode,
                    _delivered(step),
                    ratio(step.p50_ms, base.p50_ms if base else None),
                    ratio(step.p99_ms, base.p99_ms if base else None),
                    ratio(step.server_cpu_us, base.server_cpu_us if base else None, 0),
                ]
            )
    base_rss = bare.rss_per_socket_kb() if bare else None
    summary = [
        [r.mode, str(r.max_sustainable or "none"), ratio(r.rss_per_socket_kb(), base_rss)]
        for r in results
    ]
    return (
        "### side by side (xN = ratio to the bare router at the same rate, same run)\n\n"
        + table(header, rows)
        + "\n\n"
        + table(["mode", "max sustainable msg/s", "RSS KB per socket"], summary)
    )


# --- the targets --------------------------------------------------------------------


def _verdict(met: bool | None) -> str:
    return "not measured" if met is None else ("met" if met else "NOT met")


def target_cpu(results: Sequence[ModeResult]) -> list[list[str]]:
    """(a): at the highest rate where both the relay and the mode delivered everything."""
    relay = next((r for r in results if r.mode == "relay"), None)
    rows = []
    for result in (r for r in results if r.mode in ("embedded", "service")):
        common = [
            s
            for s in result.steps
            if s.lossless and relay and (b := relay.step(s.rate)) and b.lossless
        ]
        if relay is None or not common:
            rows.append([f"(a) CPU/msg, {result.mode}", "no common lossless rate", _verdict(None)])
            continue
        step = max(common, key=lambda s: s.rate)
        base = relay.step(step.rate)
        assert base is not None
        factor = step.server_cpu_us / base.server_cpu_us
        figure = (
            f"{step.server_cpu_us:,.0f} µs vs relay {base.server_cpu_us:,.0f} µs "
            f"at {step.rate}/s: x{factor:.1f} (≤ x{RELAY_CPU_FACTOR:g})"
        )
        rows.append([f"(a) CPU/msg, {result.mode}", figure, _verdict(factor <= RELAY_CPU_FACTOR)])
    return rows


def target_round_trips(results: Sequence[ModeResult]) -> list[list[str]]:
    rows = []
    for result in (r for r in results if r.mode in ("embedded", "service")):
        step = result.top_lossless
        if step is None or step.mongo_round_trips is None:
            rows.append([f"(b) Mongo RT/msg, {result.mode}", "no lossless rate", _verdict(None)])
            continue
        figure = f"{step.mongo_round_trips:.2f} at {step.rate}/s (≤ {MAX_ROUND_TRIPS:g})"
        met = step.mongo_round_trips <= MAX_ROUND_TRIPS
        rows.append([f"(b) Mongo RT/msg, {result.mode}", figure, _verdict(met)])
    return rows


def target_rate(results: Sequence[ModeResult]) -> list[list[str]]:
    service = next((r for r in results if r.mode == "service"), None)
    if service is None:
        return [["(c) service rate", "service mode not run", _verdict(None)]]
    best = service.max_sustainable
    figure = f"{best or 'none'} msg/s with p99 ≤ {P99_BOUND_MS:.0f} ms (≥ {SERVICE_RATE})"
    return [["(c) service rate", figure, _verdict((best or 0) >= SERVICE_RATE)]]


def target_rss(results: Sequence[ModeResult]) -> list[list[str]]:
    relay = next((r for r in results if r.mode == "relay"), None)
    bound = relay.rss_per_socket_kb() if relay else RELAY_RSS_KB
    source = "relay in this run" if relay else "STACK.md's relay"
    rows = []
    for result in (r for r in results if r.mode in ("embedded", "service")):
        kb = result.rss_per_socket_kb()
        figure = f"{kb:.1f} KB vs {bound:.1f} KB ({source})"
        rows.append([f"(d) RSS/socket, {result.mode}", figure, _verdict(kb < bound)])
    return rows


def targets(results: Sequence[ModeResult]) -> str:
    rows = [
        *target_cpu(results),
        *target_round_trips(results),
        *target_rate(results),
        *target_rss(results),
    ]
    return "### targets\n\n" + table(["target", "measured", "verdict"], rows)


def report(results: Sequence[ModeResult], sockets: int, duration: float) -> str:
    head = (
        f"## delivery: {sockets} sockets, {duration:g} s per rate, "
        f"{psutil.cpu_count()} cores ({cpu_model()}), {time.strftime('%Y-%m-%d %H:%M')}"
    )
    parts = [head, *(mode_table(r) for r in results)]
    if len(results) > 1:
        parts.append(side_by_side(results))
    if any(r.mode in ("embedded", "service") for r in results):
        parts.append(targets(results))
    return "\n\n".join(parts)


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def save_json(path: Path, results: Sequence[ModeResult], options: dict[str, Any]) -> None:
    data = {
        "options": options,
        "cores": psutil.cpu_count(),
        "cpu": cpu_model(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "results": [
            asdict(r)
            | {
                "max_sustainable": r.max_sustainable,
                "rss_per_socket_kb": {n: r.rss_per_socket_kb(n) for n in r.rss_after},
            }
            for r in results
        ],
    }
    path.write_text(json.dumps(data, indent=2, default=str))
