"""The database: one writer connection behind a lock, one reader, migrations at open."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.core.clock import Clock, SystemClock, to_db
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

R = TypeVar("R")

MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TEXT NOT NULL
)
"""


def migration_files() -> list[tuple[int, str, str]]:
    """Return (version, name, sql) for every numbered migration, in order."""
    found = []
    for entry in (Path(__file__).resolve().parent / "migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            found.append((int(name[:3]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration numbers: {versions}")
    return found


async def _connect(path: Path) -> aiosqlite.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, so the unit of work owns them.
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA busy_timeout = 5000")
    # FULL: in WAL mode NORMAL does not sync at COMMIT, so a power cut can lose an answer the bot
    # has already thanked someone for. FULL syncs the WAL at every commit; measured on the
    # development VM, a small write transaction took 0.27 ms instead of 0.15-0.23 ms.
    await conn.execute("PRAGMA synchronous = FULL")
    return conn


class Database:
    """Owns the connections; hands out units of work.

    All writes go through one connection, and a lock lets only one write transaction run at a
    time: with a shared connection, one coroutine's COMMIT would otherwise commit another
    coroutine's half-done work. Reads use a second connection, which in WAL mode sees only
    committed data and never blocks on the writer; it runs on the event loop's own thread
    (LoopReader).
    """

    def __init__(self, path: Path | str, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self.clock: Clock = clock or SystemClock()
        self._writer: aiosqlite.Connection | None = None
        self._reader: LoopReader | None = None
        self._write_lock = asyncio.Lock()
        self.applied: list[str] = []

    async def open(self) -> None:
        """Open both connections, turn on WAL and apply pending migrations."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await _connect(self.path)
        await self._writer.execute("PRAGMA journal_mode = WAL")
        self.applied = await self.migrate()
        self._reader = LoopReader(self.path)

    async def close(self) -> None:
        """Close both connections."""
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def writer(self) -> aiosqlite.Connection:
        """The writer connection (open)."""
        if self._writer is None:
            raise RuntimeError("database is not open")
        return self._writer

    async def migrate(self) -> list[str]:
        """Apply every migration not yet recorded; return the names applied."""
        conn = self.writer
        await conn.execute(MIGRATIONS_TABLE)
        async with conn.execute("SELECT version FROM schema_migrations") as cur:
            done = {row[0] for row in await cur.fetchall()}
        applied = []
        async with self._write_lock:
            for version, name, sql in migration_files():
                if version in done:
                    continue
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _statements(sql):
                        await conn.execute(statement)
                    await conn.execute(
                        "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                        (version, name, to_db(self.clock.now())),
                    )
                except BaseException:
                    await conn.execute("ROLLBACK")
                    raise
                await conn.execute("COMMIT")
                log.info("applied migration %s", name)
                applied.append(name)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        """A write transaction: committed on success, rolled back on any exception."""
        async with self._write_lock:
            conn = self.writer
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield UnitOfWork(conn, self.clock)
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[UnitOfWork]:
        """Read-only access to committed data."""
        if self._reader is None:
            raise RuntimeError("database is not open")
        yield UnitOfWork(self._reader, self.clock)

    async def backup(self, target: Path | str) -> None:
        """Write a consistent online copy of the database to target."""
        target_path = Path(target)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        dest = sqlite3.connect(target_path)
        try:
            # Under the write lock: no transaction is half-done while the pages are copied.
            async with self._write_lock:
                await self.writer.backup(dest)
        finally:
            dest.close()

    async def integrity_ok(self) -> bool:
        """Run PRAGMA integrity_check."""
        async with self.writer.execute("PRAGMA integrity_check") as cur:
            row = await cur.fetchone()
        return row is not None and row[0] == "ok"


class LoopReader:
    """The read-only connection, queried right on the event loop's thread.

    A small indexed query takes some 10 µs in SQLite, while a trip to aiosqlite's thread and
    back costs 100-250 µs of CPU (two thread wake-ups and hand-offs of the GIL): on a
    two-core machine that was most of what blocbot spent per update beyond python-telegram-bot
    itself (BENCHMARKS.md). A WAL reader does not wait for the writer or a checkpoint, so this
    does not stall the loop on a lock; the writer (which can wait) stays on aiosqlite's thread.
    """

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = aiosqlite.Row
        for pragma in ("foreign_keys = ON", "busy_timeout = 5000", "query_only = ON"):
            self._conn.execute(f"PRAGMA {pragma}")

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Run a query and return all its rows."""
        return self._conn.execute(sql, tuple(parameters)).fetchall()

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> sqlite3.Cursor:
        """Run a statement (reads only: the connection is query_only)."""
        return self._conn.execute(sql, tuple(parameters))

    async def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def _statements(sql: str) -> list[str]:
    """Split a migration script into complete statements."""
    out, buf = [], ""
    for line in sql.splitlines(keepends=True):
        if line.strip().startswith("--") and not buf.strip():
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
