"""Joining a unit with the code the chair sent: typed (`/join K7QX-M2PD`, `/thamgia`, or
"thamgia K7QX-M2PD" without the slash) where there are no deep links, or opened as a Telegram
link (`/start join_K7QXM2PD`). Both are the same single-use code, and both count a person's
wrong codes (bot/roster/joincodes.py): after five in an hour the person is asked to wait."""

from __future__ import annotations

import re

from babel import dates as babel_dates

from bot.core.commands import CommandSpec, CommandText
from bot.core.formatting import TIME_PATTERN
from bot.core.i18n import N_, translator
from bot.roster import cases
from bot.roster.cases import CodeRefused, JoinResult, PollOpen, TooManyCodes, Wrong
from bot.roster.joincodes import Attempts, read_code, shown
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn

__all__ = ["JOIN", "answer_join", "cmd_join", "join_command", "on_link", "register", "typed_join"]

JOIN = CommandSpec(
    "join",
    "thamgia",
    "private",
    False,
    N_("/join <code>"),
    N_("Link yourself to your unit with the code from your bloc's chair"),
)
EXAMPLE = "K7QX-M2PD"
LINK = re.compile(r"^join_([A-Za-z0-9_-]{8,60})$")
# "thamgia K7QX-M2PD" typed without the slash (as people write it on Zalo)
TYPED = re.compile(r"^\s*(?:thamgia|join)\s*[:\s]\s*(\S.{0,40}?)\s*$", re.IGNORECASE)


def join_command(lang: str) -> str:
    """The join command in a chat's language (the other one works too)."""
    return "/" + (JOIN.alias or JOIN.name if lang == "vi" else JOIN.name)


async def cmd_join(turn: Turn, cmd: CommandText) -> None:
    """'/join <code>' in a private chat: link this person to the invited unit."""
    _ = turn._
    typed = cmd.first_line
    example = f"{join_command(turn.lang)} {EXAMPLE}"
    if not typed:
        await turn.reply(
            _(
                "Send the join code your bloc's chair gave you after the command, e.g. %(example)s",
                example=example,
            )
        )
        return
    code = read_code(typed)
    if code is None:
        await turn.reply(
            _(
                '"%(text)s" is not a join code: a code has 8 letters and digits, e.g. %(example)s. '
                "Check it and send it again.",
                text=typed[:40],
                example=example,
            )
        )
        return
    await turn.remember_person()
    await answer_join(turn, await cases.join_by_code(turn.services.db, code, turn.user_id, turn.now()), code)


async def typed_join(turn: Turn, text: str) -> bool:
    """Plain "thamgia K7QX-M2PD" in a private chat, taken as the command."""
    match = TYPED.match(text) if turn.is_private else None
    code = read_code(match.group(1)) if match else None
    if code is None:
        return False
    await turn.remember_person()
    await answer_join(turn, await cases.join_by_code(turn.services.db, code, turn.user_id, turn.now()), code)
    return True


async def on_link(turn: Turn, payload: str) -> None:
    """'/start join_<code>' (a Telegram deep link, or typed): as /join."""
    _ = turn._
    match = LINK.match(payload)
    if not turn.is_private:
        await turn.reply(_("Join links and codes work in a private chat with me, not in a group."))
        return
    if match is None:
        await turn.reply(_("This join link is not valid. Ask your bloc's chair for a new one."))
        return
    await turn.remember_person()
    await answer_join(
        turn, await cases.join_by_link(turn.services.db, match.group(1), turn.user_id, turn.now()), None
    )


def wrong_text(turn: Turn, outcome: Wrong, code: str | None) -> str:
    """Why a code did not work."""
    _ = turn._
    if code is None:
        return {
            "unknown": _("This join link is not valid. Ask your bloc's chair for a new one."),
            "used": _("This join link was already used. Ask your bloc's chair for a new one."),
            "expired": _("This join link has expired. Ask your bloc's chair for a new one."),
        }[outcome]
    return {
        "unknown": _(
            "There is no join code %(code)s. Check it against the message from your bloc's chair, "
            "or ask the chair for a new one.",
            code=shown(code),
        ),
        "used": _("This join code was already used. Ask your bloc's chair for a new one."),
        "expired": _("This join code has expired. Ask your bloc's chair for a new one."),
    }[outcome]


def wait_text(turn: Turn, attempts: Attempts) -> str:
    """The polite refusal once a person has sent too many wrong codes."""
    at = attempts.free_at().astimezone(turn.tz)
    return turn._(
        "Too many wrong join codes in the last hour. Please wait until %(time)s, then send the "
        "code again; if it still does not work, ask your bloc's chair for a new one.",
        time=babel_dates.format_time(at.time(), TIME_PATTERN, locale=turn.lang),
    )


async def answer_join(turn: Turn, result: JoinResult, code: str | None) -> None:
    """Say how redeeming the typed ``code`` (None for a link) went; tell the bloc who joined."""
    _ = turn._
    if isinstance(result, TooManyCodes):
        await turn.reply(wait_text(turn, result.attempts))
        return
    if isinstance(result, CodeRefused):
        text = wrong_text(turn, result.wrong, code)
        if result.attempts is not None:
            text += "\n" + tries_left(turn, result.attempts)
        await turn.reply(text)
        return
    if isinstance(result, PollOpen):
        await turn.reply(
            _("Poll #%(id)s is open: you cannot move to another unit until it closes.", id=result.poll_id)
        )
        return
    if result == "unit_removed":
        await turn.reply(_("This unit is no longer in the bloc. Ask your bloc's chair."))
        return
    bloc, unit, previous = result.bloc, result.unit, result.previous
    if previous is not None and previous.id == unit.id:
        await turn.reply(_("You already represent %(unit)s in %(bloc)s.", unit=unit.name, bloc=bloc.name))
        return
    text = _("Welcome! You now represent %(unit)s in %(bloc)s.", unit=unit.name, bloc=bloc.name)
    if previous is not None:
        text += "\n" + _("You no longer represent %(unit)s there.", unit=previous.name)
    await turn.reply(text)
    notice = translator(bloc.language).gettext(
        "%(person)s joined as a representative of %(unit)s.",
        person=turn.incoming.person_name,
        unit=unit.name,
    )
    outbox = turn.services.outbox
    if not await outbox.homeless(bloc.chat_id):
        await outbox.tell(bloc.chat_id, notice)
        return
    # A bloc without a group: only the person who set it up is told (a copy to every member at
    # each join would flood the private chats of a bloc being filled).
    admins = await cases.bloc_admins(turn.services.db, bloc.id)
    for admin in sorted(admins - {turn.user_id}):
        await outbox.tell(admin, notice)


def tries_left(turn: Turn, attempts: Attempts) -> str:
    """After a wrong code: how many more the person may send this hour, or until when to wait."""
    if attempts.blocked:
        return wait_text(turn, attempts)
    return turn.tr.ngettext(
        "You may try %(n)s more code within the hour.",
        "You may try %(n)s more codes within the hour.",
        attempts.left,
    )


def register(router: Router) -> None:
    """The join command, its links and its typed form without the slash."""
    router.start("join_", on_link)
    router.command(JOIN, cmd_join, needs_bloc=False)
    router.take_text(typed_join)
