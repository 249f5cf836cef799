"""The database: one writer connection behind a lock, one reader, migrations at open.

Both connections are queried on the event loop's own thread: a small indexed statement takes
some 10-60 µs in SQLite, while a trip to another thread and back (aiosqlite's way) costs
100-250 µs of CPU on this machine, most of what a write update cost beyond
python-telegram-bot itself (BENCHMARKS.md). COMMIT waits for the disk (fsync): it runs on the
loop too while the disk answers fast (under ``LoopWriter.INLINE_MAX``), on the writer's own
thread while it does not. What can wait long stays off the loop: a BEGIN that finds the file
locked by another process, bulk inserts, and the WAL's checkpoints (a connection of their
own on that thread); a transaction of many statements lets the loop serve others every
couple of milliseconds.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

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


class Database:
    """Owns the connections; hands out units of work.

    All writes go through one connection (LoopWriter), and a lock lets only one write
    transaction run at a time: with a shared connection, one coroutine's COMMIT would otherwise
    commit another coroutine's half-done work. Reads use a second connection (LoopReader),
    which in WAL mode sees only committed data and never blocks on the writer.
    """

    def __init__(self, path: Path | str, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self.clock: Clock = clock or SystemClock()
        self._writer: LoopWriter | None = None
        self._reader: LoopReader | None = None
        self._write_lock = asyncio.Lock()
        self.applied: list[str] = []

    async def open(self) -> None:
        """Open both connections, turn on WAL and apply pending migrations."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = LoopWriter(self.path)
        await self._writer.execute("PRAGMA journal_mode = WAL")
        self.applied = await self.migrate()
        self._reader = LoopReader(self.path, self._writer, self._write_lock)

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
    def writer(self) -> LoopWriter:
        """The writer connection (open)."""
        if self._writer is None:
            raise RuntimeError("database is not open")
        return self._writer

    async def migrate(self) -> list[str]:
        """Apply every migration not yet recorded; return the names applied."""
        conn = self.writer
        await conn.execute(MIGRATIONS_TABLE)
        done = {row[0] for row in await conn.execute_fetchall("SELECT version FROM schema_migrations")}
        applied = []
        async with self._write_lock:
            for version, name, sql in migration_files():
                if version in done:
                    continue
                await conn.begin()
                try:
                    for statement in _statements(sql):
                        await conn.execute(statement)
                    await conn.execute(
                        "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                        (version, name, to_db(self.clock.now())),
                    )
                except BaseException:
                    conn.rollback()
                    raise
                await conn.commit()
                log.info("applied migration %s", name)
                applied.append(name)
        return applied

    @asynccontextmanager
    async def transaction(self, *, durable: bool = True) -> AsyncIterator[UnitOfWork]:
        """A write transaction: committed on success, rolled back on any exception.

        ``durable=False`` for what a power cut may take back, because nothing could use it
        after one: its COMMIT does not wait for the disk (WAL, synchronous NORMAL: the file
        stays whole, and the next durable COMMIT's fsync covers this one's pages too). A
        ballot draft is sealed under a key that dies with the process (bot/polls/cases/
        drafts.py); a power cut loses it however it was written.
        """
        async with self._write_lock:
            conn = self.writer
            await conn.begin(durable)
            try:
                yield UnitOfWork(conn, self.clock)
            except BaseException:
                conn.rollback()
                raise
            await conn.commit()

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
        # Under the write lock: no transaction is half-done while the pages are copied.
        async with self._write_lock:
            await self.writer.backup(target_path)

    async def integrity_ok(self) -> bool:
        """Run PRAGMA integrity_check."""
        async with self._write_lock:  # on the writer's thread: a big file takes a while
            rows = await self.writer.off_loop("PRAGMA integrity_check")
        return bool(rows) and rows[0][0] == "ok"


