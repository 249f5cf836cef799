"""Scale of data: start-up time and resident memory of `blocbot run` on big databases.

Three databases made by executemany (tests/bench/seed.py): a province (20 blocs, 300 units, a
year of events: half a year behind with reminders sent, half a year ahead with reminders
pending), a national service (700 blocs, 8,400 units, 50,000 pending reminders) and the same
with four years of history behind it (95 MB; tests/bench/sizes.py). For each,
RUNS times: start `blocbot run` as a process against the emulator; the time from starting the
process to its first getUpdates (imports, migrations check, scheduler start, command menus),
and its resident memory (VmRSS) then and one second later. The yardstick is the bare PTB echo
bot, started the same way.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.emulators.telegram import BotApiEmulator
from tests.bench import seed
from tests.bench.botproc import BotProcess
from tests.bench.sizes import NATIONAL
from tests.bench.sizes import SIZES as BY_MB
from tests.bench.stats import Figure, table
from tests.bench.throughput import CONCURRENCY

TOKEN = "779:BENCH-SCALE"
RUNS = 3
SIZES = {
    "province (20 blocs, 300 units, a year of events)": seed.World(
        blocs=20, units=15, past_events=12, future_events=12
    ),
    "national (700 blocs, 8,400 units, 50,000 pending reminders)": NATIONAL,
    "national with four years of history": BY_MB["95 MB"],
}


async def start_once(db: Path | None) -> tuple[float, float, float]:
    """(seconds to first getUpdates, MB resident then, MB resident 1 s later); echo bot if no db."""
    async with BotApiEmulator(token=TOKEN, bot_username="blocbot_bench") as emu:
        bot = BotProcess(emu, Path(tempfile.mkdtemp(prefix="blocbot-bench-scale-")))
        try:
            if db is None:
                bot.spawn(["-m", "tests.bench.echo_bot", emu.base_url, TOKEN])
            else:
                bot.start_blocbot(db, CONCURRENCY[-1], TOKEN)
            seconds = await bot.wait_polling()
            first = bot.rss_mb()
            await asyncio.sleep(1.0)
            return seconds, first, bot.rss_mb()
        finally:
            bot.stop()


async def main() -> str:
    """The scale section of BENCHMARKS.md."""
    figures: list[Figure] = []
    echo = [await start_once(None) for _ in range(RUNS)]
    echo_start = sorted(e[0] for e in echo)[1]
    echo_rss = sorted(e[2] for e in echo)[1]
    figures.append(
        Figure("echo bot: start to first getUpdates", "s", tuple(e[0] for e in echo), yardstick="yardstick")
    )
    figures.append(
        Figure("echo bot: resident memory", "MB", tuple(e[2] for e in echo), yardstick="yardstick")
    )
    notes = []
    for label, world in SIZES.items():
        path = Path(tempfile.mkdtemp(prefix="blocbot-bench-scale-")) / "scale.sqlite3"
        made = time.perf_counter()
        cached, took = await seed.cached(world)
        seed.copy_of(cached, path)
        counts = seed.counts(path)
        made = took or time.perf_counter() - made
        runs = [await start_once(path) for _ in range(RUNS)]
        national = world.blocs >= 700 and not world.history
        figures.append(
            Figure(
                f"{label}: start to first getUpdates",
                "s",
                tuple(r[0] for r in runs),
                yardstick=f"echo {echo_start:.2f} s",
                target="< 3 s" if national else "",
                met=statistics.median(r[0] for r in runs) < 3 if national else None,
            )
        )
        figures.append(
            Figure(
                f"{label}: resident memory 1 s after start",
                "MB",
                tuple(r[2] for r in runs),
                yardstick=f"echo {echo_rss:.0f} MB",
                target="< 200 MB" if national else "",
                met=statistics.median(r[2] for r in runs) < 200 if national else None,
            )
        )
        notes.append(
            f"{label.split(' (')[0]}: {path.stat().st_size / 2**20:.1f} MB file, "
            f"{counts['events']:,} events, {counts['reminders']:,} reminders of which "
            f"{counts['pending']:,} pending, {counts['people']:,} people; made in {made:.1f} s"
            + (" (kept from an earlier run)" if not took else "")
        )
    return (
        "## Scale of data: start-up and memory\n\n"
        + table(figures)
        + "\n\n"
        + "; ".join(notes)
        + ". Start-up is measured from starting the process (Python's "
        "imports included) to the bot's first getUpdates; memory is VmRSS from /proc."
    )
