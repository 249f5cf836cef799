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
from datetime import datetime, timedelta

from bot.core.i18n import Translator
from bot.core.messages import DeliveryError
from bot.polls.box import Opener
from bot.polls.cases import BoxRow
from bot.polls.cases.closing import asked_holders, boxes_waiting, compact_file
from bot.polls.cases.closing import count_round as counted
from bot.polls.secrecy import KEY_MARK
from bot.services import Services
from handlers.polls.committee import holder_language, retire_codes
from handlers.polls.memory import Memory
from handlers.polls.rounds import close_round, draw_chart, group_words, post_results
from handlers.polls.state import PollState, load_state

log = logging.getLogger(__name__)

COUNT_WAIT = timedelta(days=2)  # after the close, the chair may have an unopened round voted again


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
    await asked_holders(services.db, state.poll.id, round_no, reached, run)
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
    waiting = await boxes_waiting(services.db)
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
    fresh = await counted(services.db, state, row, opener, used)
    if fresh is None:
        return None
    # the chart is drawn in the worker process meanwhile (bot/core/offload.py): the group gets
    # it right after the results, not a drawing's time later
    chart = draw_chart(fresh) if fresh.results and fresh.results[-1].withheld is None else None
    try:
        await compact_file(services.db)
        await retire_codes(services, fresh, row.round)
    except BaseException:
        if chart is not None:
            chart.cancel()
        raise
    await post_results(services, fresh, chart)
    return fresh