class LoopWriter:
    """The write connection. Statements run right on the event loop's thread (see the module
    docstring). COMMIT does too while it is fast: a COMMIT that took longer than INLINE_MAX
    (a slow disk's fsync) sends the next ones to this connection's own thread, until BACK_AFTER
    in a row there have taken under half of it. A thread trip costs ~0.2-0.5 ms of CPU on this
    machine's kind (two wake-ups); a COMMIT here waits 0.5 ms for its fsync (p99 0.8 ms, p99.9
    4.6 ms, 1,500 commits 10 ms apart): a loop stall shorter than most updates' own CPU. A BEGIN that has to wait for
    another process's lock and bulk inserts run on the thread, and so do the checkpoints that
    copy the WAL back into the file (every CHECKPOINT_EVERY commits, on a connection of their
    own, not holding the write lock: SQLite's automatic one would run inside a COMMIT, maybe
    on the loop). Only one transaction uses the connection at a time (Database's write lock),
    so the two threads never use it at once."""

    BREATHE = 0.002  # seconds of statements in a row, after which the loop serves others
    WAIT = 5.0  # seconds a BEGIN waits for another process's write lock
    INLINE_MAX = 0.005  # seconds a COMMIT may take on the loop before they go to the thread
    BACK_AFTER = 16  # commits in a row under INLINE_MAX / 2 on the thread, then on the loop again
    CHECKPOINT_EVERY = 256  # commits between two checkpoints (SQLite's own: 1,000 pages)

    def __init__(self, path: Path, timer: Callable[[], float] = time.perf_counter) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        # busy_timeout 0: a BEGIN on the loop never waits; a locked file is waited for on the
        # thread (begin). FULL: in WAL mode NORMAL does not sync at COMMIT, so a power cut could
        # lose an answer the bot has already thanked someone for. wal_autocheckpoint 0: the
        # checkpoints run on the thread (checkpoint).
        for pragma in (
            "foreign_keys = ON",
            "busy_timeout = 0",
            "synchronous = FULL",
            "wal_autocheckpoint = 0",
        ):
            self._conn.execute(f"PRAGMA {pragma}")
        self._path = path
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="db-writer")
        self._timer = timer  # times a COMMIT (a test's own clock)
        self._since = time.perf_counter()
        self._durable = True  # synchronous FULL (False: NORMAL, for this transaction only)
        self._on_thread = False  # where COMMIT runs now (_placed)
        self._fast_in_a_row = 0
        self._commits = 0
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpoint: asyncio.Future[None] | None = None

    async def _off(self, fn: Callable[..., R], *args: Any) -> R:
        """fn(*args) on the writer's thread."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, partial(fn, *args))

    async def _breathe(self) -> None:
        """Let the loop serve others if this transaction's statements have run for a while."""
        if time.perf_counter() - self._since > self.BREATHE:
            await asyncio.sleep(0)
            self._since = time.perf_counter()

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> sqlite3.Cursor:
        """Run one statement (to its end for DML); the cursor has lastrowid and rowcount."""
        await self._breathe()
        return self._conn.execute(sql, tuple(parameters))

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Run a query and return all its rows."""
        await self._breathe()
        return self._conn.execute(sql, tuple(parameters)).fetchall()

    async def off_loop(self, sql: str, parameters: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Run a long query on the writer's thread and return its rows."""
        return await self._off(lambda: self._conn.execute(sql, tuple(parameters)).fetchall())

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> sqlite3.Cursor:
        """Run a statement for many rows, on the writer's thread (it may take a while)."""
        return await self._off(self._conn.executemany, sql, [tuple(r) for r in rows])

    async def begin(self, durable: bool = True) -> None:
        """BEGIN IMMEDIATE: at once on the loop, or on the thread if another process holds the
        write lock (waiting up to WAIT seconds, then sqlite3.OperationalError). Not `durable`:
        this transaction's COMMIT does not sync (Database.transaction)."""
        self._since = time.perf_counter()
        if durable != self._durable:
            self._conn.execute("PRAGMA synchronous = FULL" if durable else "PRAGMA synchronous = NORMAL")
            self._durable = durable
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
            await self._off(self._wait_begin)

    def _wait_begin(self) -> None:
        deadline = time.monotonic() + self.WAIT
        while True:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    async def commit(self) -> None:
        """COMMIT, on the loop or on the thread (see the class); rolled back if it fails."""
        started = self._timer()
        try:
            if self._on_thread:
                await self._off(self._conn.execute, "COMMIT")
            else:
                self._conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise
        self._placed(self._timer() - started)
        self._commits += 1
        if self._commits % self.CHECKPOINT_EVERY == 0 and (
            self._checkpoint is None or self._checkpoint.done()
        ):
            self._checkpoint = asyncio.ensure_future(self._off(self._checkpoint_now))

    def _placed(self, took: float) -> None:
        """Where the next COMMIT runs, after one that took `took` seconds."""
        if not self._on_thread:
            if took > self.INLINE_MAX:
                log.info("a COMMIT took %.1f ms: commits go to the writer's thread", took * 1000)
                self._on_thread, self._fast_in_a_row = True, 0
            return
        self._fast_in_a_row = self._fast_in_a_row + 1 if took < self.INLINE_MAX / 2 else 0
        if self._fast_in_a_row >= self.BACK_AFTER:
            log.info("commits are fast again: back on the loop")
            self._on_thread = False

    def _checkpoint_now(self) -> None:
        """Copy the WAL's pages back into the file (on the thread; PASSIVE: it waits for no one)."""
        if self._checkpointer is None:
            self._checkpointer = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:  # the next one will try again
            log.info("WAL checkpoint did not run: %s", exc)

    def rollback(self) -> None:
        """Undo the open transaction, if any."""
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    async def backup(self, target: Path) -> None:
        """Copy the whole database into the file `target` (on the writer's thread)."""

        def copy() -> None:
            dest = sqlite3.connect(target)
            try:
                self._conn.backup(dest)
            finally:
                dest.close()

        await self._off(copy)

    async def close(self) -> None:
        """Close the connection (and the checkpoints') and its thread."""
        if self._checkpoint is not None:
            await asyncio.gather(self._checkpoint, return_exceptions=True)

        def closing() -> None:
            if self._checkpointer is not None:
                self._checkpointer.close()
            self._conn.close()  # the last connection: SQLite checkpoints the WAL and removes it

        await self._off(closing)
        self._thread.shutdown(wait=True)


