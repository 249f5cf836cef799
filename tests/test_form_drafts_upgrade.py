"""Migration 009 on a database of the previous version: a form draft in progress becomes a
conversation row (issue 10: one mechanism for conversation state) and reads back whole."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.core.clock import FakeClock, from_db
from storage.db import Database, _statements, migration_files
from storage.forms import DRAFT_KEPT, FormRepo
from tests.harness import START


def old_database(path: Path) -> None:
    """Migrations 001-008 only, with a form and one person's draft of it (as stored before)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)")
    for version, name, sql in migration_files():
        if version < 9:
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?, '2026-01-01')", (version, name))
    conn.executescript(
        "INSERT INTO blocs(id, chat_id, name, language, timezone, created_by, created_at) "
        "VALUES (1, -1, 'Khối', 'vi', 'Asia/Ho_Chi_Minh', 1, '2026-01-01');"
        "INSERT INTO units(id, bloc_id, position, name, folded) VALUES (1, 1, 1, 'Sở Tư pháp', 'so tu phap');"
        "INSERT INTO forms(id, bloc_id, kind, title, fields, deadline_at, status, created_by, created_at) "
        "VALUES (1, 1, 'custom', 'Hội thao', '[]', '2026-12-20T10:00:00+00:00', 'open', 1, '2026-01-01');"
        "INSERT INTO form_drafts(user_id, form_id, unit_id, answers, picked, message_id, updated_at, seq) "
        'VALUES (7, 1, 1, \'{"f1": "Bóng đá", "f2": ["A", "B"]}\', \'[2]\', 55, '
        "'2026-12-01T03:00:00+00:00', 4);"
    )
    conn.close()


async def test_a_draft_in_progress_survives_the_move_to_conversations(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old_database(path)
    async with Database(path, FakeClock(START)) as db:
        assert "009_form_drafts.sql" in db.applied
        async with db.read() as uow:
            draft = await uow.repo(FormRepo).draft(7, 1)
            latest = await uow.repo(FormRepo).draft(7)
        assert draft is not None and draft == latest
        assert (draft.unit_id, draft.answers, draft.picked, draft.message_id) == (
            1,
            {"f1": "Bóng đá", "f2": ["A", "B"]},
            (2,),
            55,
        )
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'form_drafts'").fetchall() == []
        (expires,) = conn.execute("SELECT expires_at FROM conversations WHERE slot = 'form:1'").fetchone()
        # kept past the form's deadline (the chair may reopen it), not lost at the deadline
        assert from_db(expires) == from_db("2026-12-20T10:00:00+00:00") + DRAFT_KEPT
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


async def test_a_draft_expires_long_after_the_deadline(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old_database(path)
    clock = FakeClock(START)
    async with Database(path, clock) as db:
        clock.set(from_db("2026-12-20T10:00:00+00:00") + DRAFT_KEPT - timedelta(minutes=1))
        async with db.read() as uow:
            assert await uow.repo(FormRepo).draft(7, 1) is not None
        clock.advance(timedelta(minutes=2))
        async with db.read() as uow:
            assert await uow.repo(FormRepo).draft(7, 1) is None
