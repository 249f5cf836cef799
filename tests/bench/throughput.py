"""Update throughput and latency: blocbot against a bare PTB echo bot on the same emulator.

Both bots run as their own process (as in production), polling the emulator, which runs in
this process and feeds updates as fast as asked; Telegram's flood limits are off.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict, deque
from pathlib import Path

from tests.bench.stats import Figure, percentile, table
from tests.botapi import BotApiEmulator

TOKEN = "777:BENCH"
GROUPS = 50
PEOPLE = 500
RUNS = 3
ROOT = Path(__file__).resolve().parents[2]


class Rig:
    """An emulator with 50 groups and 500 people, and one bot process polling it."""

    def __init__(self, emu: BotApiEmulator) -> None:
        self.emu = emu
        self.proc: subprocess.Popen[bytes] | None = None
        self.folder = Path(tempfile.mkdtemp(prefix="blocbot-bench-"))
        for person in range(PEOPLE):
            emu.add_user(1000 + person, f"Người {person}", started=True)
        for group in range(GROUPS):
            emu.add_group(-100500 - group, f"Khối thi đua số {group + 1}")
            for k in range(10):
                status = "administrator" if k == 0 else "member"
                emu.set_member(-100500 - group, 1000 + group * 10 + k, status)

    def start_blocbot(self, concurrency: int) -> None:
        """Run `blocbot run` against the emulator, with a fresh database."""
        config = self.folder / f"config-{concurrency}.toml"
        db = self.folder / f"bench-{concurrency}-{time.time_ns()}.sqlite3"
        config.write_text(
            f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{self.emu.base_url}"\n'
            f'base_file_url = "{self.emu.base_file_url}"\nrate_limit = false\n'
            f"concurrent_updates = {concurrency}\n[database]\npath = \"{db}\"\n",
            encoding="utf-8")
        self._spawn([sys.executable, "-m", "bot.cli", "--config", str(config), "run"])

    def start_echo(self) -> None:
        """Run the bare PTB echo bot."""
        self._spawn([sys.executable, "-m", "tests.bench.echo_bot", self.emu.base_url, TOKEN])

    def _spawn(self, argv: list[str]) -> None:
        env = {**os.environ, "PTB_TIMEDELTA": "true", "PYTHONPATH": str(ROOT)}
        self.log = self.folder / f"bot-{time.time_ns()}.log"
        with self.log.open("wb") as sink:
            self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=sink, stderr=sink)

    async def wait_polling(self) -> None:
        """Until the bot has started long polling."""
        try:
            await self.emu.wait_until(
                lambda: any(c.method.lower() == "getupdates" for c in self.emu.calls),
                timeout=60, what="bot polling")
        except TimeoutError:
            raise RuntimeError(f"the bot did not start polling; its log: {self.log}") from None

    def stop(self) -> None:
        """Kill the bot process."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def sends(self) -> int:
        """How many messages the bot has sent so far."""
        return sum(1 for c in self.emu.calls if c.method.lower() == "sendmessage")


def mix(rng: random.Random, blocbot: bool) -> tuple[int, int, str]:
    """One update of the realistic mix: (user, chat, text); each gets exactly one reply."""
    group = rng.randrange(GROUPS)
    user = 1000 + group * 10 + rng.randrange(10)
    if not blocbot:
        return user, -100500 - group, f"xin chào {rng.randrange(10**6)}"
    text = rng.choice(["/units", "/roster", "/bloc", "/help", "/donvi", "/khoi", "/danhsach"])
    return user, -100500 - group, text


async def setup_blocs(rig: Rig) -> None:
    """Each group becomes a bloc with ten units (two replies per group)."""
    before = rig.sends()
    for group in range(GROUPS):
        admin, chat = 1000 + group * 10, -100500 - group
        rig.emu.post_message(admin, chat, f"/setup Khối thi đua số {group + 1}")
        rig.emu.post_message(admin, chat, "/units add\n" + "\n".join(f"Sở {k} tỉnh" for k in range(10)))
    await rig.emu.wait_until(lambda: rig.sends() >= before + 2 * GROUPS, timeout=120, what="setup")


async def saturate(rig: Rig, count: int, blocbot: bool, seed: int) -> float:
    """Post `count` updates at once; return updates per second until all are answered."""
    rng = random.Random(seed)
    before = rig.sends()
    started = time.perf_counter()
    for _ in range(count):
        rig.emu.post_message(*mix(rng, blocbot))
    await rig.emu.wait_until(lambda: rig.sends() >= before + count, timeout=600, what="replies")
    return count / (time.perf_counter() - started)


