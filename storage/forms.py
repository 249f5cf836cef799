"""Registration forms, units' responses with their full history, and answers in progress."""

from __future__ import annotations

import json
from datetime import datetime

import aiosqlite

from bot.core.clock import from_db, to_db
from bot.forms.model import (
    Amendment,
    Answers,
    Draft,
    Field,
    Form,
    Kind,
    Response,
    answers_from_json,
    answers_to_json,
    fields_from_json,
    fields_to_json,
)
from storage.unit_of_work import Repository

_COLUMNS = (
    "id, bloc_id, kind, title, fields, deadline_at, status, created_by, created_at, "
    "event_id, deadline_event_id, card_chat_id, card_message_id"
)


def _form(row: aiosqlite.Row) -> Form:
    return Form(
        id=int(row[0]),
        bloc_id=int(row[1]),
        kind=row[2],
        title=str(row[3]),
        fields=fields_from_json(str(row[4])),
        deadline=None if row[5] is None else from_db(str(row[5])),
        status=row[6],
        created_by=int(row[7]),
        created_at=from_db(str(row[8])),
        event_id=row[9],
        deadline_event_id=row[10],
        card_chat_id=row[11],
        card_message_id=row[12],
    )


def _draft(row: aiosqlite.Row) -> Draft:
    return Draft(
        int(row[0]),
        int(row[1]),
        int(row[2]),
        answers_from_json(str(row[3])),
        tuple(int(i) for i in json.loads(str(row[4]))),
        row[5],
        from_db(str(row[6])),
    )


_DRAFT_COLUMNS = "user_id, form_id, unit_id, answers, picked, message_id"
_DRAFT_READ = _DRAFT_COLUMNS + ", updated_at"


