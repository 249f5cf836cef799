"""Opening a round with its sealed ballot box: '/poll <id> open', 'round2', 'rerun', 'committee'.

Every round gets a fresh box (bot/polls/box.py) whose codes go privately to the counting
committee (handlers/polls/committee.py) before the round opens; the box is stored in the
transaction that opens the round, so no round is ever open without one.
"""

from __future__ import annotations

from datetime import datetime

from bot.polls.cases.opening import (
    NewBox,
    active_unit_ids,
    box_is_fixed,
    compact_file,
    open_first_round,
    open_second_round,
    replace_box,
    too_few_candidates,
    vote_again,
)
from bot.polls.model import PollProblem, parse_rules
from bot.roster.model import Unit
from bot.services import Services
from handlers.conversation.turn import Turn
from handlers.polls.committee import (
    Issued,
    issue_box,
    missed_lines,
    name_committee,
    show_committee,
    void_codes,
)
from handlers.polls.counting import stuck
from handlers.polls.memory import Memory
from handlers.polls.problems import problem_text
from handlers.polls.rounds import deliver_ballots, plan_deadline, refresh_card
from handlers.polls.state import PollState, load_state
from handlers.polls.text import committee_line
from handlers.roster.commands import find_unit


async def start_round(services: Services, poll_id: int, memory: Memory) -> None:
    """After a round opened: the card, the deadline's timers, the ballots (in the background)."""
    await refresh_card(services, poll_id, opening=True)
    fresh = await load_state(services.db, poll_id)
    assert fresh is not None
    await plan_deadline(services, fresh)
    services.spawn(deliver_ballots(services, poll_id, memory.drafts), name=f"ballots {poll_id}")


async def _box_for(turn: Turn, state: PollState, round_no: int) -> Issued | None:
    """A box for the round with its codes given out; None (and the chair told why) if fewer
    than k members of the committee could get theirs."""
    issued = await issue_box(turn.services, state, round_no)
    if issued.box is None:
        lines = missed_lines(turn.tr, state, issued.missed, issued.reached)
        await turn.reply("🔑 " + "\n".join(lines))
        return None
    return issued


async def _tell_committee(turn: Turn, poll_id: int, round_no: int, issued: Issued) -> None:
    """The chair learns who of the committee could not be given a code (the card names the
    holders)."""
    state = await load_state(turn.services.db, poll_id)
    if state is None or not issued.missed:
        return
    lines = [committee_line(turn.tr, state, round_no)]
    lines += missed_lines(turn.tr, state, issued.missed, issued.reached)
    await turn.reply("🔑 " + "\n".join(lines))


def _deadline(turn: Turn, rest: str, default: datetime | None) -> datetime | PollProblem | None:
    if not rest.strip():
        return default
    try:
        _rules, deadline = parse_rules(f"deadline={rest}", now=turn.now(), tz=turn.tz)
    except PollProblem as problem:
        return problem
    return deadline


async def open_poll(turn: Turn, state: PollState, rest: str, memory: Memory) -> None:
    """'/poll <id> open [<deadline>]': electorate fixed, box sealed, ballots out, the card posted."""
    _ = turn._
    assert turn.bloc is not None
    if state.poll.status != "draft":
        await turn.reply(_("Poll #%(id)s is already open or closed.", id=state.poll.id))
        return
    deadline = _deadline(turn, rest, state.poll.deadline)
    if isinstance(deadline, PollProblem):
        await turn.reply(problem_text(turn.tr, deadline))
        return
    if deadline is not None and deadline <= turn.now():
        await turn.reply(problem_text(turn.tr, PollProblem("past_deadline", "")))
        return
    short = too_few_candidates(state, await active_unit_ids(turn.services.db, turn.bloc.id))
    if short is not None:
        await turn.reply(problem_text(turn.tr, short))
        return
    issued = await _box_for(turn, state, 1)
    if issued is None:
        return
    assert issued.box is not None
    opened = await open_first_round(
        turn.services.db, state, turn.user_id, deadline, NewBox(issued.box, issued.holders)
    )
    if opened != "opened":
        await void_codes(turn.services, state, 1, issued.holders)
        if isinstance(opened, PollProblem):
            await turn.reply(problem_text(turn.tr, opened))
        else:
            await turn.reply(_("Poll #%(id)s is already open or closed.", id=state.poll.id))
        return
    await start_round(turn.services, state.poll.id, memory)
    await _tell_committee(turn, state.poll.id, 1, issued)


