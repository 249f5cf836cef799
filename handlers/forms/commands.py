"""Registrations in the group: /form (open, status, close, reopen, export) and /forms."""

from __future__ import annotations

import re
from datetime import datetime, time

from bot.core.commands import CommandSpec, CommandText
from bot.core.dates import WhenError, parse_when
from bot.core.i18n import N_
from bot.core.names import fold
from bot.forms.cases import managing
from bot.forms.cases.standing import form_standing
from bot.forms.model import Form, FormSyntaxError, NewForm, parse_new_form, standard_fields
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn
from handlers.forms.card import KIND_NAMES, post_card, refresh_card, standard_labels, state_line
from handlers.forms.export import send_export
from handlers.forms.schedule import meeting_for_form, titles

FORM = CommandSpec(
    "form",
    "dangky",
    "group",
    False,
    N_("/form <kind> <title> | <deadline>"),
    N_("Registrations: open a form for every unit; /form <id> shows who answered"),
)
FORMS = CommandSpec(
    "forms", None, "group", False, N_("/forms"), N_("Open registration forms and how many units answered")
)

COMMANDS = [FORM, FORMS]
# A deadline written without a time means the end of that office day.
DEADLINE_TIME = time(17, 0)
_ID = re.compile(r"^#?(\d{1,9})$")
ACTIONS = {  # sub-commands of /form <id>, English and Vietnamese (folded)
    "close": "close",
    "dong": "close",
    "khoa": "close",
    "reopen": "reopen",
    "molai": "reopen",
    "mo": "reopen",
    "export": "export",
    "xuat": "export",
}


def usage(turn: Turn) -> str:
    """The forms of /form, with an example."""
    return turn._(
        "Write it like this:\n"
        "/form pledge <title> | <deadline>\n"
        "/form titles <title> | <deadline> — then one title per line\n"
        "/form attend <meeting id> [<title>] | <deadline>\n"
        "/form custom <title> | <deadline> — then one field per line: "
        "<label> | text, number or choice:a,b,c\n"
        "/form <id> — who answered; /form <id> close | reopen [<deadline>] | export [csv]\n"
        "e.g. /form pledge Đăng ký thi đua năm 2026 | 31/3/2026"
    )


async def cmd_form(turn: Turn, cmd: CommandText) -> None:
    """Open a form (admins), or act on one: status, close, reopen, export."""
    words = cmd.first_line.split(maxsplit=2)
    if not words:
        await turn.reply(usage(turn))
        return
    found = _ID.match(words[0])
    if found is None:
        await open_form(turn, cmd)
        return
    form = await this_blocs_form(turn, int(found.group(1)))
    if form is None:
        return
    if len(words) == 1:
        await show_status(turn, form)
        return
    action = ACTIONS.get(fold(words[1]).replace(" ", ""))
    rest = words[2] if len(words) > 2 else ""
    if action is None:
        await turn.reply(turn._('I did not understand "%(text)s".', text=words[1]) + "\n" + usage(turn))
        return
    if not await turn.is_admin():
        await turn.reply(await turn.who_may_admin())
        return
    if action == "close":
        await close_form(turn, form)
    elif action == "reopen":
        await reopen_form(turn, form, rest)
    else:
        await send_export(turn, form, csv=fold(rest) == "csv")


async def this_blocs_form(turn: Turn, form_id: int) -> Form | None:
    """The form with this id in this bloc, or a reply saying there is none."""
    assert turn.bloc is not None
    form = await managing.bloc_form(turn.services.db, turn.bloc.id, form_id)
    if form is None:
        await turn.reply(
            turn._("There is no form #%(id)s in this bloc. /forms lists the open ones.", id=form_id)
        )
        return None
    return form


