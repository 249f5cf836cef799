"""Changes to one event: move, cancel, its reminders, host and place, its card, RSVP answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.schedule.cases.hosts import reflow_in
from bot.schedule.events import Answer, Event, Reminder
from bot.services import Services
from storage.db import Database
from storage.events import EventRepo
from storage.reminders import ReminderRepo


@dataclass(frozen=True)
class Changed:
    """The event as stored now; the other meetings whose proposed host moved (cards to edit)."""

    event: Event
    rehosted: tuple[Event, ...] = ()


async def move_event(services: Services, event: Event, at: datetime, now: datetime) -> Changed:
    """Give the event a new time; its reminders follow, the proposed hosts are handed out again."""
    scheduler = services.running_scheduler
    async with services.db.transaction() as uow:
        moved = await scheduler.move_in(uow, event, at)
        hosts = await reflow_in(uow, event.bloc_id, now)
    scheduler.wake()
    moved = next((e for e in hosts if e.id == moved.id), moved)
    return Changed(moved, tuple(e for e in hosts if e.id != moved.id))


async def cancel_event(services: Services, event: Event, now: datetime) -> Changed:
    """Call the event off; its pending reminders are cancelled, the proposed hosts move along."""
    scheduler = services.running_scheduler
    async with services.db.transaction() as uow:
        await scheduler.cancel_in(uow, event)
        cancelled = await uow.repo(EventRepo).get(event.id)
        hosts = await reflow_in(uow, event.bloc_id, now)
    assert cancelled is not None
    scheduler.wake()
    return Changed(cancelled, tuple(hosts))


@dataclass(frozen=True)
class Replanned:
    """An event's reminders planned again: the offsets now in force and the pending rows."""

    event: Event
    offsets: tuple[timedelta, ...]
    planned: tuple[Reminder, ...]


async def set_reminders(
    services: Services, event_id: int, offsets: tuple[timedelta, ...] | None
) -> Replanned:
    """Give the event its own reminder offsets (None: the configured ones; (): none)."""
    scheduler = services.running_scheduler
    async with services.db.transaction() as uow:
        await uow.repo(EventRepo).set_offsets(event_id, offsets)
        fresh = await uow.repo(EventRepo).get(event_id)
        assert fresh is not None
        await scheduler.replan_in(uow, fresh)
        planned = [r for r in await uow.repo(ReminderRepo).of_event(event_id) if r.status == "pending"]
    scheduler.wake()
    return Replanned(fresh, scheduler.offsets(fresh), tuple(planned))


async def set_host(db: Database, event: Event, unit_id: int, now: datetime) -> Changed:
    """The chair names the meeting's host unit; the proposals after it move along."""
    async with db.transaction() as uow:
        await uow.repo(EventRepo).set_host(event.id, unit_id)
        fresh = await uow.repo(EventRepo).get(event.id)
        hosts = await reflow_in(uow, event.bloc_id, now)
    assert fresh is not None
    return Changed(fresh, tuple(hosts))


async def set_place(db: Database, event_id: int, place: str) -> Event:
    """Where the meeting takes place; the event as stored now."""
    async with db.transaction() as uow:
        await uow.repo(EventRepo).set_place(event_id, place)
        fresh = await uow.repo(EventRepo).get(event_id)
    assert fresh is not None
    return fresh


async def remember_card(db: Database, event_id: int, chat_id: int, message_id: int) -> None:
    """The message that is the event's card now (edited in place later)."""
    async with db.transaction() as uow:
        await uow.repo(EventRepo).set_card(event_id, chat_id, message_id)


async def rsvp(db: Database, event_id: int, unit_id: int, answer: Answer, user_id: int) -> None:
    """A unit's answer to a meeting, given or changed by one of its representatives."""
    async with db.transaction() as uow:
        await uow.repo(EventRepo).answer(event_id, unit_id, answer, user_id)
