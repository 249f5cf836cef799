"""A poll's deadline on the scheduler's timers: private reminders before it, closing at it.

Timers (bot/schedule/scheduler.py): ``poll_close`` ref ``<poll>:<round>`` at the deadline, and
``poll_remind`` ref ``<poll>:<round>:<seconds before>`` one day and two hours before it. Both
jobs are idempotent: a closed poll is not closed again, a round already over is not reminded.
Closing at the deadline asks the counting committee to open the box (handlers/polls/counting.py).
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.formatting import format_when
from bot.core.i18n import translator
from bot.polls.cases.closing import representatives
from bot.polls.cases.committee import chat_language
from bot.roster.model import voter_of
from bot.services import Services
from handlers.polls import links
from handlers.polls.ballot import start_button
from handlers.polls.counting import end_voting
from handlers.polls.memory import Memory
from handlers.polls.rounds import CLOSE_TIMER, REMIND_TIMER, group_words, refresh_card
from handlers.polls.state import load_state
from handlers.polls.text import names_of

log = logging.getLogger(__name__)


def _ints(ref: str, count: int) -> tuple[int, ...] | None:
    parts = ref.split(":")
    if len(parts) != count or not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


async def remind(services: Services, poll_id: int, round_no: int) -> int:
    """Remind privately the voters of units that have not voted; show the group the turnout."""
    state = await load_state(services.db, poll_id)
    if state is None or state.poll.status != "open" or state.poll.round != round_no:
        return 0
    deadline = state.poll.deadline
    if deadline is not None and deadline <= services.clock.now():
        return 0  # late (the bot was down): the closing timer speaks for itself
    tr, lang, tz = group_words(state)
    reps = await representatives(services.db, state.bloc.id)
    reminded = 0
    for unit in state.missing:
        voter = voter_of([r for r in reps if r.unit_id == unit])
        if voter is None or not voter.person.started:
            continue
        own = await chat_language(services.db, voter.person.user_id) or state.bloc.language
        text = translator(own).gettext(
            "Reminder: your unit %(unit)s has not voted yet in poll #%(id)s %(title)s. Voting closes "
            "%(when)s.",
            unit=state.names.get(unit, "?"),
            id=poll_id,
            title=state.poll.title,
            when=format_when(deadline, tz, own) if deadline else "—",
        )
        markup = start_button(translator(own), state, state.form_for(unit))
        sent = await services.outbox.tell(voter.person.user_id, text, markup)
        if sent is not None:
            await links.remember(services, sent.chat_id, voter.person.user_id, state.poll, sent.message_id)
            reminded += 1
    if state.missing:
        lines = [
            tr.gettext(
                "Poll #%(id)s: %(voted)s of %(total)s units have voted; voting closes %(when)s.",
                id=poll_id,
                voted=len(state.voted),
                total=state.members,
                when=format_when(state.poll.deadline, tz, lang) if state.poll.deadline else "—",
            ),
            tr.gettext("Not voted yet: %(units)s", units=names_of(state, state.missing)),
        ]
        await services.outbox.send(state.bloc.chat_id, "\n".join(lines))
    await refresh_card(services, poll_id)
    return reminded


def register(services: Services, memory: Memory | None = None) -> None:
    """Give the scheduler the jobs behind the poll timers (again, with the feature's memory,
    when the feature registers: the later registration is the one that runs)."""
    scheduler = services.scheduler
    if scheduler is None:
        return

    async def close_job(ref: str, due_at: datetime) -> None:
        found = _ints(ref, 2)
        if found is None:
            log.warning("ignoring a poll_close timer with a bad ref")
            return
        await end_voting(services, found[0], None, memory, expected_round=found[1])

    async def remind_job(ref: str, due_at: datetime) -> None:
        found = _ints(ref, 3)
        if found is None:
            log.warning("ignoring a poll_remind timer with a bad ref")
            return
        await remind(services, found[0], found[1])

    scheduler.register_timer(CLOSE_TIMER, close_job)
    scheduler.register_timer(REMIND_TIMER, remind_job)