def syntax_message(turn: Turn, exc: FormSyntaxError) -> str:
    """What was wrong with a /form command, in words."""
    _ = turn._
    line, detail = exc.line, exc.detail
    messages = {
        "no_kind": _("Which kind of form? pledge, titles, attend or custom."),
        "unknown_kind": _(
            'I do not know the kind "%(kind)s". Use pledge, titles, attend or custom.', kind=detail
        ),
        "no_event": _("Write the meeting's id after attend. /schedule lists the ids."),
        "too_many_parts": _('Write the title and the deadline separated by a single " | ".'),
        "no_title": _("The form needs a title."),
        "title_too_long": _("A title has at most %(max)s characters.", max=200),
        "no_deadline": _('The form needs a deadline after " | ", e.g. 31/3/2026.'),
        "no_options": _("List the titles to choose from, one per line after the command."),
        "option_too_long": _("Line %(line)s: a choice has at most %(max)s characters.", line=line, max=60),
        "duplicate_option": _('Line %(line)s: "%(option)s" is listed twice.', line=line, option=detail),
        "too_many_options": _("At most %(max)s choices, please.", max=20),
        "bad_field_line": _(
            'Line %(line)s should read "<label> | text", "<label> | number" or "<label> | choice:a,b,c".',
            line=line,
        ),
        "bad_field_type": _(
            'Line %(line)s: "%(type)s" is not a field type; use text, number or choice:a,b,c.',
            line=line,
            type=detail,
        ),
        "choice_needs_options": _(
            "Line %(line)s: a choice needs at least two options, e.g. choice:Bóng đá,Cầu lông.", line=line
        ),
        "label_too_long": _(
            "Line %(line)s: a field label has at most %(max)s characters.", line=line, max=100
        ),
        "duplicate_label": _(
            'Line %(line)s: the field "%(label)s" is listed twice.', line=line, label=detail
        ),
        "no_fields": _("List the form's fields, one per line after the command."),
        "too_many_fields": _("At most %(max)s fields, please.", max=15),
        "unexpected_lines": _("This kind of form takes nothing on the following lines."),
    }
    return messages.get(exc.reason, messages["no_kind"])


def when_message(turn: Turn, exc: WhenError, text: str) -> str:
    """Why a deadline was refused."""
    _ = turn._
    if exc.reason == "past":
        return _("The deadline %(text)s has already passed. Choose a later one.", text=text)
    if exc.reason == "impossible":
        return _('There is no such date or time: "%(text)s".', text=text)
    return _(
        'I could not read the deadline "%(text)s". Write the day first, e.g. 31/3/2026 or 31/3/2026 5pm.',
        text=text,
    )


def read_deadline(turn: Turn, text: str) -> datetime | str:
    """A deadline as an aware UTC moment, or the reason it was refused."""
    try:
        return parse_when(text, now=turn.now(), tz=turn.tz, default_time=DEADLINE_TIME).at
    except WhenError as exc:
        return when_message(turn, exc, text)


async def open_form(turn: Turn, cmd: CommandText) -> None:
    """'/form <kind> <title> | <deadline>' (+ lines): store the form, post its card."""
    _ = turn._
    assert turn.bloc is not None
    if not await turn.is_admin():
        await turn.reply(await turn.who_may_admin())
        return
    try:
        new = parse_new_form(cmd.first_line, cmd.lines)
    except FormSyntaxError as exc:
        await turn.reply(syntax_message(turn, exc) + "\n\n" + usage(turn))
        return
    deadline = read_deadline(turn, new.deadline_text)
    if isinstance(deadline, str):
        await turn.reply(deadline)
        return
    title = new.title
    if new.kind == "attend":
        assert new.event_id is not None
        meeting = await meeting_for_form(turn, new.event_id)
        if meeting is None:
            return
        title = title or meeting
    if not await managing.has_units(turn.services.db, turn.bloc.id):
        await turn.reply(_("This bloc has no units yet. Add them with /units add, one per line."))
        return
    form = await store_form(turn, new, title, deadline)
    await post_card(turn.services, form.id)


async def store_form(turn: Turn, new: NewForm, title: str, deadline: datetime) -> Form:
    """Create the form and its deadline event in one transaction."""
    assert turn.bloc is not None
    fields = new.fields or standard_fields(new.kind, standard_labels(turn._), new.options)
    return await managing.open_form(
        turn.services,
        turn.bloc.id,
        new.kind,
        title,
        fields,
        deadline,
        turn.user_id,
        new.event_id,
        titles(turn._),
    )


