"""The private answering dialog: one question at a time, buttons for choices, draft in the DB."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.core.callbacks import Callback, CallbackError, encode
from bot.core.commands import parse_command
from bot.core.formatting import format_when
from bot.core.messages import Button, Choices
from bot.forms.answers import (
    AnswerError,
    complete,
    counted,
    next_field,
    parse_answer,
    with_answer,
)
from bot.forms.cases.answering import draft_of, drop_draft, form_of, keep_draft, start_draft
from bot.forms.model import NO, YES, Draft, Field, Value
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn
from handlers.forms.card import show_value, yes_no
from handlers.forms.target import Target, answer_error, load_target, save_answers

PREFIX = "fm"
# Typed text is taken as an answer only while the dialog is fresh: after a pause this long the
# person is first asked whether they meant the form (an abandoned draft must not silently take
# a message written days later as an answer).
DRAFT_IDLE = timedelta(hours=24)
START = "form_"  # "/start form_<id>": the card's "Answer privately" button
_START = re.compile(r"form_(\d{1,9})")


def question_markup(
    _: Any,
    form_id: int,
    index: int,
    spec: Field,
    picked: tuple[int, ...],
    keep: bool,
    *,
    numbered: bool = False,
) -> Choices:
    """Buttons for one question: the choices (ticks for several), keep, cancel. ``numbered``:
    the channel numbers the choices itself (no buttons), so the labels carry no number."""
    rows: list[list[Button]] = []
    if spec.type == "choice":
        rows += [
            [Button((o if numbered else f"{i}. {o}")[:60], encode(PREFIX, "o", form_id, index, i - 1))]
            for i, o in enumerate(spec.options, 1)
        ]
    elif spec.type == "yesno":
        words = yes_no(_)
        rows.append(
            [Button(words[v], encode(PREFIX, "o", form_id, index, i)) for i, v in enumerate((YES, NO))]
        )
    elif spec.type == "multi":
        rows += [
            [Button(("☑ " if i in picked else "☐ ") + o[:56], encode(PREFIX, "t", form_id, index, i))]
            for i, o in enumerate(spec.options)
        ]
        rows.append([Button(_("Done ✔"), encode(PREFIX, "d", form_id, index))])
    if keep:
        rows.append([Button(_("Keep the current answer"), encode(PREFIX, "k", form_id, index))])
    rows.append([Button(_("Cancel"), encode(PREFIX, "x", form_id))])
    return Choices.of(rows)


async def start_dialog(turn: Turn, target: Target) -> None:
    """Begin (or resume) answering a form; the draft lives in the database."""
    _ = turn._
    form = target.form
    started = await start_draft(turn.services.db, turn.user_id, target)
    draft = started.draft
    lines = [
        _(
            'Form #%(id)s "%(title)s" of %(bloc)s, answered for %(unit)s.',
            id=form.id,
            title=form.title,
            bloc=target.bloc.name,
            unit=target.unit.name,
        )
    ]
    if form.deadline is not None:
        lines.append(_("Deadline: %(when)s", when=format_when(form.deadline, turn.tz, turn.lang)))
    if target.response is not None:
        lines.append(
            _(
                "%(unit)s already answered on %(when)s. Your answers will replace those "
                '(the earlier version is kept); "Keep" leaves an answer as it is.',
                unit=target.unit.name,
                when=format_when(target.response.answered_at, turn.tz, turn.lang),
            )
        )
    if started.resumed:
        lines.append(_("Continuing where you left off; your earlier answers are kept."))
    lines.append(_("Send /cancel to stop."))
    await ask_next(turn, target, draft, before="\n".join(lines))


async def ask_next(turn: Turn, target: Target, draft: Draft, before: str = "") -> None:
    """Ask the next unanswered question (after `before`), or store the complete answers."""
    _ = turn._
    form = target.form
    spec = next_field(form.fields, draft.answers)
    if spec is None:
        if before:
            await turn.reply(before)
        await save_answers(turn, target, complete(form.fields, draft.answers))
        return
    asked = counted(form.fields, draft.answers)
    lines = [before + "\n"] if before else []
    lines.append(
        _("Question %(i)s of %(n)s: %(label)s", i=asked.index(spec) + 1, n=len(asked), label=spec.label)
    )
    buttons = turn.channel.has_buttons
    # Without buttons the channel numbers a choice question's options itself (the numbered
    # menu); several choices are typed as numbers instead ("1, 3"), so they are listed here.
    if spec.type == "multi" or (spec.type == "choice" and buttons):
        lines += [f"{i}. {o}" for i, o in enumerate(spec.options, 1)]
    lines.append(question_hint(turn, spec))
    current = target.response.answers.get(spec.key) if target.response else None
    if current is not None:
        lines.append(_("Current answer: %(value)s", value=show_value(_, turn.lang, spec, current)))
    markup: Choices | None = question_markup(
        _, form.id, form.fields.index(spec), spec, draft.picked, current is not None, numbered=not buttons
    )
    if not buttons and spec.type in ("text", "number", "multi"):
        # Numbered choices would take a typed number ("12", or "1" of "1, 3") for a pick of the
        # menu; the number is the answer instead, and /huy stops.
        markup = None
    # The draft was stored before (every caller stores what it changed): no second write for the
    # question's message id, which nothing reads (a write transaction per answer less).
    await turn.reply("\n".join(lines), markup)


def question_hint(turn: Turn, spec: Field) -> str:
    """How to answer a question, with buttons or by numbers."""
    _ = turn._
    if not turn.channel.has_buttons and spec.type in ("choice", "yesno"):
        return _("Send the number of your choice.")
    if not turn.channel.has_buttons and spec.type == "multi":
        return _("Send the numbers of your choices separated by commas, e.g. 1, 3.")
    return {
        "text": _("Type your answer (at most 2000 characters)."),
        "number": _("Type a number."),
        "choice": _("Press one button, or send the number of your choice."),
        "multi": _("Tick one or more and press Done, or send the numbers separated by commas, e.g. 1, 3."),
        "yesno": _("Press Yes or No."),
    }[spec.type]


async def record(turn: Turn, target: Target, draft: Draft, spec: Field, value: Value) -> None:
    """Keep one answer in the draft, then go on."""
    form = target.form
    answers = with_answer(form.fields, draft.answers, spec.key, value)
    draft = replace(draft, answers=answers, picked=(), message_id=None)
    done = next_field(form.fields, answers) is None
    if not done:
        await keep_draft(turn.services.db, draft, form)
    pressed = turn.incoming.message_id if turn.incoming.choice is not None else None
    if pressed is not None:
        shown = show_value(turn._, turn.lang, spec, value)
        # False for an old or unchanged question (or no edits here); the next one is sent anyway.
        await turn.edit(pressed, f"{spec.label}\n→ {shown}", None)
    if done:
        # The last answer: stored with the response in one transaction (the complete draft is
        # kept only if the response is refused because the form locked meanwhile).
        await save_answers(turn, target, complete(form.fields, answers), keep=draft)
        return
    await ask_next(turn, target, draft)


async def on_button(turn: Turn, data: Callback) -> None:
    """Dialog buttons: start, choose, tick, done, keep, cancel (stale ones are refused)."""
    _ = turn._
    press = turn.press
    action, form_id = data.str(0), data.int(1)
    if action == "s":
        await press.answer()
        target = await load_target(turn, form_id)
        if target is not None:
            await start_dialog(turn, target)
        return
    draft = await draft_of(turn.services.db, turn.user_id, form_id)
    if action == "x":
        await press.answer()
        await cancel_draft(turn, draft)
        return
    if draft is None or action not in ("o", "t", "d", "k"):
        raise CallbackError("no such draft or action")
    target = await load_target(turn, form_id)
    if target is None:
        await press.answer()
        return
    fields = target.form.fields
    index = data.int(2)
    spec = fields[index] if 0 <= index < len(fields) else None
    if spec is None or spec != next_field(fields, draft.answers) or draft.unit_id != target.unit.id:
        raise CallbackError("not the current question")
    if action == "k":
        current = target.response.answers.get(spec.key) if target.response else None
        if current is None:
            raise CallbackError("nothing to keep")
        await press.answer()
        await record(turn, target, draft, spec, current)
        return
    choices: tuple[str, ...] = (YES, NO) if spec.type == "yesno" else spec.options
    if action == "o" and spec.type in ("choice", "yesno"):
        option = data.int(3)
        if not 0 <= option < len(choices):
            raise CallbackError("no such option")
        await press.answer()
        await record(turn, target, draft, spec, choices[option])
    elif action == "t" and spec.type == "multi":
        option = data.int(3)
        if not 0 <= option < len(choices):
            raise CallbackError("no such option")
        picked = tuple(sorted(set(draft.picked) ^ {option}))
        draft = replace(draft, picked=picked)
        await keep_draft(turn.services.db, draft, target.form)
        await press.answer()
        keep = target.response is not None and spec.key in target.response.answers
        # An older copy of the question may already show these ticks: "not modified" is fine.
        markup = question_markup(_, form_id, index, spec, picked, keep, numbered=not turn.channel.has_buttons)
        await press.set_choices(markup)
    elif action == "d" and spec.type == "multi":
        if not draft.picked:
            await press.answer(_("Tick at least one."), alert=True)
            return
        await press.answer()
        await record(turn, target, draft, spec, [choices[i] for i in draft.picked])
    else:
        raise CallbackError("action does not fit the question")


async def cancel_draft(turn: Turn, draft: Draft | None) -> None:
    """Forget a draft and say that nothing was sent."""
    _ = turn._
    if draft is None:
        await turn.reply(_("There was nothing to cancel."))
        return
    await drop_draft(turn.services.db, turn.user_id, draft.form_id)
    await turn.reply(
        _("Stopped answering form #%(id)s. Nothing was sent. /submit %(id)s starts again.", id=draft.form_id)
    )


async def on_text(turn: Turn, text: str) -> bool:
    """Typed answers in a private chat, only while this person has a fresh draft (offered after
    the person's pending guided question); True when the text was taken."""
    if not turn.is_private:
        return False
    services = turn.services
    draft = await draft_of(services.db, turn.user_id)
    if draft is None:
        return False
    if draft.updated_at is None or services.clock.now() - draft.updated_at > DRAFT_IDLE:
        form = await form_of(services.db, draft.form_id)
        if form is None or form.locked(services.clock.now()):
            return False  # an old draft of a locked form: the text is surely not meant for it
        await keep_draft(services.db, draft, form)  # fresh again: the next text answers
        await turn.reply(
            turn._(
                "You have unfinished answers to form #%(id)s. Send /submit %(id)s to see the "
                "question again, or /cancel to drop them.",
                id=draft.form_id,
            )
        )
        return True
    target = await load_target(turn, draft.form_id)
    if target is not None:
        await answer_typed(turn, target, draft, text)
    return True


async def answer_typed(turn: Turn, target: Target, draft: Draft, text: str) -> None:
    """Check a typed answer to the current question; a wrong one is explained and asked again."""
    if draft.unit_id != target.unit.id:
        await start_dialog(turn, target)  # the person now speaks for another unit: start over
        return
    spec = next_field(target.form.fields, draft.answers)
    if spec is None:
        await ask_next(turn, target, draft)  # complete but not stored (it was locked): store
        return
    try:
        value = parse_answer(spec, text)
    except AnswerError as exc:
        await ask_next(
            turn,
            target,
            draft,
            # The question follows with its choices: the error does not list them again.
            before=answer_error(turn, spec, exc, options=False)
            + "\n"
            + turn._("Your earlier answers are kept."),
        )
        return
    await record(turn, target, draft, spec, value)


async def cancel_form_draft(turn: Turn) -> bool:
    """/cancel in a private chat with a draft: forget the draft (other questions go on).

    True when a draft was dropped and the person told; False (nothing said) otherwise."""
    if not turn.is_private:
        return False
    draft = await draft_of(turn.services.db, turn.user_id)
    if draft is None:
        return False
    await cancel_draft(turn, draft)
    return True


async def on_start_form(turn: Turn, form_id: int) -> None:
    """'/start form_<id>' (the card's button): remember the person, open the dialog."""
    await turn.remember_person()
    target = await load_target(turn, form_id)
    if target is not None:
        await start_dialog(turn, target)


def register(router: Router) -> None:
    """The dialog's buttons, its typed answers (after guided questions) and the card's link.

    /cancel drops a draft through cancel_form_draft, which the /cancel command calls."""

    async def on_start(turn: Turn, payload: str) -> None:
        parsed = parse_command(turn.incoming.text)
        found = _START.fullmatch(payload)
        if turn.is_private and found is not None and parsed is not None and parsed.rest.strip() == payload:
            await on_start_form(turn, int(found.group(1)))
            return
        # Not a form link after all ("/start form_x", or in a group): the plain /start answers.
        route = router.commands.get("start")
        if route is None or parsed is None:
            return
        if router.guard is None or await router.guard(turn, route.spec, route.needs_bloc, parsed.name):
            await route.fn(turn, parsed)

    router.button(PREFIX, on_button)
    router.start(START, on_start)
    router.take_text(on_text)
