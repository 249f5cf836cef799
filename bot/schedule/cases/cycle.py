"""The yearly cycle (/cycle): its proposal kept as a draft, the steps already there, confirming it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.core.clock import from_db
from bot.schedule.cases.hosts import proposed_host, reflow_in
from bot.schedule.cycle import is_step
from bot.schedule.events import Event, EventKind, NewEvent
from bot.services import Services
from storage.db import Database
from storage.events import EventRepo


def cycle_source(year: int, key: str) -> str:
    """What an event created by /cycle records as its source: 'cycle:<year>:<step>'."""
    return f"cycle:{year}:{key}"


async def keep_cycle_plan(db: Database, bloc_id: int, user_id: int, plan: dict[str, Any]) -> int:
    """Keep a proposed year until its Confirm is pressed; the draft's id."""
    async with db.transaction() as uow:
        return await uow.repo(EventRepo).create_draft(bloc_id, user_id, "cycle", plan)


async def update_cycle_plan(db: Database, draft_id: int, plan: dict[str, Any]) -> None:
    """Replace a proposed year (edited dates, the message showing it)."""
    async with db.transaction() as uow:
        await uow.repo(EventRepo).update_draft(draft_id, plan)


async def cycle_plan(db: Database, draft_id: int, bloc_id: int) -> dict[str, Any] | None:
    """The bloc's proposed year not yet confirmed, or None."""
    async with db.read() as uow:
        return await uow.repo(EventRepo).draft(draft_id, bloc_id, "cycle")


async def cycle_steps_taken(
    db: Database, bloc_id: int, year: int, steps: Mapping[str, EventKind], tz: ZoneInfo
) -> dict[str, int]:
    """Steps (key -> kind, in order) of this year's cycle already scheduled, not cancelled:
    key -> event id. A step is there when /cycle created it, or when the chair scheduled it by
    hand: an event of the step's kind that year whose title names it ("Hội nghị sơ kết 6 tháng"
    is the mid-year review)."""
    found: dict[str, int] = {}
    async with db.read() as uow:
        for key in steps:
            events = await uow.repo(EventRepo).by_source(cycle_source(year, key))
            live = [e for e in events if not e.cancelled]
            if live:
                found[key] = live[-1].id
        others = [
            e
            for e in await uow.repo(EventRepo).of_bloc(bloc_id)
            if not e.cancelled
            and e.starts_at.astimezone(tz).year == year
            and not (e.source or "").startswith(f"cycle:{year}:")
        ]
    taken = set(found.values())
    for key, kind in steps.items():
        if key in found:
            continue
        match = next((e for e in others if e.id not in taken and is_step(key, e.kind, kind, e.title)), None)
        if match is not None:
            found[key] = match.id
            taken.add(match.id)
    return found


@dataclass(frozen=True)
class Confirmed:
    """The year's events created, and meetings whose proposed host moved (cards to edit)."""

    created: tuple[Event, ...]
    rehosted: tuple[Event, ...]


async def confirm_cycle(
    services: Services,
    *,
    bloc_id: int,
    user_id: int,
    draft_id: int,
    plan: Mapping[str, Any],
    titles: Mapping[str, str],
    steps: Mapping[str, EventKind],
    tz: ZoneInfo,
    now: datetime,
) -> Confirmed | Literal["used"]:
    """Create the proposed year's events in one transaction, once ("used": pressed before):
    steps left out, already scheduled or already past are not created."""
    year = int(plan["year"])
    existing = await cycle_steps_taken(services.db, bloc_id, year, steps, tz)
    scheduler = services.running_scheduler
    created = []
    async with services.db.transaction() as uow:
        if not await uow.repo(EventRepo).use_draft(draft_id):
            return "used"
        for item in plan["items"]:
            at = from_db(item["at"])
            if item["skip"] or item["key"] in existing or at <= now:
                continue
            host = await proposed_host(uow, bloc_id, at) if item["kind"] == "meeting" else None
            created.append(
                await scheduler.create_in(
                    uow,
                    NewEvent(
                        bloc_id=bloc_id,
                        kind=item["kind"],
                        title=titles[item["key"]],
                        starts_at=at,
                        created_by=user_id,
                        host_unit_id=host,
                        host_proposed=host is not None,
                        source=cycle_source(year, item["key"]),
                    ),
                )
            )
        hosts = await reflow_in(uow, bloc_id, now)
    scheduler.wake()
    return Confirmed(tuple(created), tuple(hosts))
