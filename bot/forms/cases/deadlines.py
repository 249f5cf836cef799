"""A form's deadline in the schedule: a deadline event of bot/schedule/scheduler.py.

- The event (source ``form:<id>``) carries the reminders; they name the units that have not
  answered, which the scheduler asks of ``missing_units``. Closing a form cancels its event;
  reopening with a deadline moves it (or creates a new one if it was cancelled).
- Timer ``form_lock`` at the deadline shows the form locked on the group's card.
- With ``[forms] nudge_privately = true`` the timer ``form_nudge`` also writes, at each
  reminder time, to the representatives of the missing units privately.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.config import Config, ConfigError
from bot.forms.model import Form
from bot.roster.model import Representative
from bot.schedule.events import Event, NewEvent, plan_reminders
from bot.services import Services
from storage.db import Database
from storage.events import EventRepo
from storage.forms import FormRepo
from storage.reminders import TimerRepo
from storage.unit_of_work import UnitOfWork

SOURCE = "form"
LOCK_TIMER = "form_lock"
NUDGE_TIMER = "form_nudge"

# The deadline event's title for a form (in the bloc's language; it names the form's id).
EventTitle = Callable[[Form], str]


def nudge_privately(config: Config) -> bool:
    """`[forms] nudge_privately` (default false); ConfigError names the key when it is wrong."""
    section = config.extra.get("forms", {})
    if not isinstance(section, Mapping):
        raise ConfigError(f"forms: expected a table, got {section!r}")
    value = section.get("nudge_privately", False)
    if not isinstance(value, bool):
        raise ConfigError(f"forms.nudge_privately: expected true or false, got {value!r}")
    return value


def next_nudge(services: Services, event: Event, after: datetime) -> datetime | None:
    """The first reminder time of the event after `after` (nudges go out with reminders)."""
    planned = plan_reminders(event.starts_at, services.running_scheduler.offsets(event), after)
    return planned[0][1] if planned else None


async def plan_deadline(services: Services, uow: UnitOfWork, form: Form, title: EventTitle) -> None:
    """In the caller's transaction: the deadline event and its timers follow form.deadline.

    Call scheduler.wake() after the commit.
    """
    scheduler = services.running_scheduler
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
                title=title(form),
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
    scheduler = services.running_scheduler
    event = await uow.repo(EventRepo).get(form.deadline_event_id) if form.deadline_event_id else None
    if event is not None and not event.cancelled and not event.started(services.clock.now()):
        await scheduler.cancel_in(uow, event)
    await uow.repo(TimerRepo).cancel(LOCK_TIMER, str(form.id))
    await uow.repo(TimerRepo).cancel(NUDGE_TIMER, str(form.id))


async def missing_units(uow: UnitOfWork, event: Event) -> Sequence[int] | None:
    """For the scheduler's reminders, in its transaction: the units that have not answered the
    event's form."""
    ref = event.source_ref
    form = await uow.repo(FormRepo).get(int(ref)) if ref.isdigit() else None
    if form is None:
        return None
    if form.status == "closed":
        return []
    answered = await uow.repo(FormRepo).answered_units(form.id)
    return [u.id for u in await uow.units.active(form.bloc_id) if u.id not in answered]


@dataclass(frozen=True)
class Nudges:
    """Whom one nudge time of a form reaches: the representatives of its missing units who
    have started the bot, those already nudged, and each one's chat language (None: unset)."""

    representatives: list[Representative]
    done: set[int]
    languages: dict[int, str | None]


async def nudges_due(db: Database, form_id: int, bloc_id: int, missing: set[int], due_at: datetime) -> Nudges:
    """The representatives to nudge privately for one nudge time of a form."""
    async with db.read() as uow:
        reps = [
            r for r in await uow.units.representatives(bloc_id) if r.unit_id in missing and r.person.started
        ]
        done = await uow.repo(FormRepo).nudged(form_id, due_at)
        languages = {r.person.user_id: await uow.people.chat_language(r.person.user_id) for r in reps}
    return Nudges(reps, done, languages)


async def mark_nudged(db: Database, form_id: int, user_id: int, due_at: datetime) -> None:
    """Record that a person got a form's private nudge for that time."""
    async with db.transaction() as uow:
        await uow.repo(FormRepo).mark_nudged(form_id, user_id, due_at)


async def plan_next_nudge(services: Services, form: Form, now: datetime) -> None:
    """Set the nudge timer at the deadline event's next reminder time, if there is one."""
    async with services.db.read() as uow:
        event = await uow.repo(EventRepo).get(form.deadline_event_id) if form.deadline_event_id else None
    following = next_nudge(services, event, now) if event and not event.cancelled else None
    if following is not None:
        async with services.db.transaction() as uow:
            await uow.repo(TimerRepo).set(NUDGE_TIMER, str(form.id), following)
        if services.scheduler is not None:
            services.scheduler.wake()
