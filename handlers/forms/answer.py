"""`/submit` [nop] in a private chat: the person's open forms, a guided dialog, one-line answers."""

from __future__ import annotations

import re

from bot.core.callbacks import encode
from bot.core.commands import CommandSpec, CommandText
from bot.core.formatting import format_when
from bot.core.i18n import N_
from bot.core.messages import Button, Choices
from bot.forms.answers import AnswerError, parse_answer
from bot.forms.cases.answering import answerable_forms
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn
from handlers.forms.dialog import PREFIX, start_dialog
from handlers.forms.target import Target, answer_error, load_target, save_answers

SUBMIT = CommandSpec(
    "submit",
    "nop",
    "private",
    False,
    N_("/submit [<id>] [<answer>]"),
    N_("Answer a registration form for your unit"),
)

COMMANDS = [SUBMIT]
_SUBMIT = re.compile(r"^#?(\d{1,9})(?:\s+(.*))?$", re.S)


async def cmd_submit(turn: Turn, cmd: CommandText) -> None:
    """'/submit' lists; '/submit <id>' guides; '/submit <id> <text>' answers a one-field form."""
    rest = cmd.rest.strip()
    if not rest:
        await list_forms(turn)
        return
    found = _SUBMIT.match(rest)
    if found is None:
        await turn.reply(
            turn._("Write /submit <form id>, e.g. /submit 3. /submit alone lists the forms you can answer.")
        )
        return
    target = await load_target(turn, int(found.group(1)))
    if target is None:
        return
    text = (found.group(2) or "").strip()
    if text:
        await answer_in_one_line(turn, target, text)
    else:
        await start_dialog(turn, target)


async def answer_in_one_line(turn: Turn, target: Target, text: str) -> None:
    """'/submit <id> <text>': the whole answer of a one-field form in the command."""
    _ = turn._
    form = target.form
    if not form.one_field:
        await turn.reply(
            turn.tr.ngettext(
                "Form #%(id)s has %(n)s question; I will ask it.",
                "Form #%(id)s has %(n)s questions; I will ask them one by one.",
                len(form.fields),
                id=form.id,
            )
        )
        await start_dialog(turn, target)
        return
    spec = form.fields[0]
    try:
        value = parse_answer(spec, text)
    except AnswerError as exc:
        example = "1, 3" if spec.type == "multi" else "1" if spec.type == "choice" else "…"
        await turn.reply(
            answer_error(turn, spec, exc)
            + "\n"
            + _(
                "Nothing was stored. Write it like this: /submit %(id)s %(example)s",
                id=form.id,
                example=example,
            )
        )
        return
    await save_answers(turn, target, {spec.key: value})


async def list_forms(turn: Turn) -> None:
    """The open forms of every bloc where the person represents a unit, as buttons."""
    _ = turn._
    found = await answerable_forms(turn.services.db, turn.user_id, turn.now())
    if found is None:
        await turn.reply(
            _(
                "You do not represent any unit yet. Open the join link your bloc's chair sent you, "
                "or send me its code like this: /join K7QX-M2PD"
            )
        )
        return
    entries: list[tuple[int, str, str]] = []
    for item in found:
        form = item.form
        state = _("answered ✅") if item.answered else _("not answered yet")
        line = _(
            "#%(id)s %(title)s — %(bloc)s, for %(unit)s: %(state)s",
            id=form.id,
            title=form.title,
            bloc=item.bloc.name,
            unit=item.unit.name,
            state=state,
        )
        if form.deadline is not None:
            line += "\n    " + _("Deadline: %(when)s", when=format_when(form.deadline, turn.tz, turn.lang))
        entries.append((form.id, f"#{form.id} {form.title}"[:60], line))
    if not entries:
        await turn.reply(_("There are no open forms for your units right now."))
        return
    buttons = [[Button(label, encode(PREFIX, "s", form_id))] for form_id, label, _line in entries]
    await turn.reply(
        _("Forms you can answer:")
        + "\n"
        + "\n".join(e[2] for e in entries)
        + "\n"
        + (_("Press one to answer it.") if turn.channel.has_buttons else _("Send its number to answer it.")),
        Choices.of(buttons),
    )


def register(router: Router) -> None:
    """/submit (the dialog's buttons, typed answers and links: forms.dialog.register)."""
    router.command(SUBMIT, cmd_submit, needs_bloc=False)
