"""Who is told when a reminder is given up: the chair and vice chair units' people, else the admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.roster.model import Bloc
from bot.schedule.events import Event
from storage.db import Database
from storage.events import EventRepo


@dataclass(frozen=True)
class GivenUpAlert:
    """The event whose reminder was given up, its bloc, and the people to tell (in order, once)."""

    event: Event
    bloc: Bloc
    people: tuple[int, ...]


async def given_up_alert(db: Database, event_id: int, now: datetime) -> GivenUpAlert | None:
    """Whom to tell that a reminder of this event may not have reached the group (None: the
    event or its bloc is gone). Started representatives of this year's chair and vice chair
    units; the bloc's admins when there are none."""
    async with db.read() as uow:
        event = await uow.repo(EventRepo).get(event_id)
        bloc = None if event is None else await uow.blocs.get(event.bloc_id)
        if event is None or bloc is None:
            return None
        year = now.astimezone(ZoneInfo(bloc.timezone)).year
        roles = await uow.blocs.roles(bloc.id, year)
        reps = await uow.units.representatives(bloc.id)
        people = [
            r.person.user_id for r in reps if r.unit_id in (roles.chair, roles.vice) and r.person.started
        ]
        people += [] if people else list(await uow.blocs.admins(bloc.id))
    return GivenUpAlert(event, bloc, tuple(dict.fromkeys(people)))
