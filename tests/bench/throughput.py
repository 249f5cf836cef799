"""Update throughput and latency: blocbot against a bare PTB echo bot on the same emulator.

Both bots run as their own process (as in production), polling the emulator, which runs in
this process; Telegram's flood limits are off. The updates are the realistic mix of
tests/bench/mix.py from 50 groups and 500 people. For each bot: one process, set up once;
then, at loopback and again with +100 ms on every Bot API call, RUNS runs of
(1) saturation: a burst of updates posted at once, updates/s until every one is answered, and
(2) latency: updates posted at a steady half of that rate, time from posting to the answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench.botproc import ROOT, BotProcess
from tests.bench.mix import Mix, TimedEmulator, Tracker, setup_echo
from tests.bench.stats import Figure, percentile, table
from tests.bench.world import Features, add_people, seed_roster, setup_features

TOKEN = "777:BENCH"
RUNS = 3
CONCURRENCY = (1, 8)  # telegram.concurrent_updates measured; the last is config.toml's default
LATENCIES = (0.0, 0.1)
BURST = {0.0: 600, 0.1: 48}  # updates per saturation run
STEADY_SECONDS = {0.0: 2.0, 0.1: 4.0}
STEADY_MIN = 12  # at least this many updates in a latency run


class Rig(BotProcess):
    """An emulator with the world, and one bot process polling it."""

    def __init__(self, emu: TimedEmulator) -> None:
        super().__init__(emu, Path(tempfile.mkdtemp(prefix="blocbot-bench-")))
        add_people(emu)

    async def start(self, concurrency: int) -> Features:
        """Seed a fresh database, run `blocbot run` against the emulator, set the features up."""
        db = self.folder / "bench.sqlite3"
        await seed_roster(db)
        self.start_blocbot(db, concurrency, TOKEN)
        await self.wait_polling()
        return await setup_features(self.emu, db)

    async def start_echo(self) -> Features:
        """Run the bare PTB echo bot."""
        self.spawn(["-m", "tests.bench.echo_bot", self.emu.base_url, TOKEN])
        await self.wait_polling()
        return await setup_echo(self.emu)


async def answered(rig: Rig, tracker: Tracker, within: float) -> None:
    """Until every posted update is answered."""
    try:
        await rig.emu.wait_until(tracker.poll, timeout=within, what="answers")
    except TimeoutError:
        raise RuntimeError(
            f"{tracker.expected - tracker.answered} updates unanswered, e.g. "
            f"{tracker.missing()}; bot log: {rig.log}"
        ) from None


async def saturate(rig: Rig, mix: Mix, count: int) -> tuple[float, float]:
    """Post `count` updates at once; (updates per second until all are answered, bot CPU ms each)."""
    started, cpu = time.perf_counter(), rig.cpu_seconds()
    for _ in range(count):
        mix.post()
    await answered(rig, mix.tracker, within=300)
    return count / (time.perf_counter() - started), (rig.cpu_seconds() - cpu) * 1000 / count


async def steady(rig: Rig, mix: Mix, rate: float, count: int) -> list[float]:
    """Post `count` updates at `rate` per second; each one's time to its answer."""
    import asyncio

    first = len(mix.tracker.latencies)
    start = time.perf_counter()
    for i in range(count):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        mix.post()
        mix.tracker.poll()
    await answered(rig, mix.tracker, within=300)
    return mix.tracker.latencies[first:]


@dataclass
class Series:
    """One bot at one network latency: per run, updates/s and p50/p99 latency (ms)."""

    rates: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # bot process CPU ms per update
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Median updates/s."""
        return sorted(self.rates)[len(self.rates) // 2]


async def measure(kind: str, concurrency: int = 1) -> dict[float, Series]:
    """One bot process: RUNS runs at each network latency."""
    found: dict[float, Series] = {}
    async with TimedEmulator(token=TOKEN, bot_username="blocbot_bench") as emu:
        rig = Rig(emu)
        try:
            features = await (rig.start(concurrency) if kind == "blocbot" else rig.start_echo())
            mix = Mix(emu, Tracker(emu), features, seed=concurrency, echo=kind == "echo")
            for latency in LATENCIES:
                emu.latency = latency
                series = found[latency] = Series()
                for _run in range(RUNS):
                    rate, cpu = await saturate(rig, mix, BURST[latency])
                    half = rate / 2
                    kinds_before = {k: len(v) for k, v in mix.tracker.by_kind.items()}
                    lat = await steady(rig, mix, half, max(STEADY_MIN, int(half * STEADY_SECONDS[latency])))
                    series.rates.append(rate)
                    series.cpu.append(cpu)
                    series.p50.append(percentile(lat, 50) * 1000)
                    series.p99.append(percentile(lat, 99) * 1000)
                    for name, values in mix.tracker.by_kind.items():
                        series.by_kind.setdefault(name, []).extend(
                            v * 1000 for v in values[kinds_before.get(name, 0) :]
                        )
        finally:
            rig.stop()
    return found


def http_stack(concurrency: int) -> dict[str, object]:
    """What `tests.bench.http_stack` reports from a bot process's interpreter."""
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench.http_stack", str(concurrency)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def label(latency: float) -> str:
    """How a network latency is named in the table."""
    return "loopback" if latency == 0 else "+100 ms per call"


