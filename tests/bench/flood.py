"""One chat floods, another bloc asks: the other bloc's reply time, with and without the limits.

The bot runs as its own process (`blocbot run`, concurrent_updates = 8 as in config.toml) against
the Bot API emulator, which adds LATENCY to every call (a Bot API call from Vietnam). Two blocs
are seeded in the database: A and B, ten units and their representatives each.

A run: B floods (FLOOD updates posted at once), then A's chair sends `/bloc` ASKS times, each
after the previous answer; the run ends with A's last answer, or when one of A's asks goes
unanswered for BOUND seconds. Figures: A's reply times, and what B got meanwhile.

Floods: "one member" is one representative of B sending `/units` FLOOD times; "several
members" is B's nine representatives together sending FLOOD updates, commands (`/units`,
`/lich`) and presses on the RSVP buttons of a meeting card, in turn.

Switches: the flood limits (`access.per_person_per_minute` 30, `per_chat_per_minute` 120, as
configured by default; off is 0 and 0); PTB's rate limiter (`telegram.rate_limit`; on, the
emulator applies Telegram's limits: 1 message a second per chat after a burst of 3, 20 a minute
per group, 30 a second overall; A's chair then waits at least ASK_GAP between asks, as a person
reading the answer would, so that A keeps within its own chat's limit). "old order" runs the
bot through tests/bench/flood_old_order.py: a processing slot first, then the chat lock, as
PTB does by itself and as the bot did before issue 13 (the switch exists only in the bench).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.emulators.telegram import BotApiEmulator, FloodLimits
from tests.bench.botproc import BotProcess
from tests.bench.stats import percentile
from tests.bench.world import TZ, add_people, chat_of, person, seed_roster

TOKEN = "779:BENCH-FLOOD"
LATENCY = 0.1  # seconds added to every Bot API call
FLOOD = 300
ASKS = int(os.environ.get("BLOCBOT_BENCH_FLOOD_ASKS", "20"))
# seconds between A's asks when Telegram's limits apply (A's 20 fit its own limits)
ASK_GAP = float(os.environ.get("BLOCBOT_BENCH_FLOOD_GAP", "1.2"))
BOUND = 8.0  # an ask of A unanswered this long ends the run
CONCURRENCY = 8
A, B = chat_of(0), chat_of(1)
CHAIR_A = person(0, 0)
FLOODER = person(1, 1)
MEMBERS_B = [person(1, k) for k in range(1, 10)]
LIMITS = {True: (30, 120), False: (0, 0)}
# Measured by hand: a run longer than `make bench` affords, to see B pass Telegram's 20 a minute.
LONG_RUN = (
    "By hand, longer (BLOCBOT_BENCH_FLOOD_ASKS=30 BLOCBOT_BENCH_FLOOD_GAP=3.5, limits and rate limiter "
    "on, 2026-12-01, load 1.9): about 30 s into the flood B's 21st message of the minute drew a "
    "retry_after of some 30 s, and A's ask 10 waited 28.8 s, ask 24 15.5 s; in a run with asks 2 s "
    "apart A was not held then. AIORateLimiter reopens its gate whenever any request finishes an "
    "attempt, so whether a chat waits out another group's retry_after depends on what else is in "
    "flight: a group that draws 429s can still pause the other chats' replies."
)


@dataclass(frozen=True)
class Case:
    """One run's switches."""

    flood: str  # "one" member, "several", or "none" (the yardstick: A alone)
    limits: bool
    rate_limit: bool
    old_order: bool = False


@dataclass
class Result:
    """What one run measured."""

    case: Case
    waits: list[float]  # A's answered asks, seconds each
    stalled: float | None  # seconds the unanswered ask waited, if one was
    answered_b: int  # B's updates answered by the end of the run (messages and press answers)
    told_b: int  # "too fast" notices in B
    seconds: float  # the run's length
    count_429: int
    load: float  # 1-minute load average at the end


