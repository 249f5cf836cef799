"""Registration forms, units' responses with their full history, and answers in progress."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta

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
from bot.roster.model import Bloc, Unit
from storage.repository import Repository

_COLUMNS = (
    "id, bloc_id, kind, title, fields, deadline_at, status, created_by, created_at, "
    "event_id, deadline_event_id, card_chat_id, card_message_id"
)


def _form(row: sqlite3.Row) -> Form:
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


def _draft(row: sqlite3.Row) -> Draft:
    payload = json.loads(str(row[2]))
    return Draft(
        int(row[0]),
        int(str(row[1]).removeprefix("form:")),
        int(payload["unit_id"]),
        answers_from_json(json.dumps(payload["answers"])),
        tuple(int(i) for i in payload["picked"]),
        row[3],
        from_db(str(payload["updated_at"])),
    )


_DRAFT_READ = "person_id, slot, payload, message_id"
DRAFT_KEPT = timedelta(days=60)


def _draft_slot(form_id: int) -> str:
    return f"form:{form_id}"


def _response(r: sqlite3.Row, at: int = 0) -> Response:
    return Response(
        int(r[at]),
        int(r[at + 1]),
        answers_from_json(str(r[at + 2])),
        int(r[at + 3]),
        from_db(str(r[at + 4])),
        int(r[at + 5]),
    )


_RESPONSE = "form_id, unit_id, answers, answered_by, answered_at, version"
_TARGET = (
    "SELECT {form}, b.id, b.chat_id, b.name, b.language, b.timezone, b.created_by, b.created_at, "
    "u.id, u.bloc_id, u.position, u.name, "
    "x.form_id, x.unit_id, x.answers, x.answered_by, x.answered_at, x.version "
    "FROM forms f JOIN blocs b ON b.id = f.bloc_id "
    "LEFT JOIN representatives r ON r.bloc_id = f.bloc_id AND r.user_id = ? "
    "LEFT JOIN units u ON u.id = r.unit_id "
    "LEFT JOIN form_responses x ON x.form_id = f.id AND x.unit_id = u.id "
    "WHERE f.id = ?"
).format(form=", ".join("f." + c.strip() for c in _COLUMNS.split(",")))


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

    async def answering(
        self, form_id: int, user_id: int
    ) -> tuple[Form, Bloc, Unit | None, Response | None] | None:
        """A form with its bloc, the unit the person represents there and that unit's current
        response, in one statement (each form answer asks for them)."""
        row = await self.fetchone(_TARGET, (user_id, form_id))
        if row is None:
            return None
        n = len(_COLUMNS.split(","))
        bloc = Bloc(
            id=int(row[n]),
            chat_id=int(row[n + 1]),
            name=str(row[n + 2]),
            language=str(row[n + 3]),
            timezone=str(row[n + 4]),
            created_by=int(row[n + 5]),
            created_at=from_db(str(row[n + 6])),
        )
        unit = None
        if row[n + 7] is not None:
            unit = Unit(
                id=int(row[n + 7]), bloc_id=int(row[n + 8]), position=int(row[n + 9]), name=str(row[n + 10])
            )
        response = None if row[n + 11] is None else _response(row, n + 11)
        return _form(row), bloc, unit, response

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
            f"SELECT {_RESPONSE} FROM form_responses WHERE form_id = ? ORDER BY answered_at, unit_id",
            (form_id,),
        )
        return [_response(r) for r in rows]

    async def answered_units(self, form_id: int) -> set[int]:
        """The units that have answered a form (their answers not read)."""
        rows = await self.fetchall("SELECT unit_id FROM form_responses WHERE form_id = ?", (form_id,))
        return {int(r[0]) for r in rows}

    async def response(self, form_id: int, unit_id: int) -> Response | None:
        """One unit's current response (one row by its key: not every unit's answers)."""
        r = await self.fetchone(
            f"SELECT {_RESPONSE} FROM form_responses WHERE form_id = ? AND unit_id = ?", (form_id, unit_id)
        )
        return None if r is None else _response(r)

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
    # A draft is a conversation row (storage/conversations.py; migration 009): slot
    # 'form:<id>', keyed by the person (chat_id = person_id: the draft is theirs wherever they
    # answer), kept DRAFT_KEPT past the later of its last touch and the form's deadline. Its
    # seq is the highest of its own chat's rows + 1: seqs are only compared within one chat
    # (the person's latest draft; a menu against a question), and MAX(seq) of the whole table
    # reads every row (no index on seq), a cost that grows with the database.

    async def draft(self, user_id: int, form_id: int | None = None) -> Draft | None:
        """A person's draft for a form, or their most recently touched draft."""
        now = to_db(self.clock.now())
        if form_id is None:
            row = await self.fetchone(
                f"SELECT {_DRAFT_READ} FROM conversations WHERE chat_id = ? AND person_id = ? "
                "AND kind = 'form_draft' AND expires_at > ? ORDER BY seq DESC LIMIT 1",
                (user_id, user_id, now),
            )
        else:
            row = await self.fetchone(
                f"SELECT {_DRAFT_READ} FROM conversations WHERE chat_id = ? AND person_id = ? "
                "AND slot = ? AND expires_at > ?",
                (user_id, user_id, _draft_slot(form_id), now),
            )
        return None if row is None else _draft(row)

    async def put_draft(self, draft: Draft, form: Form | None = None) -> None:
        """Create or update a draft, making it the person's current one (``form``: the draft's
        form as the caller has it, for its deadline; read here when not given)."""
        now = self.clock.now()
        if form is None:
            row = await self.fetchone("SELECT deadline_at FROM forms WHERE id = ?", (draft.form_id,))
            deadline = from_db(str(row[0])) if row and row[0] else None
        else:
            assert form.id == draft.form_id
            deadline = form.deadline
        until = max(now, deadline or now) + DRAFT_KEPT
        payload = {
            "unit_id": draft.unit_id,
            "answers": json.loads(answers_to_json(draft.answers)),
            "picked": list(draft.picked),
            "updated_at": to_db(now),
        }
        await self.execute(
            "INSERT INTO conversations(chat_id, person_id, slot, kind, payload, message_id, expires_at, seq) "
            "VALUES (?, ?, ?, 'form_draft', ?, ?, ?, "
            "(SELECT COALESCE(MAX(seq), 0) + 1 FROM conversations WHERE chat_id = ?)) "
            "ON CONFLICT(chat_id, person_id, slot) DO UPDATE SET kind = excluded.kind, "
            "payload = excluded.payload, message_id = excluded.message_id, "
            "expires_at = excluded.expires_at, seq = excluded.seq",
            (
                draft.user_id,
                draft.user_id,
                _draft_slot(draft.form_id),
                json.dumps(payload, ensure_ascii=False),
                draft.message_id,
                to_db(until),
                draft.user_id,
            ),
        )

    async def drop_draft(self, user_id: int, form_id: int) -> None:
        """Forget a draft (sent or cancelled)."""
        await self.execute(
            "DELETE FROM conversations WHERE chat_id = ? AND person_id = ? AND slot = ?",
            (user_id, user_id, _draft_slot(form_id)),
        )

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
