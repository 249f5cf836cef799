"""Voting: whether a person may vote in a poll now, their ballot draft, and casting the ballot.

A press on a ballot is the commonest update of a vote: ``ballot_press`` reads the poll as a
ballot needs it (bot/polls/cases/state.py ``read_ballot_state``), the person's standing and
their draft at once; ``keep_draft`` writes the draft back, sealed (bot/polls/cases/drafts.py).
``cast_ballot`` seals the ballot to the round's box and stores it beside the turnout in one
transaction (storage/polls.py): what was voted never reaches the database in the clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.polls.ballots import BallotForm, Draft, pack_ballot
from bot.polls.box import seal
from bot.polls.cases.drafts import Drafts, Loaded
from bot.polls.cases.state import PollState, read_ballot_state
from bot.polls.tally import Ballot
from bot.roster.model import voter_of
from storage.db import Database
from storage.polls import AlreadyVoted, BoxRepo, PollRepo
from storage.unit_of_work import UnitOfWork

Reason = Literal["ok", "no_poll", "closed", "not_member", "not_voter", "voted"]


@dataclass(frozen=True)
class Standing:
    """Whether a person may vote in a poll now, and for which unit."""

    state: PollState | None
    unit: int | None
    reason: Reason
    voter_name: str = ""


async def _standing(uow: UnitOfWork, poll_id: int, person_id: int) -> Standing:
    state = await read_ballot_state(uow, poll_id)
    if state is None:
        return Standing(None, None, "no_poll")
    unit, reps = await uow.repo(PollRepo).voter_standing(state.bloc.id, person_id)
    if unit is None or unit.id not in state.electorate:
        return Standing(state, None, "not_member")
    if state.poll.status != "open":
        return Standing(state, unit.id, "closed")
    voter = voter_of(reps)
    if voter is None or voter.person.user_id != person_id:
        return Standing(state, unit.id, "not_voter", voter.person.full_name if voter else "")
    if unit.id in state.voted:
        return Standing(state, unit.id, "voted")
    return Standing(state, unit.id, "ok")


async def standing(db: Database, poll_id: int, person_id: int) -> Standing:
    """May this person vote in this poll now, and for which unit?"""
    async with db.read() as uow:
        return await _standing(uow, poll_id, person_id)


@dataclass(frozen=True)
class Press:
    """A ballot press's reading: the person's standing and, if they may vote, their draft."""

    standing: Standing
    form: BallotForm | None = None
    loaded: Loaded | None = None


async def ballot_press(
    db: Database, drafts: Drafts, poll_id: int, person_id: int, chat_id: int, round_no: int
) -> Press:
    """What a press on a ballot of this round needs: the standing, the form and the draft."""
    async with db.read() as uow:
        found = await _standing(uow, poll_id, person_id)
        if found.reason != "ok" or found.state is None or found.unit is None:
            return Press(found)
        if found.state.poll.round != round_no:
            return Press(found)
        form = found.state.form_for(found.unit)
        return Press(found, form, await drafts.load(uow, chat_id, person_id, form))


async def load_draft(db: Database, drafts: Drafts, chat_id: int, person_id: int, form: BallotForm) -> Loaded:
    """The person's draft of this ballot in this chat."""
    async with db.read() as uow:
        return await drafts.load(uow, chat_id, person_id, form)


async def keep_draft(
    db: Database,
    drafts: Drafts,
    chat_id: int,
    person_id: int,
    form: BallotForm,
    draft: Draft,
    message_id: int | None,
    *,
    durable: bool = True,
) -> bool:
    """Store the draft (sealed) with the page that shows it; False if the round closed meanwhile
    (its drafts are gone and must stay gone). ``durable=False`` when the row already names this
    page: the ticks alone do not wait for the disk, as no one can read them after a power cut
    (their key dies with the process; storage/db.py Database.transaction)."""
    async with db.transaction(durable=durable) as uow:
        poll = await uow.repo(PollRepo).get(form.poll_id)
        if poll is None or poll.status != "open" or poll.round != form.round_no:
            return False
        await drafts.save(uow, chat_id, person_id, form, draft, poll=poll, message_id=message_id)
    return True


async def has_box(db: Database, poll_id: int, round_no: int) -> bool:
    """Whether the round has a ballot box (a round opened before boxes takes no ballot)."""
    async with db.read() as uow:
        return await uow.repo(BoxRepo).get(poll_id, round_no) is not None


async def roster_order(db: Database, bloc_id: int) -> list[int]:
    """The bloc's active units in /units order (a number written on a ballot is checked against it)."""
    async with db.read() as uow:
        return [u.id for u in await uow.units.active(bloc_id)]


async def open_polls_of(db: Database, person_id: int) -> list[int]:
    """The open polls of every bloc the person represents a unit in, by id."""
    async with db.read() as uow:
        memberships = await uow.units.memberships(person_id)
        return sorted(
            {
                p.id
                for bloc_id, _u in memberships
                for p in await uow.repo(PollRepo).of_bloc(bloc_id)
                if p.status == "open"
            }
        )


@dataclass(frozen=True)
class Cast:
    """A ballot in the box (``page``: the message that showed its draft, if any)."""

    page: int | None


CastRefusal = Literal["closed", "not_member", "no_box", "voted"]


async def cast_ballot(
    db: Database, drafts: Drafts, bloc_id: int, person_id: int, chat_id: int, form: BallotForm, ballot: Ballot
) -> Cast | CastRefusal:
    """Seal the ballot to the round's box and store it beside the turnout, dropping the draft,
    in one transaction; or why not (closed, not this person's, no box, already in)."""
    async with db.transaction() as uow:
        polls = uow.repo(PollRepo)
        poll = await polls.get(form.poll_id)
        unit, reps = await polls.voter_standing(bloc_id, person_id)
        voter = voter_of(reps)
        if poll is None or poll.status != "open" or poll.round != form.round_no:
            return "closed"
        if unit is None or unit.id != form.unit or voter is None or voter.person.user_id != person_id:
            return "not_member"
        box = await uow.repo(BoxRepo).get(form.poll_id, form.round_no)
        if box is None:  # a round opened before ballot boxes: no plain ballot is stored any more
            return "no_box"
        sealed = seal(box.box.public_key, pack_ballot(ballot, form.categories))
        del ballot  # from here on only the sealed ballot exists
        try:
            await polls.cast(form.poll_id, form.round_no, form.unit, sealed)
        except AlreadyVoted:
            return "voted"
        return Cast(await drafts.drop(uow, chat_id, person_id, form))
