"""General commands: /start, /help, /lang, /cancel, and the one error handler."""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, BaseHandler

from bot.core.commands import CommandSpec, CommandText
from bot.core.config import LANGUAGES
from bot.core.i18n import N_, translator
from bot.services import BlocContext
from handlers.conversation.turn import Turn, command, load_turn

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
        await turn.reply(
            _(
                "Hello! I am blocbot. I keep your emulation bloc's roster and schedule, "
                "collect registrations and run secret award polls.\n"
                "If your bloc's chair sent you a join link, open it to link yourself to your "
                "unit. /help lists what you can do."
            )
        )
    else:
        await turn.reply(_("Hello! /help lists what I can do in this group."))


async def _remember(turn: Turn) -> None:
    user = turn.update.effective_user
    if user is None:
        return
    async with turn.services.db.transaction() as uow:
        await uow.people.upsert(user.id, user.full_name, user.username)
        await uow.people.mark_started(user.id)


def usable(spec: CommandSpec, *, private: bool, admin: bool) -> bool:
    """Whether /help should show this command to this person here."""
    if spec.where == "group" and private:
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
        if not usable(spec, private=turn.is_private, admin=admin):
            continue
        # The usage line is written with the chat's own command names; the other name follows.
        other = spec.name if turn.lang == "vi" else spec.alias
        alias = f" (/{other})" if spec.alias and other else ""
        lines.append(f"{_(spec.usage)}{alias} — {_(spec.help)}")
    if turn.is_private:
        lines.append(_("Bloc commands (roster, schedule) are used in your bloc's group chat."))
    elif not admin:
        lines.append(_("The chair and vice chair units have more commands."))
    await turn.reply("\n".join(lines))


async def cmd_lang(turn: Turn, cmd: CommandText) -> None:
    """Set this chat's language; in a bloc's group only admins may."""
    choice = cmd.first_line.lower()
    _ = turn._
    if choice not in LANGUAGES:
        await turn.reply(_("Please choose a language: /lang vi or /lang en"))
        return
    if turn.bloc is not None and not await turn.is_admin():
        await turn.reply(await turn.who_may_admin())
        return
    async with turn.services.db.transaction() as uow:
        if turn.bloc is not None:
            await uow.blocs.set_language(turn.bloc.id, choice)
        await uow.people.set_chat_language(turn.chat_id, choice)
    await turn.reply(translator(choice).gettext("Language set: English."))


async def cmd_cancel(turn: Turn, cmd: CommandText) -> None:
    """Forget any question the bot was waiting to have answered."""
    pending = turn.context.chat_data.pop("pending", None) if turn.context.chat_data is not None else None
    _ = turn._
    await turn.reply(_("Cancelled.") if pending else _("There was nothing to cancel."))


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """This feature's handlers."""
    return [
        command(START, cmd_start, needs_bloc=False),
        command(HELP, cmd_help, needs_bloc=False),
        command(LANG, cmd_lang, needs_bloc=False),
        command(CANCEL, cmd_cancel, needs_bloc=False),
    ]


async def on_error(update: object, context: BlocContext) -> None:
    """Log first, then tell the chat something useful; never a traceback in a chat."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        turn = await load_turn(update, context)
    except Exception:  # the database itself may be what failed
        log.exception("could not load the chat's settings for the apology")
        lang = context.services.config.language
    else:
        lang = turn.lang
    if isinstance(context.error, TelegramError):
        # A Bot API call failed (after bot/channels/telegram/request.py's retries), possibly the reply to work
        # that was already stored: "nothing was changed" could be false.
        text = translator(lang).gettext(
            "Sorry, a problem between me and Telegram kept my answer from getting through, so it "
            "may be missing or incomplete. What you asked may have been done all the same: please "
            "check before you try again."
        )
    else:
        text = translator(lang).gettext(
            "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment."
        )
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(text, show_alert=True)
            return
        except TelegramError:
            pass
    try:
        await context.bot.send_message(update.effective_chat.id, text)
    except (Forbidden, TelegramError):
        log.warning("could not send the apology to chat %s", update.effective_chat.id)


async def publish_menus(app: Application[Any, Any, Any, Any, Any, Any], specs: list[CommandSpec]) -> None:
    """Set the command menus per language: private chats and groups get their own lists."""
    for lang in LANGUAGES:
        _ = translator(lang).gettext
        for scope, private in (
            (BotCommandScopeAllPrivateChats(), True),
            (BotCommandScopeAllGroupChats(), False),
        ):
            menu = [
                BotCommand(s.name, _(s.help)[:256]) for s in specs if usable(s, private=private, admin=True)
            ]
            code = None if lang == "vi" else lang
            await app.bot.set_my_commands(menu, scope=scope, language_code=code)
            if lang == "vi":
                await app.bot.set_my_commands(menu, scope=scope, language_code="vi")
