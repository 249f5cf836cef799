"""Closing and counting rounds: the close (a round whose counts may not be published is counted
at once as not valid, its ballots destroyed unopened), the count once the committee opened the
box (the ballots opened in memory, checked, tallied, stored opened in random order with the
count, the box's keys deleted, the file compacted once), the turnout card, the ballot pages
and links still out, the boxes waiting for their committee."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.polls.ballots import Draft, decode_ballot, encode_ballot, unpack_ballot
from bot.polls.box import BallotError, Opener
from bot.polls.cases.drafts import Drafts, expiry, slot
from bot.polls.cases.state import PollState, read_state
from bot.polls.tally import Ballot, Category, tally_round, withheld_reason
from bot.roster.model import Representative
from storage.db import Database
from storage.polls import BoxRepo, BoxRow, Poll, PollRepo, compact

log = logging.getLogger(__name__)

BROKEN = Ballot(choices={-1: (0,)})  # a sealed ballot that does not open: counted as invalid
LINKS = "ballot-links"
KEEP_LINKS = 20  # messages remembered per person and round (the newest)


def links_slot(poll_id: int, round_no: int) -> str:
    """The conversations slot of a round's ballot links."""
    return f"{LINKS}:{poll_id}:{round_no}"


@dataclass(frozen=True)
class Closed:
    """A round just closed: the poll as it is now, the ballot pages still out (chat, person,
    message), and whether the count was withheld and the box held sealed ballots."""

    state: PollState
    pages: list[tuple[int, int, int | None]]
    withheld: bool
    sealed: bool


async def close_round(
    db: Database, poll_id: int, by: int | None, expected_round: int | None
) -> Closed | None:
    """Close the open round in one transaction (counted at once as not valid if its counts may
    not be published); None if it was not open (idempotent)."""
    async with db.transaction() as uow:
        polls = uow.repo(PollRepo)
        poll = await polls.get(poll_id)
        if poll is None or poll.status != "open":
            return None
        if expected_round is not None and poll.round != expected_round:
            return None
        if not await polls.close_round(poll, by):
            return None
        members = max(1, len(await polls.electorate(poll_id)))
        returned = len(await polls.turnout(poll_id, poll.round))
        reason = withheld_reason(returned, members, poll.rules)
        sealed = await uow.repo(BoxRepo).get(poll_id, poll.round) is not None
        if reason is not None:
            await polls.record_count(
                poll_id, poll.round, [], returned=returned, valid=0, invalid=0, withheld=reason
            )
        pages = await polls.ballot_pages(slot(poll_id, poll.round))
        await polls.drop_ballot_pages(slot(poll_id, poll.round))
        state = await read_state(uow, poll_id)
    assert state is not None
    return Closed(state, pages, reason is not None, sealed)


async def compact_file(db: Database) -> bool:
    """Rebuild the file and empty the WAL once (not per ballot)."""
    return await compact(db.path)


async def count_round(
    db: Database, state: PollState, row: BoxRow, opener: Opener, used: list[int]
) -> PollState | None:
    """Open every ballot of the round in memory, count, store the count and the opened ballots
    and forget the box's keys in one transaction (the caller compacts the file then: once);
    None if the round was counted (or its box replaced) meanwhile."""
    round_no = row.round
    cats = state.round_categories(round_no)
    members = max(1, state.members)
    async with db.transaction() as uow:
        boxes = uow.repo(BoxRepo)
        current = await boxes.get(state.poll.id, round_no)
        if current is None or current.box.box_id != row.box.box_id:
            return None
        polls = uow.repo(PollRepo)
        sealed, plain = await polls.box_contents(state.poll.id, round_no)
        ballots: list[Ballot] = []
        for index, one in enumerate(sealed):
            if index % 50 == 49:  # a 1,000-unit box: other chats go on meanwhile (the writer's
                await asyncio.sleep(0)  # statements give way by themselves, this loop does not)
            ballots.append(_open_one(opener, cats, one))
        ballots += [decode_ballot(p) for p in plain]
        broken = sum(b is BROKEN for b in ballots)
        if broken:
            log.warning("%s sealed ballots of poll %s did not open: counted invalid", broken, state.poll.id)
        result = tally_round(
            cats,
            ballots,
            members=members,
            rules=state.poll.rules,
            round_no=round_no,
            already_proposed=state.results[0].proposals() if round_no == 2 and state.results else {},
        )
        reason = withheld_reason(len(ballots), members, state.poll.rules)
        await polls.record_count(
            state.poll.id,
            round_no,
            [encode_ballot(b) for b in ballots] if reason is None else [],
            returned=result.returned,
            valid=result.valid,
            invalid=result.invalid,
            withheld=reason,
            opened_by=used,
        )
        fresh = await read_state(uow, state.poll.id)
    del ballots, result
    assert fresh is not None
    return fresh


