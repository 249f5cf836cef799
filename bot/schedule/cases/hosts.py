"""Who hosts the meetings: the rotation, the host it proposes, proposals handed out again by date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.roster.model import Unit
from bot.schedule.events import Event, host_before, next_host, reflow_hosts, rotation_order
from storage.db import Database
from storage.events import EventRepo
from storage.unit_of_work import UnitOfWork


async def host_order(uow: UnitOfWork, bloc_id: int) -> list[int]:
    """The bloc's host rotation over its current units."""
    units = await uow.units.active(bloc_id)
    return rotation_order([u.id for u in units], await uow.repo(EventRepo).rotation(bloc_id))


async def proposed_host(uow: UnitOfWork, bloc_id: int, at: datetime | None = None) -> int | None:
    """The next host in the bloc's rotation after the host of the meeting before `at` by date
    (after the latest meeting's host when no time is given)."""
    meetings = await uow.repo(EventRepo).of_bloc(bloc_id)
    return next_host(await host_order(uow, bloc_id), host_before(meetings, at))


async def reflow_in(uow: UnitOfWork, bloc_id: int, now: datetime) -> list[Event]:
    """Hand the rotation's proposed hosts out again in date order (bot.schedule.events.reflow_hosts);
    the meetings whose host changed, for their cards to be edited after the commit."""
    repo = uow.repo(EventRepo)
    changed = reflow_hosts(await repo.of_bloc(bloc_id), await host_order(uow, bloc_id), now)
    events = []
    for event_id, host in changed.items():
        await repo.set_host(event_id, host, proposed=host is not None)
        found = await repo.get(event_id)
        assert found is not None
        events.append(found)
    return events


@dataclass(frozen=True)
class RotationView:
    """The bloc's current units, the stored rotation order and the latest meeting's host."""

    units: tuple[Unit, ...]
    stored: tuple[int, ...]
    last_host: int | None


async def rotation_view(db: Database, bloc_id: int) -> RotationView:
    """What /rotation shows: units, stored order, last host."""
    async with db.read() as uow:
        units = await uow.units.active(bloc_id)
        stored = await uow.repo(EventRepo).rotation(bloc_id)
        last = await uow.repo(EventRepo).last_host(bloc_id)
    return RotationView(tuple(units), tuple(stored), last)


async def set_rotation(db: Database, bloc_id: int, unit_ids: Sequence[int], now: datetime) -> list[Event]:
    """Store the host rotation; the meetings whose proposed host moved with it."""
    async with db.transaction() as uow:
        await uow.repo(EventRepo).set_rotation(bloc_id, unit_ids)
        return await reflow_in(uow, bloc_id, now)
