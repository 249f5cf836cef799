"""An answer the bot has thanked for survives a power cut: commits are fsynced (synchronous=FULL)."""

from __future__ import annotations

from pathlib import Path

from storage.db import Database


async def test_the_write_connection_syncs_every_commit(tmp_path: Path) -> None:
    async with Database(tmp_path / "d.sqlite3") as db:
        row = (await db.writer.execute_fetchall("PRAGMA synchronous"))[0]
        mode = (await db.writer.execute_fetchall("PRAGMA journal_mode"))[0]
    # 2 = FULL: in WAL mode, NORMAL (1) leaves the last commits in the OS's cache until a
    # checkpoint, and a power cut loses them.
    assert row is not None and row[0] == 2
    assert mode is not None and mode[0] == "wal"
