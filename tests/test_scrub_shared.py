"""Scrubs asked for at the same time are shared: a burst of ballots costs two VACUUMs, not one
each, and every caller still gets a scrub that started after it asked."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.core.clock import FakeClock
from bot.polls.tally import Ballot, Rules
from storage import polls as poll_storage
from storage.db import Database
from storage.polls import CategoryRow, PollRepo, scrub_history
from tests.harness import START


async def test_scrubs_asked_meanwhile_share_the_next_one(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with Database(path, FakeClock(START)) as db:
        async with db.transaction() as uow:
            await uow.blocs.create(-1, "Khối", "vi", "Asia/Ho_Chi_Minh", 1)
            units = [await uow.units.add(1, f"Đơn vị {n}") for n in range(1, 11)]
            polls = uow.repo(PollRepo)
            poll = await polls.create(
                1, "award", "Bình xét", 2026, Rules(), None, 1, [CategoryRow(0, "Cờ", 1, "pick", None)]
            )
            await polls.set_candidates(poll, 1, 0, [u.id for u in units])
            row = await polls.get(poll)
            assert row is not None
            await polls.open_round(row, 1, [u.id for u in units], 1, None)

        for unit in units:
            async with db.transaction() as uow:
                await uow.repo(PollRepo).cast(poll, 1, unit.id, Ballot(choices={0: (unit.id,)}))
        assert await scrub_history(path)
        shared = poll_storage._scrubs[asyncio.get_running_loop()][path.resolve()]
        assert shared.started == 1
        async with shared.lock:  # as if a scrub were running while ten ballots come in
            asking = [asyncio.create_task(scrub_history(path)) for _ in range(10)]
            await asyncio.sleep(0.01)
        assert all(await asyncio.gather(*asking))
        assert shared.started == 2  # one more VACUUM served all ten
        assert Path(f"{path}-wal").stat().st_size == 0
        assert await scrub_history(path)  # asked after the others finished: a scrub of its own
        assert shared.started == 3
        async with db.read() as uow:
            assert len(await uow.repo(PollRepo).ballots(poll, 1)) == 10
