"""Databases of a given size, made fast: migrations by storage.db, rows by executemany.

A "world" is blocs (one group each), units with one started representative each, and events
spread around now: past ones with their reminders sent, future ones with their reminders
pending (the meeting and deadline offsets of config.toml's defaults). ``history`` years add
what years of use leave behind in each bloc: meetings with every unit's RSVP, closed forms
with every unit's response (and an amendment), closed polls with their counted ballots.
``cached`` keeps a made file under the temp dir, keyed by the world, this file, the migrations
and the day (times are relative to when it was made; the first pending reminder is days
ahead), so a big one (95 MB: 3-7 s to make) is made once a day. Ids are deterministic:
bloc i (0-based) lives in chat ``chat_base - i``; its k-th unit's person is
``user_base + i * units + k``; person ``user_base + i * units`` set the bloc up.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.clock import SystemClock, to_db
from bot.core.names import fold
from storage.db import Database

OFFSETS = {
    "meeting": (timedelta(days=7), timedelta(days=1), timedelta(hours=2)),
    "deadline": (timedelta(days=3), timedelta(days=1)),
}
TITLES = {"meeting": "Hội nghị giao ban khối thi đua tháng {n}", "deadline": "Hạn gửi báo cáo thi đua kỳ {n}"}


@dataclass(frozen=True)
class World:
    """How big a world to make."""

    blocs: int
    units: int  # per bloc
    past_events: int = 0  # per bloc, spread over the last half year
    future_events: int = 0  # per bloc, spread over the next year
    pending_cap: int | None = None  # stop adding pending reminders at this many
    chat_base: int = -1002000000000
    user_base: int = 10_000_000
    history: int = 0  # years of use behind each bloc (see the module docstring)
    meetings_a_year: int = 12
    forms_a_year: int = 6
    polls_a_year: int = 2

    def chat(self, bloc: int) -> int:
        """The group chat of bloc i."""
        return self.chat_base - bloc

    def person(self, bloc: int, k: int) -> int:
        """The person of bloc i's k-th unit."""
        return self.user_base + bloc * self.units + k


async def make(path: Path, world: World, now: datetime | None = None) -> dict[str, int]:
    """Create the database at path (migrated) and fill it; returns row counts."""
    async with Database(path, SystemClock()):
        pass  # migrations applied
    now = now or datetime.now(UTC)
    stamp = to_db(now)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("BEGIN")
        first_bloc = conn.execute("SELECT COALESCE(MAX(id), 0) FROM blocs").fetchone()[0] + 1
        fill(conn, world, now, stamp)
        if world.history:
            fill_history(conn, world, first_bloc, now)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return counts(path)


def counts(path: Path) -> dict[str, int]:
    """Rows of the main tables, and the pending reminders."""
    conn = sqlite3.connect(path)
    try:
        return {
            t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("blocs", "units", "people", "events", "reminders")
        } | {"pending": conn.execute("SELECT COUNT(*) FROM reminders WHERE status = 'pending'").fetchone()[0]}
    finally:
        conn.close()


