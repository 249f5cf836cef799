"""Secret ballot: during and after a poll, neither the database file (with its WAL) nor any log
record at DEBUG links a unit to its choices, and no share code of the ballot box is logged.
(tests/test_ballot_box_operator.py attacks the files with an operator's means.)"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.core.clock import FakeClock
from bot.polls.ballots import encode_ballot, pack_ballot, unpack_ballot
from bot.polls.box import SEALED_SIZE, SealedBox, make_box, open_box, parse_share, seal
from bot.polls.secrecy import REDACTED, Sealed, has_share_code, mentions_ballot, redact
from bot.polls.tally import Ballot, Category, Rules
from storage.db import Database
from storage.polls import BoxRepo, CategoryRow, Holder, PollRepo, compact
from tests.harness import START, BotHarness
from tests.test_polls_e2e import CODE, TEXT_BALLOTS, run_award_poll

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
    bloc: BotHarness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: every library's records, at DEBUG
    codes: list[str] = []
    original = bloc.emu.post_message

    def remember(user: int, chat: int, text: str, **kw: Any) -> Any:
        codes.extend(CODE.findall(text))  # the codes the committee pastes (their messages are edited later)
        return original(user, chat, text, **kw)

    monkeypatch.setattr(bloc.emu, "post_message", remember)
    await run_award_poll(bloc)
    assert bloc.config is not None
    assert len(codes) == 2

    # ---- the database file ----
    ballots = bloc.db_rows("SELECT id, body FROM poll_ballots")
    assert len(ballots) == 7
    assert bloc.db_rows("SELECT count(*) FROM poll_ballots WHERE sealed IS NOT NULL") == [(0,)]
    assert bloc.db_rows("SELECT count(*) FROM poll_boxes") == [(0,)]  # the box's keys are gone
    columns = {
        t: [r[1] for r in bloc.db_rows(f"PRAGMA table_info({t})")] for t in ("poll_ballots", "poll_turnout")
    }
    assert columns == {
        "poll_ballots": ["poll_id", "round", "id", "sealed", "body"],
        "poll_turnout": ["poll_id", "round", "unit_id"],
    }  # no unit, no time
    schema = " ".join(r[0] or "" for r in bloc.db_rows("SELECT sql FROM sqlite_master"))
    assert "AUTOINCREMENT" not in schema.upper()
    files = files_of(bloc.config.database_path)
    everything = b"".join(files.values())
    # no stale copy of an opened ballot anywhere (free pages, WAL, shm): each body only where it lives
    for body in {b for _i, b in ballots}:
        assert everything.count(body.encode()) == sum(b == body for _i, b in ballots)
    # the opened ballots lie in the order of their random keys, not in the order they were cast
    db = files["db"]
    offsets = [db.find(i.encode()) for i, _b in sorted(ballots)]
    assert all(o > 0 for o in offsets)
    assert offsets == sorted(offsets, reverse=True)
    assert bloc.db_rows("PRAGMA freelist_count") == [(0,)]
    for code in codes:  # share codes are never stored, in any form
        assert code.encode() not in everything and code.replace("-", "").encode() not in everything

    # ---- the logs ----
    records = caplog.records
    texts = [FORMATTER.format(r) for r in records]
    # The capture really saw the bot's traffic at DEBUG, and redaction really happened.
    assert any(r.name.startswith("telegram") and "sendMessage" in r.getMessage() for r in records)
    # The storage's own connections log no statement at all (storage/db.py: no aiosqlite).
    assert not any("poll_turnout" in r.getMessage() for r in records)
    secrets = [
        "🗳",
        "☑",
        "🔑",
        "bv:",
        "/vote",
        "/kiemphieu",
        '"c":',
        *TEXT_BALLOTS.values(),
        *(body for _i, body in ballots),
        *(i for i, _b in ballots),
        *codes,
        *(c.replace("-", "") for c in codes),
    ]
    for text in texts:
        for secret in secrets:
            assert secret not in text, (secret, text[:300])
    assert any(r.getMessage() == REDACTED for r in records)
    assert not [r for r in records if r.levelno >= logging.ERROR]


async def _poll_with_box(
    db: Database, units: int, quota: int = 1
) -> tuple[int, list[int], SealedBox, list[str]]:
    """A bloc with `units` units and an open poll with a ballot box; (poll, units, box, codes)."""
    box, codes = make_box(2, 3)
    async with db.transaction() as uow:
        await uow.blocs.create(-1, "Khối", "vi", "Asia/Ho_Chi_Minh", 1)
        ids = [(await uow.units.add(1, f"Đơn vị {n}")).id for n in range(1, units + 1)]
        polls = uow.repo(PollRepo)
        poll = await polls.create(
            1, "award", "Bình xét", 2026, Rules(), None, 1, [CategoryRow(0, "Cờ", quota, "pick", None)]
        )
        await polls.set_candidates(poll, 1, 0, ids)
        row = await polls.get(poll)
        assert row is not None
        await polls.open_round(row, 1, ids, 1, None)
        await uow.repo(BoxRepo).store(poll, 1, box, [Holder(i, 100 + i, ids[i - 1]) for i in (1, 2, 3)])
    return poll, ids, box, codes


async def test_sealed_storage_keeps_no_plain_ballot_in_any_history(tmp_path: Path) -> None:
    """The WAL keeps every page version and a page the order its cells came in; all of it is
    sealed ballots of one length. The count then writes the opened ballots at once, in key order."""
    path = tmp_path / "db.sqlite3"
    async with Database(path, FakeClock(START)) as db:
        poll, units, box, codes = await _poll_with_box(db, 6)
        cats = [Category(0, "Cờ", 1, tuple(units))]
        bodies = []
        for unit in units:  # each unit ticks itself: the ballots differ
            ballot = Ballot(choices={0: (unit,)})
            bodies.append(encode_ballot(ballot).encode())
            sealed = seal(box.public_key, pack_ballot(ballot, cats))
            async with db.transaction() as uow:
                await uow.repo(PollRepo).cast(poll, 1, unit, sealed)
        before = files_of(path)
        async with db.read() as uow:
            stored, plain = await uow.repo(PollRepo).box_contents(poll, 1)
        assert plain == [] and len(stored) == 6 and {len(s) for s in stored} == {SEALED_SIZE}
        history = b"".join(before.values())
        assert max(history.count(s) for s in stored) > 1  # the WAL keeps several versions of the page…
        assert all(b not in history for b in bodies)  # … and none of them says anything
        assert b'{"c":' not in history
        opener = open_box(box, [parse_share(c) for c in codes[:2]])
        opened = [unpack_ballot(opener.open(s), cats) for s in stored]
        async with db.transaction() as uow:
            await uow.repo(PollRepo).record_count(
                poll, 1, [encode_ballot(b) for b in opened], returned=6, valid=6, invalid=0, opened_by=[1, 2]
            )
        assert await compact(path)
        after = files_of(path)
        data = b"".join(after.values())
        assert all(data.count(b) == 1 for b in bodies) and all(s not in data for s in stored)
        async with db.read() as uow:
            keyed = await uow.repo(PollRepo).fetchall("SELECT id, body FROM poll_ballots ORDER BY id")
            counted = await uow.repo(PollRepo).ballots(poll, 1)
            assert await uow.repo(BoxRepo).get(poll, 1) is None
        offsets = [after["db"].find(str(r[0]).encode()) for r in keyed]
        assert offsets == sorted(offsets, reverse=True)  # key order, whatever the casting order
        assert sorted(encode_ballot(b) for b in counted) == sorted(b.decode() for b in bodies)


def test_redaction_of_log_records() -> None:
    def record(msg: str, *args: object) -> logging.LogRecord:
        return logging.LogRecord("telegram.Bot", logging.DEBUG, __file__, 1, msg, args, None)

    _box, (code, *_others) = make_box(2, 3)
    for said in (
        code,
        code.replace("-", ""),
        code.lower().replace("-", " "),
        f"/kiemphieu {code}",
        f"/open {code}",
    ):
        assert redact(record("update %s", {"text": said})).getMessage() == REDACTED, said
        assert has_share_code(said) or "/" in said
    assert redact(record("Calling sendMessage with %s", "🔑 Mã của anh/chị")).getMessage() == REDACTED
    # ids and tokens in hex are not codes: the logs keep them
    assert not has_share_code("ballot " + "0123456789abcdef" * 2) and not has_share_code("/poll 1 open")

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


async def test_concurrent_ballots_lose_nothing(tmp_path: Path) -> None:
    """Casts racing (as concurrent updates would), some twice: every ballot in, once, sealed."""
    path = tmp_path / "db.sqlite3"
    async with Database(path, FakeClock(START)) as db:
        poll, units, box, codes = await _poll_with_box(db, 15, quota=2)
        cats = [Category(0, "Cờ", 2, tuple(units))]

        async def vote(unit: int) -> None:
            sealed = seal(box.public_key, pack_ballot(Ballot(choices={0: (unit,)}), cats))
            async with db.transaction() as uow:
                await uow.repo(PollRepo).cast(poll, 1, unit, sealed)

        await asyncio.gather(*(vote(u) for u in units), *(vote(u) for u in units[:3]), return_exceptions=True)
        async with db.read() as uow:
            stored, _plain = await uow.repo(PollRepo).box_contents(poll, 1)
            turnout = await uow.repo(PollRepo).turnout(poll, 1)
        assert len(stored) == 15 and turnout == set(units)
        opener = open_box(box, [parse_share(c) for c in codes[1:]])
        assert sorted(unpack_ballot(opener.open(s), cats).choices[0] for s in stored) == [(u,) for u in units]
