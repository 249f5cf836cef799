"""What the schedule shows: one event, the coming ones, a card's answers, an event's reminders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.roster.model import Unit
from bot.schedule.events import Event, Reminder
from storage.db import Database
from storage.events import EventRepo
from storage.reminders import ReminderRepo


async def event_of(db: Database, bloc_id: int, event_id: int) -> Event | None:
    """The bloc's event with this id; None when there is none (or it is another bloc's)."""
    async with db.read() as uow:
        event = await uow.repo(EventRepo).get(event_id)
    return event if event is not None and event.bloc_id == bloc_id else None


async def upcoming_events(db: Database, bloc_id: int, now: datetime) -> list[Event]:
    """The bloc's events still ahead, by time."""
    async with db.read() as uow:
        return await uow.repo(EventRepo).upcoming(bloc_id, now)


async def next_meeting(db: Database, bloc_id: int, now: datetime) -> Event | None:
    """The bloc's next meeting (deadlines left out), if one is ahead."""
    upcoming = await upcoming_events(db, bloc_id, now)
    return next((e for e in upcoming if e.kind == "meeting"), None)


async def bloc_events(db: Database, bloc_id: int) -> list[Event]:
    """Every event of the bloc, cancelled ones too."""
    async with db.read() as uow:
        return await uow.repo(EventRepo).of_bloc(bloc_id)


async def unit_names(db: Database, bloc_id: int) -> dict[int, str]:
    """The bloc's current units: id -> name."""
    async with db.read() as uow:
        return {u.id: u.name for u in await uow.units.active(bloc_id)}


async def event_reminders(db: Database, event_id: int) -> list[Reminder]:
    """Every reminder row of an event, by due time."""
    async with db.read() as uow:
        return await uow.repo(ReminderRepo).of_event(event_id)


@dataclass(frozen=True)
class CardView:
    """What a meeting's card (and /rsvp) shows beside the event: the units and their answers."""

    units: tuple[Unit, ...]
    answers: Mapping[int, str]  # unit id -> "yes" / "no"


async def card_view(db: Database, bloc_id: int, event_id: int) -> CardView:
    """The bloc's units and their RSVP answers to the event, read together."""
    async with db.read() as uow:
        units = await uow.units.active(bloc_id)
        answers = await uow.repo(EventRepo).answers(event_id)
    return CardView(tuple(units), answers)