def fill(conn: sqlite3.Connection, world: World, now: datetime, stamp: str) -> None:
    """The rows of a world, by executemany (inside the caller's transaction)."""
    first_bloc = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM blocs").fetchone()[0]) + 1
    first_unit = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM units").fetchone()[0]) + 1
    first_event = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0]) + 1
    blocs, admins, people, units, reps, events, reminders = [], [], [], [], [], [], []
    pending = 0
    event_id = first_event
    for i in range(world.blocs):
        bloc_id = first_bloc + i
        founder = world.person(i, 0)
        blocs.append(
            (bloc_id, world.chat(i), f"Khối thi đua số {i + 1}", "vi", "Asia/Ho_Chi_Minh", founder, stamp)
        )
        admins.append((bloc_id, founder))
        for k in range(world.units):
            unit_id = first_unit + i * world.units + k
            name = f"Sở {k + 1} tỉnh {i + 1}"
            units.append((unit_id, bloc_id, k + 1, name, fold(name)))
            people.append((world.person(i, k), f"Nguyễn Văn {i}-{k}", 1))
            reps.append((unit_id, world.person(i, k), bloc_id, stamp))
        plan = [
            now - timedelta(days=183) * (n + 1) / (world.past_events + 1) for n in range(world.past_events)
        ]
        plan += [
            now + timedelta(days=365) * (n + 1) / (world.future_events + 1)
            for n in range(world.future_events)
        ]
        for n, at in enumerate(plan):
            kind = "meeting" if n % 2 == 0 else "deadline"
            at = at.replace(minute=0, second=0, microsecond=0)
            events.append(
                (
                    event_id,
                    bloc_id,
                    kind,
                    TITLES[kind].format(n=n + 1),
                    to_db(at),
                    "Hội trường UBND tỉnh" if kind == "meeting" else "",
                    founder,
                    stamp,
                    stamp,
                )
            )
            for offset in OFFSETS[kind]:
                due = at - offset
                if due <= now:
                    reminders.append((event_id, int(offset.total_seconds()), to_db(due), "sent", to_db(due)))
                elif world.pending_cap is None or pending < world.pending_cap:
                    reminders.append((event_id, int(offset.total_seconds()), to_db(due), "pending", None))
                    pending += 1
            event_id += 1
    conn.executemany(
        "INSERT INTO blocs(id, chat_id, name, language, timezone, created_by, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        blocs,
    )
    conn.executemany("INSERT INTO bloc_admins(bloc_id, user_id) VALUES (?, ?)", admins)
    conn.executemany("INSERT INTO people(user_id, full_name, started) VALUES (?, ?, ?)", people)
    conn.executemany("INSERT INTO units(id, bloc_id, position, name, folded) VALUES (?, ?, ?, ?, ?)", units)
    conn.executemany(
        "INSERT INTO representatives(unit_id, user_id, bloc_id, linked_at) VALUES (?, ?, ?, ?)", reps
    )
    conn.executemany(
        "INSERT INTO events(id, bloc_id, kind, title, starts_at, place, created_by, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        events,
    )
    conn.executemany(
        "INSERT INTO reminders(event_id, offset_s, due_at, status, sent_at) VALUES (?, ?, ?, ?, ?)", reminders
    )


ANSWERS = {"so_can_bo": "12", "nguoi_phu_trach": "Ông Nguyễn Văn An, Phó Giám đốc Sở", "ghi_chu": ""}
FIELDS = json.dumps(
    [
        {"key": "so_can_bo", "label": "Số cán bộ tham gia", "kind": "number"},
        {"key": "nguoi_phu_trach", "label": "Người phụ trách", "kind": "text"},
        {"key": "ghi_chu", "label": "Ghi chú", "kind": "text"},
    ],
    ensure_ascii=False,
)


