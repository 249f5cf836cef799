"""Who answers which form: the person's unit, the lock, storing a response, wrong answers."""

from __future__ import annotations

from bot.core.formatting import format_when
from bot.forms.answers import MAX_TEXT, AnswerError
from bot.forms.cases.answering import Locked, Target, open_target
from bot.forms.cases.answering import save_answers as store_answers
from bot.forms.model import Answers, Draft, Field, Form
from handlers.conversation.turn import Turn
from handlers.forms.card import refresh_card, show_answers

__all__ = ["Target", "answer_error", "load_target", "locked_message", "save_answers"]


def locked_message(turn: Turn, form: Form) -> str:
    """Why answers to a form are not accepted any more."""
    _ = turn._
    if form.status == "closed" or form.deadline is None:
        return _(
            'Form #%(id)s "%(title)s" is closed: answers can no longer be sent or '
            "changed. The bloc's chair can reopen it.",
            id=form.id,
            title=form.title,
        )
    return _(
        'The deadline of form #%(id)s "%(title)s" was %(when)s: answers are locked. '
        "The bloc's chair can reopen it.",
        id=form.id,
        title=form.title,
        when=format_when(form.deadline, turn.tz, turn.lang),
    )


async def load_target(turn: Turn, form_id: int) -> Target | None:
    """The form and the person's unit in its bloc; on any refusal reply and return None."""
    found = await open_target(turn.services.db, form_id, turn.user_id, turn.now())
    if found == "not_found":
        await turn.reply(
            turn._(
                "You cannot answer form #%(id)s: there is no such form, or you do not represent a "
                "unit of its bloc. /submit lists the forms you can answer.",
                id=form_id,
            )
        )
        return None
    if isinstance(found, Locked):
        await turn.reply(locked_message(turn, found.form))
        return None
    return found


def answer_error(turn: Turn, spec: Field, exc: AnswerError, *, options: bool = True) -> str:
    """What is wrong with an answer, in words (``options``: with the list of choices)."""
    _ = turn._
    if exc.reason == "too_long":
        return _(
            "That answer has %(n)s characters; at most %(max)s, please. Shorten it and send it again.",
            n=exc.detail,
            max=MAX_TEXT,
        )
    if exc.reason == "not_number":
        return _('"%(text)s" is not a number. Send digits only, e.g. 12 or 2,5.', text=exc.detail[:50])
    if exc.reason == "number_too_big":
        return _("That number is too big.")
    buttons = turn.channel.has_buttons
    if exc.reason == "not_choice" and not options:
        return _('"%(text)s" is not one of the choices.', text=exc.detail[:50])
    if exc.reason == "not_choice":
        listed = "\n".join(f"{i}. {o}" for i, o in enumerate(spec.options, 1))
        if not buttons:
            return _(
                '"%(text)s" is not one of the choices:\n%(options)s\nSend the number of your choice.',
                text=exc.detail[:50],
                options=listed,
            )
        return _(
            '"%(text)s" is not one of the choices:\n%(options)s\nPress a button or send the number.',
            text=exc.detail[:50],
            options=listed,
        )
    if exc.reason == "not_yesno" and not buttons:
        return _("Please answer yes or no (có / không), or send the number of your answer.")
    if exc.reason == "not_yesno":
        return _("Please answer yes or no (có / không), or press a button.")
    return _("The answer is empty.")


async def save_answers(turn: Turn, target: Target, answers: Answers, keep: Draft | None = None) -> bool:
    """Store the unit's response (re-checking the lock and the person's unit), then say so;
    ``keep``: the draft to store instead if the form has locked meanwhile."""
    _ = turn._
    form = target.form
    saved = await store_answers(turn.services.db, target, turn.user_id, answers, turn.now(), keep)
    if isinstance(saved, Locked):
        await turn.reply(locked_message(turn, saved.form))
        return False
    if saved == "moved":
        await turn.reply(
            _("You no longer represent %(unit)s, so I did not store these answers.", unit=target.unit.name)
        )
        return False
    version = saved.version
    lines = [
        _(
            "Thank you. The answers of %(unit)s to form #%(id)s are recorded:",
            unit=target.unit.name,
            id=form.id,
        ),
        show_answers(_, turn.lang, form, answers),
    ]
    if version > 1:
        lines.append(
            _("This replaces the earlier answers (version %(v)s; every version is kept).", v=version)
        )
    if form.deadline is not None:
        lines.append(
            _(
                "You can change them with /submit %(id)s until %(when)s.",
                id=form.id,
                when=format_when(form.deadline, turn.tz, turn.lang),
            )
        )
    else:
        lines.append(_("You can change them with /submit %(id)s until the form is closed.", id=form.id))
    await turn.reply("\n".join(lines))
    if version == 1:  # a unit's first answer; an amendment changes nothing the card shows
        await refresh_card(turn.services, form.id)
    return True
