"""A bloc's forms in the group: opening, closing, reopening, the list, who answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.forms.cases.deadlines import EventTitle, end_deadline, plan_deadline
from bot.forms.cases.standing import Standing, form_standing
from bot.forms.model import Field, Form, Kind
from bot.roster.model import Person
from bot.schedule.events import Event
from bot.services import Services
from storage.db import Database
from storage.events import EventRepo
from storage.forms import FormRepo


@dataclass(frozen=True)
class Status:
    """A form's standing with the people who sent each answer (None: no longer known)."""

    standing: Standing
    senders: dict[int, Person | None]


async def bloc_form(db: Database, bloc_id: int, form_id: int) -> Form | None:
    """The form with this id, if it belongs to the bloc."""
    async with db.read() as uow:
        form = await uow.repo(FormRepo).get(form_id)
    return form if form is not None and form.bloc_id == bloc_id else None


async def meeting_of(db: Database, bloc_id: int, event_id: int) -> Event | Literal["not_found", "cancelled"]:
    """The bloc's meeting with that id, for an attendance form."""
    async with db.read() as uow:
        event = await uow.repo(EventRepo).get(event_id)
    if event is None or event.bloc_id != bloc_id or event.kind != "meeting":
        return "not_found"
    return "cancelled" if event.cancelled else event


async def has_units(db: Database, bloc_id: int) -> bool:
    """Whether the bloc has any active unit (a form needs someone to answer it)."""
    async with db.read() as uow:
        return bool(await uow.units.active(bloc_id))


def _wake(services: Services) -> None:
    """Reminders or timers changed: let the scheduler look again (after the commit)."""
    services.running_scheduler.wake()


async def open_form(
    services: Services,
    bloc_id: int,
    kind: Kind,
    title: str,
    fields: tuple[Field, ...],
    deadline: datetime,
    created_by: int,
    event_id: int | None,
    event_title: EventTitle,
) -> Form:
    """Create a form for every unit of the bloc and its deadline event, in one transaction."""
    async with services.db.transaction() as uow:
        form = await uow.repo(FormRepo).create(bloc_id, kind, title, fields, deadline, created_by, event_id)
        await plan_deadline(services, uow, form, event_title)
        found = await uow.repo(FormRepo).get(form.id)
    _wake(services)
    assert found is not None
    return found


async def close_form(services: Services, form: Form) -> None:
    """Lock a form now: its deadline event and timers are called off."""
    async with services.db.transaction() as uow:
        await uow.repo(FormRepo).set_status(form.id, "closed", form.deadline)
        await end_deadline(services, uow, form)
    _wake(services)


async def reopen_form(
    services: Services, form: Form, deadline: datetime | None, event_title: EventTitle
) -> None:
    """Accept answers again until `deadline` (None: until closed); the schedule follows."""
    async with services.db.transaction() as uow:
        await uow.repo(FormRepo).set_status(form.id, "open", deadline)
        reopened = await uow.repo(FormRepo).get(form.id)
        assert reopened is not None
        await plan_deadline(services, uow, reopened, event_title)
    _wake(services)


async def form_status(db: Database, form_id: int) -> Status | None:
    """Who answered a form (and who sent each answer) and who has not."""
    s = await form_standing(db, form_id)
    if s is None:
        return None
    async with db.read() as uow:
        people = {r.person.user_id: r.person for r in await uow.units.representatives(s.bloc.id)}
        senders = {r.answered_by: await uow.people.get(r.answered_by) for r in s.responses.values()}
    return Status(s, {user_id: people.get(user_id) or person for user_id, person in senders.items()})


async def open_forms(db: Database, bloc_id: int) -> list[Standing]:
    """The bloc's open forms, oldest first, each with who has answered."""
    async with db.read() as uow:
        forms = await uow.repo(FormRepo).of_bloc(bloc_id)
    found = []
    for form in forms:
        s = await form_standing(db, form.id)
        assert s is not None
        found.append(s)
    return found