async def latencies(rig: Rig, rate: float, seconds: float, blocbot: bool, seed: int) -> list[float]:
    """Post at a steady rate; return each update's time to its reply (FIFO per chat)."""
    rng = random.Random(seed)
    posted: dict[int, deque[float]] = defaultdict(deque)
    results: list[float] = []
    seen = len(rig.emu.calls)
    done = asyncio.Event()

    async def observe() -> None:
        nonlocal seen
        while not done.is_set() or any(posted.values()):
            calls = rig.emu.calls
            now = time.perf_counter()
            for call in calls[seen:]:
                if call.method.lower() == "sendmessage":
                    queue = posted.get(int(call.params.get("chat_id", 0)))
                    if queue:
                        results.append(now - queue.popleft())
            seen = len(calls)
            await asyncio.sleep(0.001)

    watcher = asyncio.create_task(observe())
    total = int(rate * seconds)
    start = time.perf_counter()
    for i in range(total):
        user, chat, text = mix(rng, blocbot)
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        posted[chat].append(time.perf_counter())
        rig.emu.post_message(user, chat, text)
    done.set()
    await asyncio.wait_for(watcher, timeout=300)
    return results


async def measure(kind: str, concurrency: int, latency: float) -> tuple[list[float], list[float]]:
    """RUNS runs of (throughput, p50, p99) for one bot and one network latency."""
    rates: list[float] = []
    lat_all: list[float] = []
    p50s: list[float] = []
    p99s: list[float] = []
    for run in range(RUNS):
        async with BotApiEmulator(token=TOKEN, bot_username="blocbot_bench") as emu:
            rig = Rig(emu)
            blocbot = kind == "blocbot"
            rig.start_blocbot(concurrency) if blocbot else rig.start_echo()
            try:
                await rig.wait_polling()
                if blocbot:
                    await setup_blocs(rig)
                emu.latency = latency
                count = 1500 if latency == 0 else 200
                rate = await saturate(rig, count, blocbot, seed=run)
                rates.append(rate)
                lat = await latencies(rig, rate * 0.5, 2.0 if latency == 0 else 4.0, blocbot, seed=100 + run)
                lat_all += lat
                p50s.append(percentile(lat, 50) * 1000)
                p99s.append(percentile(lat, 99) * 1000)
            finally:
                rig.stop()
    return rates, p50s + p99s


async def main() -> str:
    """The throughput section of BENCHMARKS.md."""
    rows: list[Figure] = []
    notes = []
    for latency in (0.0, 0.1):
        label = "loopback" if latency == 0 else "+100 ms per Bot API call"
        echo_rates, echo_lat = await measure("echo", 1, latency)
        echo = sum(echo_rates) / len(echo_rates)
        rows.append(Figure(f"echo bot, {label}: updates/s", "upd/s", tuple(echo_rates)))
        rows.append(Figure(f"echo bot, {label}: p50 latency at half load", "ms", tuple(echo_lat[:RUNS])))
        rows.append(Figure(f"echo bot, {label}: p99 latency at half load", "ms", tuple(echo_lat[RUNS:])))
        for concurrency in (1, 8):
            rates, lat = await measure("blocbot", concurrency, latency)
            ratio = (sum(rates) / len(rates)) / echo
            target = "≥ 0.7× echo" if latency == 0 else "beat one-at-a-time"
            met = ratio >= 0.7 if latency == 0 else None
            rows.append(Figure(f"blocbot (concurrent_updates={concurrency}), {label}: updates/s", "upd/s",
                               tuple(rates), yardstick=f"{ratio:.2f}× echo", target=target, met=met))
            rows.append(Figure(f"blocbot (c={concurrency}), {label}: p50 latency at half load", "ms",
                               tuple(lat[:RUNS])))
            rows.append(Figure(f"blocbot (c={concurrency}), {label}: p99 latency at half load", "ms",
                               tuple(lat[RUNS:])))
    notes.append("Mix: /units, /roster, /bloc, /help and their Vietnamese aliases in 50 blocs of "
                 "10 units, from 500 people; the echo bot answers plain texts in the same groups. "
                 "Saturation: 1,500 updates posted at once (200 with added latency). Latency: "
                 "updates posted at half the measured rate for 2 s (4 s with added latency), "
                 "time from posting to the bot's sendMessage, matched in order per chat.")
    return "## Update throughput and latency\n\n" + table(rows) + "\n\n" + " ".join(notes)
