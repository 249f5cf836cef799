"""Secret ballot: after a poll, neither the database file (with its WAL) nor any log record at
DEBUG links a unit to its choices."""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.polls.ballots import encode_ballot
from bot.polls.secrecy import REDACTED, Sealed, mentions_ballot, redact
from bot.polls.tally import Ballot, Rules
from storage.db import Database
from storage.polls import CategoryRow, PollRepo, scrub_history
from tests.harness import START, BotHarness
from tests.test_polls_e2e import TEXT_BALLOTS, run_award_poll

FORMATTER = logging.Formatter("%(name)s %(levelname)s %(message)s")


def files_of(path: Path) -> dict[str, bytes]:
    """The database file and its WAL and shared-memory index, as bytes."""
    found = {}
    for suffix in ("", "-wal", "-shm", "-journal"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            found[suffix or "db"] = part.read_bytes()
    return found


async def test_nothing_links_a_unit_to_its_choices(
    bloc: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: every library's records, at DEBUG
    await run_award_poll(bloc)
    assert bloc.config is not None

    # ---- the database file ----
    ballots = bloc.db_rows("SELECT id, body FROM poll_ballots")
    assert len(ballots) == 7
    columns = {
        t: [r[1] for r in bloc.db_rows(f"PRAGMA table_info({t})")] for t in ("poll_ballots", "poll_turnout")
    }
    assert columns == {
        "poll_ballots": ["poll_id", "round", "id", "body"],
        "poll_turnout": ["poll_id", "round", "unit_id"],
    }  # no unit, no time
    schema = " ".join(r[0] or "" for r in bloc.db_rows("SELECT sql FROM sqlite_master"))
    assert "AUTOINCREMENT" not in schema.upper()
    files = files_of(bloc.config.database_path)
    assert len(files.get("-wal", b"")) == 0, "the WAL keeps every page version: it must be empty"
    everything = b"".join(files.values())
    # no stale copy of a ballot page anywhere (free pages, WAL, shm): each body only where it lives
    for body in {b for _i, b in ballots}:
        assert everything.count(body.encode()) == sum(b == body for _i, b in ballots)
    # the ballots lie in the order of their random keys, not in the order they were cast
    db = files["db"]
    offsets = [db.find(i.encode()) for i, _b in sorted(ballots)]
    assert all(o > 0 for o in offsets)
    assert offsets == sorted(offsets, reverse=True)
    assert bloc.db_rows("PRAGMA freelist_count") == [(0,)]

    # ---- the logs ----
    records = caplog.records
    texts = [FORMATTER.format(r) for r in records]
    # The capture really saw the bot's traffic at DEBUG, and redaction really happened.
    assert any(r.name.startswith("telegram") and "sendMessage" in r.getMessage() for r in records)
    assert any(r.name == "aiosqlite" and "poll_turnout" in r.getMessage() for r in records)
    secrets = [
        "🗳",
        "☑",
        "bv:",
        "/vote",
        '"c":',
        *TEXT_BALLOTS.values(),
        *(body for _i, body in ballots),
        *(i for i, _b in ballots),
    ]
    for text in texts:
        for secret in secrets:
            assert secret not in text, (secret, text[:300])
    assert any(r.getMessage() == REDACTED for r in records)
    assert not [r for r in records if r.levelno >= logging.ERROR]


async def test_scrub_erases_the_history_sqlite_keeps(tmp_path: Path) -> None:
    """Without the scrub, the WAL and the page layout tell the order ballots came in."""
    path = tmp_path / "db.sqlite3"
    async with Database(path, FakeClock(START)) as db:
        async with db.transaction() as uow:
            await uow.blocs.create(-1, "Khối", "vi", "Asia/Ho_Chi_Minh", 1)
            units = [await uow.units.add(1, f"Đơn vị {n}") for n in range(1, 7)]
            polls = uow.repo(PollRepo)
            poll = await polls.create(
                1, "award", "Bình xét", 2026, Rules(), None, 1, [CategoryRow(0, "Cờ", 1, "pick", None)]
            )
            await polls.set_candidates(poll, 1, 0, [u.id for u in units])
            row = await polls.get(poll)
            assert row is not None
            await polls.open_round(row, 1, [u.id for u in units], 1, None)
        bodies = []
        for unit in units:  # each unit ticks itself: the bodies differ
            ballot = Ballot(choices={0: (unit.id,)})
            bodies.append(encode_ballot(ballot).encode())
            async with db.transaction() as uow:
                await uow.repo(PollRepo).cast(poll, 1, unit.id, ballot)
        before = files_of(path)
        assert before["-wal"].count(bodies[0]) > 1  # several versions of the ballot page
        assert await scrub_history(path)
        after = files_of(path)
        assert len(after.get("-wal", b"")) == 0
        data = b"".join(after.values())
        assert all(data.count(b) == 1 for b in bodies)
        async with db.read() as uow:
            keyed = await uow.repo(PollRepo).fetchall("SELECT id, body FROM poll_ballots ORDER BY id")
        offsets = [after["db"].find(str(r[0]).encode()) for r in keyed]
        assert offsets == sorted(offsets, reverse=True)  # key order, whatever the casting order
        async with db.read() as uow:
            counted = await uow.repo(PollRepo).ballots(poll, 1)
        assert sorted(encode_ballot(b) for b in counted) == sorted(b.decode() for b in bodies)


def test_redaction_of_log_records() -> None:
    def record(msg: str, *args: object) -> logging.LogRecord:
        return logging.LogRecord("telegram.Bot", logging.DEBUG, __file__, 1, msg, args, None)

    assert redact(record("Calling %s with %s", "editMessageText", {"text": "🗳 Phiếu"})).msg == REDACTED
    assert redact(record("update %s", "callback_data='bv:1:1:t:0:2'")).getMessage() == REDACTED
    assert redact(record("text /VOTE 1 1: 2")).getMessage() == REDACTED
    assert redact(record("sendMessage to %s", -100)).getMessage() == "sendMessage to -100"
    assert redact(record("bad %s %s 🗳", 1)).msg == REDACTED  # a malformed record does not raise
    failing = record("failed")
    try:
        raise ValueError("☑ #2 Công an tỉnh")
    except ValueError:
        failing.exc_info = sys.exc_info()
    cleaned = redact(failing)
    assert cleaned.exc_info is None and "Công an" not in FORMATTER.format(cleaned)
    assert mentions_ballot("x 🗳 y") and not mentions_ballot("/poll 1 open")


def test_sealed_parameters_hide_their_values() -> None:
    sealed = Sealed((1, 1, "abc", '{"c":{"0":[2]}}'))
    assert repr(sealed) == "<sealed>" and str(sealed) == "<sealed>"
    assert "[2]" not in repr(functools.partial(print, "INSERT", sealed))
    assert tuple(sealed) == (1, 1, "abc", '{"c":{"0":[2]}}')


async def test_concurrent_ballots_and_scrubs_lose_nothing(tmp_path: Path) -> None:
    """Casts and scrubs racing (as concurrent updates would): every ballot in, once, WAL empty."""
    path = tmp_path / "db.sqlite3"
    async with Database(path, FakeClock(START)) as db:
        async with db.transaction() as uow:
            await uow.blocs.create(-1, "Khối", "vi", "Asia/Ho_Chi_Minh", 1)
            units = [await uow.units.add(1, f"Đơn vị {n}") for n in range(1, 16)]
            polls = uow.repo(PollRepo)
            poll = await polls.create(
                1, "award", "Bình xét", 2026, Rules(), None, 1, [CategoryRow(0, "Cờ", 2, "pick", None)]
            )
            await polls.set_candidates(poll, 1, 0, [u.id for u in units])
            row = await polls.get(poll)
            assert row is not None
            await polls.open_round(row, 1, [u.id for u in units], 1, None)

        async def vote(unit: int) -> None:
            async with db.transaction() as uow:
                await uow.repo(PollRepo).cast(poll, 1, unit, Ballot(choices={0: (unit,)}))
            await scrub_history(path)

        await asyncio.gather(
            *(vote(u.id) for u in units), *(vote(u.id) for u in units[:3]), return_exceptions=True
        )
        async with db.read() as uow:
            counted = await uow.repo(PollRepo).ballots(poll, 1)
            turnout = await uow.repo(PollRepo).turnout(poll, 1)
        assert len(counted) == 15 and turnout == {u.id for u in units}
        assert await scrub_history(path)
        assert len(files_of(path).get("-wal", b"")) == 0