def _open_one(opener: Opener, cats: Sequence[Category], sealed: bytes) -> Ballot:
    try:
        return unpack_ballot(opener.open(sealed), cats)
    except (BallotError, ValueError):
        return BROKEN


async def asked_holders(db: Database, poll_id: int, round_no: int, reached: int, run: str) -> None:
    """Note that the round's holders were asked now, by this run of the bot, how many reached."""
    async with db.transaction() as uow:
        await uow.repo(BoxRepo).asked(poll_id, round_no, reached, run)


async def boxes_waiting(db: Database) -> list[tuple[int, int]]:
    """(poll, round) of every box whose round has closed: waiting for the committee."""
    async with db.read() as uow:
        return await uow.repo(BoxRepo).waiting()


async def set_card(db: Database, poll_id: int, message_id: int) -> None:
    """Remember the group's turnout card, edited in place."""
    async with db.transaction() as uow:
        await uow.repo(PollRepo).set_card(poll_id, message_id)


async def representatives(db: Database, bloc_id: int) -> list[Representative]:
    """Every linked person of the bloc's units."""
    async with db.read() as uow:
        return await uow.units.representatives(bloc_id)


async def keep_pages(
    db: Database, drafts: Drafts, state: PollState, pages: Sequence[tuple[int, int, int | None]]
) -> bool:
    """An empty draft for each ballot page just delivered (unit, person, message), which tracks
    the page; False if the round is no longer open."""
    async with db.transaction() as uow:
        poll = await uow.repo(PollRepo).get(state.poll.id)
        if poll is None or poll.status != "open" or poll.round != state.poll.round:
            return False
        for unit, person, message_id in pages:
            form = state.form_for(unit)
            await drafts.save(uow, person, person, form, Draft(), poll=poll, message_id=message_id)
    return True


async def remember_link(db: Database, chat_id: int, person_id: int, poll: Poll, message_id: int) -> None:
    """Remember a message that carries a button to the poll's current ballot."""
    name = links_slot(poll.id, poll.round)
    async with db.transaction() as uow:
        row = await uow.conversations.get(chat_id, person_id, name)
        kept = [int(m) for m in (row.payload.get("m", []) if row else []) if isinstance(m, int)]
        kept = [*kept[-(KEEP_LINKS - 1) :], message_id]
        await uow.conversations.put(
            chat_id, person_id, name, LINKS, {"m": kept}, expiry(poll, uow.clock.now()), None
        )


async def take_links(db: Database, chat_id: int, person_id: int, poll_id: int, round_no: int) -> list[int]:
    """Forget the person's links to the round's ballot (their unit voted); their messages."""
    name = links_slot(poll_id, round_no)
    async with db.transaction() as uow:
        row = await uow.conversations.get(chat_id, person_id, name)
        await uow.conversations.drop(chat_id, person_id, name)
    return [] if row is None else [m for m in row.payload.get("m", []) if isinstance(m, int)]


async def take_round_links(db: Database, poll_id: int, round_no: int) -> list[tuple[int, list[int]]]:
    """Forget every link to the round's ballot (it closed); (chat, messages) of each."""
    name = links_slot(poll_id, round_no)
    async with db.transaction() as uow:
        polls = uow.repo(PollRepo)
        found = await polls.ballot_links(name)
        await polls.drop_ballot_pages(name)
    return found
