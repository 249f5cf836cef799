"""Reminder fan-out under Telegram's flood limits, and start-up with 10,000 pending reminders.

Fan-out: 1,000 blocs, each with one meeting whose reminder is due at the same instant, in a
`blocbot run` process with its send budget on (bot/channels/telegram/budget.py) against the
emulator in this process, which enforces Telegram's limits (30 messages/s overall, 20/min per
group, 1/s per chat; strict sliding windows) in real time, 20 ms of network on every call.
Meanwhile people ask the bot privately (/help, one a second, each from someone else): their
replies go before the reminders. The floor is every message sent meanwhile / 30 per second
(1,000 reminders alone: 33.3 s).

Start-up: a database with 10,000 pending reminders; we time Scheduler.start() (recovering
claimed rows, arming the wake-up) and the whole database open + scheduler start, and measure
the memory allocated while doing it (tracemalloc) and the process's resident size.
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import statistics
import tempfile
import time
import tracemalloc
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram.ext import ExtBot

from bot.channels.telegram.channel import outbox_for
from bot.core.clock import FakeClock, to_db
from bot.core.config import RemindersConfig
from bot.emulators.telegram import FloodLimits
from bot.schedule.events import NewEvent
from bot.schedule.scheduler import Scheduler
from handlers.schedule.text import render_reminder
from storage.db import Database
from storage.reminders import ReminderRepo
from tests.bench import seed
from tests.bench.botproc import BotProcess
from tests.bench.mix import TimedEmulator, Tracker
from tests.bench.stats import Figure, percentile, table
from tests.bench.throughput import CONCURRENCY

TOKEN = "888:BENCH-REMINDERS"
BLOCS = 1000
PENDING = 10_000
NOW = datetime(2026, 7, 1, 1, 0, tzinfo=UTC)
WORLD = seed.World(blocs=BLOCS, units=8, chat_base=-1003000000000, user_base=40_000_000)
LEAD = 5.0  # seconds (at least) from starting the bot to the reminders' due time (start-up: ~1-2 s)
ASK_EVERY = 1.0  # seconds between two people's /help meanwhile
LATENCY = 0.02  # network: added once to every call by the emulator
RUNS = 3


def seed_due(path: Path, due: datetime) -> None:
    """Each bloc's meeting two hours after `due`, its 2-hour reminder pending at `due`."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("BEGIN")
        blocs = [row[0] for row in conn.execute("SELECT id FROM blocs ORDER BY id")]
        stamp, starts = to_db(datetime.now(UTC)), to_db(due + timedelta(hours=2))
        conn.executemany(
            "INSERT INTO events(id, bloc_id, kind, title, starts_at, place, created_by, created_at, "
            "updated_at) VALUES (?, ?, 'meeting', 'Hội nghị sơ kết 6 tháng đầu năm', ?, "
            "'Hội trường UBND tỉnh', 42, ?, ?)",
            [(bloc, bloc, starts, stamp, stamp) for bloc in blocs],
        )
        conn.executemany(
            "INSERT INTO reminders(event_id, offset_s, due_at, status) VALUES (?, 7200, ?, 'pending')",
            [(bloc, to_db(due)) for bloc in blocs],
        )
        conn.execute("COMMIT")


