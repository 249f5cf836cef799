"""Events of a bloc's schedule, their RSVPs, /cycle and /meeting drafts, the host rotation."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.core.clock import from_db, to_db
from bot.schedule.events import Event, NewEvent, offsets_from_db, offsets_to_db
from storage.repository import Repository

_COLUMNS = (
    "id, bloc_id, kind, title, starts_at, place, host_unit_id, host_proposed, agenda, source, "
    "offsets, status, card_chat_id, card_message_id, created_by"
)


def _event(row: sqlite3.Row) -> Event:
    agenda = str(row[8])
    return Event(
        id=int(row[0]),
        bloc_id=int(row[1]),
        kind=row[2],
        title=str(row[3]),
        starts_at=from_db(str(row[4])),
        place=str(row[5]),
        host_unit_id=None if row[6] is None else int(row[6]),
        host_proposed=bool(row[7]),
        agenda=tuple(agenda.split("\n")) if agenda else (),
        source=row[9],
        offsets=offsets_from_db(row[10]),
        status=row[11],
        card_chat_id=None if row[12] is None else int(row[12]),
        card_message_id=None if row[13] is None else int(row[13]),
        created_by=int(row[14]),
    )


class EventRepo(Repository):
    """Meetings and deadlines. Reminder rows are written with storage.reminders.ReminderRepo."""

    async def create(self, new: NewEvent) -> Event:
        """Store a new event (its reminders are planned separately: ReminderRepo.replan)."""
        now = to_db(self.clock.now())
        event_id = await self.execute(
            "INSERT INTO events(bloc_id, kind, title, starts_at, place, host_unit_id, "
            "host_proposed, agenda, source, offsets, created_by, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new.bloc_id,
                new.kind,
                new.title,
                to_db(new.starts_at),
                new.place,
                new.host_unit_id,
                int(new.host_proposed),
                "\n".join(new.agenda),
                new.source,
                offsets_to_db(new.offsets),
                new.created_by,
                now,
                now,
            ),
        )
        found = await self.get(event_id)
        assert found is not None
        return found

    async def get(self, event_id: int) -> Event | None:
        """One event by id (any bloc: callers check event.bloc_id)."""
        row = await self.fetchone(f"SELECT {_COLUMNS} FROM events WHERE id = ?", (event_id,))
        return None if row is None else _event(row)

    async def upcoming(self, bloc_id: int, now: datetime, limit: int = 100) -> list[Event]:
        """Scheduled events that have not started, soonest first."""
        rows = await self.fetchall(
            f"SELECT {_COLUMNS} FROM events WHERE bloc_id = ? AND status = 'scheduled' "
            "AND starts_at > ? ORDER BY starts_at, id LIMIT ?",
            (bloc_id, to_db(now), limit),
        )
        return [_event(r) for r in rows]

    async def same(self, bloc_id: int, kind: str, starts_at: datetime, title: str) -> Event | None:
        """A scheduled event identical to one about to be created (a command sent twice)."""
        row = await self.fetchone(
            f"SELECT {_COLUMNS} FROM events WHERE bloc_id = ? AND kind = ? AND starts_at = ? "
            "AND title = ? AND status = 'scheduled' ORDER BY id LIMIT 1",
            (bloc_id, kind, to_db(starts_at), title),
        )
        return None if row is None else _event(row)

    async def of_bloc(self, bloc_id: int) -> list[Event]:
        """Every event of the bloc, cancelled ones included, in time order."""
        rows = await self.fetchall(
            f"SELECT {_COLUMNS} FROM events WHERE bloc_id = ? ORDER BY starts_at, id", (bloc_id,)
        )
        return [_event(r) for r in rows]

    async def by_source(self, source: str) -> list[Event]:
        """Events created for an owner such as 'form:12' (cancelled ones too)."""
        rows = await self.fetchall(f"SELECT {_COLUMNS} FROM events WHERE source = ? ORDER BY id", (source,))
        return [_event(r) for r in rows]

    async def last_host(self, bloc_id: int) -> int | None:
        """The host of the bloc's latest scheduled meeting that has one."""
        row = await self.fetchone(
            "SELECT host_unit_id FROM events WHERE bloc_id = ? AND kind = 'meeting' "
            "AND status = 'scheduled' AND host_unit_id IS NOT NULL "
            "ORDER BY starts_at DESC, id DESC LIMIT 1",
            (bloc_id,),
        )
        return None if row is None else int(row[0])

    async def _update(self, event_id: int, sql: str, params: tuple[Any, ...]) -> None:
        await self.execute(
            f"UPDATE events SET {sql}, updated_at = ? WHERE id = ?",
            (*params, to_db(self.clock.now()), event_id),
        )

    async def move(self, event_id: int, starts_at: datetime) -> None:
        """Give an event a new time (re-plan its reminders too)."""
        await self._update(event_id, "starts_at = ?", (to_db(starts_at),))

    async def cancel(self, event_id: int) -> None:
        """Call an event off (cancel its reminders too)."""
        await self._update(event_id, "status = 'cancelled'", ())

    async def set_offsets(self, event_id: int, offsets: tuple[timedelta, ...] | None) -> None:
        """Reminder offsets of this event; None: the defaults of its kind."""
        await self._update(event_id, "offsets = ?", (offsets_to_db(offsets),))

    async def set_host(self, event_id: int, unit_id: int | None, proposed: bool = False) -> None:
        """The host unit (đơn vị đăng cai)."""
        await self._update(event_id, "host_unit_id = ?, host_proposed = ?", (unit_id, int(proposed)))

    async def set_place(self, event_id: int, place: str) -> None:
        """Where the meeting takes place."""
        await self._update(event_id, "place = ?", (place,))

    async def set_card(self, event_id: int, chat_id: int, message_id: int) -> None:
        """Remember the card message that is edited in place."""
        await self._update(event_id, "card_chat_id = ?, card_message_id = ?", (chat_id, message_id))

    # RSVPs ------------------------------------------------------------------------------------

    async def answer(self, event_id: int, unit_id: int, answer: str, user_id: int) -> str | None:
        """Record a unit's answer (replacing any earlier one); return the earlier answer."""
        before = await self.fetchone(
            "SELECT answer FROM rsvps WHERE event_id = ? AND unit_id = ?", (event_id, unit_id)
        )
        await self.execute(
            "INSERT INTO rsvps(event_id, unit_id, answer, user_id, answered_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(event_id, unit_id) DO UPDATE SET "
            "answer = excluded.answer, user_id = excluded.user_id, answered_at = excluded.answered_at",
            (event_id, unit_id, answer, user_id, to_db(self.clock.now())),
        )
        return None if before is None else str(before[0])

    async def answers(self, event_id: int) -> dict[int, str]:
        """unit id -> 'yes' / 'no'."""
        rows = await self.fetchall("SELECT unit_id, answer FROM rsvps WHERE event_id = ?", (event_id,))
        return {int(r[0]): str(r[1]) for r in rows}

    # drafts -------------------------------------------------------------------------------------

    async def create_draft(self, bloc_id: int, user_id: int, kind: str, payload: dict[str, Any]) -> int:
        """Keep a proposal until someone presses its button; return its id."""
        return await self.execute(
            "INSERT INTO schedule_drafts(bloc_id, user_id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)",
            (bloc_id, user_id, kind, json.dumps(payload, ensure_ascii=False), to_db(self.clock.now())),
        )

    async def draft(self, draft_id: int, bloc_id: int, kind: str) -> dict[str, Any] | None:
        """An unused draft of this bloc and kind, or None."""
        row = await self.fetchone(
            "SELECT payload FROM schedule_drafts WHERE id = ? AND bloc_id = ? AND kind = ? "
            "AND used_at IS NULL",
            (draft_id, bloc_id, kind),
        )
        return None if row is None else dict(json.loads(str(row[0])))

    async def update_draft(self, draft_id: int, payload: dict[str, Any]) -> None:
        """Replace a draft's content."""
        await self.execute(
            "UPDATE schedule_drafts SET payload = ? WHERE id = ?",
            (json.dumps(payload, ensure_ascii=False), draft_id),
        )

    async def use_draft(self, draft_id: int) -> bool:
        """Mark a draft used; False if it already was (a double press)."""
        changed = await self.execute(
            "UPDATE schedule_drafts SET used_at = ? WHERE id = ? AND used_at IS NULL",
            (to_db(self.clock.now()), draft_id),
        )
        return changed == 1

    # host rotation ------------------------------------------------------------------------------

    async def rotation(self, bloc_id: int) -> list[int]:
        """The stored host rotation order (may be empty: roster order then)."""
        rows = await self.fetchall(
            "SELECT unit_id FROM host_rotation WHERE bloc_id = ? ORDER BY position", (bloc_id,)
        )
        return [int(r[0]) for r in rows]

    async def set_rotation(self, bloc_id: int, unit_ids: Sequence[int]) -> None:
        """Replace the host rotation order."""
        await self.execute("DELETE FROM host_rotation WHERE bloc_id = ?", (bloc_id,))
        for position, unit_id in enumerate(unit_ids, 1):
            await self.execute(
                "INSERT INTO host_rotation(bloc_id, unit_id, position) VALUES (?, ?, ?)",
                (bloc_id, unit_id, position),
            )