class Rig(BotProcess):
    """The emulator and one bot process with a case's configuration."""

    def write_config(self, db: Path, case: Case) -> Path:
        """config.toml for the case."""
        person_limit, chat_limit = LIMITS[case.limits]
        path = self.folder / "config.toml"
        path.write_text(
            f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{self.emu.base_url}"\n'
            f'base_file_url = "{self.emu.base_file_url}"\n'
            f"rate_limit = {'true' if case.rate_limit else 'false'}\n"
            f'concurrent_updates = {CONCURRENCY}\n[database]\npath = "{db}"\n'
            f"[access]\nper_person_per_minute = {person_limit}\nper_chat_per_minute = {chat_limit}\n",
            encoding="utf-8",
        )
        return path

    async def start(self, case: Case) -> None:
        """Seed blocs A and B, start the bot, wait for it to poll."""
        db = self.folder / "flood.sqlite3"
        await seed_roster(db, groups=2)
        entry = "tests.bench.flood_old_order" if case.old_order else "bot.cli"
        self.spawn(["-m", entry, "--config", str(self.write_config(db, case)), "run"])
        await self.wait_polling()
        self.db = db


async def meeting_card(emu: BotApiEmulator, db: Path) -> tuple[int, int]:
    """A meeting in B through the chat; (its event id, its card's message id)."""
    day = (datetime.now(TZ) + timedelta(days=30)).date()
    emu.post_message(
        person(1, 0),
        B,
        f"/meeting 8h00 {day.day}/{day.month}/{day.year} | Hội nghị giao ban khối | Hội trường UBND tỉnh",
    )
    sql = "SELECT id, card_message_id FROM events WHERE card_message_id IS NOT NULL"

    def found() -> list[tuple[int, int]]:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            return [(int(a), int(b)) for a, b in conn.execute(sql)]

    deadline = time.monotonic() + 30
    while not found():
        if time.monotonic() > deadline:
            raise RuntimeError("setup: no meeting card in B")
        await asyncio.sleep(0.05)
    return found()[0]


def post_flood(emu: BotApiEmulator, flood: str, card: tuple[int, int] | None) -> None:
    """FLOOD updates into B at once."""
    for n in range(FLOOD if flood != "none" else 0):
        if flood == "one":
            emu.post_message(FLOODER, B, "/units")
            continue
        member = MEMBERS_B[n % len(MEMBERS_B)]
        kind = n % 3
        if kind == 2 and card is not None:
            emu.post_callback(member, B, card[1], f"rv:{card[0]}:{'yn'[n % 2]}")
        else:
            emu.post_message(member, B, "/units" if kind == 0 else "/lich")


async def run(case: Case) -> Result:
    """One bot process, one run."""
    flood_limits = FloodLimits() if case.rate_limit else None
    async with BotApiEmulator(token=TOKEN, bot_username="blocbot_bench", flood=flood_limits) as emu:
        add_people(emu, groups=2)
        folder = Path(tempfile.mkdtemp(prefix="blocbot-bench-flood-"))
        rig = Rig(emu, folder)
        try:
            await rig.start(case)
            card = await meeting_card(emu, rig.db) if case.flood == "several" else None
            if case.rate_limit:
                await asyncio.sleep(1.1)  # the setup's messages leave B's per-chat burst
            emu.latency = LATENCY
            before_b = len(emu.messages(B))
            before_presses = len(emu.callback_answers)
            before_429 = emu.count_429
            started = time.perf_counter()
            post_flood(emu, case.flood, card)
            waits: list[float] = []
            stalled = None
            last_sent = 0.0
            for _ in range(ASKS):
                if case.rate_limit:
                    gap = last_sent + ASK_GAP - time.perf_counter()
                    if gap > 0:
                        await asyncio.sleep(gap)
                seen = len(emu.messages(A))
                asked = last_sent = time.perf_counter()
                emu.post_message(CHAIR_A, A, "/bloc")
                try:
                    await emu.wait_for_messages(A, seen + 1, timeout=BOUND)
                except TimeoutError:
                    stalled = time.perf_counter() - asked
                    break
                waits.append(time.perf_counter() - asked)
            seconds = time.perf_counter() - started
            rig.stop()
            shutil.rmtree(folder, ignore_errors=True)  # kept, with the bot's log, if the run failed
            texts = [m.text or "" for m in emu.messages(B)[before_b:]]
            presses = len(emu.callback_answers) - before_presses
            return Result(
                case,
                waits,
                stalled,
                len(texts) + presses,
                sum("nhanh quá" in t or "faster than" in t for t in texts),
                seconds,
                emu.count_429 - before_429,
                os.getloadavg()[0],
            )
        finally:
            rig.stop()


