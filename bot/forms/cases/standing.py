"""A form with the bloc's units split into answered and missing, and the card that shows it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.forms.answers import progress
from bot.forms.model import Form, Response
from bot.roster.model import Bloc, Unit
from storage.db import Database
from storage.forms import FormRepo


@dataclass(frozen=True)
class Standing:
    """A form with the bloc's units split into answered and missing."""

    form: Form
    bloc: Bloc
    units: list[Unit]
    responses: dict[int, Response]
    answered: list[Unit]
    missing: list[Unit]

    def number(self, unit: Unit) -> int:
        """The unit's roster number (#n)."""
        return self.units.index(unit) + 1


async def form_standing(db: Database, form_id: int) -> Standing | None:
    """Load a form and who has and has not answered (active units only)."""
    async with db.read() as uow:
        form = await uow.repo(FormRepo).get(form_id)
        if form is None:
            return None
        bloc = await uow.blocs.get(form.bloc_id)
        units = await uow.units.active(form.bloc_id)
        responses = {r.unit_id: r for r in await uow.repo(FormRepo).responses(form_id)}
    assert bloc is not None
    answered_ids, missing_ids = progress([u.id for u in units], set(responses))
    by_id = {u.id: u for u in units}
    return Standing(
        form, bloc, units, responses, [by_id[i] for i in answered_ids], [by_id[i] for i in missing_ids]
    )


async def remember_card(db: Database, form_id: int, chat_id: int, message_id: int) -> None:
    """Remember the group message that shows the form's progress."""
    async with db.transaction() as uow:
        await uow.repo(FormRepo).set_card(form_id, chat_id, message_id)
