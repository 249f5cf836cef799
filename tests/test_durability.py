"""An answer the bot has thanked for survives a power cut: commits are fsynced (synchronous=FULL)."""

from __future__ import annotations

from pathlib import Path

from storage.db import Database
from tests.conftest import CHAIR, GROUP
from tests.harness import BotHarness
from tests.test_polls_e2e import AWARD_POLL, BUTTON_TICKS, VOTERS, link_voters, vote_with_buttons


async def test_the_write_connection_syncs_every_commit(tmp_path: Path) -> None:
    async with Database(tmp_path / "d.sqlite3") as db:
        row = (await db.writer.execute_fetchall("PRAGMA synchronous"))[0]
        mode = (await db.writer.execute_fetchall("PRAGMA journal_mode"))[0]
    # 2 = FULL: in WAL mode, NORMAL (1) leaves the last commits in the OS's cache until a
    # checkpoint, and a power cut loses them.
    assert row is not None and row[0] == 2
    assert mode is not None and mode[0] == "wal"


async def test_only_a_transaction_that_says_so_skips_the_sync(tmp_path: Path) -> None:
    """A ballot draft's ticks are written without waiting for the disk (their key dies with the
    process, so a power cut loses them however they were written); every other transaction
    still syncs, the next one included."""
    async with Database(tmp_path / "d.sqlite3") as db:
        async with db.transaction(durable=False) as uow:
            ticks = (await uow.conn.execute_fetchall("PRAGMA synchronous"))[0][0]
        async with db.transaction() as uow:
            after = (await uow.conn.execute_fetchall("PRAGMA synchronous"))[0][0]
    assert (ticks, after) == (1, 2)  # NORMAL for the ticks, FULL again for what comes next


async def test_a_cast_ballot_waits_for_the_disk_and_only_ticks_do_not(bloc: BotHarness) -> None:
    """Through the bot: a voter ticks with the buttons, pages on and sends. Every transaction that
    did not wait for the disk wrote the voter's draft row only; the cast (the ballot into the
    box, the turnout) and a new page's row waited."""
    await link_voters(bloc)
    await bloc.send(CHAIR, GROUP, AWARD_POLL)
    await bloc.send(CHAIR, GROUP, "/poll 1 open")
    conn = bloc.services.db.writer._conn
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        await vote_with_buttons(bloc, VOTERS[0], BUTTON_TICKS)
    finally:
        conn.set_trace_callback(None)
    assert "Đã nhận phiếu" in bloc.last_text(VOTERS[0])
    durable, transactions = True, []  # (durable, the statements that write)
    for sql in seen:
        if sql.startswith("PRAGMA synchronous"):
            durable = sql.endswith("FULL")
        elif sql.startswith("BEGIN"):
            transactions.append((durable, []))
        elif transactions and not sql.startswith(("SELECT", "COMMIT", "ROLLBACK")):
            transactions[-1][1].append(sql.split("(")[0].strip())
    quick = [writes for ok, writes in transactions if not ok]
    assert quick and all(writes == ["INSERT INTO conversations"] for writes in quick)
    cast = [ok for ok, writes in transactions if any("poll_ballots" in w for w in writes)]
    assert cast == [True]