CASES = [
    Case("none", limits=True, rate_limit=False),
    Case("one", limits=False, rate_limit=False),
    Case("one", limits=True, rate_limit=False),
    Case("one", limits=False, rate_limit=True),
    Case("one", limits=True, rate_limit=True),
    Case("several", limits=False, rate_limit=False),
    Case("several", limits=True, rate_limit=False),
    Case("one", limits=False, rate_limit=False, old_order=True),
    Case("one", limits=True, rate_limit=True, old_order=True),
]
FLOODS = {
    "none": "none (A alone)",
    "one": f"one member, {FLOOD} /units",
    "several": "nine members, commands + presses",
}


def ms(seconds: float) -> str:
    """A time in ms (in s from 10 s)."""
    return f"{seconds:.1f} s" if seconds >= 10 else f"{seconds * 1000:.0f} ms"


def row(r: Result) -> str:
    """One table row."""
    c = r.case
    on = {True: "on", False: "off"}
    median = ms(percentile(r.waits, 50)) if r.waits else "–"
    p95 = ms(percentile(r.waits, 95)) if r.waits else "–"
    worst = ms(max(r.waits)) if r.waits else "–"
    if r.stalled is not None:
        worst = f"**ask {len(r.waits) + 1} unanswered after {r.stalled:.0f} s** (run stopped)"
    told = f", told too fast {r.told_b}×" if r.told_b else ""
    b = f"{r.answered_b} of {FLOOD}{told}" if c.flood != "none" else "–"
    return (
        f"| {'old: slot, then chat lock' if c.old_order else 'chat lock, then slot'} | {FLOODS[c.flood]} | "
        f"{on[c.limits]} | {on[c.rate_limit]} | {median} | {p95} | {worst} | {len(r.waits)} of {ASKS} | "
        f"{b} | {r.count_429} | {r.seconds:.0f} s | {r.load:.2f} |"
    )


