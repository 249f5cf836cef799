"""`/form <id> export [csv]`: the answers as a spreadsheet, one row per unit."""

from __future__ import annotations

import re
from datetime import datetime

from bot.core.names import fold
from bot.core.offload import in_worker
from bot.forms.cases.export import form_history
from bot.forms.cases.standing import Standing, form_standing
from bot.forms.files import Cell, Sheet, build_csv, build_xlsx, field_cell
from bot.forms.model import Form
from handlers.conversation.turn import Turn
from handlers.forms.card import KIND_NAMES, yes_no


def slug(text: str) -> str:
    """An ASCII file-name part: 'Hội thao 2026' -> 'hoi-thao-2026'."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:40] or "form"


async def form_sheets(turn: Turn, s: Standing) -> tuple[Sheet, Sheet]:
    """The answers sheet (one row per unit) and the history sheet (every version)."""
    _ = turn._
    form = s.form
    found = await form_history(turn.services.db, s)
    history, people, every_unit = found.amendments, found.people, found.units
    words = yes_no(_)

    def who(user_id: int) -> str:
        person = people.get(user_id)
        return person.full_name if person else str(user_id)

    def local(at: datetime) -> datetime:
        return at.astimezone(turn.tz).replace(tzinfo=None)

    labels = tuple(f.label for f in form.fields)
    title = _(
        "%(kind)s #%(id)s: %(title)s — %(bloc)s",
        kind=_(KIND_NAMES[form.kind]),
        id=form.id,
        title=form.title,
        bloc=s.bloc.name,
    )
    rows: list[tuple[Cell, ...]] = []
    for number, unit in enumerate(s.units, 1):
        response = s.responses.get(unit.id)
        answers = response.answers if response else {}
        cells = tuple(field_cell(f, answers.get(f.key), words) for f in form.fields)
        rows.append(
            (
                number,
                unit.name,
                *cells,
                who(response.answered_by) if response else None,
                local(response.answered_at) if response else None,
                response.version if response else None,
            )
        )
    answers_sheet = Sheet(
        _("Answers"),
        title,
        (_("No."), _("Unit"), *labels, _("Answered by"), _("Answered at"), _("Version")),
        tuple(rows),
    )
    past = tuple(
        (
            every_unit[a.unit_id].name if a.unit_id in every_unit else str(a.unit_id),
            a.version,
            who(a.user_id),
            local(a.at),
            *(field_cell(f, a.answers.get(f.key), words) for f in form.fields),
        )
        for a in history
    )
    history_sheet = Sheet(
        _("History"),
        title + " — " + _("every version sent"),
        (_("Unit"), _("Version"), _("Answered by"), _("Answered at"), *labels),
        past,
    )
    return answers_sheet, history_sheet


async def send_export(turn: Turn, form: Form, *, csv: bool) -> None:
    """Send the form's answers as XLSX (answers and history sheets) or as CSV."""
    s = await form_standing(turn.services.db, form.id)
    assert s is not None
    answers, history = await form_sheets(turn, s)
    name = f"form-{form.id}-{slug(form.title)}"
    if csv:
        await turn.reply_document(build_csv(answers), name + ".csv", answers.title)
    else:
        data = await in_worker(build_xlsx, [answers, history])  # off the loop (bot/core/offload.py)
        await turn.reply_document(data, name + ".xlsx", answers.title)
