"""General commands: /start, /help, /lang, /cancel; the shared checks every command passes;
what the router says to unknown commands, stale buttons and plain talk."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from rapidfuzz.distance import OSA

from bot.core.commands import CommandSpec, CommandText
from bot.core.config import LANGUAGES
from bot.core.i18n import N_, translator
from bot.core.names import fold
from bot.roster.cases import set_language
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn

log = logging.getLogger(__name__)

START = CommandSpec("start", None, "any", False, N_("/start"), N_("Start talking with the bot"))
HELP = CommandSpec("help", "trogiup", "any", False, N_("/help"), N_("What I can do for you"))
LANG = CommandSpec("lang", "ngonngu", "any", False, N_("/lang vi|en"), N_("Change the language"))
CANCEL = CommandSpec("cancel", "huy", "any", False, N_("/cancel"), N_("Stop what you were doing"))

COMMANDS = [START, HELP, LANG, CANCEL]


async def cmd_start(turn: Turn, cmd: CommandText) -> None:
    """Greet; in a private chat remember that the bot may now write to this person."""
    _ = turn._
    if turn.is_private:
        await _remember(turn)
        about = _(
            "Hello! I am blocbot. I keep your emulation bloc's roster and schedule, "
            "collect registrations and run secret award polls."
        )
        if turn.start_link("") is not None:
            how = _(
                "If your bloc's chair sent you a join link, open it to link yourself to your "
                "unit. /help lists what you can do."
            )
        else:  # no deep links (Zalo, the console): the chair's unit gives each unit a code
            how = _(
                "If your bloc's chair sent you a join code, send it here as /join <code> to link "
                "yourself to your unit. /help lists what you can do."
            )
        await turn.reply(about + "\n" + how + automated_notice(turn))
    else:
        await turn.reply(_("Hello! /help lists what I can do in this group.") + automated_notice(turn))


def automated_notice(turn: Turn) -> str:
    """On channels whose terms ask for it (Zalo; the 2025 personal data law): what the bot is
    and what it keeps, said again by /start and /help."""
    if not getattr(turn.channel, "says_automated", False):
        return ""
    return "\n" + turn._(
        "I am an automated assistant (a bot, not a person). I keep your display name and id, the "
        "unit you represent and what you send me; ballots are sealed."
    )


async def _remember(turn: Turn) -> None:
    await turn.remember_person()


def usable(spec: CommandSpec, *, private: bool, admin: bool, homeless: bool = False) -> bool:
    """Whether /help should show this command to this person here (``homeless``: a private chat
    acting on the sender's bloc without a home chat, where its group commands work too)."""
    if spec.where == "group" and private and not homeless:
        return False
    if spec.where == "private" and not private:
        return False
    return admin or not spec.admin


async def cmd_help(turn: Turn, cmd: CommandText) -> None:
    """List only the commands the caller may use here."""
    _ = turn._
    admin = turn.bloc is not None and await turn.is_admin()
    if not turn.is_private and turn.bloc is None:
        admin = True  # anyone may set a group up (unless operators are configured)
    lines = [_("Commands you can use here:")]
    for spec in turn.services.commands:
        if not usable(spec, private=turn.is_private, admin=admin, homeless=turn.for_homeless):
            continue
        if spec.name == "setup" and turn.bloc is not None:
            continue  # this group is a bloc already
        # The usage line is written with the chat's own command names; the other name follows.
        other = spec.name if turn.lang == "vi" else spec.alias
        alias = f" (/{other})" if spec.alias and other else ""
        lines.append(f"{_(spec.usage)}{alias} — {_(spec.help)}")
    if turn.for_homeless:
        assert turn.bloc is not None
        lines.append(_('Bloc "%(name)s" has no group chat: its commands work here.', name=turn.bloc.name))
    elif turn.is_private:
        lines.append(_("Bloc commands (roster, schedule) are used in your bloc's group chat."))
    elif not admin:
        lines.append(_("The chair and vice chair units have more commands."))
    await turn.reply("\n".join(lines) + automated_notice(turn))


async def cmd_lang(turn: Turn, cmd: CommandText) -> None:
    """Set this chat's language; in a bloc's group only admins may."""
    choice = cmd.first_line.lower()
    _ = turn._
    if choice not in LANGUAGES:
        await turn.reply(_("Please choose a language: /lang vi or /lang en"))
        return
    group = None if turn.is_private else turn.bloc  # a private chat's language is its own
    if group is not None and not await turn.is_admin():
        await turn.reply(await turn.who_may_admin())
        return
    await set_language(turn.services.db, turn.chat_id, choice, None if group is None else group.id)
    await turn.reply(translator(choice).gettext("Language set: English."))


async def cmd_cancel(turn: Turn, cmd: CommandText) -> None:
    """Forget the sender's pending question here (and their drafts); nobody else's."""
    _ = turn._
    dropped = False
    for hook in turn.questions.cancel_hooks:
        dropped = await hook(turn) or dropped
    asked = await turn.questions.cancel(turn)
    if asked or not dropped:
        await turn.reply(_("Cancelled.") if asked else _("There was nothing to cancel."))


async def guard(turn: Turn, spec: CommandSpec, needs_bloc: bool, typed: str) -> bool:
    """Where/bloc/admin checks shared by every command; replies and returns False on refusal."""
    _ = turn._
    if spec.where == "group" and turn.is_private and not turn.for_homeless and needs_bloc:
        if len(turn.homeless) > 1:  # which bloc is meant cannot be told from a private chat
            names = ", ".join(f'"{bloc.name}"' for bloc in turn.homeless)
            await turn.reply(
                _(
                    "You are in several blocs without a group chat (%(blocs)s), so I cannot tell "
                    "which one /%(cmd)s is for. Please ask an operator to give each of them a group.",
                    blocs=names,
                    cmd=typed,
                )
            )
            return False
        await turn.reply(_("/%(cmd)s works in the bloc's group chat.", cmd=typed))
        return False
    if spec.where == "private" and not turn.is_private:
        link = turn.start_link("")
        if link is not None:
            await turn.reply(
                _(
                    "Please send /%(cmd)s to me in a private chat: t.me/%(bot)s",
                    cmd=typed,
                    bot=turn.services.bot_username,
                )
            )
        else:
            await turn.reply(_("Please send /%(cmd)s to me in a private chat.", cmd=typed))
        return False
    if needs_bloc and spec.where == "group" and turn.bloc is None:
        await turn.reply(_("This group is not a bloc yet. An admin can make it one with /setup <bloc name>."))
        return False
    if spec.admin and spec.where == "group" and not await turn.is_admin():
        await turn.reply(await turn.who_may_admin())
        return False
    return True


def closest_command(typed: str, specs: Sequence[CommandSpec], *, strict: bool) -> str | None:
    """Our command a mistyped one was meant to be ('hopp' -> 'hop', 'binhxét' -> 'binhxet'), or None.

    Equal once diacritics and case are folded, or a few edits away (a swap counts as one).
    strict, for groups where other bots' commands are typed too: one edit at most (two for names
    of seven letters or more), only for names of four letters or more (/ban, /top of a moderation
    bot are not our /han, /hop), with the first letter right (/shop, /roll, /note are other
    words, not /hop, /poll, /vote), and only when one of our names is the nearest.
    """
    key = fold(typed).replace(" ", "")
    names = list(dict.fromkeys(name for spec in specs for name in spec.names))
    if not key or not names:
        return None
    if key in names:
        return key
    scored = sorted((OSA.distance(key, name), index, name) for index, name in enumerate(names))
    distance, _index, best = scored[0]
    if strict:
        allowed = 0 if len(key) < 4 else (1 if len(key) < 7 else 2)
        tied = len(scored) > 1 and scored[1][0] == distance
        return best if distance <= allowed and not tied and key[0] == best[0] else None
    return best if distance <= max(1, len(key) // 3) else None


async def on_unknown_command(turn: Turn, parsed: CommandText, addressed: bool) -> None:
    """A command no feature has: explain and suggest the nearest of ours. In a group, "/x"
    without our name may belong to another bot: answered only when it is close to ours."""
    _ = turn._
    in_group = not turn.is_private and not addressed
    meant = closest_command(parsed.name, turn.services.commands, strict=in_group)
    if in_group:
        if meant is not None:
            await turn.reply(_("Did you mean /%(cmd)s? /help lists the commands.", cmd=meant))
        return
    text = _("I don't know the command /%(cmd)s. /help lists what you can do here.", cmd=parsed.name[:40])
    if meant is not None:
        text = _("Did you mean /%(cmd)s?", cmd=meant) + "\n" + text
    await turn.reply(text)


async def on_idle_text(turn: Turn, text: str) -> bool:
    """Plain text nobody waited for: silence in a group, a pointer in a private chat; a bare
    number on a channel without buttons is answered everywhere (its list is closed)."""
    stripped = text.strip().lstrip("#")
    if not turn.channel.has_buttons and stripped.isdigit() and len(stripped) <= 3:
        await turn.reply(
            turn._("The list that number belonged to is closed. Send the command again for a fresh list.")
        )
        return True
    if turn.is_private:
        await turn.reply(
            turn._(
                "I answer commands: /help lists what you can do. "
                "Registrations are answered with /submit, ballots "
                "with /vote."
            )
        )
    return True


async def on_invalid_button(turn: Turn) -> None:
    """A press no feature took, or forged data: answered, so the button does not spin."""
    await turn.alert(turn._("This button is not valid any more."))


def register(router: Router) -> None:
    """This feature's commands and the router's shared answers."""
    router.guard = guard
    router.unknown = on_unknown_command
    router.idle = on_idle_text
    router.invalid_button = on_invalid_button
    router.command(START, cmd_start, needs_bloc=False)
    router.command(HELP, cmd_help, needs_bloc=False)
    router.command(LANG, cmd_lang, needs_bloc=False)
    router.command(CANCEL, cmd_cancel, needs_bloc=False)