async def fan_out() -> tuple[float, int, int, float, list[float]]:
    """One run: (seconds from the due time to the last reminder's arrival, reminders delivered,
    429s, the floor in seconds, each private reply's latency in ms)."""
    async with TimedEmulator(token=TOKEN, bot_username="blocbot_bench", flood=FloodLimits()) as emu:
        rig = BotProcess(emu, Path(tempfile.mkdtemp(prefix="blocbot-bench-reminders-")))
        db = rig.folder / "fan.sqlite3"
        groups = {WORLD.chat(i) for i in range(BLOCS)}
        for i in range(BLOCS):
            emu.add_group(WORLD.chat(i), f"Khối thi đua số {i + 1}")
            emu.add_user(WORLD.person(i, 0), f"Người {i}", started=True)
        await seed.make(db, WORLD)
        # a whole second: the database keeps due times to the second, and a due time stored
        # earlier than the one timed here made the fan-out look up to 1 s quicker than it was
        due = (datetime.now(UTC) + timedelta(seconds=LEAD + 1)).replace(microsecond=0)
        seed_due(db, due)
        due_at = time.perf_counter() + (due - datetime.now(UTC)).total_seconds()
        rig.start_blocbot(db, CONCURRENCY[-1], TOKEN, rate_limit=True)
        try:
            await rig.wait_polling()
            if time.perf_counter() > due_at - 1:
                raise RuntimeError("the bot started too late for the fan-out run")
            emu.latency = LATENCY
            emu.reset_counters()
            seen, delivered, last = len(emu.calls), 0, 0.0
            replies_meanwhile = 0

            def count() -> bool:
                nonlocal seen, delivered, last, replies_meanwhile
                calls, arrivals = emu.calls, emu.arrivals
                for index in range(seen, min(len(calls), len(arrivals))):
                    call = calls[index]
                    if call.method == "sendMessage":
                        chat = int(call.params.get("chat_id", 0) or 0)
                        if chat in groups:
                            delivered += 1
                            last = arrivals[index]
                        elif delivered < BLOCS and arrivals[index] >= due_at:
                            replies_meanwhile += 1
                    seen = index + 1
                return delivered >= BLOCS

            tracker = Tracker(emu)
            await asyncio.sleep(max(0.0, due_at - 1 - time.perf_counter()))
            n = 0
            while not count():
                if time.perf_counter() > due_at + 120:
                    raise RuntimeError(f"only {delivered} of {BLOCS} reminders in 2 minutes; log: {rig.log}")
                person = WORLD.person(n % BLOCS, 0)
                emu.post_message(person, person, "/help")
                tracker.expect("sendmessage", person, "help")
                n += 1
                await asyncio.sleep(ASK_EVERY)
                tracker.poll()
            await emu.wait_until(tracker.poll, timeout=60, what="the replies")
            floor = (BLOCS + replies_meanwhile) / 30
            return last - due_at, delivered, emu.count_429, floor, [v * 1000 for v in tracker.latencies]
        finally:
            rig.stop()


