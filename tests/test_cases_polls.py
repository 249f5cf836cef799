"""The polls use cases on a real SQLite file: a draft created, opened with its box, a ballot
press read, a ballot cast sealed, a refused call that leaves nothing half-written."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.polls.box import SEALED_SIZE, make_box
from bot.polls.cases import CategoryRow, Holder, closing, definitions, opening, voting
from bot.polls.cases.drafts import Drafts
from bot.polls.cases.opening import NewBox
from bot.polls.cases.state import load_state
from bot.polls.model import PollProblem
from bot.polls.tally import Ballot, Rules
from storage.db import Database

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
CHAIR = 100


@pytest.fixture
async def db(tmp_path: Path):
    async with Database(tmp_path / "polls.sqlite3", FakeClock(NOW)) as database:
        yield database


async def bloc_of_four(db: Database) -> tuple[int, list[int]]:
    """A bloc of four units, person 100 + i linked to unit i (the first is the chair)."""
    async with db.transaction() as uow:
        bloc = await uow.blocs.create(-100500, "Khối thi đua số 3", "vi", "Asia/Ho_Chi_Minh", CHAIR)
        units = []
        for i, name in enumerate(
            ("Công an tỉnh", "Sở Tư pháp tỉnh", "Thanh tra tỉnh", "Tòa án nhân dân tỉnh")
        ):
            unit = await uow.units.add(bloc.id, name)
            units.append(unit.id)
            await uow.people.upsert(CHAIR + i, f"Người {i}", None)
            await uow.units.link(bloc.id, unit.id, CHAIR + i)
    return bloc.id, units


async def draft(db: Database, bloc_id: int, units: list[int]) -> int:
    rows = [CategoryRow(0, "Cờ thi đua của UBND tỉnh", 1, "pick", None)]
    state = await definitions.create_poll(
        db, bloc_id, "award", "Bình xét 2026", 2026, Rules(), None, CHAIR, rows, {0: tuple(units)}
    )
    assert state.poll.status == "draft" and state.candidates == {1: {0: tuple(units)}}
    return state.poll.id


def new_box(units: list[int]) -> NewBox:
    box, _codes = make_box(2, 3)
    return NewBox(box, [Holder(i + 1, CHAIR + i, units[i]) for i in range(3)])


async def test_open_press_cast_and_close(db: Database) -> None:
    bloc_id, units = await bloc_of_four(db)
    poll_id = await draft(db, bloc_id, units)
    state = await load_state(db, poll_id)
    assert state is not None
    assert await opening.open_first_round(db, state, CHAIR, None, new_box(units)) == "opened"
    assert await opening.open_first_round(db, state, CHAIR, None, new_box(units)) == "not_draft"

    drafts = Drafts()
    voter = CHAIR + 1
    press = await voting.ballot_press(db, drafts, poll_id, voter, voter, 1)
    assert press.standing.reason == "ok" and press.form is not None and press.loaded is not None
    assert press.loaded.found == "new"
    assert press.standing.state is not None and press.standing.state.members == 4
    stale = await voting.ballot_press(db, drafts, poll_id, voter, voter, 2)  # another round's page
    assert stale.form is None
    form = press.form
    ballot = Ballot(choices={0: (units[2],)})
    done = await voting.cast_ballot(db, drafts, bloc_id, voter, voter, form, ballot)
    assert isinstance(done, voting.Cast)
    assert await voting.cast_ballot(db, drafts, bloc_id, voter, voter, form, ballot) == "voted"
    again = await voting.standing(db, poll_id, voter)
    assert again.reason == "voted"
    async with db.read() as uow:
        rows = await uow.blocs.fetchall("SELECT sealed, body FROM poll_ballots WHERE poll_id = ?", (poll_id,))
    assert len(rows) == 1 and rows[0][1] is None and len(bytes(rows[0][0])) == SEALED_SIZE  # sealed only

    for other in (CHAIR + 2, CHAIR + 3):  # the quorum: 3 of 4
        theirs = await voting.ballot_press(db, drafts, poll_id, other, other, 1)
        assert theirs.form is not None
        assert isinstance(
            await voting.cast_ballot(db, drafts, bloc_id, other, other, theirs.form, ballot), voting.Cast
        )
    closed = await closing.close_round(db, poll_id, CHAIR, 1)
    assert closed is not None and closed.state.poll.status == "closed" and not closed.withheld
    assert closed.state.awaiting == 1  # the box waits for the committee
    assert await closing.close_round(db, poll_id, CHAIR, 1) is None  # idempotent


async def test_a_refused_cast_stores_nothing(db: Database) -> None:
    bloc_id, units = await bloc_of_four(db)
    poll_id = await draft(db, bloc_id, units)
    state = await load_state(db, poll_id)
    assert state is not None
    await opening.open_first_round(db, state, CHAIR, None, new_box(units))
    drafts = Drafts()
    press = await voting.ballot_press(db, drafts, poll_id, CHAIR + 1, CHAIR + 1, 1)
    assert press.form is not None
    ballot = Ballot(choices={0: (units[0],)})
    # someone else than the unit's voter: refused, no turnout row, no ballot
    assert (
        await voting.cast_ballot(db, drafts, bloc_id, CHAIR + 2, CHAIR + 2, press.form, ballot)
        == "not_member"
    )
    async with db.read() as uow:
        counts = await uow.blocs.fetchall(
            "SELECT (SELECT count(*) FROM poll_turnout), (SELECT count(*) FROM poll_ballots)"
        )
    assert tuple(counts[0]) == (0, 0)


async def test_a_draft_with_too_few_candidates_left_does_not_open(db: Database) -> None:
    bloc_id, units = await bloc_of_four(db)
    poll_id = await draft(db, bloc_id, units[:1])
    state = await load_state(db, poll_id)
    assert state is not None
    async with db.transaction() as uow:
        await uow.units.remove(units[0])
    active = await opening.active_unit_ids(db, bloc_id)
    assert isinstance(opening.too_few_candidates(state, active), PollProblem)
    outcome = await opening.open_first_round(db, state, CHAIR, None, new_box(units[1:]))
    assert isinstance(outcome, PollProblem)
    after = await load_state(db, poll_id)
    assert after is not None and after.poll.status == "draft" and after.electorate == ()
    assert after.candidates == {1: {0: (units[0],)}}  # nothing half-written
    assert await opening.box_is_fixed(db, poll_id, 1) is False


async def test_the_close_question_answers_only_its_own_token(db: Database) -> None:
    await bloc_of_four(db)
    until = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    await definitions.ask_to_close(db, -100500, CHAIR, "poll-close:1", "poll-close", 1, "abcd", until)
    assert not await definitions.take_close_answer(db, -100500, CHAIR, "poll-close:1", "zzzz", 1)
    assert not await definitions.take_close_answer(db, -100500, CHAIR, "poll-close:1", "abcd", 2)
    assert await definitions.take_close_answer(db, -100500, CHAIR, "poll-close:1", "abcd", 1)
    assert not await definitions.take_close_answer(db, -100500, CHAIR, "poll-close:1", "abcd", 1)  # once
