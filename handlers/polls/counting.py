"""Counting: the committee asked to open a round's ballot box, their codes, the count, the results.

When a round closes (its close command or its deadline) with enough ballots for its counts to
be published, the ballots stay sealed and each holder of a code is asked privately to send it
('/open <code>'). When k codes are in and open the box together (handlers/polls/codes.py),
the ballots are opened in memory, each checked by the tally's rules, counted, and stored opened
in random order in the transaction that records the count and deletes the box's keys; the file
is compacted once; the results go to the group.

A restart forgets the codes given: the ballots stay sealed and the holders are asked again (at
start-up, ``resume``, or when anyone looks at the poll). Taking the codes is handlers/polls/codes.py. If fewer than k holders can be reached,
or nobody opened the box within COUNT_WAIT of the close, the chair can have the round voted
again ('/poll <id> rerun'); nothing is guessed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.i18n import Translator
from bot.core.messages import DeliveryError
from bot.polls.ballots import decode_ballot, encode_ballot, unpack_ballot
from bot.polls.box import BallotError, Opener
from bot.polls.secrecy import KEY_MARK
from bot.polls.tally import Ballot, Category, tally_round, withheld_reason
from bot.services import Services
from handlers.polls.committee import holder_language, retire_codes
from handlers.polls.memory import Memory
from handlers.polls.rounds import close_round, group_words, post_results
from handlers.polls.state import PollState, load_state, read_state
from storage.polls import BoxRepo, BoxRow, PollRepo, compact

log = logging.getLogger(__name__)

COUNT_WAIT = timedelta(days=2)  # after the close, the chair may have an unopened round voted again
BROKEN = Ballot(choices={-1: (0,)})  # a sealed ballot that does not open: counted as invalid


def stuck(state: PollState, round_no: int, *, now: datetime) -> bool:
    """Whether the round's box cannot be expected to open: fewer than k holders reached when
    last asked, or COUNT_WAIT gone by since the close."""
    row = state.boxes.get(round_no)
    closed = next((r.closed_at for r in state.rounds if r.round == round_no), None)
    if row is None or closed is None:
        return False
    if row.reached is not None and row.reached < row.box.k:
        return True
    return now - closed >= COUNT_WAIT


def waiting_lines(
    tr: Translator, state: PollState, round_no: int, given: int | None = None, now: datetime | None = None
) -> list[str]:
    """The group's words for a closed round whose box waits for the committee."""
    _ = tr.gettext
    row = state.boxes[round_no]
    holders = state.committee_of(round_no)
    lines = [
        "🔒 "
        + _(
            "Voting on poll #%(id)s %(title)s, round %(round)s, is closed: %(voted)s of %(total)s units "
            "voted. The ballots stay sealed until the counting committee opens the ballot box: any "
            "%(k)s of %(members)s send me their code privately.",
            id=state.poll.id,
            title=state.poll.title,
            round=round_no,
            voted=len(state.turnout.get(round_no, frozenset())),
            total=state.members,
            k=row.box.k,
            members="; ".join(state.holder_label(h) for h in holders),
        )
    ]
    if given is not None:
        lines.append(_("Codes received so far: %(given)s of %(k)s.", given=given, k=row.box.k))
    if row.reached is not None and row.reached < row.box.k:
        lines.append(
            _(
                "Only %(reached)s of the committee could be reached, fewer than the %(k)s needed: the "
                "box cannot be opened. The chair can have the round voted again: /poll %(id)s rerun",
                reached=row.reached,
                k=row.box.k,
                id=state.poll.id,
            )
        )
    elif now is not None and stuck(state, round_no, now=now):
        lines.append(
            _(
                "The box was not opened within %(days)s days of the close. The chair can have the round "
                "voted again (its ballots are then destroyed unopened): /poll %(id)s rerun",
                days=COUNT_WAIT.days,
                id=state.poll.id,
            )
        )
    return lines