async def main() -> str:
    """The throughput section of BENCHMARKS.md."""
    echo = await measure("echo")
    blocbot = {c: await measure("blocbot", c) for c in CONCURRENCY}
    rows: list[Figure] = []
    for latency in LATENCIES:
        base = echo[latency]
        name = label(latency)
        rows.append(Figure(f"echo bot, {name}: updates/s", "upd/s", tuple(base.rates), yardstick="yardstick"))
        rows.append(
            Figure(
                f"echo bot, {name}: p50 / p99 latency at half load",
                "ms",
                tuple(base.p50),
                yardstick=f"p99 {sorted(base.p99)[1]:.0f} ms",
            )
        )
        one_at_a_time = blocbot[CONCURRENCY[0]][latency].rate
        for c in CONCURRENCY:
            series = blocbot[c][latency]
            ratio = series.rate / base.rate
            if latency == 0:
                target, met = "≥ 0.7× echo", ratio >= 0.7
            else:
                target = "beat one at a time" if c > 1 else ""
                met = series.rate > one_at_a_time * 1.5 if c > 1 else None
            rows.append(
                Figure(
                    f"blocbot, concurrent_updates={c}, {name}: updates/s",
                    "upd/s",
                    tuple(series.rates),
                    yardstick=f"{ratio:.2f}× echo",
                    target=target,
                    met=met,
                )
            )
            rows.append(
                Figure(
                    f"blocbot, c={c}, {name}: p50 latency at half load",
                    "ms",
                    tuple(series.p50),
                    yardstick=f"echo {base.p50[1]:.0f} ms",
                )
            )
            rows.append(
                Figure(
                    f"blocbot, c={c}, {name}: p99 latency at half load",
                    "ms",
                    tuple(series.p99),
                    yardstick=f"echo {sorted(base.p99)[1]:.0f} ms",
                )
            )
    chosen = CONCURRENCY[-1]
    kinds = blocbot[chosen][0.0].by_kind
    per_kind = ", ".join(
        f"{k} {percentile(v, 50):.0f}/{percentile(v, 99):.0f}" for k, v in sorted(kinds.items())
    )
    stack = http_stack(chosen)
    versions = ", ".join(f"{k} {v}" for k, v in stack["versions"].items())  # type: ignore[attr-defined]
    notes = [
        "Mix from 50 groups and 500 people (tests/bench/mix.py): roster commands 15 %, schedule "
        "commands (/schedule, /rsvp, /event) 15 %, RSVP presses 20 %, ballot presses 30 % (ticks; "
        "about one press in twelve sends the ballot, which stores it and scrubs the file), form "
        "answers 20 % (/submit, then three typed answers). The echo bot gets the same updates and "
        "makes the same calls (a text back; a press answered, then its message edited).",
        f"Saturation: {BURST[0.0]} updates posted at once ({BURST[0.1]} with added latency); latency: "
        "updates posted at half the measured rate for 2 s (4 s with added latency, at least "
        f"{STEADY_MIN}), from posting to the answering call's arrival at the emulator (the "
        "sendMessage, the answerCallbackQuery, or for a ballot the edit that shows it).",
        f"blocbot c={chosen} at loopback, p50/p99 ms by kind over all runs: {per_kind}.",
        f"HTTP stack of the bot process: {versions}; PTB's pool for Bot API calls "
        f"{stack['bot_pool']}, for getUpdates {stack['get_updates_pool']}.",
    ]
    return "## Update throughput and latency\n\n" + table(rows) + "\n\n" + "  \n".join(notes)
