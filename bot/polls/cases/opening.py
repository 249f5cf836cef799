"""Opening rounds: the first round with its electorate, round 2, a round voted again, a new box
for an open round; each stores the round's sealed box in the transaction that opens it, so no
round is ever open without one (the codes were given out before: bot/polls/box.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.polls.box import SealedBox
from bot.polls.cases.state import PollState
from bot.polls.model import PollProblem
from bot.polls.tally import Category
from storage.db import Database
from storage.polls import BoxRepo, Holder, PollRepo, compact


@dataclass(frozen=True)
class NewBox:
    """A round's fresh box and who holds its codes (the codes themselves are never stored)."""

    box: SealedBox
    holders: Sequence[Holder]


async def active_unit_ids(db: Database, bloc_id: int) -> set[int]:
    """The bloc's units now (a candidate removed since the draft no longer stands)."""
    async with db.read() as uow:
        return {u.id for u in await uow.units.active(bloc_id)}


def _short(cats: Sequence[Category], active: set[int]) -> PollProblem | None:
    for cat in cats:
        still = [u for u in cat.candidates if u in active]
        if not still or (cat.kind == "pick" and len(still) < cat.quota):
            return PollProblem("too_few_candidates", cat.name, cat.quota)
    return None


def too_few_candidates(state: PollState, active: set[int]) -> PollProblem | None:
    """The first category of round 1 left with too few candidates among the active units."""
    return _short(state.round_categories(1), active)


async def open_first_round(
    db: Database, state: PollState, by: int, deadline: datetime | None, new: NewBox
) -> Literal["opened", "not_draft"] | PollProblem:
    """Open round 1: the electorate fixed (the active units), candidates removed since dropped,
    the box stored; or why not (opened meanwhile, too few candidates left)."""
    async with db.transaction() as uow:
        units = await uow.units.active(state.bloc.id)
        ids = {u.id for u in units}
        polls = uow.repo(PollRepo)
        poll = await polls.get(state.poll.id)
        if poll is None or poll.status != "draft":
            return "not_draft"
        cats = state.round_categories(1)
        short = _short(cats, ids)
        if short is not None:
            return short
        for cat in cats:
            still = [u for u in cat.candidates if u in ids]
            if len(still) != len(cat.candidates):
                await polls.set_candidates(state.poll.id, 1, cat.index, still)
        await polls.open_round(poll, 1, [u.id for u in units], by, deadline)
        await uow.repo(BoxRepo).store(poll.id, 1, new.box, new.holders)
    return "opened"


async def open_second_round(
    db: Database,
    state: PollState,
    next_round: Sequence[Category],
    by: int,
    deadline: datetime | None,
    new: NewBox,
) -> bool:
    """Open round 2 with its candidates and box; False if round 1 is no longer the closed round."""
    async with db.transaction() as uow:
        polls = uow.repo(PollRepo)
        poll = await polls.get(state.poll.id)
        if poll is None or poll.status != "closed" or poll.round != 1:
            return False
        for cat in next_round:
            await polls.set_candidates(poll.id, 2, cat.index, cat.candidates)
        await polls.open_round(poll, 2, state.electorate, by, deadline)
        await uow.repo(BoxRepo).store(poll.id, 2, new.box, new.holders)
    return True


async def vote_again(
    db: Database, state: PollState, round_no: int, by: int, deadline: datetime | None, new: NewBox
) -> bool:
    """The closed round whose box cannot be opened is voted again: its ballots destroyed
    unopened, a new box; then the file compacted once. False if its box changed meanwhile."""
    async with db.transaction() as uow:
        polls = uow.repo(PollRepo)
        poll = await polls.get(state.poll.id)
        row = await uow.repo(BoxRepo).get(state.poll.id, round_no)
        old = state.boxes[round_no]
        if poll is None or poll.status != "closed" or row is None or row.box.box_id != old.box.box_id:
            return False
        await polls.rerun(poll, by, deadline)
        await uow.repo(BoxRepo).store(poll.id, round_no, new.box, new.holders)
    return True


async def compact_file(db: Database) -> bool:
    """Rebuild the file once (destroyed ballots leave no page behind); False if a reader kept
    the WAL from emptying."""
    return await compact(db.path)


async def box_is_fixed(db: Database, poll_id: int, round_no: int) -> bool:
    """Whether the round's box already holds ballots (a round opened before ballot boxes, with
    no box at all, may still get one: its earlier ballots stay plain and are counted with it)."""
    async with db.read() as uow:
        boxes = uow.repo(BoxRepo)
        return await boxes.get(poll_id, round_no) is not None and await boxes.holds_ballots(poll_id, round_no)


async def replace_box(db: Database, poll_id: int, round_no: int, new: NewBox) -> bool:
    """A new box for the open round that holds no ballot yet; False if it holds one by now
    (or the round is no longer open)."""
    async with db.transaction() as uow:
        boxes = uow.repo(BoxRepo)
        poll = await uow.repo(PollRepo).get(poll_id)
        if poll is None or poll.status != "open" or poll.round != round_no:
            return False
        if await boxes.get(poll.id, round_no) is not None and await boxes.holds_ballots(poll.id, round_no):
            return False
        await boxes.store(poll.id, round_no, new.box, new.holders)
    return True
