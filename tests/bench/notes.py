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
  loop's own thread (`storage/db.py` `LoopReader`; a WAL reader never waits for a lock); since
  issue 15 the writer's statements do too (below).
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
  interval did not help). They now run in one worker process (`bot/core/offload.py`; since
  issue 15 started with the bot, with limits, below): p99 36-55 ms, against 9-10 ms with
  nothing heavy running. The worker costs 0.7 s to start and 100-200 MB while it lives (it
  also re-imports the bot's entry module).
- **No more scrubs** (secret ballot): the per-ballot VACUUM is gone since the sealed ballot box
  (issue 12): ballots are sealed before they are stored and the file is rebuilt once, at the
  count (113 ms for the 20 MB national file with the big blocs). A cast now costs the same at
  1, 16 and 95 MB (7.3, 7.3 and 7.0 ms of bot CPU; it was 29, 135 and 520 ms of VACUUM alone),
  and so do an RSVP and a form answer (section "Flat costs").
  Before and after the ballot box, measured with tests/bench/polls.py (a 1,000-unit bloc, rate
  limits off then; the 3.5 MB file is that bloc beside 50 small blocs, the 17 MB file the
  national world), by hand at the time, and in this run:

  | figure | 3.5 MB: per-ballot VACUUM → sealed box | 17 MB: per-ballot VACUUM → sealed box | this run (send budget on) |
  |---|---|---|---|
  | the last ballot's receipt | 42.1 → 16.8 ms | 116 → 16.9 ms | 19.1 ms at 20.4 MB (text, then Send); a cast 9.8 / 8.0 / 8.3 ms at 1 / 17.5 / 97 MB ("Flat costs") |
  | close + count + minutes of the 1,000-unit poll | 0.68 → 0.85 s | 0.69 → 1.10 s | 6.0 s: close 0.15 s, count 4.86 s, minutes 1.0 s; the results' 5–6 messages now wait for Telegram's 1 a second per chat |

  The count takes the committee's codes, so the close alone is quicker and the whole path longer.
- **One send budget per platform** (fan-out, replies): reminders were paced at a fixed 25/s on
  top of PTB's AIORateLimiter, a leaky bucket that lets 30 through at once (a strict window
  answers with 429s) and halts everything for each 429's retry_after; 1,000 reminders took
  40.0 s (bound 33.3 s). At national size with limits on, a 1,000-unit poll's fan-out drew 109
  429s and other chats' /schedule p99 was 1,040 ms (quiet: 498 ms). Now every post or edit takes
  a slot of one budget per platform (`bot/core/sending.py`, Telegram's in
  `bot/channels/telegram/budget.py`, replacing AIORateLimiter; Zalo's from `sends_per_second`):
  replies to people first, fan-outs spaced evenly in what they leave, a slot held from the
  request's start until its answer plus the window, so network delays cannot crowd a window at
  Telegram. 1,000 reminders: 35.4-35.8 s against a floor of 34.5 s (everything sent meanwhile
  at 30/s; 1.03-1.04×), replies meanwhile p99 41-71 ms (5 ms before: the fixed pace left them
  room), 0 429s in every run; the busy poll run: /schedule p99 66-105 ms over three runs of
  the section, 0 429s. A group's results now go at Telegram's 1 a second per chat (the count's 5-6
  messages: 3.6 → 4.9 s, without 429s).
- **The scheduler's next wake-up** (busy poll run, national size): py-spy showed
  `ReminderRepo.next_due` at 0.9 s of a run: `MIN(MAX(due_at, COALESCE(retry_at, due_at)))`
  read all 50,000 pending rows, 68 ms on the loop after every event or poll change. Two indexed
  looks (migration 009: partial indexes of the rows waiting for a retry): 0.017 ms; /schedule's
  p99 in the busy run 81-83 → 66-71 ms (105 ms once, in a whole `make bench`). What is left
  there, by py-spy's samples in order: stretches of 30-60 ms without a pause in the polls
  handlers (the committee's code opening and counting 1,000 ballots, `/poll` loading the
  1,000-unit state, each ballot's page): theirs to split or move to the worker.
- **CPU per isolated update** (the echo bot's yardstick, per kind): the isolated figures are
  dominated by system calls on this VM (a socket write ~0.4 ms, a thread wake-up ~0.1 ms), so
  the profiles looked for calls and wake-ups. (1) httpcore checks every pooled connection for
  each request, quadratically (cProfile: `is_idle` 7,700 calls per update after a burst had
  opened 25 connections); the pool now keeps 8 idle (`bot/channels/telegram/request.py`): an
  isolated roster command right after a burst 3.8 → 3.3 ms. (2) py-spy `--gil` put 37 % of a
  form answer's GIL time in aiosqlite's hand-off to its thread (`SimpleQueue.put_nowait`, ~115
  µs per trip, four trips per write transaction); the writer now runs its statements on the
  loop's thread and only COMMIT (the fsync) on its own (`storage/db.py` `LoopWriter`):
  alone, within the noise of isolated figures. (3) A form answer made two write transactions,
  the second storing a message id nothing reads: one now. (4) `blocbot run` freezes the
  start-up objects out of the garbage collector and collects young objects every 7,000
  allocations (~5 % on ballot and form presses in one interleaved comparison). All four
  against the code before them, interleaved (6 runs each, isolated updates): RSVP presses 5 %
  lower, form answers 11 % (4.64 → 4.13 ms in the bench: 1.70 → 1.39× echo), ballot presses
  unchanged. Ballot presses stay at 1.6-1.7× echo: per press the ballot handler reads the whole
  poll (some 25 SQL statements), decrypts and re-encrypts the draft and writes it (handlers/
  polls, left to its owner: a poll state cached per round would remove most of it).
- **The rendering worker** (heavy work): it is now started with the bot, runs one job at a time
  with at most 8 waiting, 1 GB of address space (a 1,000-unit poll's chart and minutes reach
  ~420 MB) and 60 s per job; a worker that dies or overruns fails only its job, as an apology in
  the chat, and a fresh one is started (tests/test_offload.py kills it mid-render). XLSX
  exports run there too.
- **The yardsticks themselves** (what the bench measured wrongly): (1) the throughput section's
  emulator now runs in a process of its own (`bot/emulators/telegram/process.py`), driven over
  a pipe; it had shared the driver's process, which used 20-37 % of a core, so it never bounded
  the echo bot (interleaved, the echo bot's updates/s did not change beyond the noise; its own
  CPU, ~1.2 ms an update, bounds it), and the emulator's and the driver's CPU are now reported
  apart. (2) Flat costs: the sizes ran one after the other, and the first measured was the
  dearest whatever its size (1 MB's RSVP 5.67 ms of CPU against 4.16 at 16 MB, form answers
  5.44 against 3.77; a rerun in the same order: 1 MB again dearest, then 16, then 95 MB); the
  three bots now run side by side, taking turns person by person, the order rotating, after two
  people each unmeasured: 0.90-1.03× of 1 MB at 16 and 95 MB. (3) The reminders' due time was
  timed to the microsecond and stored to the second, so the fan-out began up to 1 s before its
  measured start; now a whole second. (4) The send budget counted 10 ms of margin on every
  window (1 % of each second); now 1 ms and 0.1 % of the window for the clocks: the 1,000
  reminders' span 35.8 → 35.4-35.5 s against 34.5 s at 30/s; what is left is one round trip
  per window (20 ms of network), the price of never drawing a 429 whatever the network does.
- **A ballot press and a form answer** (CPU per isolated update), statements per update
  counted with sqlite3's trace callback: a ballot tick 27 → 15, a page turn 23 → 11, Send
  56 → 39 (the poll read as a ballot needs it, in one use case: `bot/polls/cases/voting.py`);
  a form's /submit 11 → 7, a typed answer 12 → 8, the last answer 24 → 17 (two write
  transactions → one; an amendment 24 → 13 and no card edit). A conversation row's
  `MAX(seq) + 1` read the whole table (80 µs at 1,000 rows, 480 µs at 10,000): an index now
  (migration 012). Interleaved against the code before, on a loaded machine: ballot presses
  1.79 → 1.54× the same run's echo bot (medians of 11 runs each), form answers 1.56-1.67 →
  1.49-1.69× (three sessions; the last answer 8-11 % cheaper, the others within the noise).
  py-spy `--gil` after: 60 % of a press handler's GIL time is its two Bot API calls, our own
  database and rendering work ~0.6 ms; what is left above 1.5× is the commit's hop to the
  writer's thread (its fsync), the conversation layer and PTB's HTTP.
- **The results** (close + count + minutes): they go to the group in as few messages as fit (a
  1,000-unit poll's 13,000 characters: 4 messages → 1, each category's units with fewer votes
  summed in a line, every one of them in the minutes; else split at categories), the chart is
  drawn before the file is compacted, and the minutes send the document only (the chart came
  with the results: a tester saw it twice): 6.01 → 3.02 s (back to back) → 2.15 s. What is
  left is Telegram's 1 message a second per chat: the close's card edit and notice, then the
  results and the chart.
- **Long loops on the event loop** (latency while heavy work runs): the count opened the 1,000
  sealed ballots of a big box in one unbroken loop (the writer's statements give the loop back
  every 2 ms by themselves, a loop of pure work does not); it gives the loop back every 50
  ballots now (`bot/polls/cases/closing.py:count_round`), and the ballots' delivery finds each unit's voter by a
  dict instead of scanning every representative (1,000 × 1,000 comparisons): /schedule's p99
  117 ms in a whole `make bench` and 89 ms in a run of the polls section (py-spy attached)
  before, 84 and 82 ms in two runs after, and 99.7 ms in the next whole `make bench`: within
  the noise of this figure.
- **CPU per isolated write update, again** (RSVP, ballot press, form answer). Found with
  strace -c (syscalls per press), perf (CPU by library: the Python interpreter was +0.9 ms a
  ballot press over the echo bot's, the kernel +0.25 ms), a cProfile diff of 20 against 220
  presses (calls per update) and a per-thread schedstat split. (1) The Telegram request sent a
  form, which httpx URL-encodes a byte at a time in Python: ~6,500 calls for one ballot page's
  edit (Vietnamese text is escaped whole); calls without files now send a JSON body
  (`bot/channels/telegram/request.py`). (2) Keyboards were built as PTB objects and serialized
  back (~140 µs for a 13-button page), and PTB parsed every keyboard in Telegram's answers (~90
  µs each, twice a press) though nothing reads them: keyboards go out as JSON, answers lose
  theirs before parsing. (3) In WAL mode a connection drops its page cache whenever another
  one wrote: the reader re-read every page it touched after each write (31 `pread64` a press);
  reads run on the writer's connection whenever no transaction holds it (0). (4) COMMIT went
  to the writer's thread and back (9 `futex` a press, ~0.25 ms of that thread's CPU); it runs
  on the loop while the disk answers in under 5 ms (here 0.5 ms, p99.9 4.6 ms), the WAL's
  checkpoints on the thread. (5) A tick on the page the draft row already names does not wait
  for the fsync: the draft's key dies with the process, so a power cut loses it however it is
  written (the cast and a new page still sync). Before → after, the two versions running side
  by side with the echo bot, paired segments of 10 isolated updates, 20 segments each: CPU per
  RSVP press ×0.90, ballot press ×0.86, form answer ×0.875 (the ratio to the echo bot in that
  run 1.39 → 1.23, 1.59 → 1.37, 1.54 → 1.33). Tried and kept out: Python's default young-GC
  threshold (700, against 7,000): ×1.02–1.05, worse. What is left is spread thin: a first
  statement after 30 ms idle costs ~90 µs where the same one back to back costs 7 µs (cold
  caches, both bots alike), and the echo bot touches less code per update.
- **The yardstick, once more**: the isolated updates went 25 to one bot, then 25 to the other;
  the echo bot's form answers read a median of 1.6 ms in one run and 2.8 ms in the next. They
  now alternate update by update between the two bots, and the ratio is the median of every
  update of all runs.
"""
