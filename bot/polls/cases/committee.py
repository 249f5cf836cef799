"""The counting committee (Ban kiểm phiếu): who is to hold the codes of a round's ballot box,
naming its members, the languages to write to them in, the boxes not to collide with.

By default the committee is the chair unit's and the vice chair unit's voters and the members
the chair names; while it has fewer than n members, the other member units fill it in roster
order. A holder is the unit's voter, or another of its representatives, who has a private chat
with the bot; each person holds one code at most.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.polls.cases.state import PollState, read_state
from bot.roster.model import Representative, voter_of
from storage.db import Database
from storage.polls import BoxRepo, PollRepo
from storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Member:
    """A planned holder: the unit they stand for, the person, their name."""

    unit: int
    person: int
    name: str


@dataclass(frozen=True)
class Plan:
    """Who is to hold a code (the first n), who may stand in for one that cannot be reached,
    and the units wanted that nobody of could be given one."""

    members: tuple[Member, ...]
    reserves: tuple[Member, ...]
    missed: tuple[int, ...]  # the chair, vice chair or named units left out: nobody reachable


def _reachable(reps: list[Representative], unit: int, taken: set[int]) -> Representative | None:
    """Who of a unit can hold a code: its voter, else another representative, with a private
    chat with the bot and no code of this box yet."""
    mine = [r for r in reps if r.unit_id == unit and r.person.started and r.person.user_id not in taken]
    if not mine:
        return None
    voter = voter_of([r for r in reps if r.unit_id == unit])
    return voter if voter in mine else mine[0]


async def _plan(uow: UnitOfWork, state: PollState) -> Plan:
    """Who will hold the codes of the poll's next box (wanted units first, then the roster)."""
    poll = state.poll
    review_year = poll.year if poll.kind == "award" else poll.year - 1
    roles = await uow.blocs.roles(state.bloc.id, review_year)
    reps = await uow.units.representatives(state.bloc.id)
    active = [u.id for u in await uow.units.active(state.bloc.id)]
    members = set(state.electorate) if state.electorate else set(active)
    wanted: list[int] = []
    for unit in (roles.chair, roles.vice, *state.named):
        if unit is not None and unit in members and unit not in wanted:
            wanted.append(unit)
    chosen: list[Member] = []
    taken: set[int] = set()
    missed: list[int] = []
    for unit in wanted + [u for u in active if u in members and u not in wanted]:
        rep = _reachable(reps, unit, taken)
        if rep is None:
            if unit in wanted:
                missed.append(unit)
            continue
        taken.add(rep.person.user_id)
        chosen.append(Member(unit, rep.person.user_id, rep.person.full_name))
    n = poll.committee.n
    return Plan(tuple(chosen[:n]), tuple(chosen[n:]), tuple(missed))


async def plan_committee(db: Database, state: PollState) -> Plan:
    """Who will hold the codes of the poll's next box (wanted units first, then the roster)."""
    async with db.read() as uow:
        return await _plan(uow, state)


async def plan_box(db: Database, state: PollState) -> tuple[Plan, set[str]]:
    """The plan of a new box's holders, and the ids of the boxes not yet opened (to avoid)."""
    async with db.read() as uow:
        return await _plan(uow, state), await uow.repo(BoxRepo).live_ids()


async def name_committee(db: Database, poll_id: int, units: list[int]) -> PollState:
    """Store the members the chair named (they hold the codes of the poll's next box)."""
    async with db.transaction() as uow:
        await uow.repo(PollRepo).name_committee(poll_id, units)
        fresh = await read_state(uow, poll_id)
    assert fresh is not None
    return fresh


async def chat_language(db: Database, chat_id: int) -> str | None:
    """The language chosen for a chat with /lang, if any."""
    async with db.read() as uow:
        return await uow.people.chat_language(chat_id)
