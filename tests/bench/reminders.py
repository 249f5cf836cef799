"""Reminder fan-out under Telegram's flood limits, and start-up with 10,000 pending reminders.

Fan-out: 1,000 blocs, each with one meeting whose reminder is due at the same instant; one
``Scheduler.run_due`` delivers them through PTB's AIORateLimiter to the emulator, which enforces
Telegram's limits (30 messages/s overall, 20/min per group, 1/s per chat). The emulator can
scale time (``FloodLimits(time_scale=k)``): the bot's pace and rate limiter are scaled by the
same k, so a scaled run takes 1/k of the real-time one. The floor is 1,000 / 30 per second
≈ 33.3 s (÷ k); the scheduler paces reminders at 25/s, leaving 5/s for replies to people.

Start-up: a database with 10,000 pending reminders; we time Scheduler.start() (recovering
claimed rows, arming the wake-up) and the whole database open + scheduler start, and measure
the memory allocated while doing it (tracemalloc) and the process's resident size.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram.ext import AIORateLimiter, ExtBot

from bot.channels.telegram.channel import outbox_for
from bot.core.clock import FakeClock
from bot.core.config import RemindersConfig
from bot.emulators.telegram import BotApiEmulator, FloodLimits
from bot.schedule.delivery import Pace
from bot.schedule.events import NewEvent
from bot.schedule.scheduler import Scheduler
from handlers.schedule.text import render_reminder
from storage.db import Database
from storage.reminders import ReminderRepo
from tests.bench.stats import Figure, table

TOKEN = "888:BENCH-REMINDERS"
BLOCS = 1000
PENDING = 10_000
UNITS = [f"Sở {n} tỉnh" for n in range(1, 9)]
NOW = datetime(2026, 7, 1, 1, 0, tzinfo=UTC)
DUE = NOW + timedelta(days=3)
PACE = 25.0
# Real time: at twice the speed (time_scale=2) one run in three now and then met a 429 and took
# twice as long under `make bench`, a pause of this process (bot and emulator) counting double
# against the scaled windows; three real-time runs (2 minutes) have shown none.
SCALE = 1.0


async def seed_fan_out(db: Database, sched: Scheduler, emu: BotApiEmulator) -> None:
    """BLOCS blocs in their own groups, each with a meeting whose 2-hour reminder is due at DUE."""
    async with db.transaction() as uow:
        for n in range(BLOCS):
            chat_id = -1003000000000 - n
            emu.add_group(chat_id, f"Khối thi đua số {n + 1}")
            bloc = await uow.blocs.create(chat_id, f"Khối thi đua số {n + 1}", "vi", "Asia/Ho_Chi_Minh", 42)
            for name in UNITS:
                await uow.units.add(bloc.id, name)
            await sched.create_in(
                uow,
                NewEvent(
                    bloc_id=bloc.id,
                    kind="meeting",
                    title="Hội nghị sơ kết 6 tháng đầu năm",
                    starts_at=DUE + timedelta(hours=2),
                    created_by=42,
                    place="Hội trường UBND tỉnh",
                    offsets=(timedelta(hours=2),),
                ),
            )


async def fan_out(scale: float, latency: float) -> tuple[float, int, int, float]:
    """One run: (seconds to deliver all, delivered, 429s, bound in seconds)."""
    folder = Path(tempfile.mkdtemp(prefix="blocbot-bench-reminders-"))
    async with BotApiEmulator(
        token=TOKEN, bot_username="blocbot_bench", flood=FloodLimits(time_scale=scale)
    ) as emu:
        limiter = AIORateLimiter(overall_time_period=1 / scale, group_time_period=60 / scale, max_retries=5)
        bot = ExtBot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url, rate_limiter=limiter)
        clock = FakeClock(NOW)
        async with Database(folder / "bench.sqlite3", clock) as db:
            await bot.initialize()
            sched = Scheduler(
                db,
                clock,
                outbox_for(db, bot),
                RemindersConfig(),
                render_reminder,
                pace=Pace(PACE, time_scale=scale),
            )
            await seed_fan_out(db, sched, emu)
            emu.reset_counters()
            emu.latency = latency
            clock.set(DUE)
            started = time.perf_counter()
            report = await sched.run_due(DUE)
            elapsed = time.perf_counter() - started
            await bot.shutdown()
        return elapsed, report.sent, emu.count_429, BLOCS / 30 / scale


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
    """Run the fan-out (real time once, scaled three times) and the start-up measurement."""
    figures: list[Figure] = []
    notes = []
    scaled = [await fan_out(scale=SCALE, latency=0.02 / SCALE) for _ in range(3)]
    floor = scaled[0][3]
    paced = BLOCS / PACE / SCALE
    figures.append(
        Figure(
            "1,000 reminders due at once, 20 ms network: time to deliver all",
            "s",
            tuple(s[0] for s in scaled),
            yardstick=f"bound {floor:.2f} s (30/s); paced {paced:.1f} s",
            target=f"≤ 1.1× bound = {1.1 * floor:.1f} s",
            met=statistics.median(s[0] for s in scaled) <= 1.1 * floor,
        )
    )
    figures.append(
        Figure(
            "… against the scheduler's own pace (25/s)",
            "×",
            tuple(s[0] / paced for s in scaled),
            target="≤ 1.1",
            met=statistics.median(s[0] for s in scaled) <= 1.1 * paced,
        )
    )
    figures.append(
        Figure(
            "… delivered (of 1,000)",
            "%",
            tuple(s[1] / BLOCS * 100 for s in scaled),
            target="100 %",
            met=all(s[1] == BLOCS for s in scaled),
        )
    )
    figures.append(
        Figure(
            "… 429 answers",
            "",
            tuple(float(s[2]) for s in scaled),
            target="0",
            met=all(s[2] == 0 for s in scaled),
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
        f"The scheduler paces reminder sends at {PACE:.0f}/s (bot/schedule/delivery.py `Pace`), under "
        "Telegram's 30/s, so replies to people still get through during a fan-out: PTB's "
        "AIORateLimiter alone is a leaky bucket that lets 30 through at once and then 30/s, "
        "which a strict sliding window answers with 429s. That is why the time to deliver is "
        f"1,000 / {PACE:.0f} = {BLOCS / PACE:.0f} s rather than the 33 s bound: 1.2× the bound, over the "
        "issue's 1.1×, on purpose; a pace of 28/s would make it 1.07× and leave replies 2/s. "
        "Start-up does not read the pending reminders: the database holds them and the scheduler arms one "
        "wake-up at MIN(due_at) (an indexed query), so its cost does not grow with their number."
    )
    return "## Reminder fan-out and start-up\n\n" + table(figures) + "\n\n" + " ".join(notes)


if __name__ == "__main__":
    print(asyncio.run(main()))