def fill_history(conn: sqlite3.Connection, world: World, first_bloc: int, now: datetime) -> None:
    """``world.history`` years of meetings (RSVPs), forms (responses) and polls (ballots)."""
    event_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0] + 1
    form_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM forms").fetchone()[0] + 1
    poll_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM polls").fetchone()[0] + 1
    answers = json.dumps(ANSWERS, ensure_ascii=False)
    events, rsvps, reminders, forms, responses, amendments = [], [], [], [], [], []
    polls, rounds, turnout, ballots = [], [], [], []
    for i in range(world.blocs):
        bloc_id = first_bloc + i
        founder = world.person(i, 0)
        units = [
            row[0] for row in conn.execute("SELECT id FROM units WHERE bloc_id = ? ORDER BY id", (bloc_id,))
        ]
        for year in range(world.history):
            start = now - timedelta(days=365 * (year + 1))
            for n in range(world.meetings_a_year):
                at = to_db(start + timedelta(days=30 * n + 1))
                events.append((event_id, bloc_id, "meeting", f"Giao ban tháng {n + 1}", at, founder, at, at))
                reminders.append((event_id, 86400, at, "sent", at))
                rsvps += [(event_id, u, "yes" if (u + n) % 5 else "no", founder, at) for u in units]
                event_id += 1
            for n in range(world.forms_a_year):
                at = to_db(start + timedelta(days=60 * n + 2))
                forms.append(
                    (form_id, bloc_id, "custom", f"Báo cáo số liệu thi đua kỳ {n + 1}", FIELDS, at, at)
                )
                responses += [(form_id, u, answers, founder, at, 2) for u in units]
                amendments += [(form_id, u, v, founder, at, answers) for u in units for v in (1, 2)]
                form_id += 1
            for n in range(world.polls_a_year):
                at = to_db(start + timedelta(days=180 * n + 3))
                polls.append(
                    (poll_id, bloc_id, f"Bình xét thi đua năm {now.year - year - 1} (đợt {n + 1})", at)
                )
                rounds.append((poll_id, at, founder, at))
                turnout += [(poll_id, u) for u in units]
                ballots += [
                    (poll_id, hashlib.sha256(f"{poll_id}:{u}".encode()).hexdigest()[:32], _ballot(units, u))
                    for u in units
                ]
                poll_id += 1
    conn.executemany(
        "INSERT INTO events(id, bloc_id, kind, title, starts_at, place, created_by, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, 'Hội trường UBND tỉnh', ?, ?, ?)",
        events,
    )
    conn.executemany(
        "INSERT INTO reminders(event_id, offset_s, due_at, status, sent_at) VALUES (?, ?, ?, ?, ?)", reminders
    )
    conn.executemany(
        "INSERT INTO rsvps(event_id, unit_id, answer, user_id, answered_at) VALUES (?, ?, ?, ?, ?)", rsvps
    )
    conn.executemany(
        "INSERT INTO forms(id, bloc_id, kind, title, fields, deadline_at, status, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 'closed', 42, ?)",
        forms,
    )
    conn.executemany(
        "INSERT INTO form_responses(form_id, unit_id, answers, answered_by, answered_at, version) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        responses,
    )
    conn.executemany(
        "INSERT INTO form_amendments(form_id, unit_id, version, user_id, at, answers) VALUES (?, ?, ?, ?, ?, ?)",
        amendments,
    )
    conn.executemany(
        "INSERT INTO polls(id, bloc_id, kind, title, year, status, threshold, base, quorum, self_vote, "
        "exclusive, created_by, created_at) "
        "VALUES (?, ?, 'award', ?, 2025, 'closed', 'eighty', 'members', '2/3', 1, 1, 42, ?)",
        polls,
    )
    conn.executemany(
        "INSERT INTO poll_rounds(poll_id, round, opened_at, opened_by, closed_at) VALUES (?, 1, ?, ?, ?)",
        rounds,
    )
    conn.executemany("INSERT INTO poll_turnout(poll_id, round, unit_id) VALUES (?, 1, ?)", turnout)
    conn.executemany("INSERT INTO poll_ballots(poll_id, round, id, body) VALUES (?, 1, ?, ?)", ballots)


def _ballot(units: list[int], voter: int) -> str:
    """A counted ballot's body: a few units ticked in each of three categories."""
    picks = [units[(voter + k) % len(units)] for k in range(3)]
    return json.dumps({str(c): picks[: c + 1] for c in range(3)})


VERSION = 1  # bump to rebuild every cached file


async def cached(world: World, now: datetime | None = None) -> tuple[Path, float]:
    """A made file of this world, kept under the temp dir (copy it before use: it is shared),
    and the seconds it took to make now (0 when it was there already)."""
    migrations = sorted((Path(__file__).resolve().parents[2] / "storage" / "migrations").glob("*.sql"))
    key = hashlib.sha256(
        json.dumps([VERSION, asdict(world), datetime.now(UTC).date().isoformat()]).encode()
        + Path(__file__).read_bytes()
        + b"".join(m.read_bytes() for m in migrations)
    ).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "blocbot-bench-seeds"
    path = folder / f"world-{key}.sqlite3"
    if path.exists():
        return path, 0.0
    folder.mkdir(exist_ok=True)
    for old in folder.glob("world-*"):  # other days' files
        if time.time() - old.stat().st_mtime > 2 * 86400:
            old.unlink(missing_ok=True)
    partial = folder / f"world-{key}.partial"
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    await make(partial, world, now)
    partial.replace(path)
    return path, time.perf_counter() - started


def copy_of(source: Path, target: Path) -> Path:
    """A private copy of a cached file."""
    shutil.copyfile(source, target)
    return target