def findings(results: list[Result]) -> list[str]:
    """What the runs show, in words, from their figures."""
    by = {r.case: r for r in results}
    quiet = by[CASES[0]]
    lines = [
        f"A alone: /bloc answered in {ms(percentile(quiet.waits, 50))} (p95 {ms(percentile(quiet.waits, 95))}): "
        f"the getUpdates that brings it and the sendMessage, each {LATENCY * 1000:.0f} ms away."
    ]
    old = by[Case("one", limits=False, rate_limit=False, old_order=True)]
    new = by[Case("one", limits=False, rate_limit=False)]
    if old.stalled is not None and old.answered_b:
        each = old.seconds / old.answered_b
        lines.append(
            f"Old order: A's first /bloc was unanswered after {old.stalled:.0f} s. B's queued updates took "
            f"all {CONCURRENCY} slots and waited in them for B's chat, so A's update waited for a slot "
            f"behind B's whole queue; B got {old.answered_b} answers meanwhile ({each * 1000:.0f} ms each, "
            f"so its {FLOOD} take some {FLOOD * each:.0f} s; with the rate limiter, at Telegram's 20 a minute "
            f"per group, {FLOOD / 20:.0f} minutes). Chat lock first: B's queue holds one slot, and A's "
            f"first /bloc took {ms(new.waits[0]) if new.waits else '–'} (it comes after the getUpdates "
            f"answers that carry B's {FLOOD} updates), the others as if alone."
        )
    limited = [r for r in results if r.case.rate_limit and not r.case.old_order]
    if any(r.count_429 for r in limited):
        stalls = [r for r in limited if r.stalled is not None]
        text = (
            "Rate limiter on: B draws 429s (the emulator allows a chat one message a second after a "
            "burst of 3, and a group 20 in any minute; PTB's limiter lets a group 20 at once, then "
            "one every 3 s), and on each PTB's AIORateLimiter holds the sends of every chat, A's too, "
            "until that request (or another) has finished an attempt: A's p95 with the flood limits "
            + ", ".join(
                f"{'on' if r.case.limits else 'off'} {ms(percentile(r.waits, 95)) if r.waits else '–'}"
                for r in limited
            )
            + ", against the yardstick's "
            + ms(percentile(quiet.waits, 95))
            + "."
        )
        if stalls:
            text += " In this run A's /bloc waited out a long retry_after of B's (the run stopped)."
        text += " " + LONG_RUN
        lines.append(text)
    flooded = [r for r in results if r.case.limits and r.case.flood != "none"]
    if not any(r.told_b for r in flooded):
        lines.append(
            "The flood limits count an update when its turn comes, not when it arrived: within A's asks "
            f"B's turns numbered at most {max(r.answered_b for r in flooded)}, fewer than the "
            f"{LIMITS[True][0]} a person may send in a minute, so they changed nothing for A here (A no "
            "longer waits for B's queue); with the rate limiter B's turns come at Telegram's pace, "
            "slower than that, so they do not engage."
        )
    return lines


async def main() -> str:
    """The flood section of BENCHMARKS.md."""
    results = [await run(case) for case in CASES]
    rows = [
        "| order | B's flood | flood limits | rate limiter | A's /bloc median | A's p95 | A's slowest "
        "| A answered | B answered meanwhile | 429s | run | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        *(row(r) for r in results),
    ]
    return "\n".join(
        [
            "## One chat floods, another bloc asks (issue 13)",
            "",
            f"`blocbot run` as its own process (concurrent_updates = {CONCURRENCY}) against the emulator "
            f"with +{LATENCY * 1000:.0f} ms on every Bot API call (tests/bench/flood.py). Bloc B floods: "
            f"one member posts {FLOOD} `/units` at once, or nine members {FLOOD} updates together "
            "(`/units`, `/lich`, presses on a meeting card's RSVP buttons); then bloc A's chair sends "
            f"`/bloc` {ASKS} times, each after the previous answer (with the rate limiter at least "
            f"{ASK_GAP:g} s apart, as a person reads: {ASKS} answers in a minute are as many as Telegram "
            f"allows a group). A run ends with A's last answer, or when an ask has waited {BOUND:.0f} s; "
            "B's count is what it got meanwhile (its messages and answered presses). Flood limits on: "
            f"`access.per_person_per_minute = {LIMITS[True][0]}`, `per_chat_per_minute = {LIMITS[True][1]}` "
            "(the defaults); off: 0. Rate limiter on: PTB's AIORateLimiter (`telegram.rate_limit`, the "
            "default), and the emulator applies Telegram's limits (1 message a second per chat after a "
            "burst of 3, 20 a minute per group, 30 a second in all). Old order: the bot run through "
            "tests/bench/flood_old_order.py, which takes a processing slot before the chat lock, as "
            "PTB does by itself and the bot did before issue 13 (a switch only the benchmark has). One "
            "run each; the load average at the run's end beside it.",
            "",
            *rows,
            "",
            *("\n\n".join(findings(results)).splitlines()),
        ]
    )


if __name__ == "__main__":
    print(asyncio.run(main()))
