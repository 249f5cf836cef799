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
from tests.test_polls_e2e import AWARD_POLL, VOTERS, close_poll, committee_opens, link_voters, vote_by_text


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
    for n, uid in enumerate(VOTERS, 1):  # each ballot written and shown for review
        await bloc.send(uid, uid, f"/vote 1 1: {n}; 2: {n}, {n % 8 + 1}")
    reviews = {uid: bloc.emu.last(uid) for uid in VOTERS}
    posted = [
        bloc.emu.post_callback(uid, uid, review.message_id, "bv:1:1:c")
        for uid, review in reviews.items()
        if review is not None
    ]
    for update in posted:  # a burst: eight ballots sent at once
        await bloc.settle(update.update_id)
    assert bloc.db_rows("SELECT count(*) FROM poll_ballots WHERE sealed IS NOT NULL") == [(8,)]
    assert compacted == []
    await close_poll(bloc, 1)
    assert compacted == []  # the box waits, sealed: nothing to rebuild yet
    await committee_opens(bloc, 1)
    assert len(compacted) == 1
    assert bloc.db_rows("SELECT count(*) FROM poll_ballots WHERE body IS NOT NULL") == [(8,)]

    # A round whose counts are withheld destroys its sealed ballots at the close: one rebuild too.
    await bloc.send(CHAIR, GROUP, "/poll Bình xét lần 2\nBằng khen | 1")
    await bloc.send(CHAIR, GROUP, "/poll 2 open")
    await vote_by_text(bloc, VOTERS[0], "2 1: 3")
    await close_poll(bloc, 2)
    assert len(compacted) == 2
    assert bloc.db_rows("SELECT count(*) FROM poll_ballots WHERE poll_id = 2") == [(0,)]
    assert bloc.config is not None
    with sqlite3.connect(bloc.config.database_path) as conn:
        assert conn.execute("PRAGMA freelist_count").fetchone() == (0,)
