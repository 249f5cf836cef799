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
from bot.roster.joincodes import Attempts, read_code, shown
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn
from storage.invites import Wrong, hash_code, key_of
from storage.polls import PollRepo

__all__ = ["JOIN", "cmd_join", "join_command", "on_link", "register", "typed_join"]

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
    await redeem(turn, await key_of(code), code)


async def typed_join(turn: Turn, text: str) -> bool:
    """Plain "thamgia K7QX-M2PD" in a private chat, taken as the command."""
    match = TYPED.match(text) if turn.is_private else None
    code = read_code(match.group(1)) if match else None
    if code is None:
        return False
    await redeem(turn, await key_of(code), code)
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
    code = read_code(match.group(1))
    # Links made before typed codes carry 24 characters, stored by their sha256.
    key = hash_code(match.group(1)) if code is None else await key_of(code)
    await redeem(turn, key, None)


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


async def redeem(turn: Turn, key: str, code: str | None) -> None:
    """Use the invite stored under ``key`` (of the typed ``code``; None for a link) for this
    person: the limit first, then the invite, in one transaction."""
    _ = turn._
    user_id = turn.user_id
    await turn.remember_person()
    problem: str | None = None
    bloc = unit = previous = None
    async with turn.services.db.transaction() as uow:
        attempts = await uow.invites.attempts(user_id)
        # A person who is waiting is not told whether this code would have worked: that is what
        # keeps guessing slow.
        invite = None if attempts.blocked else await uow.invites.find(key)
        wrong: Wrong | None = None
        if attempts.blocked:
            problem = wait_text(turn, attempts)
        elif invite is None:
            wrong = "unknown"
        elif invite.used_by is not None and invite.used_by != user_id:
            wrong = "used"
        elif invite.expires_at <= turn.now():
            wrong = "expired"
        if wrong is not None:
            await uow.invites.wrong(user_id, wrong)
            problem = (
                wrong_text(turn, wrong, code) + "\n" + tries_left(turn, await uow.invites.attempts(user_id))
            )
        if problem is None and invite is not None:
            bloc = await uow.blocs.get(invite.bloc_id)
            unit = await uow.units.get(invite.unit_id)
            if unit is None or unit.bloc_id != invite.bloc_id or bloc is None:
                problem = wrong_text(turn, "unknown", code)
            else:
                removed = all(u.id != unit.id for u in await uow.units.active(bloc.id))
                current = await uow.units.unit_of(bloc.id, user_id)
                voting = [p.id for p in await uow.repo(PollRepo).of_bloc(bloc.id) if p.status == "open"]
                if removed:
                    problem = _("This unit is no longer in the bloc. Ask your bloc's chair.")
                elif current is not None and current.id != unit.id and voting:
                    problem = _(
                        "Poll #%(id)s is open: you cannot move to another unit until it closes.",
                        id=voting[0],
                    )
                else:
                    await uow.invites.use(key, user_id)
                    previous = await uow.units.link(bloc.id, unit.id, user_id)
    if problem is not None or bloc is None or unit is None:
        await turn.reply(problem or "")
        return
    if previous is not None and previous.id == unit.id:
        await turn.reply(_("You already represent %(unit)s in %(bloc)s.", unit=unit.name, bloc=bloc.name))
        return
    text = _("Welcome! You now represent %(unit)s in %(bloc)s.", unit=unit.name, bloc=bloc.name)
    if previous is not None and previous.id != unit.id:
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
    async with turn.services.db.read() as uow:
        admins = await uow.blocs.admins(bloc.id)
    for admin in sorted(admins - {user_id}):
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
