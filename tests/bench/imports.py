"""Hostile spreadsheets through the real `/import`, while another bloc keeps asking.

The bot runs as its own process (`blocbot run`, concurrent_updates = 8) against the Bot API
emulator at loopback. Two blocs are seeded: A (ten units) and C, whose chair posts each file
in C's group and answers it with `/import`. Each file is built here as an attacker would write
it by hand (tests/test_hardening_import.py's minimal XLSX). For each: the time from posting
`/import` to the bot's reply in C (the file is downloaded, parsed in a fresh process with
bot/core/sandbox.py's limits, refused or imported), the bot process's peak resident memory
over that time (VmRSS sampled every few ms), the parsing process's peak (its VmHWM, read until
it is gone), and meanwhile A's chair's `/bloc` posted at RATE per second: A's reply times.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.core.sandbox import MEMORY, SECONDS
from bot.roster.files import MAX_IMPORT_BYTES, MAX_PART, MAX_SHEET_COLUMNS, MAX_SHEET_ROWS, MAX_UNZIPPED
from tests.bench.botproc import BotProcess
from tests.bench.mix import TimedEmulator, Tracker
from tests.bench.stats import percentile
from tests.bench.world import add_people, chat_of, person, seed_roster
from tests.test_hardening_import import CONTENT_TYPES, HEADER_ROW, NS, RELS, WORKBOOK, WORKBOOK_RELS, xlsx

TOKEN = "780:BENCH-IMPORTS"
A, C = chat_of(0), chat_of(1)
CHAIR_A, CHAIR_C = person(0, 0), person(1, 0)
RATE = 20.0  # A's /bloc per second while a file is read
QUIET = 1.0  # seconds of A's /bloc with no import, for the yardstick
MIN_ASKS = 10  # A asks at least this many times per file
SAMPLE = 0.005  # seconds between memory samples

# Measured by hand on the code before issue 13 (parse_import on the event loop, openpyxl reading
# the whole sheet, padded to its claimed width), each file in a fresh process: time, peak memory.
BEFORE = {
    "dimension": "13.6 s, 2,644 MB",
    "xfd": "0.69 s, 307 MB",
    "strings": "14.4 s, 322 MB",
    "bomb": "5.0 s, 1,064 MB",
    "blank": "3.0 s, 179 MB",
    "rows": "2.2 s, 140 MB",
}


def unit_rows(count: int, *, xfd: bool = False) -> bytes:
    """Unit rows after the header; with xfd, each with one more cell at column XFD."""
    tail = b'<c r="XFD%d"><v>1</v></c>' if xfd else b""
    row = b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Unit %d</t></is></c>' + tail + b"</row>"
    return b"".join(row % ((r, r, r, r) if xfd else (r, r, r)) for r in range(2, count + 2))


def zip_bomb(inflated: int = 1 << 30) -> bytes:
    """A sheet whose XML inflates to `inflated` bytes (blanks), written without holding it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, part in (
            ("[Content_Types].xml", CONTENT_TYPES.encode()),
            ("_rels/.rels", RELS.encode()),
            ("xl/workbook.xml", WORKBOOK.encode()),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.encode()),
        ):
            archive.writestr(name, part)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet xmlns="{NS}spreadsheetml/2006/main"><sheetData>'.encode() + HEADER_ROW)
            chunk = b" " * (1 << 20)
            for _ in range(inflated // len(chunk)):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return buf.getvalue()


@dataclass(frozen=True)
class Hostile:
    """One file: its key, what it is, how to make it."""

    key: str
    what: str
    make: Callable[[], bytes]


FILES = [
    Hostile(
        "dimension",
        "dimension `A1:XFD1048576`, 20k unit rows",
        lambda: xlsx(unit_rows(20_000), dimension="A1:XFD1048576"),
    ),
    Hostile("xfd", "a cell at column XFD in each of 2k unit rows", lambda: xlsx(unit_rows(2_000, xfd=True))),
    Hostile("strings", "3M shared strings", lambda: xlsx(b"", strings=b"<si><t>a</t></si>" * 3_000_000)),
    Hostile("bomb", "zip bomb (1 GB of blanks in the sheet)", zip_bomb),
    Hostile(
        "blank", "800k blank rows", lambda: xlsx(b"".join(b'<row r="%d"/>' % r for r in range(2, 800_002)))
    ),
    Hostile(
        "rows",
        "600k blank rows, no dimension (just under 10 MB of XML)",
        lambda: xlsx(b"".join(b'<row r="%d"/>' % r for r in range(2, 600_002))),
    ),
]


@dataclass
class Result:
    """One file's figures."""

    file: Hostile
    size: int
    reply_seconds: float
    reply: str
    bot_peak_mb: float
    bot_before_mb: float
    worker_peak_mb: float
    a_waits: list[float]
    load: float


class Rig(BotProcess):
    """The bot process, and what its processes use."""

    def config(self, db: Path, concurrency: int, token: str, rate_limit: bool = False) -> Path:
        """botproc's config, flood limits off: A's probe asks faster than a person would."""
        path = super().config(db, concurrency, token, rate_limit)
        with path.open("a", encoding="utf-8") as fh:
            fh.write("[access]\nper_person_per_minute = 0\nper_chat_per_minute = 0\n")
        return path

    def children(self) -> list[int]:
        """The bot's child processes (the sandbox's, the resource tracker), whichever of its
        threads started them (the sandbox starts its process from a worker thread)."""
        assert self.proc is not None
        found: list[int] = []
        for task in Path(f"/proc/{self.proc.pid}/task").glob("*"):
            try:
                found += [int(p) for p in (task / "children").read_text(encoding="ascii").split()]
            except OSError:
                continue
        return found


def _hwm(pid: int) -> tuple[float, str]:
    """(VmHWM in MB, command line) of a process, (0, "") once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            line = next((x for x in fh if x.startswith("VmHWM:")), "")
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read().decode(errors="replace")
    except OSError:
        return 0.0, ""
    return (int(line.split()[1]) / 1024 if line else 0.0), cmd


class Sampler:
    """Peak memory of the bot and of its parsing processes, sampled until stopped."""

    def __init__(self, rig: Rig) -> None:
        self.rig = rig
        self.bot_peak = 0.0
        self.workers: dict[int, float] = {}
        self.known = set(rig.children())  # the resource tracker, if any, is not a parser
        self._task: asyncio.Task[None] | None = None

    def __enter__(self) -> Sampler:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()

    def sample(self) -> None:
        self.bot_peak = max(self.bot_peak, self.rig.rss_mb())
        for pid in self.rig.children():
            if pid in self.known:
                continue
            hwm, cmd = _hwm(pid)
            if "resource_tracker" in cmd:
                self.known.add(pid)
            elif "--multiprocessing-fork" in cmd:  # not before its exec: a fork is the bot's copy
                self.workers[pid] = max(self.workers.get(pid, 0.0), hwm)

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(SAMPLE)

    @property
    def worker_peak(self) -> float:
        """The largest parsing process's peak."""
        return max(self.workers.values(), default=0.0)


async def ask_while(emu: TimedEmulator, until: Callable[[], bool], at_least: int) -> list[float]:
    """A's chair posts /bloc at RATE per second until `until()` and at least `at_least` times;
    returns each one's time to its answer."""
    tracker = Tracker(emu)
    start = time.perf_counter()
    posted = 0
    while posted < at_least or not until():
        delay = start + posted / RATE - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        emu.post_message(CHAIR_A, A, "/bloc")
        tracker.expect("sendmessage", A, "bloc")
        posted += 1
        tracker.poll()
    await emu.wait_until(tracker.poll, timeout=120, what="A's answers")
    return tracker.latencies


async def one(rig: Rig, emu: TimedEmulator, hostile: Hostile) -> Result:
    """Post the file in C, answer it with /import; measure until the reply."""
    data = hostile.make()
    assert len(data) <= MAX_IMPORT_BYTES, f"{hostile.key}: {len(data)} bytes"
    posted = emu.post_message(CHAIR_C, C, document=(data, f"{hostile.key}.xlsx", "application/vnd.ms-excel"))
    message_id = posted.message["message_id"] if posted.message else 0
    await emu.wait_consumed(posted.update["update_id"], timeout=30)
    await asyncio.sleep(0.2)  # the document itself is handled (nothing is said) before /import
    seen = len(emu.messages(C))
    before = rig.rss_mb()
    calls = len(emu.calls)
    with Sampler(rig) as sampler:
        started = time.perf_counter()
        emu.post_message(CHAIR_C, C, "/import", reply_to=message_id)
        waits = await ask_while(emu, lambda: len(emu.messages(C)) > seen, MIN_ASKS)
        sampler.sample()
    reply = emu.messages(C)[seen].text or ""
    replied = next(
        emu.arrivals[i] - started
        for i in range(calls, len(emu.calls))
        if emu.calls[i].method.lower() == "sendmessage" and str(emu.calls[i].params.get("chat_id")) == str(C)
    )
    return Result(
        hostile,
        len(data),
        replied,
        reply,
        sampler.bot_peak,
        before,
        sampler.worker_peak,
        waits,
        os.getloadavg()[0],
    )


async def measure() -> tuple[list[float], float, list[Result]]:
    """A's quiet reply times, the bot's memory when idle, and each file's result."""
    folder = Path(tempfile.mkdtemp(prefix="blocbot-bench-imports-"))
    emu = TimedEmulator(token=TOKEN, bot_username="blocbot_bench")
    async with emu:
        add_people(emu, groups=2)
        rig = Rig(emu, folder)
        try:
            db = folder / "imports.sqlite3"
            await seed_roster(db, groups=2)
            rig.start_blocbot(db, 8, TOKEN)
            await rig.wait_polling()
            await ask_while(emu, lambda: True, 5)  # warm: the first answers pay imports
            quiet = await ask_while(emu, lambda: True, int(QUIET * RATE))
            idle = rig.rss_mb()
            results = [await one(rig, emu, hostile) for hostile in FILES]
        finally:
            rig.stop()
    shutil.rmtree(folder, ignore_errors=True)
    return quiet, idle, results


def first_sentence(text: str) -> str:
    """The reply's first sentence (its second says nothing was changed)."""
    return text.split(". ")[0].rstrip(".") + "."


def ms(seconds: float) -> str:
    """Milliseconds."""
    return f"{seconds * 1000:.0f} ms"


async def main() -> str:
    """The hostile imports section of BENCHMARKS.md."""
    quiet, idle, results = await measure()
    rows = [
        "| file | size | before issue 13 (parse only) | reply after | the reply | bot peak RSS | "
        "parser's peak RSS | A's /bloc p50 / p95 / max meanwhile (asks) | load |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        waits = r.a_waits
        rows.append(
            f"| {r.file.what} | {r.size / 1024:,.0f} KB | {BEFORE[r.file.key]} | {r.reply_seconds:.2f} s | "
            f"{first_sentence(r.reply)} | {r.bot_peak_mb:.0f} MB | {r.worker_peak_mb:.0f} MB | "
            f"{ms(percentile(waits, 50))} / {ms(percentile(waits, 95))} / {ms(max(waits))} ({len(waits)}) | "
            f"{r.load:.2f} |"
        )
    return "\n".join(
        [
            "## Hostile imports (issue 13)",
            "",
            "`blocbot run` as its own process (concurrent_updates = 8) against the emulator at "
            "loopback (tests/bench/imports.py); bloc C's chair posts each file in C's group and "
            "answers it with `/import`, while bloc A's chair sends `/bloc` at "
            f"{RATE:.0f} a second (flood limits off for this probe) from that moment until C's reply "
            f'(at least {MIN_ASKS} times). "Reply after": from posting `/import` to the bot\'s reply '
            "(download, a fresh parsing process, its answer). The bot's peak is its VmRSS sampled every "
            f"{SAMPLE * 1000:.0f} ms meanwhile (idle: {idle:.0f} MB); the parser's is its VmHWM. "
            '"Before issue 13": measured by hand on the code before the fix, on files of the same '
            "kinds (parsed on the event loop, openpyxl reading the whole sheet padded to its claimed "
            f"width), each file in a fresh process. With no import, A's `/bloc`: p50 {ms(percentile(quiet, 50))}, p95 "
            f"{ms(percentile(quiet, 95))} ({len(quiet)} asks). One run each, the load average at "
            "its end beside it.",
            "",
            f"The parsing process may use {MEMORY >> 20} MB of address space and {SECONDS:g} s "
            f"(bot/core/sandbox.py); the reader takes at most {MAX_SHEET_ROWS:,} rows of "
            f"{MAX_SHEET_COLUMNS} columns, and refuses a zip whose parts would inflate past "
            f"{MAX_PART >> 20} MB each or {MAX_UNZIPPED >> 20} MB in all (bot/roster/files.py).",
            "",
            *rows,
        ]
    )


if __name__ == "__main__":
    print(asyncio.run(main()))
