"""New meetings and deadlines: one line or the guided /meeting (its host question and draft)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.core.clock import from_db
from bot.roster.model import Unit
from bot.schedule.cases.hosts import proposed_host, reflow_in
from bot.schedule.events import Event, EventKind, NewEvent, host_named_in
from bot.services import Services
from storage.db import Database
from storage.events import EventRepo


@dataclass(frozen=True)
class Created:
    """A new event; the other meetings whose proposed host moved with it (cards to edit)."""

    event: Event
    rehosted: tuple[Event, ...] = ()


@dataclass(frozen=True)
class Twin:
    """Refused: this event (kind, time, title) is scheduled already, e.g. a command sent twice."""

    event: Event


async def _twin(db: Database, bloc_id: int, kind: EventKind, at: datetime, title: str) -> Event | None:
    async with db.read() as uow:
        return await uow.repo(EventRepo).same(bloc_id, kind, at, title)


async def add_meeting(
    services: Services,
    *,
    bloc_id: int,
    user_id: int,
    at: datetime,
    title: str,
    place: str,
    host_id: int | None,
    agenda: tuple[str, ...] = (),
    choose_host: bool = True,
    now: datetime,
) -> Created | Twin:
    """Store a meeting and plan its reminders. With no host given (and choose_host), the unit
    whose hall the place names hosts; else rotation proposes one, in date order with the others."""
    scheduler = services.running_scheduler
    twin = await _twin(services.db, bloc_id, "meeting", at, title)
    if twin is not None:
        return Twin(twin)
    async with services.db.transaction() as uow:
        proposed = False
        if host_id is None and choose_host:
            units = await uow.units.active(bloc_id)
            host_id = host_named_in(place, [(u.id, u.name) for u in units])
        if host_id is None and choose_host:
            host_id = await proposed_host(uow, bloc_id, at)
            proposed = host_id is not None
        event = await scheduler.create_in(
            uow,
            NewEvent(
                bloc_id=bloc_id,
                kind="meeting",
                title=title,
                starts_at=at,
                created_by=user_id,
                place=place,
                host_unit_id=host_id,
                host_proposed=proposed,
                agenda=agenda,
            ),
        )
        moved = await reflow_in(uow, bloc_id, now)
    scheduler.wake()
    return Created(event, tuple(moved))


async def add_deadline(
    services: Services, *, bloc_id: int, user_id: int, at: datetime, title: str
) -> Created | Twin:
    """Store a deadline and plan its reminders."""
    scheduler = services.running_scheduler
    twin = await _twin(services.db, bloc_id, "deadline", at, title)
    if twin is not None:
        return Twin(twin)
    async with services.db.transaction() as uow:
        event = await scheduler.create_in(
            uow,
            NewEvent(bloc_id=bloc_id, kind="deadline", title=title, starts_at=at, created_by=user_id),
        )
    scheduler.wake()
    return Created(event)


@dataclass(frozen=True)
class HostQuestion:
    """The guided /meeting's last question: the units, the one the place names (if any) or the
    one rotation proposes, and the draft its answer completes."""

    draft_id: int
    units: tuple[Unit, ...]
    named: int | None
    proposal: int | None


async def draft_meeting(
    db: Database, *, bloc_id: int, user_id: int, at: datetime, place: str, payload: dict[str, Any]
) -> HostQuestion | Literal["no_units"]:
    """Keep the guided meeting as a draft until its host is picked ("no_units": nothing kept)."""
    async with db.read() as uow:
        units = await uow.units.active(bloc_id)
    if not units:
        return "no_units"
    named = host_named_in(place, [(u.id, u.name) for u in units])
    async with db.transaction() as uow:
        proposal = named or await proposed_host(uow, bloc_id, at)
        draft_id = await uow.repo(EventRepo).create_draft(bloc_id, user_id, "meeting", payload)
    return HostQuestion(draft_id, tuple(units), named, proposal)


@dataclass(frozen=True)
class MeetingDraft:
    """A guided meeting whose host was picked (the draft is now used)."""

    at: datetime
    title: str
    place: str
    host_id: int | None
    host_name: str | None


async def take_meeting_draft(
    db: Database, *, bloc_id: int, draft_id: int, unit_id: int, now: datetime
) -> MeetingDraft | Literal["stale", "passed", "used"]:
    """Pick the host of a guided meeting (unit 0: none), using its draft once."""
    async with db.read() as uow:
        draft = await uow.repo(EventRepo).draft(draft_id, bloc_id, "meeting")
        units = {u.id: u.name for u in await uow.units.active(bloc_id)}
    if draft is None or (unit_id and unit_id not in units):
        return "stale"
    at = from_db(draft["at"])
    if at <= now:
        return "passed"
    async with db.transaction() as uow:
        fresh = await uow.repo(EventRepo).use_draft(draft_id)
    if not fresh:
        return "used"
    return MeetingDraft(at, draft["title"], draft["place"], unit_id or None, units.get(unit_id))
