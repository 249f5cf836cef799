"""The file is rebuilt (VACUUM) once per count, never per ballot: a burst of ballots holds off no
other write, and secrecy depends on neither VACUUM nor an empty WAL (the ballots are sealed).

(This file tested the sharing of per-ballot scrubs; the ballot box made them unnecessary.)"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage import polls as poll_storage
from tests.conftest import CHAIR, GROUP
from tests.harness import BotHarness
from tests.test_polls_e2e import AWARD_POLL, VOTERS, committee_opens, link_voters


async def test_ballots_cost_no_vacuum_and_a_count_costs_one(
    bloc: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    compacted: list[Path] = []
    real = poll_storage._compact

    def counted(path: Path) -> tuple[int, int, int]:
        compacted.append(path)
        return real(path)

    monkeypatch.setattr(poll_storage, "_compact", counted)
    await link_voters(bloc)
    await bloc.send(CHAIR, GROUP, AWARD_POLL)
    await bloc.send(CHAIR, GROUP, "/poll 1 open")
    posted = [
        bloc.emu.post_message(uid, uid, f"/vote 1 1: {n}; 2: {n}, {n % 8 + 1}")
        for n, uid in enumerate(VOTERS, 1)
    ]
    for update in posted:  # a burst: eight ballots in flight at once
        await bloc.settle(update.update_id)
    assert bloc.db_rows("SELECT count(*) FROM poll_ballots WHERE sealed IS NOT NULL") == [(8,)]
    assert compacted == []
    await bloc.send(CHAIR, GROUP, "/poll 1 close")
    assert compacted == []  # the box waits, sealed: nothing to rebuild yet
    await committee_opens(bloc, 1)
    assert len(compacted) == 1
    assert bloc.db_rows("SELECT count(*) FROM poll_ballots WHERE body IS NOT NULL") == [(8,)]

    # A round whose counts are withheld destroys its sealed ballots at the close: one rebuild too.
    await bloc.send(CHAIR, GROUP, "/poll Bình xét lần 2\nBằng khen | 1")
    await bloc.send(CHAIR, GROUP, "/poll 2 open")
    await bloc.send(VOTERS[0], VOTERS[0], "/vote 2 1: 3")
    await bloc.send(CHAIR, GROUP, "/poll 2 close")
    assert len(compacted) == 2
    assert bloc.db_rows("SELECT count(*) FROM poll_ballots WHERE poll_id = 2") == [(0,)]
    assert bloc.config is not None
    with sqlite3.connect(bloc.config.database_path) as conn:
        assert conn.execute("PRAGMA freelist_count").fetchone() == (0,)
