"""Forms and the schedule: a form's deadline is a deadline event of bot/schedule/scheduler.py.

- The event (source ``form:<id>``) carries the reminders; they name the units that have not
  answered, which the scheduler asks of ``missing_units``. Closing a form cancels its event;
  reopening with a deadline moves it (or creates a new one if it was cancelled).
- Timer ``form_lock`` at the deadline edits the group's card to show the form locked.
- With ``[forms] nudge_privately = true`` the timer ``form_nudge`` also writes, at each
  reminder time, to the representatives of the missing units privately.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.config import Config, ConfigError
from bot.core.formatting import format_when
from bot.core.i18n import translator
from bot.core.messages import DeliveryError
from bot.forms.model import Form
from bot.schedule.events import MAX_TITLE, Event, NewEvent, plan_reminders
from bot.services import Services
from handlers.conversation.turn import Turn
from handlers.forms.card import Gettext, refresh_card, standing
from storage.events import EventRepo
from storage.forms import FormRepo
from storage.reminders import TimerRepo
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

SOURCE = "form"
LOCK_TIMER = "form_lock"
NUDGE_TIMER = "form_nudge"


def nudge_privately(config: Config) -> bool:
    """`[forms] nudge_privately` (default false); ConfigError names the key when it is wrong."""
    section = config.extra.get("forms", {})
    if not isinstance(section, Mapping):
        raise ConfigError(f"forms: expected a table, got {section!r}")
    value = section.get("nudge_privately", False)
    if not isinstance(value, bool):
        raise ConfigError(f"forms.nudge_privately: expected true or false, got {value!r}")
    return value


async def meeting_for_form(turn: Turn, event_id: int) -> str | None:
    """The title of this bloc's scheduled meeting with that id; otherwise reply and None."""
    _ = turn._
    assert turn.bloc is not None
    async with turn.services.db.read() as uow:
        event = await uow.repo(EventRepo).get(event_id)
    if event is None or event.bloc_id != turn.bloc.id or event.kind != "meeting":
        await turn.reply(
            _(
                "There is no meeting #%(id)s in this bloc. /schedule lists the meetings with their ids.",
                id=event_id,
            )
        )
        return None
    if event.cancelled:
        await turn.reply(_("Meeting #%(id)s was cancelled.", id=event_id))
        return None
    return event.title


def event_title(_: Gettext, form: Form) -> str:
    """The deadline event's title, naming the form so a reminder says how to answer."""
    suffix = _(" (form #%(id)s: /submit %(id)s)", id=form.id)
    return form.title[: MAX_TITLE - len(suffix)] + suffix


def next_nudge(services: Services, event: Event, after: datetime) -> datetime | None:
    """The first reminder time of the event after `after` (nudges go out with reminders)."""
    assert services.scheduler is not None
    planned = plan_reminders(event.starts_at, services.scheduler.offsets(event), after)
    return planned[0][1] if planned else None


async def plan_deadline(services: Services, uow: UnitOfWork, form: Form, _: Gettext) -> None:
    """In the caller's transaction: the deadline event and its timers follow form.deadline.

    Call scheduler.wake() after the commit.
    """
    scheduler = services.scheduler
    assert scheduler is not None, "build_application wires the scheduler"
    timers = uow.repo(TimerRepo)
    if form.deadline is None:
        await timers.cancel(LOCK_TIMER, str(form.id))
        await timers.cancel(NUDGE_TIMER, str(form.id))
        return
    events = uow.repo(EventRepo)
    event = await events.get(form.deadline_event_id) if form.deadline_event_id else None
    if event is None or event.cancelled:
        event = await scheduler.create_in(
            uow,
            NewEvent(
                bloc_id=form.bloc_id,
                kind="deadline",
                title=event_title(_, form),
                starts_at=form.deadline,
                created_by=form.created_by,
                source=f"{SOURCE}:{form.id}",
            ),
        )
        await uow.repo(FormRepo).set_deadline_event(form.id, event.id)
    elif event.starts_at != form.deadline:
        event = await scheduler.move_in(uow, event, form.deadline)
    await timers.set(LOCK_TIMER, str(form.id), form.deadline)
    nudge = next_nudge(services, event, services.clock.now())
    if nudge_privately(services.config) and nudge is not None:
        await timers.set(NUDGE_TIMER, str(form.id), nudge)
    else:
        await timers.cancel(NUDGE_TIMER, str(form.id))


async def end_deadline(services: Services, uow: UnitOfWork, form: Form) -> None:
    """In the caller's transaction: a closed form's deadline event and timers are called off."""
    scheduler = services.scheduler
    assert scheduler is not None, "build_application wires the scheduler"
    event = await uow.repo(EventRepo).get(form.deadline_event_id) if form.deadline_event_id else None
    if event is not None and not event.cancelled and not event.started(services.clock.now()):
        await scheduler.cancel_in(uow, event)
    await uow.repo(TimerRepo).cancel(LOCK_TIMER, str(form.id))
    await uow.repo(TimerRepo).cancel(NUDGE_TIMER, str(form.id))


async def missing_units(uow: UnitOfWork, event: Event) -> Sequence[int] | None:
    """For the scheduler's reminders: the units that have not answered the event's form."""
    ref = event.source_ref
    form = await uow.repo(FormRepo).get(int(ref)) if ref.isdigit() else None
    if form is None:
        return None
    if form.status == "closed":
        return []
    answered = {r.unit_id for r in await uow.repo(FormRepo).responses(form.id)}
    return [u.id for u in await uow.units.active(form.bloc_id) if u.id not in answered]


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
    s = await standing(services, form_id)
    if s is None or s.form.locked(now) or s.form.deadline is None:
        return
    form, missing, deadline = s.form, {u.id: u for u in s.missing}, s.form.deadline
    grace = services.scheduler.grace if services.scheduler else None
    if grace is None or now - due_at <= grace:  # the bot was not down too long
        async with services.db.read() as uow:
            reps = [
                r
                for r in await uow.units.representatives(form.bloc_id)
                if r.unit_id in missing and r.person.started
            ]
            done = await uow.repo(FormRepo).nudged(form_id, due_at)
            languages = {r.person.user_id: await uow.people.chat_language(r.person.user_id) for r in reps}
        for rep in reps:
            user_id = rep.person.user_id
            if user_id in done:
                continue
            lang = languages.get(user_id) or s.bloc.language
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
            async with services.db.transaction() as uow:
                await uow.repo(FormRepo).mark_nudged(form_id, user_id, due_at)
    async with services.db.read() as uow:
        event = await uow.repo(EventRepo).get(form.deadline_event_id) if form.deadline_event_id else None
    following = next_nudge(services, event, now) if event and not event.cancelled else None
    if following is not None:
        async with services.db.transaction() as uow:
            await uow.repo(TimerRepo).set(NUDGE_TIMER, str(form_id), following)
        if services.scheduler is not None:
            services.scheduler.wake()
