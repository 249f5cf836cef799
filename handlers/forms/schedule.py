"""Forms and the schedule: the deadline event's title, the meeting of an attendance form, the
scheduler's hooks and the private nudges (the rules: bot/forms/cases/deadlines.py)."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.formatting import format_when
from bot.core.i18n import translator
from bot.core.messages import DeliveryError
from bot.forms.cases.deadlines import (
    LOCK_TIMER,
    NUDGE_TIMER,
    SOURCE,
    EventTitle,
    mark_nudged,
    missing_units,
    nudge_privately,
    nudges_due,
    plan_next_nudge,
)
from bot.forms.cases.managing import meeting_of
from bot.forms.cases.standing import form_standing
from bot.forms.model import Form
from bot.schedule.events import MAX_TITLE
from bot.services import Services
from handlers.conversation.turn import Turn
from handlers.forms.card import Gettext, refresh_card

log = logging.getLogger(__name__)


async def meeting_for_form(turn: Turn, event_id: int) -> str | None:
    """The title of this bloc's scheduled meeting with that id; otherwise reply and None."""
    _ = turn._
    assert turn.bloc is not None
    found = await meeting_of(turn.services.db, turn.bloc.id, event_id)
    if found == "not_found":
        await turn.reply(
            _(
                "There is no meeting #%(id)s in this bloc. /schedule lists the meetings with their ids.",
                id=event_id,
            )
        )
        return None
    if found == "cancelled":
        await turn.reply(_("Meeting #%(id)s was cancelled.", id=event_id))
        return None
    return found.title


def event_title(_: Gettext, form: Form) -> str:
    """The deadline event's title, naming the form so a reminder says how to answer."""
    suffix = _(" (form #%(id)s: /submit %(id)s)", id=form.id)
    return form.title[: MAX_TITLE - len(suffix)] + suffix


def titles(_: Gettext) -> EventTitle:
    """Deadline event titles in one language."""
    return lambda form: event_title(_, form)


def register(services: Services) -> None:
    """Hook forms into the scheduler (build_application, before start)."""
    scheduler = services.scheduler
    assert scheduler is not None
    nudge_privately(services.config)  # a wrong value stops start-up, naming the key

    async def lock_job(ref: str, due_at: datetime) -> None:
        await refresh_card(services, int(ref))

    async def nudge_job(ref: str, due_at: datetime) -> None:
        await send_nudges(services, int(ref), due_at)

    scheduler.register_answers(SOURCE, missing_units)
    scheduler.register_timer(LOCK_TIMER, lock_job)
    scheduler.register_timer(NUDGE_TIMER, nudge_job)


async def send_nudges(services: Services, form_id: int, due_at: datetime) -> None:
    """Write privately to the representatives of units that have not answered; plan the next."""
    now = services.clock.now()
    s = await form_standing(services.db, form_id)
    if s is None or s.form.locked(now) or s.form.deadline is None:
        return
    form, missing, deadline = s.form, {u.id: u for u in s.missing}, s.form.deadline
    grace = services.scheduler.grace if services.scheduler else None
    if grace is None or now - due_at <= grace:  # the bot was not down too long
        due = await nudges_due(services.db, form_id, form.bloc_id, set(missing), due_at)
        for rep in due.representatives:
            user_id = rep.person.user_id
            if user_id in due.done:
                continue
            lang = due.languages.get(user_id) or s.bloc.language
            _ = translator(lang).gettext
            text = _(
                'Reminder: %(unit)s has not yet answered form #%(id)s "%(title)s" of '
                "%(bloc)s. Deadline: %(when)s. Send /submit %(id)s to answer.",
                unit=missing[rep.unit_id].name,
                id=form.id,
                title=form.title,
                bloc=s.bloc.name,
                when=format_when(deadline, ZoneInfo(s.bloc.timezone), lang),
            )
            try:
                await services.outbox.send(user_id, text)
            except DeliveryError as exc:
                log.info("form %s: could not nudge %s: %s", form_id, user_id, exc)
                continue
            await mark_nudged(services.db, form_id, user_id, due_at)
    await plan_next_nudge(services, form, now)
