"""Migration 007 on a database of the previous version: plain ballots of counted rounds stay and
count as before; every poll gets the default committee (2 of 3)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.core.clock import FakeClock
from bot.polls.model import Committee
from storage.db import Database, _statements, migration_files
from storage.polls import PollRepo
from tests.harness import START


def old_database(path: Path) -> None:
    """Migrations 001-006 only, with a closed poll and its two plain ballots (as stored before)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)")
    for version, name, sql in migration_files():
        if version < 7:
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?, '2026-01-01')", (version, name))
    conn.executescript(
        "INSERT INTO blocs(id, chat_id, name, language, timezone, created_by, created_at) "
        "VALUES (1, -1, 'Khối', 'vi', 'Asia/Ho_Chi_Minh', 1, '2026-01-01');"
        "INSERT INTO units(id, bloc_id, position, name, folded) VALUES (1, 1, 1, 'A', 'a'), (2, 1, 2, 'B', 'b');"
        "INSERT INTO polls(id, bloc_id, kind, title, year, status, threshold, base, quorum, self_vote, "
        "exclusive, created_by, created_at) VALUES (1, 1, 'award', 'Bình xét', 2025, 'closed', 'majority', "
        "'members', '2/3', 1, 1, 1, '2026-01-01');"
        'INSERT INTO poll_ballots VALUES (1, 1, \'k1\', \'{"c":{"0":[1]},"y":{}}\'),'
        ' (1, 1, \'k2\', \'{"c":{"0":[2]},"y":{}}\');'
    )
    conn.close()


async def test_the_ballot_box_migration_keeps_counted_plain_ballots(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old_database(path)
    async with Database(path, FakeClock(START)) as db:
        assert "007_ballot_box.sql" in db.applied
        async with db.read() as uow:
            polls = uow.repo(PollRepo)
            ballots = await polls.ballots(1, 1)
            poll = await polls.get(1)
        assert sorted(b.choices[0] for b in ballots) == [(1,), (2,)]
        assert poll is not None and poll.committee == Committee(2, 3)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM poll_ballots WHERE sealed IS NULL").fetchone() == (2,)