class FormRepo(Repository):
    async def create(
        self,
        bloc_id: int,
        kind: Kind,
        title: str,
        fields: tuple[Field, ...],
        deadline: datetime,
        created_by: int,
        event_id: int | None = None,
    ) -> Form:
        """Open a new form for every unit of a bloc."""
        form_id = await self.execute(
            "INSERT INTO forms(bloc_id, kind, title, fields, event_id, deadline_at, created_by, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                bloc_id,
                kind,
                title,
                fields_to_json(fields),
                event_id,
                to_db(deadline),
                created_by,
                to_db(self.clock.now()),
            ),
        )
        found = await self.get(form_id)
        assert found is not None
        return found

    async def get(self, form_id: int) -> Form | None:
        """One form by id."""
        row = await self.fetchone(f"SELECT {_COLUMNS} FROM forms WHERE id = ?", (form_id,))
        return None if row is None else _form(row)

    async def of_bloc(self, bloc_id: int, *, open_only: bool = True) -> list[Form]:
        """A bloc's forms (not closed ones unless asked), oldest first."""
        where = " AND status = 'open'" if open_only else ""
        rows = await self.fetchall(
            f"SELECT {_COLUMNS} FROM forms WHERE bloc_id = ?{where} ORDER BY id", (bloc_id,)
        )
        return [_form(r) for r in rows]

    async def set_card(self, form_id: int, chat_id: int, message_id: int) -> None:
        """Remember the group message showing the form's progress."""
        await self.execute(
            "UPDATE forms SET card_chat_id = ?, card_message_id = ? WHERE id = ?",
            (chat_id, message_id, form_id),
        )

    async def set_deadline_event(self, form_id: int, event_id: int | None) -> None:
        """Link the schedule's deadline event."""
        await self.execute("UPDATE forms SET deadline_event_id = ? WHERE id = ?", (event_id, form_id))

    async def set_status(self, form_id: int, status: str, deadline: datetime | None) -> None:
        """Close, or reopen with a new deadline (None: until closed)."""
        await self.execute(
            "UPDATE forms SET status = ?, deadline_at = ? WHERE id = ?",
            (status, None if deadline is None else to_db(deadline), form_id),
        )

    # responses ---------------------------------------------------------------------------

    async def responses(self, form_id: int) -> list[Response]:
        """Every unit's current response."""
        rows = await self.fetchall(
            "SELECT form_id, unit_id, answers, answered_by, answered_at, version "
            "FROM form_responses WHERE form_id = ? ORDER BY answered_at, unit_id",
            (form_id,),
        )
        return [
            Response(
                int(r[0]), int(r[1]), answers_from_json(str(r[2])), int(r[3]), from_db(str(r[4])), int(r[5])
            )
            for r in rows
        ]

    async def response(self, form_id: int, unit_id: int) -> Response | None:
        """One unit's current response."""
        found = [r for r in await self.responses(form_id) if r.unit_id == unit_id]
        return found[0] if found else None

    async def save_response(self, form_id: int, unit_id: int, user_id: int, answers: Answers) -> int:
        """Store a unit's answers as its current response and in the history; return version."""
        now = to_db(self.clock.now())
        row = await self.fetchone(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM form_amendments WHERE form_id = ? AND unit_id = ?",
            (form_id, unit_id),
        )
        version = int(row[0]) if row else 1
        text = answers_to_json(answers)
        await self.execute(
            "INSERT INTO form_amendments(form_id, unit_id, version, user_id, at, answers) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (form_id, unit_id, version, user_id, now, text),
        )
        await self.execute(
            "INSERT INTO form_responses(form_id, unit_id, answers, answered_by, answered_at, "
            "version) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(form_id, unit_id) DO UPDATE SET "
            "answers = excluded.answers, answered_by = excluded.answered_by, "
            "answered_at = excluded.answered_at, version = excluded.version",
            (form_id, unit_id, text, user_id, now, version),
        )
        return version

    async def history(self, form_id: int) -> list[Amendment]:
        """Every version every unit sent, oldest first."""
        rows = await self.fetchall(
            "SELECT form_id, unit_id, version, user_id, at, answers FROM form_amendments "
            "WHERE form_id = ? ORDER BY at, unit_id, version",
            (form_id,),
        )
        return [
            Amendment(
                int(r[0]), int(r[1]), int(r[2]), int(r[3]), from_db(str(r[4])), answers_from_json(str(r[5]))
            )
            for r in rows
        ]

    # drafts ------------------------------------------------------------------------------

    async def draft(self, user_id: int, form_id: int | None = None) -> Draft | None:
        """A person's draft for a form, or their most recently touched draft."""
        if form_id is None:
            row = await self.fetchone(
                f"SELECT {_DRAFT_READ} FROM form_drafts WHERE user_id = ? ORDER BY seq DESC LIMIT 1",
                (user_id,),
            )
        else:
            row = await self.fetchone(
                f"SELECT {_DRAFT_READ} FROM form_drafts WHERE user_id = ? AND form_id = ?", (user_id, form_id)
            )
        return None if row is None else _draft(row)

    async def put_draft(self, draft: Draft) -> None:
        """Create or update a draft, making it the person's current one."""
        await self.execute(
            f"INSERT INTO form_drafts({_DRAFT_COLUMNS}, updated_at, seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM form_drafts)) "
            "ON CONFLICT(user_id, form_id) DO UPDATE SET unit_id = excluded.unit_id, "
            "answers = excluded.answers, picked = excluded.picked, "
            "message_id = excluded.message_id, updated_at = excluded.updated_at, "
            "seq = excluded.seq",
            (
                draft.user_id,
                draft.form_id,
                draft.unit_id,
                answers_to_json(draft.answers),
                json.dumps(list(draft.picked)),
                draft.message_id,
                to_db(self.clock.now()),
            ),
        )

    async def drop_draft(self, user_id: int, form_id: int) -> None:
        """Forget a draft (sent or cancelled)."""
        await self.execute("DELETE FROM form_drafts WHERE user_id = ? AND form_id = ?", (user_id, form_id))

    # private nudges ------------------------------------------------------------------------

    async def nudged(self, form_id: int, due_at: datetime) -> set[int]:
        """The people already nudged for one nudge time of a form."""
        rows = await self.fetchall(
            "SELECT user_id FROM form_nudges WHERE form_id = ? AND due_at = ?", (form_id, to_db(due_at))
        )
        return {int(r[0]) for r in rows}

    async def mark_nudged(self, form_id: int, user_id: int, due_at: datetime) -> None:
        """Record that a person got a form's private nudge for that time."""
        await self.execute(
            "INSERT OR IGNORE INTO form_nudges(form_id, user_id, due_at, sent_at) VALUES (?, ?, ?, ?)",
            (form_id, user_id, to_db(due_at), to_db(self.clock.now())),
        )