async def open_round2(turn: Turn, state: PollState, rest: str, memory: Memory) -> None:
    """'/poll <id> round2 [<deadline>]': vote again where round 1 left seats open."""
    _ = turn._
    result = state.outcome
    if state.poll.status != "closed" or result is None or result.phase != "round2" or state.awaiting:
        await turn.reply(
            _(
                "Poll #%(id)s has no round 2 to hold: it is held only when round 1 "
                "ends in a tie or with too few units passing.",
                id=state.poll.id,
            )
        )
        return
    deadline = _deadline(turn, rest, None)
    if isinstance(deadline, PollProblem):
        await turn.reply(problem_text(turn.tr, deadline))
        return
    issued = await _box_for(turn, state, 2)
    if issued is None:
        return
    assert issued.box is not None
    opened = await open_second_round(
        turn.services.db,
        state,
        result.last.next_round(),
        turn.user_id,
        deadline,
        NewBox(issued.box, issued.holders),
    )
    if not opened:
        await void_codes(turn.services, state, 2, issued.holders)
        return
    await start_round(turn.services, state.poll.id, memory)
    await _tell_committee(turn, state.poll.id, 2, issued)


async def rerun(turn: Turn, state: PollState, rest: str, memory: Memory) -> None:
    """'/poll <id> rerun [<deadline>]': a round whose box cannot be opened is voted again."""
    _ = turn._
    round_no = state.awaiting
    if round_no is None or not stuck(state, round_no, now=turn.now()):
        await turn.reply(
            _(
                "Poll #%(id)s has no round to vote again: a round is voted again only when its ballot "
                "box cannot be opened (fewer members of the counting committee reachable than needed, "
                "or not opened within two days of the close).",
                id=state.poll.id,
            )
        )
        return
    deadline = _deadline(turn, rest, None)
    if isinstance(deadline, PollProblem):
        await turn.reply(problem_text(turn.tr, deadline))
        return
    issued = await _box_for(turn, state, round_no)
    if issued is None:
        return
    assert issued.box is not None
    new = NewBox(issued.box, issued.holders)
    again = await vote_again(turn.services.db, state, round_no, turn.user_id, deadline, new)
    if not again:
        await void_codes(turn.services, state, round_no, issued.holders)
        return
    memory.shares.forget((state.poll.id, round_no))
    await void_codes(turn.services, state, round_no, list(state.committee_of(round_no)))
    await compact_file(turn.services.db)  # the destroyed ballots leave no page behind
    await turn.reply(
        _(
            "Round %(round)s of poll #%(id)s is voted again: its ballots were destroyed unopened, and "
            "every unit votes again on a new ballot.",
            round=round_no,
            id=state.poll.id,
        )
    )
    await start_round(turn.services, state.poll.id, memory)
    await _tell_committee(turn, state.poll.id, round_no, issued)


async def set_committee(turn: Turn, state: PollState, rest: str, memory: Memory) -> None:
    """'/poll <id> committee [<unit>, …]': show the counting committee, or name its members
    besides the chair and vice chair units (before any ballot is in: a new box then). An open
    round with no box at all (opened before ballot boxes existed) gets one."""
    queries = [q.strip() for q in rest.split(",") if q.strip()]
    if not queries:
        if state.poll.status == "open" and state.poll.round not in state.boxes:
            await _rekey(turn, state)  # a round opened before ballot boxes gets one now
            state = await load_state(turn.services.db, state.poll.id) or state
        await show_committee(turn, state)
        return
    chosen: list[Unit] = []
    for query in queries:
        unit = await find_unit(turn, query)
        if unit is None:
            return
        if unit.id not in (u.id for u in chosen):
            chosen.append(unit)
    fresh = await name_committee(turn, state, [u.id for u in chosen])
    if fresh.poll.status == "open":
        await _rekey(turn, fresh)
        fresh = await load_state(turn.services.db, state.poll.id) or fresh
    await show_committee(turn, fresh)


def _ballots_in(turn: Turn, state: PollState) -> str:
    return turn._(
        "The ballot box of poll #%(id)s already holds ballots: its counting committee stays as it is "
        "until the count. The members named now hold the codes of its next box (round 2 or a re-run).",
        id=state.poll.id,
    )


async def _rekey(turn: Turn, state: PollState) -> None:
    """A new box for the open round that holds no ballot yet, for the committee as it is now."""
    round_no = state.poll.round
    if await box_is_fixed(turn.services.db, state.poll.id, round_no):
        await turn.reply("🔑 " + _ballots_in(turn, state))
        return
    issued = await _box_for(turn, state, round_no)
    if issued is None:
        return
    assert issued.box is not None
    done = await replace_box(turn.services.db, state.poll.id, round_no, NewBox(issued.box, issued.holders))
    if not done:
        await void_codes(turn.services, state, round_no, issued.holders)
        await turn.reply("🔑 " + _ballots_in(turn, state))
        return
    await void_codes(turn.services, state, round_no, list(state.committee_of(round_no)))
