"""Flat costs: a cast, an RSVP and a form answer on a 1, a 16 and a 95 MB database.

For each size, one `blocbot run` process (rate limits off) on a database holding the
benchmark's 50 blocs of 10 units (tests/bench/world.py: a meeting card, an open poll, a form
each, set up through the chat) beside other blocs' data (tests/bench/seed.py): a province
(1 MB), the national service (700 blocs, 8,400 units, 50,000 pending reminders: 16 MB), and the
national service with four years of history behind it (meetings with every unit's RSVP, closed
forms with every unit's response, closed polls with their ballots: 95 MB). Then, one update at
a time (each posted 30 ms after the previous answer), RUNS people each: a ballot cast (after
one tick, not measured) until its receipt, an RSVP press until it is answered, the three typed
answers of a form (after /submit) until each is answered; the time to the answer and the bot
process's CPU time for it. The three bot processes run side by side and take turns person by
person (the sizes' order rotating), after WARM people each that are not measured: run one
size after the other, the first size measured a machine still busy with what ran before and a
fresh process (BENCHMARKS.md: 1 MB's RSVP and form answer 1.36× and 1.44× the 16 MB ones).
At 95 MB also: 100 casts a minute (each after a tick) for LOAD_SECONDS while /schedule is
asked in other groups; the p99 of /schedule; and the bot's peak resident memory (VmHWM) at
each size.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path

from tests.bench import seed
from tests.bench.botproc import BotProcess
from tests.bench.mix import TimedEmulator, Tracker
from tests.bench.stats import Figure, percentile, table
from tests.bench.throughput import CONCURRENCY
from tests.bench.world import (
    FORM_ANSWERS,
    GROUPS,
    POLL_CATEGORIES,
    UNITS,
    Features,
    add_people,
    chat_of,
    person,
    seed_roster,
    setup_features,
)

TOKEN = "781:BENCH-SIZES"
RUNS = 24  # people per kind of update and size
WARM = 2  # people per size first, not measured (a fresh process's first updates)
PAUSE = 0.03
CASTS_A_MINUTE = 100
LOAD_SECONDS = 30.0
ASK_RATE = 5.0  # /schedule per second in other groups during the casts
NATIONAL = seed.World(
    blocs=700,
    units=12,
    past_events=12,
    future_events=30,
    pending_cap=50_000,
    chat_base=-1007000000000,
    user_base=50_000_000,
)
SIZES = {
    "1 MB": seed.World(
        blocs=20, units=15, past_events=12, future_events=12, chat_base=-1007000000000, user_base=50_000_000
    ),
    "16 MB": NATIONAL,
    "95 MB": replace(NATIONAL, history=4, meetings_a_year=6, forms_a_year=3),
}
KINDS = ("cast", "rsvp", "form answer")


class Rig(BotProcess):
    """One size: the database, the bot, the features; what each person has done."""

    def __init__(self, emu: TimedEmulator) -> None:
        super().__init__(emu, Path(tempfile.mkdtemp(prefix="blocbot-bench-sizes-")))
        self.timed = emu
        self.db = self.folder / "sizes.sqlite3"
        self.features = Features()

    async def start(self, world: seed.World) -> tuple[float, float]:
        """Copy the cached filler, add the measured blocs, start the bot, set the features up;
        (the file's size in MB, seconds it took to make the filler, 0 if cached)."""
        filler, made = await seed.cached(world)
        seed.copy_of(filler, self.db)
        await seed_roster(self.db)
        self.start_blocbot(self.db, CONCURRENCY[-1], TOKEN)
        await self.wait_polling()
        self.features = await setup_features(self.emu, self.db)
        return self.db.stat().st_size / 2**20, made

    async def one(self, method: str, key: int | str, post: object) -> tuple[float, float]:
        """Wait for the answer to what `post()` posts; (ms to the answer, bot CPU µs)."""
        tracker = Tracker(self.timed)
        cpu = self.cpu_seconds()
        tracker.expect(method, key, "one")
        post()  # type: ignore[operator]
        await self.emu.wait_until(tracker.poll, timeout=60, what=f"the answer ({method} {key})")
        await asyncio.sleep(PAUSE)  # what it does after its answer (a card edit) counts too
        return tracker.latencies[0] * 1000, (self.cpu_seconds() - cpu) * 1e6

    async def quietly(self, method: str, key: int | str, post: object) -> None:
        """Post and wait for the answer, measuring nothing."""
        await self.one(method, key, post)

    def tick(self, group: int, k: int) -> object:
        voter = person(group, k)
        poll = self.features.poll[group]
        data = f"bv:{poll}:1:t:0:{1 + k % len(POLL_CATEGORIES)}"
        return lambda: self.emu.post_callback(voter, voter, self.features.ballot[voter], data)

    def cast(self, group: int, k: int) -> object:
        voter = person(group, k)
        poll = self.features.poll[group]
        return lambda: self.emu.post_callback(voter, voter, self.features.ballot[voter], f"bv:{poll}:1:c")

    async def kinds(self, people: list[tuple[int, int]]) -> dict[str, list[tuple[float, float]]]:
        """Each kind of update, once per person, one at a time."""
        found: dict[str, list[tuple[float, float]]] = {k: [] for k in KINDS}
        for group, k in people:
            voter = person(group, k)
            await self.quietly("editmessagetext", voter, self.tick(group, k))
            found["cast"].append(await self.one("editmessagetext", voter, self.cast(group, k)))
            event, card = self.features.event[group], self.features.card[group]
            tracker = Tracker(self.timed)
            cpu = self.cpu_seconds()
            posted = self.emu.post_callback(voter, chat_of(group), card, f"rv:{event}:y")
            tracker.expect("answercallbackquery", posted.update["callback_query"]["id"], "rsvp")
            await self.emu.wait_until(tracker.poll, timeout=60, what="the RSVP answer")
            await asyncio.sleep(PAUSE)  # the group card's edit counts too
            found["rsvp"].append((tracker.latencies[0] * 1000, (self.cpu_seconds() - cpu) * 1e6))
            form = self.features.form[group]
            await self.quietly(
                "sendmessage", voter, lambda v=voter, f=form: self.emu.post_message(v, v, f"/submit {f}")
            )
            for answer in FORM_ANSWERS:
                found["form answer"].append(
                    await self.one(
                        "sendmessage", voter, lambda v=voter, a=answer: self.emu.post_message(v, v, a)
                    )
                )
        return found

    async def load(self, people: list[tuple[int, int]]) -> list[float]:
        """CASTS_A_MINUTE casts (each after a tick) for LOAD_SECONDS, /schedule in the other
        groups meanwhile; each /schedule's reply time (ms)."""
        tracker = Tracker(self.timed)
        rng = random.Random(3)
        every = 60.0 / CASTS_A_MINUTE
        started = time.perf_counter()
        asks = casts = 0
        while time.perf_counter() - started < LOAD_SECONDS:
            now = time.perf_counter() - started
            if casts < len(people) and now >= casts * every:
                group, k = people[casts]
                self.tick(group, k)()  # type: ignore[operator]
                self.cast(group, k)()  # type: ignore[operator]
                casts += 1
            if now >= asks / ASK_RATE:
                group = rng.randrange(GROUPS)  # the casts are in private chats
                self.emu.post_message(person(group, rng.randrange(UNITS)), chat_of(group), "/schedule")
                tracker.expect("sendmessage", chat_of(group), "schedule")
                asks += 1
            tracker.poll()
            await asyncio.sleep(0.005)
        await self.emu.wait_until(tracker.poll, timeout=60, what="/schedule replies")
        return [v * 1000 for v in tracker.latencies]


async def start_size(stack: AsyncExitStack, world: seed.World) -> tuple[Rig, float, float]:
    """One size's emulator and bot process, set up; (the rig, the file's MB, seconds to make it)."""
    emu = await stack.enter_async_context(TimedEmulator(token=TOKEN, bot_username="blocbot_bench"))
    rig = Rig(emu)
    stack.callback(rig.stop)
    add_people(emu)
    size, made = await rig.start(world)
    return rig, size, made


async def measure_sizes() -> dict[str, dict[str, object]]:
    """Every size's bot process at once, measured person by person in turn (the order of the
    sizes rotating), after WARM people each, unmeasured; then the load run at 95 MB."""
    found: dict[str, dict[str, object]] = {}
    async with AsyncExitStack() as stack:
        rigs: dict[str, Rig] = {}
        for label, world in SIZES.items():
            rig, size, made = await start_size(stack, world)
            rigs[label] = rig
            found[label] = {"size": size, "made": made, "costs": {k: [] for k in KINDS}, "loads": []}
        labels = list(SIZES)
        warm = [(g, 1 + (g + 6) % (UNITS - 1)) for g in range(WARM)]  # nobody measured or loaded
        for person_ in warm:
            for label in labels:
                await rigs[label].kinds([person_])
        people = [(g, 1 + g % (UNITS - 1)) for g in range(RUNS)]
        for turn, person_ in enumerate(people):
            for label in labels[turn % len(labels) :] + labels[: turn % len(labels)]:
                costs = await rigs[label].kinds([person_])
                for kind, values in costs.items():
                    found[label]["costs"][kind].extend(values)  # type: ignore[index]
        count = int(CASTS_A_MINUTE * LOAD_SECONDS / 60)
        load_people = [(g % GROUPS, 1 + (g + 3) % (UNITS - 1)) for g in range(count)]
        found["95 MB"]["loads"] = await rigs["95 MB"].load(load_people)
        for label, rig in rigs.items():
            found[label]["peak"] = rig.rss_mb(peak=True)
            found[label]["worker"] = rig.children_rss_mb("VmHWM:")
    return found


async def main() -> str:
    """The flat-costs section of BENCHMARKS.md."""
    results = await measure_sizes()
    figures: list[Figure] = []
    base = results["1 MB"]["costs"]
    for kind in KINDS:
        first = statistics.median(ms for ms, _cpu in base[kind])  # type: ignore[index]
        first_cpu = statistics.median(cpu for _ms, cpu in base[kind])  # type: ignore[index]
        for label, found in results.items():
            values = found["costs"][kind]  # type: ignore[index]
            ms = tuple(v[0] for v in values)
            cpu = tuple(v[1] for v in values)
            ratio = statistics.median(cpu) / first_cpu
            figures.append(
                Figure(
                    f"{kind} at {label} ({found['size']:.1f} MB): time to its answer",
                    "ms",
                    ms,
                    yardstick=f"1 MB: {first:.1f} ms ({statistics.median(ms) / first:.2f}×)",
                )
            )
            figures.append(
                Figure(
                    f"{kind} at {label}: bot CPU for it",
                    "µs",
                    cpu,
                    yardstick=f"1 MB: {first_cpu:.0f} µs ({ratio:.2f}×)",
                    target="within ±20 % of 1 MB" if label != "1 MB" else "",
                    met=abs(ratio - 1) <= 0.2 if label != "1 MB" else None,
                )
            )
    loads = results["95 MB"]["loads"]
    figures.append(
        Figure(
            f"/schedule in other groups ({ASK_RATE:g}/s) during {CASTS_A_MINUTE} casts a minute, 95 MB: p99",
            "ms",
            (percentile(loads, 99),),  # type: ignore[arg-type]
            yardstick=f"p50 {percentile(loads, 50):.0f} ms, {len(loads)} replies",  # type: ignore[arg-type]
            target="< 50 ms",
            met=percentile(loads, 99) < 50,  # type: ignore[arg-type]
        )
    )
    peaks = tuple(float(r["peak"]) for r in results.values())  # type: ignore[arg-type]
    figures.append(
        Figure(
            "bot peak resident memory (VmHWM), each size: "
            + ", ".join(f"{label} {r['peak']:.0f} MB" for label, r in results.items()),
            "MB",
            peaks,
            target="< 200 MB throughout",
            met=max(peaks) < 200,
        )
    )
    made = ", ".join(f"{label}: {r['size']:.1f} MB" for label, r in results.items())
    workers = ", ".join(f"{r['worker']:.0f}" for r in results.values())
    note = (
        f"Files: {made} (the other blocs' data made by executemany in tests/bench/seed.py and kept "
        "under the temp dir between runs). One person per bloc of the first "
        f"{RUNS} blocs per kind and size; a ballot cast seals the ballot and stores it with the "
        "turnout row (no VACUUM since the sealed ballot box); an RSVP stores the unit's answer and "
        "edits the group's card; a form answer stores the draft (the third, the response); each one's "
        f"CPU runs from posting it to {PAUSE * 1000:.0f} ms after its answer (what it does after the answer "
        "counts). The CPU per update is the steadier figure (the machine is shared): a target is judged "
        f"on it. The three sizes' bots run side by side and take turns person by person, the order "
        f"rotating, after {WARM} people each not measured (one size after the other, the first "
        "measured was dearest: warm-up and drift, not size). The rendering worker beside each "
        f"bot (pre-started, idle here): {workers} MB (VmHWM)."
    )
    return "## Flat costs: the same update on a 1, 16 and 95 MB database\n\n" + table(figures) + "\n\n" + note


if __name__ == "__main__":
    print(asyncio.run(main()))