def ask_text(tr: Translator, state: PollState, round_no: int, *, again: bool) -> str:
    """The private request to a holder to send their code."""
    _ = tr.gettext
    head = (
        _(
            "I restarted before the ballot box of poll #%(id)s %(title)s, round %(round)s, was "
            "opened: codes sent before were not kept. Please send yours again.",
            id=state.poll.id,
            title=state.poll.title,
            round=round_no,
        )
        if again
        else _(
            "Voting on poll #%(id)s %(title)s, round %(round)s, has ended. Please open the ballot box "
            "with the counting committee.",
            id=state.poll.id,
            title=state.poll.title,
            round=round_no,
        )
    )
    how = _("Send me your code here: /open <code> (the code I sent you when voting opened).")
    return f"{KEY_MARK} {head}\n{how}"


async def ask_holders(
    services: Services, state: PollState, round_no: int, run: str, *, again: bool = False
) -> int:
    """Ask each holder of the round's box privately for their code; how many it reached."""
    reached = 0
    for holder in state.committee_of(round_no):
        tr = await holder_language(services, state, holder.person_id)
        try:
            sent = await services.outbox.tell(holder.person_id, ask_text(tr, state, round_no, again=again))
        except DeliveryError as exc:  # one failed send must not stop the others
            log.warning("could not ask a holder of poll %s: %s", state.poll.id, type(exc).__name__)
            sent = None
        reached += sent is not None
    async with services.db.transaction() as uow:
        await uow.repo(BoxRepo).asked(state.poll.id, round_no, reached, run)
    return reached


async def end_voting(
    services: Services,
    poll_id: int,
    by: int | None,
    memory: Memory | None,
    *,
    expected_round: int | None = None,
) -> PollState | None:
    """Close the open round; ask the committee to open its box (or the results are out
    already: close_round). None if it was not open."""
    state = await close_round(services, poll_id, by, expected_round=expected_round)
    if state is None or state.awaiting is None:
        return state
    round_no = state.awaiting
    run = memory.shares.run if memory is not None else ""
    await ask_holders(services, state, round_no, run)
    fresh = await load_state(services.db, poll_id)
    assert fresh is not None
    tr, _lang, _tz = group_words(fresh)
    await services.outbox.send(fresh.bloc.chat_id, "\n".join(waiting_lines(tr, fresh, round_no)))
    return fresh


async def ask_again_if_forgotten(services: Services, state: PollState, memory: Memory) -> PollState:
    """If the holders were last asked by an earlier run of the bot, ask them again."""
    round_no = state.awaiting
    if round_no is None or state.boxes[round_no].asked_in == memory.shares.run:
        return state
    await ask_holders(services, state, round_no, memory.shares.run, again=True)
    return await load_state(services.db, state.poll.id) or state


async def resume(services: Services, memory: Memory) -> int:
    """At start-up: ask again the holders of every box waiting to be opened; how many boxes."""
    async with services.db.read() as uow:
        waiting = await uow.repo(BoxRepo).waiting()
    for poll_id, _round in waiting:
        state = await load_state(services.db, poll_id)
        if state is not None:
            await ask_again_if_forgotten(services, state, memory)
    return len(waiting)


# ---- the count -----------------------------------------------------------------------------


async def count_round(
    services: Services, state: PollState, row: BoxRow, opener: Opener, used: list[int]
) -> PollState | None:
    """Open every ballot of the round in memory, count, store the count and the opened ballots,
    forget the box's keys, compact the file once, post the results; None if counted meanwhile."""
    round_no = row.round
    cats = state.round_categories(round_no)
    members = max(1, state.members)
    async with services.db.transaction() as uow:
        boxes = uow.repo(BoxRepo)
        current = await boxes.get(state.poll.id, round_no)
        if current is None or current.box.box_id != row.box.box_id:
            return None
        polls = uow.repo(PollRepo)
        sealed, plain = await polls.box_contents(state.poll.id, round_no)
        ballots = [_open_one(opener, cats, s) for s in sealed] + [decode_ballot(p) for p in plain]
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
    await compact(services.db.path)
    await retire_codes(services, fresh, round_no)
    await post_results(services, fresh)
    return fresh


def _open_one(opener: Opener, cats: Sequence[Category], sealed: bytes) -> Ballot:
    try:
        return unpack_ballot(opener.open(sealed), cats)
    except (BallotError, ValueError):
        return BROKEN
