"""Storage on a real SQLite file: migrations, pragmas, the unit of work, concurrent writers."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from storage.db import Database, LoopWriter, migration_files

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path):
    async with Database(tmp_path / "t.sqlite3", FakeClock(NOW)) as database:
        yield database


async def test_migrations_recorded_and_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    async with Database(path) as first:
        async with first.read() as uow:
            rows = await uow.blocs.fetchall("SELECT version FROM schema_migrations")
        assert [r[0] for r in rows] == [v for v, _, _ in migration_files()]
    async with Database(path) as second:
        assert await second.migrate() == []


async def test_wal_and_foreign_keys(db: Database) -> None:
    async with db.read() as uow:
        mode = await uow.blocs.fetchone("PRAGMA journal_mode")
        fk = await uow.blocs.fetchone("PRAGMA foreign_keys")
    assert mode is not None and mode[0] == "wal"
    assert fk is not None and fk[0] == 1
    with pytest.raises(Exception, match="FOREIGN KEY"):
        async with db.transaction() as uow:
            await uow.units.add(bloc_id=999, name="Sở Tư pháp")


async def test_rollback_on_error_keeps_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as uow:
            await uow.blocs.create(-100, "Khối thi đua số 3", "vi", "Asia/Ho_Chi_Minh", 1)
            raise RuntimeError("boom")
    async with db.read() as uow:
        assert await uow.blocs.all() == []


async def test_two_concurrent_writers_one_rolls_back(db: Database) -> None:
    """Writer A fails half-way while B commits: B's commit must not carry A's insert."""
    a_inserted = asyncio.Event()
    b_started = asyncio.Event()

    async def writer_a() -> None:
        async with db.transaction() as uow:
            await uow.blocs.create(-1, "Khối A", "vi", "Asia/Ho_Chi_Minh", 1)
            a_inserted.set()
            await b_started.wait()
            await asyncio.sleep(0.05)  # give B every chance to commit A's work if it could
            raise RuntimeError("A fails after B tried to write")

    async def writer_b() -> None:
        await a_inserted.wait()
        b_started.set()
        async with db.transaction() as uow:
            await uow.blocs.create(-2, "Khối B", "vi", "Asia/Ho_Chi_Minh", 2)

    results = await asyncio.gather(writer_a(), writer_b(), return_exceptions=True)
    assert isinstance(results[0], RuntimeError)
    assert results[1] is None
    async with db.read() as uow:
        names = [b.name for b in await uow.blocs.all()]
    assert names == ["Khối B"]


async def test_reader_sees_only_committed(db: Database) -> None:
    inside = asyncio.Event()
    release = asyncio.Event()

    async def writer() -> None:
        async with db.transaction() as uow:
            await uow.blocs.create(-3, "Khối C", "vi", "Asia/Ho_Chi_Minh", 1)
            inside.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await inside.wait()
    async with db.read() as uow:
        assert await uow.blocs.all() == []
    release.set()
    await task
    async with db.read() as uow:
        assert [b.name for b in await uow.blocs.all()] == ["Khối C"]


async def test_reads_cannot_write(db: Database) -> None:
    """Reads may run on the writer's connection when it is free (storage/db.py LoopReader), but
    a write through db.read() is still refused."""
    async with db.transaction() as uow:
        bloc = await uow.blocs.create(-3, "Khối C", "vi", "Asia/Ho_Chi_Minh", 1)
    async with db.read() as uow:
        assert [b.name for b in await uow.blocs.all()] == ["Khối C"]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await uow.blocs.rename(bloc.id, "Khối D")
    async with db.read() as uow:
        assert [b.name for b in await uow.blocs.all()] == ["Khối C"]


async def test_units_unique_by_folded_name(db: Database) -> None:
    async with db.transaction() as uow:
        bloc = await uow.blocs.create(-4, "Khối D", "vi", "Asia/Ho_Chi_Minh", 1)
        await uow.units.add(bloc.id, "Công an tỉnh")
    with pytest.raises(Exception, match="UNIQUE"):
        async with db.transaction() as uow:
            await uow.units.add(bloc.id, "CONG AN TINH")
    async with db.read() as uow:
        assert [u.name for u in await uow.units.active(bloc.id)] == ["Công an tỉnh"]


async def test_backup_is_a_consistent_copy(db: Database, tmp_path: Path) -> None:
    async with db.transaction() as uow:
        bloc = await uow.blocs.create(-5, "Khối E", "vi", "Asia/Ho_Chi_Minh", 1)
        await uow.units.add(bloc.id, "Sở Tư pháp")
    target = tmp_path / "copy.sqlite3"
    await db.backup(target)
    async with Database(target) as copy, copy.read() as uow:
        assert [u.name for u in await uow.units.active(bloc.id)] == ["Sở Tư pháp"]


async def test_invite_codes_single_use_and_hashed(db: Database) -> None:
    from datetime import timedelta

    from bot.roster.joincodes import new_code
    from storage.invites import key_of

    code = new_code()
    key = await key_of(code)
    async with db.transaction() as uow:
        bloc = await uow.blocs.create(-6, "Khối F", "vi", "Asia/Ho_Chi_Minh", 1)
        unit = await uow.units.add(bloc.id, "Thanh tra tỉnh")
        await uow.invites.create(key, bloc.id, unit.id, 1, timedelta(days=7))
    async with db.read() as uow:
        rows = await uow.invites.fetchall("SELECT * FROM invites")
    assert code not in repr([tuple(r) for r in rows]) and key.startswith("scrypt:")
    async with db.transaction() as uow:
        assert await uow.invites.use(key, 10) is True
        assert await uow.invites.use(key, 11) is False


class Stopwatch:
    """A COMMIT's timer (LoopWriter's): each COMMIT takes the next of `took` seconds."""

    def __init__(self, took: list[float]) -> None:
        self.took, self.now, self.started = took, 0.0, False

    def __call__(self) -> float:
        if self.started:
            self.now += self.took.pop(0)
        self.started = not self.started
        return self.now


async def test_commits_leave_the_loop_while_the_disk_is_slow(tmp_path: Path) -> None:
    """COMMIT runs on the loop's thread while it is fast; one slower than INLINE_MAX sends the
    next ones to the writer's thread, until BACK_AFTER in a row there were fast."""
    fast, slow = LoopWriter.INLINE_MAX / 4, LoopWriter.INLINE_MAX * 5
    back = LoopWriter.BACK_AFTER
    timing = [fast, fast, slow, fast, slow] + [fast] * back + [fast]
    writer = LoopWriter(tmp_path / "w.sqlite3", timer=Stopwatch(list(timing)))
    where: list[bool] = []  # per COMMIT: ran on the loop's thread
    loop_thread = threading.get_ident()
    writer._conn.set_trace_callback(
        lambda sql: where.append(threading.get_ident() == loop_thread) if sql == "COMMIT" else None
    )
    try:
        await writer.execute("CREATE TABLE t (n INTEGER)")
        for n in range(len(timing)):
            await writer.begin()
            await writer.execute("INSERT INTO t VALUES (?)", (n,))
            await writer.commit()
    finally:
        await writer.close()
    # loop, loop, loop (slow) → thread (fast), thread (slow: the count starts again), then
    # `back` fast ones on the thread → the loop again
    assert where == [True, True, True, False, False] + [False] * back + [True]


async def test_the_wal_is_checkpointed_off_the_loop(db: Database) -> None:
    """SQLite's own checkpoint would run inside a COMMIT, maybe on the loop: it is off, and
    every CHECKPOINT_EVERY commits one runs on the writer's thread."""
    assert (await db.writer.execute_fetchall("PRAGMA wal_autocheckpoint"))[0][0] == 0
    db.writer.CHECKPOINT_EVERY = 3
    size = db.path.stat().st_size
    for n in range(2):
        async with db.transaction() as uow:
            await uow.blocs.create(-10 - n, f"Khối {n}", "vi", "Asia/Ho_Chi_Minh", 1)
    assert db.writer._checkpoint is None and db.path.stat().st_size == size  # all in the WAL yet
    async with db.transaction() as uow:
        await uow.blocs.create(-20, "Khối 3", "vi", "Asia/Ho_Chi_Minh", 1)
    assert db.writer._checkpoint is not None
    await db.writer._checkpoint
    assert db.path.stat().st_size > size  # the pages were copied into the file