class LoopReader:
    """Reads of committed data, right on the event loop's thread.

    A query runs on the writer's connection whenever no write transaction holds it (nothing
    uncommitted to see; queries and transactions all run on this one thread, so none can start
    during a query), else on a read-only connection of its own. In WAL mode a connection drops
    its whole page cache each time another one has written: on the reader's own, every read
    after a write re-read each page it touched from the file (a ballot press's 11 queries, 31
    reads of the file); the writer's cache stays warm through its own commits (BENCHMARKS.md).
    A WAL reader does not wait for the writer or a checkpoint, so neither stalls the loop.
    """

    def __init__(self, path: Path, writer: LoopWriter, lock: asyncio.Lock) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        for pragma in ("foreign_keys = ON", "busy_timeout = 5000", "query_only = ON"):
            self._conn.execute(f"PRAGMA {pragma}")
        self._writer = writer
        self._lock = lock

    def _warm(self, sql: str) -> sqlite3.Connection | None:
        """The writer's connection, if it is free and the statement a query."""
        conn = self._writer._conn
        if self._lock.locked() or conn.in_transaction or sql.lstrip()[:6].upper() != "SELECT":
            return None
        return conn

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Run a query and return all its rows."""
        warm = self._warm(sql)
        if warm is not None:
            try:
                return warm.execute(sql, tuple(parameters)).fetchall()
            except sqlite3.OperationalError as exc:  # busy: another process recovers the file
                if not _busy(exc):
                    raise
        return self._conn.execute(sql, tuple(parameters)).fetchall()

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> sqlite3.Cursor:
        """Run a statement on the read-only connection (a write is refused)."""
        return self._conn.execute(sql, tuple(parameters))

    async def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def _busy(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds the file (locked, busy)."""
    return "locked" in str(exc) or "busy" in str(exc)


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
