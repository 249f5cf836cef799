"""What a spreadsheet of a form's answers needs beside its standing: every version sent, the
people who sent them, and units removed since they answered."""

from __future__ import annotations

from dataclasses import dataclass

from bot.forms.cases.standing import Standing
from bot.forms.model import Amendment
from bot.roster.model import Person, Unit
from storage.db import Database
from storage.forms import FormRepo


@dataclass(frozen=True)
class History:
    """Every version every unit sent, who sent it, and every unit named (removed ones too)."""

    amendments: list[Amendment]
    people: dict[int, Person | None]
    units: dict[int, Unit]


async def form_history(db: Database, s: Standing) -> History:
    """The form's history of answers, for the export."""
    async with db.read() as uow:
        history = await uow.repo(FormRepo).history(s.form.id)
        people = {i: await uow.people.get(i) for i in {a.user_id for a in history}}
        every_unit = {u.id: u for u in s.units}
        for unit_id in {a.unit_id for a in history} - set(every_unit):
            gone = await uow.units.get(unit_id)
            if gone is not None:
                every_unit[unit_id] = gone
    return History(history, people, every_unit)