async def show_status(turn: Turn, form: Form) -> None:
    """Who answered (by whom, when, how often amended) and who has not."""
    _ = turn._
    status = await managing.form_status(turn.services.db, form.id)
    assert status is not None
    s = status.standing
    lines = [
        f"📋 {_(KIND_NAMES[form.kind])} #{form.id}: {form.title}",
        state_line(_, turn.lang, turn.tz, form, turn.now()),
        _("Answered: %(x)s of %(n)s units", x=len(s.answered), n=len(s.units)),
    ]
    for unit in s.answered:
        response = s.responses[unit.id]
        person = status.senders.get(response.answered_by)
        line = _(
            "#%(no)s %(unit)s — %(person)s, %(when)s",
            no=s.number(unit),
            unit=unit.name,
            person=person.full_name if person else response.answered_by,
            when=format_short(turn, response.answered_at),
        )
        if response.version > 1:
            line += " " + turn.tr.ngettext(
                "(amended %(n)s time)", "(amended %(n)s times)", response.version - 1
            )
        lines.append("✅ " + line)
    if s.missing:
        lines.append(_("Not answered yet:"))
        lines += [f"⏳ #{s.number(u)} {u.name}" for u in s.missing]
    await turn.reply("\n".join(lines))


def format_short(turn: Turn, at: datetime) -> str:
    """'16/07 08:05' in the bloc's timezone."""
    return at.astimezone(turn.tz).strftime("%d/%m %H:%M")


async def close_form(turn: Turn, form: Form) -> None:
    """Lock a form now."""
    _ = turn._
    if form.status == "closed":
        await turn.reply(_("Form #%(id)s is already closed. /form %(id)s reopen opens it again.", id=form.id))
        return
    await managing.close_form(turn.services, form)
    await refresh_card(turn.services, form.id)
    await turn.reply(
        _("Form #%(id)s is closed; answers are locked. /form %(id)s reopen opens it again.", id=form.id)
    )


async def reopen_form(turn: Turn, form: Form, when_text: str) -> None:
    """Accept answers again: until a new deadline, the old one if still ahead, or until closed."""
    _ = turn._
    deadline: datetime | None = None
    if when_text.strip():
        read = read_deadline(turn, when_text)
        if isinstance(read, str):
            await turn.reply(read)
            return
        deadline = read
    elif not form.locked(turn.now()):
        await turn.reply(
            _(
                "Form #%(id)s is open already. To change its deadline: /form %(id)s reopen <deadline>",
                id=form.id,
            )
        )
        return
    elif form.deadline is not None and form.deadline > turn.now():
        deadline = form.deadline  # closed early: reopening restores the deadline
    was_open = not form.locked(turn.now())
    await managing.reopen_form(turn.services, form, deadline, titles(turn._))
    await refresh_card(turn.services, form.id)
    s = await form_standing(turn.services.db, form.id)
    assert s is not None
    head = (
        _("The deadline of form #%(id)s is changed.", id=form.id)
        if was_open
        else _("Form #%(id)s is open again.", id=form.id)
    )
    await turn.reply(head + "\n" + state_line(_, turn.lang, turn.tz, s.form, turn.now()))


async def cmd_forms(turn: Turn, cmd: CommandText) -> None:
    """The bloc's open forms with their progress."""
    _ = turn._
    assert turn.bloc is not None
    forms = await managing.open_forms(turn.services.db, turn.bloc.id)
    if not forms:
        await turn.reply(_("No open forms. Admins open one with /form; /form shows how."))
        return
    lines = [_("Open forms of %(bloc)s:", bloc=turn.bloc.name)]
    for s in forms:
        form = s.form
        lines.append(
            _(
                "#%(id)s %(title)s — %(x)s/%(n)s answered",
                id=form.id,
                title=form.title,
                x=len(s.answered),
                n=len(s.units),
            )
        )
        lines.append("    " + state_line(_, turn.lang, turn.tz, form, turn.now()))
    lines.append(_("/form <id> shows who has not answered."))
    await turn.reply("\n".join(lines))


def register(router: Router) -> None:
    """This feature's group commands (the private dialog: forms.answer and forms.dialog)."""
    router.command(FORM, cmd_form)
    router.command(FORMS, cmd_forms)
