"""Databases of a given size, made fast: migrations by storage.db, rows by executemany.

A "world" is blocs (one group each), units with one started representative each, and events
spread around now: past ones with their reminders sent, future ones with their reminders
pending (the meeting and deadline offsets of config.toml's defaults). Ids are deterministic:
bloc i (0-based) lives in chat ``chat_base - i``; its k-th unit's person is
``user_base + i * units + k``; person ``user_base + i * units`` set the bloc up.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
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
        fill(conn, world, now, stamp)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
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
