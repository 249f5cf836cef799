"""Polls at scale, and how the rest of the bot fares meanwhile.

One `blocbot run` process and one database: a bloc of 1,000 units (each with a started voter)
holding fully voted award polls of 5 categories (60 candidates each, the most a ballot shows)
and draft polls ready to open, beside 50 ordinary blocs with a year of events.

Poll at scale: the ballots are sealed in the round's ballot box (bot/polls/box.py).
"/poll <id> close" until the group is told the box waits for the counting committee; the
count: the committee's second code ("/kiemphieu <code>") until the results and the chart are
in the group (1,000 ballots opened, checked, tallied, stored opened; the file rebuilt once);
then "/poll <id> minutes" until the DOCX is in (the chart came with the results); nothing else running.
The 1,000-unit bloc sits beside the national world of the scale benchmark (700 blocs, 8,400
units, 50,000 pending reminders: a 17 MB file; BLOCBOT_BENCH_POLLS_WORLD=small: 50 blocs, for a
quick run), and the bot runs with its send budget on (Telegram's limits, enforced by the
emulator: every message of the fan-out and every reply takes a slot).
Latency while heavy work runs: /schedule posted at a steady rate in the other groups, while
in the big bloc a poll is opened (1,000 ballots go out privately), another is closed (tally,
results, chart) and its minutes are made; the p99 of /schedule's reply time over that window,
against the same rate with nothing heavy running.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bot.core import offload
from bot.core.clock import SystemClock
from bot.emulators.telegram import FloodLimits
from bot.polls.ballots import pack_ballot
from bot.polls.box import make_box, seal
from bot.polls.tally import Ballot, Category, Rules
from storage.db import Database
from storage.polls import BoxRepo, CategoryRow, Holder, PollRepo, compact
from tests.bench import seed
from tests.bench.botproc import BotProcess
from tests.bench.mix import TimedEmulator, Tracker
from tests.bench.stats import Figure, percentile, table
from tests.bench.throughput import CONCURRENCY

TOKEN = "778:BENCH-POLLS"
RUNS = 2  # close, count, minutes of a 1,000-unit poll (the runs agree within 1-4 %)
UNITS = 1000
CANDIDATES = 60
CATEGORIES = (
    ("Cờ thi đua của Chính phủ", 1),
    ("Cờ thi đua của UBND tỉnh", 3),
    ("Bằng khen của Chủ tịch UBND tỉnh", 10),
    ("Tập thể lao động xuất sắc", 20),
    ("Giấy khen của Giám đốc Sở Nội vụ", 30),
)
BUSY_RUNS = 2  # runs while heavy work goes on (each ~40 s: 1,000 ballots at the send budget's rate)
# One big bloc per run: a group takes 20 messages a minute, and one run posts about 8 there.
BIG = seed.World(blocs=RUNS + BUSY_RUNS, units=UNITS, chat_base=-1009000000000, user_base=30_000_000)
SMALL = (
    seed.World(
        blocs=700,
        units=12,
        past_events=12,
        future_events=30,
        pending_cap=50_000,
        chat_base=-1008000000000,
        user_base=20_000_000,
    )
    if os.environ.get("BLOCBOT_BENCH_POLLS_WORLD", "national") == "national"
    else seed.World(
        blocs=50, units=10, past_events=12, future_events=12, chat_base=-1008000000000, user_base=20_000_000
    )
)
Codes = dict[int, list[tuple[int, str]]]  # poll -> (holder, code) of its box, as the holders got them
RATE = 5.0  # /schedule per second during the latency runs (each reply takes a send slot)
PAUSE = 2.0  # seconds between the last ballot and /poll close
HEAVY = ("open", "close")  # the heavy work of a busy run: a poll opened; one closed, minutes made


async def make_polls(path: Path) -> tuple[list[int], list[int], list[int], Codes, dict[int, int]]:
    """In big bloc b: an open poll with every unit's ballot in, sealed in the round's box (units
    #2-#4's voters hold its codes), and for the busy runs' blocs also a draft. Returns (the
    figure runs' polls, the busy runs' voted polls, their drafts, the codes, each poll's bloc)."""
    rng = random.Random(7)
    codes: Codes = {}
    where: dict[int, int] = {}
    figures: list[int] = []
    busy: list[int] = []
    drafts: list[int] = []
    async with Database(path, SystemClock()) as db, db.transaction() as uow:
        polls = uow.repo(PollRepo)
        rows = [CategoryRow(i, name, quota, "pick", None) for i, (name, quota) in enumerate(CATEGORIES)]
        for b in range(BIG.blocs):
            bloc = await uow.blocs.by_chat(BIG.chat(b))
            assert bloc is not None
            units = [u.id for u in await uow.units.active(bloc.id)]
            cats = [Category(r.index, r.name, r.quota, tuple(units[:CANDIDATES])) for r in rows]
            made: list[int] = []
            for n in range(1 if b < RUNS else 2):
                poll_id = await polls.create(
                    bloc.id,
                    "award",
                    f"Bình xét thi đua năm 2026 (đợt {b + 1}.{n + 1})",
                    2026,
                    Rules(),
                    None,
                    BIG.person(b, 0),
                    rows,
                )
                for row in rows:
                    await polls.set_candidates(poll_id, 1, row.index, units[:CANDIDATES])
                made.append(poll_id)
                where[poll_id] = b
            poll_id = made[0]
            (figures if b < RUNS else busy).append(poll_id)
            drafts += made[1:]
            poll = await polls.get(poll_id)
            assert poll is not None
            await polls.open_round(poll, 1, units, BIG.person(b, 0), None)
            box, given = make_box(2, 3, taken=await uow.repo(BoxRepo).live_ids())
            holders = [Holder(i, BIG.person(b, i), units[i]) for i in (1, 2, 3)]
            await uow.repo(BoxRepo).store(poll_id, 1, box, holders)
            codes[poll_id] = [(h.person_id, code) for h, code in zip(holders, given, strict=True)]
            voters = units[1:]  # the first unit's ballot comes in through the bot, before the close
            ballots = [
                (poll_id, 1, secrets.token_hex(16), seal(box.public_key, pack_ballot(vote(rng, units), cats)))
                for _unit in voters
            ]
            writer = db.writer  # the transaction's connection
            await writer.executemany(
                "INSERT INTO poll_turnout(poll_id, round, unit_id) VALUES (?, 1, ?)",
                [(poll_id, u) for u in voters],
            )
            await writer.executemany(
                "INSERT INTO poll_ballots(poll_id, round, id, sealed) VALUES (?, ?, ?, ?)", sorted(ballots)
            )
    assert await compact(path)
    return figures, busy, drafts, codes, where


def vote(rng: random.Random, units: list[int]) -> Ballot:
    """Three voters in four tick each category's favourites, the rest tick at random."""
    choices = {}
    for index, (_name, quota) in enumerate(CATEGORIES):
        favourites = units[2 * index : 2 * index + quota]
        choices[index] = tuple(favourites if rng.random() < 0.75 else rng.sample(units[:CANDIDATES], quota))
    return Ballot(choices)


def add_to_emulator(emu: TimedEmulator) -> None:
    """The groups and people of both worlds."""
    for world in (BIG, SMALL):
        for i in range(world.blocs):
            emu.add_group(world.chat(i), f"Khối thi đua số {i + 1}")
            for k in range(world.units):
                emu.add_user(world.person(i, k), f"Người {i}-{k}", started=True)
            emu.set_member(world.chat(i), world.person(i, 0), "administrator")


def scrub_cost(path: Path) -> float:
    """ms of one VACUUM + WAL truncate of this database: once per count (it was once per ballot)."""
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return (time.perf_counter() - started) * 1000


class Rig(BotProcess):
    """The bot process and what the runs need to know."""

    def __init__(self, emu: TimedEmulator) -> None:
        super().__init__(emu, Path(tempfile.mkdtemp(prefix="blocbot-bench-polls-")))
        self.db = self.folder / "polls.sqlite3"
        self.timed = emu
        self.where: dict[int, int] = {}  # poll -> its big bloc

    def watch(self, methods: tuple[str, ...], chat: int | None) -> Callable[[], float | None]:
        """From now on: the arrival time of the last of `methods` (each seen once) to `chat`
        (None: any private chat), or None while one is missing. Reads each call once."""
        seen = len(self.timed.calls)
        found: dict[str, float] = {}

        def check() -> float | None:
            nonlocal seen
            calls, arrivals = self.timed.calls, self.timed.arrivals
            for index in range(seen, min(len(calls), len(arrivals))):
                call = calls[index]
                target = int(call.params.get("chat_id", 0) or 0)
                if (
                    call.method in methods
                    and call.method not in found
                    and (target == chat if chat is not None else target > 0)
                ):
                    found[call.method] = arrivals[index]
                seen = index + 1
            return max(found.values()) if len(found) == len(methods) else None

        return check

    async def command(self, poll_id: int, text: str, *done: str) -> float:
        """Post an admin command in the poll's bloc; seconds until the `done` calls all arrived."""
        b = self.where[poll_id]
        check = self.watch(done, BIG.chat(b))
        started = time.perf_counter()
        self.emu.post_message(BIG.person(b, 0), BIG.chat(b), text)
        await self.emu.wait_until(lambda: check() is not None, timeout=300, what=text)
        return (check() or 0.0) - started

    async def last_ballot(self, poll_id: int) -> float:
        """The last unit's voter writes the ballot as text and presses Send on its review;
        seconds from the press until the receipt (sealed, stored, card updated)."""
        voter = BIG.person(self.where[poll_id], 0)
        review = self.said(voter, "🗳", f"#{poll_id} ")
        self.emu.post_message(voter, voter, f"/vote {poll_id} 1: A")
        await self.emu.wait_until(lambda: review() is not None, timeout=60, what="the review")
        shown = self.emu.last(voter)
        assert shown is not None and shown.buttons
        receipt = self.said(voter, "🗳", "Đã nhận phiếu", method="editMessageText")
        started = time.perf_counter()
        self.emu.post_callback(voter, voter, shown.message_id, f"bv:{poll_id}:1:c")
        await self.emu.wait_until(lambda: receipt() is not None, timeout=60, what="the receipt")
        return (receipt() or 0.0) - started

    def said(self, chat: int, *parts: str, method: str = "sendMessage") -> Callable[[], float | None]:
        """From now on: the arrival of the first `method` call to `chat` whose text has all `parts`."""
        seen = len(self.timed.calls)

        def check() -> float | None:
            calls, arrivals = self.timed.calls, self.timed.arrivals
            for index in range(seen, min(len(calls), len(arrivals))):
                call = calls[index]
                text = str(call.params.get("text") or "")
                if (
                    call.method == method
                    and int(call.params.get("chat_id", 0) or 0) == chat
                    and all(p in text for p in parts)
                ):
                    return arrivals[index]
            return None

        return check

    async def close(self, poll_id: int) -> float:
        """'/poll <id> close'; seconds until the group is told the box waits for the committee."""
        b = self.where[poll_id]
        check = self.said(BIG.chat(b), "🔒", f"(đợt {b + 1}.1),")  # the wait for the committee
        started = time.perf_counter()
        self.emu.post_message(BIG.person(b, 0), BIG.chat(b), f"/poll {poll_id} close")
        await self.emu.wait_until(lambda: check() is not None, timeout=300, what="the close")
        return (check() or 0.0) - started

    async def count(self, poll_id: int, codes: list[tuple[int, str]]) -> float:
        """Two holders send their codes; seconds from the second until the results and chart."""
        (first, one), (second, other) = codes[:2]
        taken = self.said(first, "🔑", f"#{poll_id},")
        self.emu.post_message(first, first, f"/kiemphieu {one}")
        await self.emu.wait_until(lambda: taken() is not None, timeout=60, what="the first code taken")
        results = self.said(BIG.chat(self.where[poll_id]), "📊", f"#{poll_id}:")
        chart = self.watch(("sendPhoto",), BIG.chat(self.where[poll_id]))
        started = time.perf_counter()
        self.emu.post_message(second, second, f"/kiemphieu {other}")
        await self.emu.wait_until(
            lambda: results() is not None and chart() is not None, timeout=300, what="the results"
        )
        return max(results() or 0.0, chart() or 0.0) - started

    async def close_and_minutes(self, poll_id: int, codes: list[tuple[int, str]]) -> None:
        """Close a voted poll, the committee opens its box, then make its minutes."""
        await self.close(poll_id)
        await self.count(poll_id, codes)
        await self.command(poll_id, f"/poll {poll_id} minutes", "sendDocument")

    async def ballots_out(self, poll_id: int) -> None:
        """Open a draft poll; until its 1,000 ballots have gone out privately."""
        calls, arrivals = self.timed.calls, self.timed.arrivals
        seen, sent = len(calls), 0

        def count() -> bool:
            nonlocal seen, sent
            for index in range(seen, min(len(calls), len(arrivals))):
                call = calls[index]
                if call.method == "sendMessage" and int(call.params.get("chat_id", 0) or 0) > 0:
                    sent += 1
                seen = index + 1
            return sent >= UNITS

        b = self.where[poll_id]
        self.emu.post_message(BIG.person(b, 0), BIG.chat(b), f"/poll {poll_id} open")
        await self.emu.wait_until(count, timeout=300, what="1,000 ballots out")


async def schedule_latencies(
    rig: Rig, rate: float, until: asyncio.Event | None, minimum: float
) -> list[float]:
    """Post /schedule at `rate` in the small blocs for at least `minimum` s and until `until`."""
    tracker = Tracker(rig.timed)
    rng = random.Random(11)
    started = time.perf_counter()
    n = 0
    while time.perf_counter() - started < minimum or (until is not None and not until.is_set()):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        bloc = rng.randrange(SMALL.blocs)
        rig.emu.post_message(SMALL.person(bloc, rng.randrange(SMALL.units)), SMALL.chat(bloc), "/schedule")
        tracker.expect("sendmessage", SMALL.chat(bloc), "schedule")
        tracker.poll()
        n += 1
    await rig.emu.wait_until(tracker.poll, timeout=300, what="/schedule replies")
    return [v * 1000 for v in tracker.latencies]


async def main() -> str:
    """The polls section of BENCHMARKS.md."""
    figures: list[Figure] = []
    async with TimedEmulator(token=TOKEN, bot_username="blocbot_bench", flood=FloodLimits()) as emu:
        rig = Rig(emu)
        add_to_emulator(emu)
        filler, _made = await seed.cached(SMALL)
        seed.copy_of(filler, rig.db)
        await seed.make(rig.db, BIG)
        voted, busy_voted, drafts, codes, rig.where = await make_polls(rig.db)
        scrubs = [scrub_cost(rig.db) for _ in range(RUNS)]
        rig.start_blocbot(rig.db, CONCURRENCY[-1], TOKEN, rate_limit=True)
        try:
            await rig.wait_polling()
            last, close, count, minutes = [], [], [], []
            for poll_id in voted:
                last.append(await rig.last_ballot(poll_id))
                await asyncio.sleep(PAUSE)  # the chair sees 1,000/1,000 on the card, then closes
                close.append(await rig.close(poll_id))
                count.append(await rig.count(poll_id, codes[poll_id]))
                minutes.append(await rig.command(poll_id, f"/poll {poll_id} minutes", "sendDocument"))
            quiet: list[float] = []
            busy: list[float] = []
            rss: list[float] = []
            worker: list[float] = []
            space: list[float] = []
            for run in range(BUSY_RUNS):
                quiet.append(percentile(await schedule_latencies(rig, RATE, None, 4.0), 99))
                heavy_done = asyncio.Event()

                async def heavy(run: int = run, done: asyncio.Event = heavy_done) -> None:
                    jobs = []
                    if "open" in HEAVY:
                        jobs.append(rig.ballots_out(drafts[run]))
                    if "close" in HEAVY:
                        jobs.append(rig.close_and_minutes(busy_voted[run], codes[busy_voted[run]]))
                    try:
                        await asyncio.gather(*jobs)
                    finally:
                        done.set()  # a failed job must not keep the latency run going

                task = asyncio.create_task(heavy())
                busy.append(percentile(await schedule_latencies(rig, RATE, heavy_done, 1.0), 99))
                await task
                rss.append(rig.rss_mb(peak=True))
                worker.append(rig.children_rss_mb("VmHWM:"))
                space.append(rig.children_rss_mb("VmPeak:"))
        finally:
            rig.stop()
    figures.append(
        Figure(
            "VACUUM + WAL truncate of this database: once per count (no longer once per ballot)",
            "ms",
            tuple(scrubs),
            yardstick=f"{rig.db.stat().st_size / 2**20:.1f} MB file",
        )
    )
    figures.append(
        Figure(
            f"the last of {UNITS:,} ballots, written by /vote, Send pressed on its review: receipt "
            "(sealed, stored, card updated)",
            "ms",
            tuple(v * 1000 for v in last),
        )
    )
    figures.append(
        Figure(f"/poll close, {UNITS:,} units × 5 categories: closed, the committee asked", "s", tuple(close))
    )
    figures.append(
        Figure(
            f"the count: the committee's 2nd code to results + chart sent ({UNITS:,} ballots opened, "
            "tallied, stored; one VACUUM)",
            "s",
            tuple(count),
        )
    )
    figures.append(Figure("/poll minutes: DOCX sent", "s", tuple(minutes)))
    totals = tuple(a + b + c for a, b, c in zip(close, count, minutes, strict=True))
    figures.append(
        Figure(
            "close + count + minutes together", "s", totals, target="< 2 s", met=statistics.median(totals) < 2
        )
    )
    figures.append(
        Figure(
            f"/schedule p99 at {RATE:.0f}/s, nothing heavy running", "ms", tuple(quiet), yardstick="yardstick"
        )
    )
    figures.append(
        Figure(
            f"/schedule p99 at {RATE:.0f}/s while a 1,000-unit poll opens (1,000 "
            f"ballots out) and another closes (count, results, chart, minutes), {SMALL.blocs} blocs "
            "beside, rate limits on",
            "ms",
            tuple(busy),
            yardstick=f"quiet {statistics.median(quiet):.0f} ms",
            target="< 100 ms",
            met=statistics.median(busy) < 100,
        )
    )
    figures.append(Figure("bot process peak resident memory (VmHWM) after each busy run", "MB", tuple(rss)))
    figures.append(Figure("… and its rendering worker process's peak (VmHWM) beside it", "MB", tuple(worker)))
    figures.append(
        Figure(
            "… the worker's peak address space (VmPeak)",
            "MB",
            tuple(space),
            yardstick=f"its limit {offload.MEMORY / 2**20:.0f} MB",
        )
    )
    figures.append(
        Figure(
            "429 answers over the whole run", "", (float(emu.count_429),), target="0", met=emu.count_429 == 0
        )
    )
    note = (
        f"One bloc of {UNITS:,} units, each with a started voter; award polls of 5 categories "
        f"(quotas {', '.join(str(q) for _n, q in CATEGORIES)}) with {CANDIDATES} candidates "
        f"each and all {UNITS:,} ballots in, sealed, beside {SMALL.blocs} blocs of {SMALL.units} units "
        "with a year of events; `blocbot run` with "
        f"concurrent_updates={CONCURRENCY[-1]}, its send budget on, against the emulator enforcing "
        "Telegram's limits. Times run from posting the "
        "command to the arrival of the last call named. The last ballot comes in by text "
        f"{PAUSE:.0f} s before the close. The rendering worker process (bot/core/offload.py) is "
        "started with the bot and again when a round opens if it was let go after 10 idle "
        f"minutes. /schedule at {RATE:g}/s: each reply takes a send slot (30 a second overall), so "
        "the ballots' fan-out goes at the rate the replies leave."
    )
    return "## Polls at scale, and latency while heavy work runs\n\n" + table(figures) + "\n\n" + note
