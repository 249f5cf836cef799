"""Opening a round with its sealed ballot box: '/poll <id> open', 'round2', 'rerun', 'committee'.

Every round gets a fresh box (bot/polls/box.py) whose codes go privately to the counting
committee (handlers/polls/committee.py) before the round opens; the box is stored in the
transaction that opens the round, so no round is ever open without one.
"""

from __future__ import annotations

from datetime import datetime

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
from storage.polls import BoxRepo, PollRepo, compact


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
    async with turn.services.db.read() as uow:
        active = {u.id for u in await uow.units.active(turn.bloc.id)}
    for cat in state.round_categories(1):
        still = [u for u in cat.candidates if u in active]
        if not still or (cat.kind == "pick" and len(still) < cat.quota):
            await turn.reply(problem_text(turn.tr, PollProblem("too_few_candidates", cat.name, cat.quota)))
            return
    issued = await _box_for(turn, state, 1)
    if issued is None:
        return
    assert issued.box is not None
    opened = False
    async with turn.services.db.transaction() as uow:
        units = await uow.units.active(turn.bloc.id)
        ids = {u.id for u in units}
        polls = uow.repo(PollRepo)
        poll = await polls.get(state.poll.id)
        short: PollProblem | None = None
        if poll is not None and poll.status == "draft":
            for cat in state.round_categories(1):
                still = [u for u in cat.candidates if u in ids]
                if not still or (cat.kind == "pick" and len(still) < cat.quota):
                    short = PollProblem("too_few_candidates", cat.name, cat.quota)
                    break
                if len(still) != len(cat.candidates):
                    await polls.set_candidates(state.poll.id, 1, cat.index, still)
            if short is None:
                await polls.open_round(poll, 1, [u.id for u in units], turn.user_id, deadline)
                await uow.repo(BoxRepo).store(poll.id, 1, issued.box, issued.holders)
                opened = True
    if not opened:
        await void_codes(turn.services, state, 1, issued.holders)
        if short is not None:
            await turn.reply(problem_text(turn.tr, short))
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
    opened = False
    async with turn.services.db.transaction() as uow:
        polls = uow.repo(PollRepo)
        poll = await polls.get(state.poll.id)
        if poll is not None and poll.status == "closed" and poll.round == 1:
            for cat in result.last.next_round():
                await polls.set_candidates(poll.id, 2, cat.index, cat.candidates)
            await polls.open_round(poll, 2, state.electorate, turn.user_id, deadline)
            await uow.repo(BoxRepo).store(poll.id, 2, issued.box, issued.holders)
            opened = True
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
    again = False
    async with turn.services.db.transaction() as uow:
        polls = uow.repo(PollRepo)
        poll = await polls.get(state.poll.id)
        row = await uow.repo(BoxRepo).get(state.poll.id, round_no)
        old = state.boxes[round_no]
        if (
            poll is not None
            and poll.status == "closed"
            and row is not None
            and row.box.box_id == old.box.box_id
        ):
            await polls.rerun(poll, turn.user_id, deadline)
            await uow.repo(BoxRepo).store(poll.id, round_no, issued.box, issued.holders)
            again = True
    if not again:
        await void_codes(turn.services, state, round_no, issued.holders)
        return
    memory.shares.forget((state.poll.id, round_no))
    await void_codes(turn.services, state, round_no, list(state.committee_of(round_no)))
    await compact(turn.services.db.path)  # the destroyed ballots leave no page behind
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


async def _box_is_fixed(turn: Turn, poll_id: int, round_no: int) -> bool:
    """Whether the round's box already holds ballots (a round opened before ballot boxes, with
    no box at all, may still get one: its earlier ballots stay plain and are counted with it)."""
    async with turn.services.db.read() as uow:
        boxes = uow.repo(BoxRepo)
        return await boxes.get(poll_id, round_no) is not None and await boxes.holds_ballots(poll_id, round_no)


def _ballots_in(turn: Turn, state: PollState) -> str:
    return turn._(
        "The ballot box of poll #%(id)s already holds ballots: its counting committee stays as it is "
        "until the count. The members named now hold the codes of its next box (round 2 or a re-run).",
        id=state.poll.id,
    )


async def _rekey(turn: Turn, state: PollState) -> None:
    """A new box for the open round that holds no ballot yet, for the committee as it is now."""
    round_no = state.poll.round
    if await _box_is_fixed(turn, state.poll.id, round_no):
        await turn.reply("🔑 " + _ballots_in(turn, state))
        return
    issued = await _box_for(turn, state, round_no)
    if issued is None:
        return
    assert issued.box is not None
    done = False
    async with turn.services.db.transaction() as uow:
        boxes = uow.repo(BoxRepo)
        poll = await uow.repo(PollRepo).get(state.poll.id)
        if (
            poll is not None
            and poll.status == "open"
            and poll.round == round_no
            and not (
                await boxes.get(poll.id, round_no) is not None
                and await boxes.holds_ballots(poll.id, round_no)
            )
        ):
            await boxes.store(poll.id, round_no, issued.box, issued.holders)
            done = True
    if not done:
        await void_codes(turn.services, state, round_no, issued.holders)
        await turn.reply("🔑 " + _ballots_in(turn, state))
        return
    await void_codes(turn.services, state, round_no, list(state.committee_of(round_no)))
