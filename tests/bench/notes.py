"""The end of BENCHMARKS.md (every target met or missed, what the profiles led to change), and
what keeps a section nobody regenerates.

Every section of BENCHMARKS.md is written by a module of BENCHES (tests/bench/__main__.py) or
is a constant here; a note about a figure belongs in the module that measures it. A section
the file has and no benchmark writes (written by hand, or its module missing) is kept as it
was, marked, when the file is rewritten (`kept`): `make bench` never loses text. A section
replaced on purpose is named in RETIRED.
"""

from __future__ import annotations

import re

# Headings of sections a benchmark now writes under another name; not kept.
RETIRED = frozenset(
    {
        "## Hostile imports and durability (issue 13, measured by hand)",  # imports.py, durability.py
    }
)
KEPT = (
    "_Kept from the previous BENCHMARKS.md: no benchmark writes this section. Move it into the "
    "module that measures it, or into tests/bench/notes.py._"
)


def sections(text: str) -> dict[str, str]:
    """A markdown text's "## " sections by heading, each with its heading."""
    found: dict[str, str] = {}
    heading = ""
    lines: list[str] = []
    for line in [*text.splitlines(), "## "]:
        if line.startswith("## "):
            if heading:
                found[heading] = "\n".join(lines).rstrip()
            heading, lines = line.strip(), [line]
        elif heading:
            lines.append(line)
    return found


def kept(old: str, new: str) -> list[str]:
    """The sections of `old` that `new` does not have (and not retired), marked as kept."""
    written = sections(new)
    out = []
    for heading, body in sections(old).items():
        if heading in written or heading in RETIRED:
            continue
        head, _, rest = body.partition("\n")
        rest = rest.strip()
        if rest.startswith(KEPT):
            rest = rest[len(KEPT) :].strip()
        out.append(f"{head}\n{KEPT}\n\n{rest}".rstrip())
    return out


_ROW = re.compile(
    r"^\| (?P<name>[^|]+) \| (?P<median>[^|]+) \| [^|]+ \| [^|]+ \| (?P<yard>[^|]*) \| "
    r"(?P<target>[^|]+) \| (?P<verdict>met|\*\*missed\*\*) \|$"
)


def targets(sections: list[str]) -> str:
    """One line per figure that has a target, from the sections' tables."""
    lines = []
    for section in sections:
        for line in section.splitlines():
            found = _ROW.match(line)
            if found:
                verdict = "met" if found["verdict"] == "met" else "**missed**"
                lines.append(
                    f"- {verdict}: {found['name'].strip()}: {found['median'].strip()} "
                    f"(target {found['target'].strip()})"
                )
    return "## Targets\n\n" + ("\n".join(lines) if lines else "(no figure with a target ran)")


CHANGES = """## What the profiles changed

Measured on this 2-core machine while other test suites ran (so absolute figures are noisy;
the CPU time per update of the bot process is the steadier yardstick).

- **Database trips** (throughput): blocbot spent 5.4 ms of CPU per update of the mix against
  2.5 ms for the echo bot; the profile showed `SimpleQueue.put_nowait` (aiosqlite handing each
  call to its thread) as the top item after PTB itself: a trip to aiosqlite's thread and back
  cost ~235 µs of CPU per query as `async with conn.execute()` + fetch + close (three trips),
  ~95 µs as one `execute_fetchall`, ~10 µs as a plain sqlite3 call. Repositories now make one
  trip per statement on the writer (`storage/unit_of_work.py`), and reads run on the event
  loop's own thread (`storage/db.py` `LoopReader`; a WAL reader never waits for a lock).
  Roster commands went from 3.3 to ~2.9 ms of CPU per update, RSVP presses from 7.4 to 4.9 ms
  (c=8), and the loopback ratio to the echo bot from 0.35 to the figure above (c=1 before any
  change: 96 vs 278 updates/s on a loaded machine).
- **Concurrency** (`telegram.concurrent_updates`, now 8 in config.toml): with +100 ms per Bot
  API call, one update at a time manages ~6 updates/s of this mix; 2, 4, 8, 16 at once gave
  12, 24, 44, 78/s. At loopback more at once costs CPU per update (httpcore checks every pooled
  connection on every request; the writer thread competes for the GIL), but in the cleanest
  comparison made here (interleaved, 8 runs each) it still paid: 1, 2, 4, 8 at once gave 162,
  180, 190, 208 updates/s against the echo bot's 318. Earlier, noisier runs put 1 or 2 at once
  ahead at loopback; the network case decides. PTB's pool (256 connections for Bot API calls,
  HTTP/1.1) is left as it is: it caps, it does not pre-open.
- **Minutes of a big bloc** (poll at scale): python-docx's `Table.cell(r, c)` walks the whole
  table on every call, so the minutes' table of 1,000 member units took minutes of CPU in the
  event loop and stalled every chat; filled row by row (`bot/polls/minutes.py`) a 100-row table went
  from 4.4 s to 0.06 s and the 1,000-unit minutes from about 400 s to 0.4-0.6 s (the cell's own
  paragraph gets the text: 0.67 → 0.41 s CPU).
- **Charts** (poll at scale): 5 categories of 60 candidates drew a 935 × 14,443 px picture in
  6 s, in the event loop, and Telegram refuses photos over 10,000 px (width + height). The chart
  now shows at most 15 candidates per category besides the proposed ones ("15 of 60 …; all are
  in the minutes"), lowers its resolution to stay under Telegram's limit, is laid out by hand
  instead of by matplotlib's constrained layout (0.51 → 0.31 s CPU for an 8-unit bloc,
  1.6 → 1.1 s for the big one), is drawn once for the results and the minutes (cache), and its
  drawing starts before the scrub and the results text so that they overlap. Close + minutes of
  the 1,000-unit poll: about 410 s before, 9.0 s after the table fix, 1.5-2.2 s after these.
- **Heavy work off the event loop** (latency while heavy work runs): with the chart and the DOCX
  drawn in a thread, /schedule's p99 was 400-660 ms while a big poll closed: matplotlib, PIL and
  lxml hold the GIL through long C calls (a thread cannot interrupt them; a shorter switch
  interval did not help). They now run in one worker process (`bot/core/offload.py`: started when a
  round opens or a ballot comes in, gone after 10 idle minutes, a thread if it cannot start):
  p99 36-55 ms, against 9-10 ms with nothing heavy running. The worker costs 0.7 s to start and
  100-200 MB while it lives (it also re-imports the bot's entry module).
- **Scrubs** (secret ballot): every ballot VACUUMs the whole file (secrecy). That costs ~30 ms
  for the 1,000-unit bloc's file and ~155 ms for a national file of 17.5 MB, holding off every
  other write meanwhile; one per ballot cannot keep up with a burst of ballots at national
  scale. Scrubs asked for while one runs now share the next one (`storage/polls.py`): each
  caller still gets a scrub that started after its ballot was committed, a burst costs two.
  A separate, small database file for ballots would make each scrub cheap at any scale; left
  for the polls owner to weigh (it changes the crash story).
"""