async def seed_pending(path: Path) -> None:
    """A database with PENDING pending reminders (1,000 blocs x 5 deadlines x 2 offsets)."""
    clock = FakeClock(NOW)
    async with Database(path, clock) as db:
        sched = Scheduler(db, clock, outbox_for(db, ExtBot(TOKEN)), RemindersConfig(), render_reminder)
        async with db.transaction() as uow:
            for n in range(PENDING // 10):
                bloc = await uow.blocs.create(-1004000000000 - n, f"Khối {n}", "vi", "Asia/Ho_Chi_Minh", 42)
                for k in range(5):
                    await sched.create_in(
                        uow,
                        NewEvent(
                            bloc_id=bloc.id,
                            kind="deadline",
                            title=f"Hạn {k}",
                            created_by=42,
                            starts_at=NOW + timedelta(days=30 + 30 * k),
                        ),
                    )
        async with db.read() as uow:
            counts = await uow.repo(ReminderRepo).counts()
        assert counts.get("pending") == PENDING, counts


def rss_mb() -> float:
    """Current resident memory of this process, in MB."""
    with open("/proc/self/statm", encoding="utf-8") as fh:
        pages = int(fh.read().split()[1])
    return pages * 4096 / 2**20


async def start_up(path: Path) -> tuple[float, float, float, float]:
    """(ms for Scheduler.start, ms for db open + start, MB allocated at peak, MB RSS growth)."""
    gc.collect()
    rss_before = rss_mb()
    tracemalloc.start()
    clock = FakeClock(NOW)
    started = time.perf_counter()
    db = Database(path, clock)
    await db.open()
    sched = Scheduler(db, clock, outbox_for(db, ExtBot(TOKEN)), RemindersConfig(), render_reminder)
    t_sched = time.perf_counter()
    await sched.start()
    done = time.perf_counter()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = rss_mb()
    await sched.stop()
    await db.close()
    return ((done - t_sched) * 1000, (done - started) * 1000, peak / 2**20, rss_after - rss_before)


async def main() -> str:
    """Run the fan-out RUNS times and the start-up measurement."""
    figures: list[Figure] = []
    notes = []
    runs = [await fan_out() for _ in range(RUNS)]
    floor = statistics.median(r[3] for r in runs)
    replies = [ms for r in runs for ms in r[4]]
    figures.append(
        Figure(
            "1,000 reminders due at once, 20 ms network, people asking meanwhile: time to deliver all",
            "s",
            tuple(r[0] for r in runs),
            yardstick=f"floor {floor:.1f} s (all sent meanwhile at 30/s); reminders alone 33.3 s",
            target="≤ 1.05× floor",
            met=statistics.median(r[0] / r[3] for r in runs) <= 1.05,
        )
    )
    figures.append(Figure("… against that floor", "×", tuple(r[0] / r[3] for r in runs)))
    figures.append(
        Figure("… against the reminders' own bound (33.3 s)", "×", tuple(r[0] / (BLOCS / 30) for r in runs))
    )
    figures.append(
        Figure(
            "… delivered (of 1,000)",
            "%",
            tuple(r[1] / BLOCS * 100 for r in runs),
            target="100 %",
            met=all(r[1] == BLOCS for r in runs),
        )
    )
    figures.append(
        Figure(
            "… 429 answers",
            "",
            tuple(float(r[2]) for r in runs),
            target="0 in every run",
            met=all(r[2] == 0 for r in runs),
        )
    )
    figures.append(
        Figure(
            f"… a person's /help meanwhile (one every {ASK_EVERY:g} s): p99 reply time",
            "ms",
            tuple(percentile(r[4], 99) for r in runs),
            yardstick=f"p50 {percentile(replies, 50):.0f} ms, max {max(replies):.0f} ms, {len(replies)} replies",
            target="< 1,000 ms",
            met=statistics.median(percentile(r[4], 99) for r in runs) < 1000,
        )
    )
    path = Path(tempfile.mkdtemp(prefix="blocbot-bench-pending-")) / "pending.sqlite3"
    await seed_pending(path)
    runs = [await start_up(path) for _ in range(3)]
    figures.append(
        Figure(
            f"start-up with {PENDING:,} pending reminders: Scheduler.start()",
            "ms",
            tuple(r[0] for r in runs),
            target="< 1,000 ms",
            met=max(r[0] for r in runs) < 1000,
        )
    )
    figures.append(
        Figure("… database open + migrations check + Scheduler.start()", "ms", tuple(r[1] for r in runs))
    )
    figures.append(Figure("… memory allocated at peak (tracemalloc)", "MB", tuple(r[2] for r in runs)))
    figures.append(Figure("… resident memory growth", "MB", tuple(r[3] for r in runs)))
    notes.append(
        "Every message the bot posts or edits takes a slot of one send budget per platform "
        "(bot/core/sending.py; for Telegram bot/channels/telegram/budget.py, which replaces PTB's "
        "AIORateLimiter): replies to people first, fan-outs (reminders, ballots, nudges) spaced "
        "evenly in the slots they leave, so a reply waits at most a few slots (tens of ms). A "
        "slot is held from the request's start until its answer plus the window, so however the "
        "network delays one request and not another, no window at Telegram holds more than its "
        "limit; the cost is one round trip per window (here 20 ms of network and a few ms in the "
        "bot: ~2.5 %) and, for the clocks, 1 ms and 0.1 % of each window (10 ms before: 1 %). The "
        "due time is a whole second, as the database keeps it (timed to the microsecond, the fan-out "
        "began up to 1 s before the time it was measured from). Before (a fixed 25/s pace on "
        "top of AIORateLimiter): 40.0 s for the 1,000 (1.2× the bound), a 429 in one run in seven. "
        "Start-up does not read the pending reminders: the database holds them and the scheduler arms one "
        "wake-up at MIN(due_at) (an indexed query), so its cost does not grow with their number."
    )
    return "## Reminder fan-out and start-up\n\n" + table(figures) + "\n\n" + " ".join(notes)


if __name__ == "__main__":
    print(asyncio.run(main()))
