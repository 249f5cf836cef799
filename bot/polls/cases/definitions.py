"""Polls and elections as the chair defines and settles them: a draft stored, its candidates
changed, a draft deleted, the chair and vice chair's decision, an election confirmed, and what
the conversation reads for them (the bloc's polls, its units, its roles, a box by its code's id,
the question 'close now?')."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.polls.cases.state import PollState, read_state
from bot.polls.model import DEFAULT_COMMITTEE, Committee
from bot.polls.tally import Rules
from bot.roster.model import Person, Representative, Roles, Unit
from storage.db import Database
from storage.polls import BoxRepo, BoxRow, CategoryRow, Poll, PollRepo


async def create_poll(
    db: Database,
    bloc_id: int,
    kind: str,
    title: str,
    year: int,
    rules: Rules,
    deadline: datetime | None,
    by: int,
    rows: Sequence[CategoryRow],
    lists: dict[int, tuple[int, ...]],
    suggested: tuple[int | None, int | None] = (None, None),
    committee: Committee = DEFAULT_COMMITTEE,
) -> PollState:
    """Store a draft poll with its categories and round 1's candidates, in one transaction."""
    async with db.transaction() as uow:
        polls = uow.repo(PollRepo)
        poll_id = await polls.create(
            bloc_id, kind, title, year, rules, deadline, by, rows, suggested, committee
        )
        for index, units in lists.items():
            await polls.set_candidates(poll_id, 1, index, units)
        state = await read_state(uow, poll_id)
    assert state is not None
    return state


async def set_candidates(
    db: Database, poll_id: int, indexes: Sequence[int], units: Sequence[int]
) -> PollState:
    """The same candidates for round 1 of each of these categories (a draft)."""
    async with db.transaction() as uow:
        for index in indexes:
            await uow.repo(PollRepo).set_candidates(poll_id, 1, index, units)
        fresh = await read_state(uow, poll_id)
    assert fresh is not None
    return fresh


async def decide(db: Database, poll_id: int, index: int, units: Sequence[int], by: int) -> PollState:
    """Record the chair and vice chair's choice for a category."""
    async with db.transaction() as uow:
        await uow.repo(PollRepo).decide(poll_id, index, units, by)
        fresh = await read_state(uow, poll_id)
    assert fresh is not None
    return fresh


async def delete_draft(db: Database, poll_id: int) -> bool:
    """Drop a poll that never opened; False if it has."""
    async with db.transaction() as uow:
        return await uow.repo(PollRepo).delete_draft(poll_id)


async def confirm_election(
    db: Database, poll_id: int, bloc_id: int, year: int, chair: int, vice: int, by: int
) -> bool:
    """Confirm an election's winners as the year's chair and vice chair units, in one
    transaction; False if it was confirmed already."""
    async with db.transaction() as uow:
        done = await uow.repo(PollRepo).confirm(poll_id, by)
        if done:
            await uow.blocs.set_role(bloc_id, year, "chair", chair)
            await uow.blocs.set_role(bloc_id, year, "vice", vice)
    return done


async def polls_of(db: Database, bloc_id: int) -> list[Poll]:
    """A bloc's polls, newest first."""
    async with db.read() as uow:
        return await uow.repo(PollRepo).of_bloc(bloc_id)


async def active_units(db: Database, bloc_id: int) -> list[Unit]:
    """The bloc's units now, in roster order."""
    async with db.read() as uow:
        return await uow.units.active(bloc_id)


async def roles_of(db: Database, bloc_id: int, year: int) -> Roles:
    """The bloc's chair and vice chair units of a year."""
    async with db.read() as uow:
        return await uow.blocs.roles(bloc_id, year)


@dataclass(frozen=True)
class MinutesFacts:
    """What the minutes read from the roster: the review year's chair unit, next year's roles,
    the representatives (the presiding person is the chair unit's voter)."""

    chair: int | None
    next_roles: Roles
    representatives: list[Representative]


async def minutes_facts(db: Database, bloc_id: int, review_year: int) -> MinutesFacts:
    """The roster facts of the minutes."""
    async with db.read() as uow:
        chair = (await uow.blocs.roles(bloc_id, review_year)).chair
        next_roles = await uow.blocs.roles(bloc_id, review_year + 1)
        reps = await uow.units.representatives(bloc_id)
    return MinutesFacts(chair, next_roles, reps)


async def person(db: Database, person_id: int) -> Person | None:
    """One person by id."""
    async with db.read() as uow:
        return await uow.people.get(person_id)


async def box_by_id(db: Database, box_id: str) -> BoxRow | None:
    """The box a share code names (box ids are unique among the boxes not yet opened)."""
    async with db.read() as uow:
        return await uow.repo(BoxRepo).by_id(box_id)


async def box_of(db: Database, poll_id: int, round_no: int) -> BoxRow | None:
    """The round's box, if it is still closed."""
    async with db.read() as uow:
        return await uow.repo(BoxRepo).get(poll_id, round_no)


async def ask_to_close(
    db: Database,
    chat_id: int,
    person_id: int,
    slot: str,
    kind: str,
    round_no: int,
    token: str,
    until: datetime,
) -> None:
    """Store the question 'close voting now?' of this admin (replacing an older one)."""
    async with db.transaction() as uow:
        await uow.conversations.put(
            chat_id, person_id, slot, kind, {"round": round_no, "token": token}, until
        )


async def take_close_answer(
    db: Database, chat_id: int, person_id: int, slot: str, token: str, round_no: int
) -> bool:
    """Whether the answer is to this admin's current question (then it is forgotten)."""
    async with db.transaction() as uow:
        row = await uow.conversations.get(chat_id, person_id, slot)
        current = (
            row is not None and row.payload.get("token") == token and row.payload.get("round") == round_no
        )
        if current:
            await uow.conversations.drop(chat_id, person_id, slot)
    return current
