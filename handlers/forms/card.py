"""A form's status card in the group (edited in place), and how forms and answers read."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from bot.core.formatting import format_when
from bot.core.i18n import N_, translator
from bot.core.messages import Button, Choices, DeliveryError
from bot.forms.cases.standing import Standing, form_standing, remember_card
from bot.forms.model import NO, YES, Field, Form, Value
from bot.services import Services

log = logging.getLogger(__name__)

CARD_LIMIT = 4000  # one Telegram message (4096) with a margin: the card is edited in place

# One card refresh at a time per form, each reading after its own commit: two answers arriving
# together can then not leave the card showing the older count.
_CARD_LOCKS: WeakKeyDictionary[object, dict[int, asyncio.Lock]] = WeakKeyDictionary()  # by database

Gettext = Callable[..., str]

KIND_NAMES = {
    "pledge": N_("Pledge"),
    "titles": N_("Title registration"),
    "attend": N_("Attendance"),
    "custom": N_("Registration"),
}


def standard_labels(_: Gettext) -> dict[str, str]:
    """Labels of the standard kinds' fields, in the bloc's language."""
    return {
        "pledge": _("Targets and pledges for the year"),
        "titles": _("Titles the unit registers for"),
        "attending": _("Will the unit attend?"),
        "delegates": _("Delegates (names and positions)"),
        "count": _("Number of delegates"),
    }


def yes_no(_: Gettext) -> dict[str, str]:
    """How yes and no read in a language."""
    return {YES: _("Yes"), NO: _("No")}


def show_value(_: Gettext, lang: str, spec: Field, value: Value) -> str:
    """An answer as people read it: ticks joined, yes/no in words, decimal comma in Vietnamese."""
    if isinstance(value, list):
        return ", ".join(value)
    if spec.type == "yesno":
        return yes_no(_).get(value, value)
    if spec.type == "number" and lang == "vi":
        return value.replace(".", ",")
    return value


def show_answers(_: Gettext, lang: str, form: Form, answers: dict[str, Value]) -> str:
    """One line per answered field: '• label: value'."""
    return "\n".join(
        f"• {f.label}: {show_value(_, lang, f, answers[f.key])}" for f in form.fields if f.key in answers
    )


def state_line(_: Gettext, lang: str, tz: ZoneInfo, form: Form, now: datetime) -> str:
    """Deadline and whether answers are accepted."""
    if form.status == "closed":
        return _("Closed by the chair: answers are locked.")
    if form.deadline is None:
        return _("Reopened by the chair: open until closed.")
    when = format_when(form.deadline, tz, lang)
    if form.locked(now):
        return _("Deadline %(when)s has passed: answers are locked.", when=when)
    return _("Deadline: %(when)s", when=when)


def render_card(s: Standing, now: datetime) -> str:
    """The group's status card: answered x of N and the missing units by name."""
    lang = s.bloc.language
    tr = translator(lang)
    _ = tr.gettext
    tz = ZoneInfo(s.bloc.timezone)
    form = s.form
    lines = [
        f"📋 {_(KIND_NAMES[form.kind])} #{form.id}: {form.title}",
        state_line(_, lang, tz, form, now),
        _("Answered: %(x)s of %(n)s units", x=len(s.answered), n=len(s.units)),
    ]
    footer = (
        [_("Representatives answer privately: /submit %(id)s", id=form.id)] if not form.locked(now) else []
    )
    if s.missing:
        lines.append(_("Not answered yet:"))
        room = CARD_LIMIT - sum(len(line) + 1 for line in lines + footer)
        for index, unit in enumerate(s.missing):
            line = f"#{s.number(unit)} {unit.name}"
            if len(line) + 1 > room - 60:  # keep room for the "… and n more" line
                lines.append(
                    tr.ngettext("… and %(n)s more unit", "… and %(n)s more units", len(s.missing) - index)
                )
                break
            lines.append(line)
            room -= len(line) + 1
    elif s.units:
        lines.append(_("Every unit has answered. ✅"))
    return "\n".join(lines + footer)


def card_markup(s: Standing, now: datetime) -> Choices | None:
    """A button opening the private chat on this form (while answers are accepted)."""
    if s.form.locked(now):
        return None
    _ = translator(s.bloc.language).gettext
    return Choices.of([[Button(_("Answer privately"), start=f"form_{s.form.id}")]])


async def post_card(services: Services, form_id: int) -> None:
    """Post a fresh status card in the bloc's group and remember it."""
    s = await form_standing(services.db, form_id)
    if s is None:
        return
    now = services.clock.now()
    sent = await services.outbox.send(s.bloc.chat_id, render_card(s, now), card_markup(s, now))
    if sent.message_id is None:
        return  # a channel that cannot edit: the next refresh posts the card again
    await remember_card(services.db, form_id, sent.chat_id, sent.message_id)


async def refresh_card(services: Services, form_id: int) -> None:
    """Edit the status card in place; post a new one if the old one is gone."""
    lock = _CARD_LOCKS.setdefault(services.db, {}).setdefault(form_id, asyncio.Lock())
    async with lock:
        await _refresh_card(services, form_id)


async def _refresh_card(services: Services, form_id: int) -> None:
    s = await form_standing(services.db, form_id)
    if s is None:
        return
    now = services.clock.now()
    form = s.form
    try:
        if form.card_chat_id is None or form.card_message_id is None:
            if await services.outbox.homeless(s.bloc.chat_id):
                return  # posted once to each person: a copy per answer would flood their chats
            await post_card(services, form_id)  # no card yet
            return
        sent = await services.outbox.update_card(
            form.card_chat_id,
            form.card_message_id,
            render_card(s, now),
            card_markup(s, now),
            key=f"form:{form_id}",
        )
        if sent is not None and sent.message_id is not None:  # re-posted: edits go to the new one
            await remember_card(services.db, form_id, sent.chat_id, sent.message_id)
    except DeliveryError as exc:
        # The group may have removed the bot; the answer itself is stored, so only log.
        log.warning("could not update the card of form %s: %s", form_id, exc)
