"""One update's context for a handler: who, where, which bloc, which language, how to reply."""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, InputFile, Message, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.core.callbacks import Callback, CallbackError, decode, pattern
from bot.core.chunks import split_message
from bot.core.commands import CommandSpec, CommandText, parse_command
from bot.core.config import LANGUAGES
from bot.core.i18n import Translator, translator
from bot.roster.model import Bloc, Roles, Unit, is_admin
from bot.services import BlocContext, Services

log = logging.getLogger(__name__)
MAX_ALERT = 200  # Telegram refuses a longer callback answer (MESSAGE_TOO_LONG)


@dataclass
class Turn:
    """Everything a handler needs about the current update."""

    update: Update
    context: BlocContext
    services: Services
    lang: str
    bloc: Bloc | None

    @property
    def _(self) -> Callable[..., str]:
        """Translate into this chat's language: turn._('Text %(x)s', x=1)."""
        return translator(self.lang).gettext

    @property
    def tr(self) -> Translator:
        """The chat's translator (for ngettext)."""
        return translator(self.lang)

    @property
    def user_id(self) -> int:
        """The acting person's Telegram id."""
        user = self.update.effective_user
        return 0 if user is None else user.id

    @property
    def chat_id(self) -> int:
        """The chat the update came from."""
        chat = self.update.effective_chat
        return 0 if chat is None else chat.id

    @property
    def is_private(self) -> bool:
        """True in a one-to-one chat with the bot."""
        chat = self.update.effective_chat
        return chat is not None and chat.type == ChatType.PRIVATE

    @property
    def tz(self) -> ZoneInfo:
        """The bloc's timezone (or the default)."""
        return ZoneInfo(self.bloc.timezone if self.bloc else self.services.config.timezone)

    def now(self) -> datetime:
        """The injected clock's time."""
        return self.services.clock.now()

    def year(self) -> int:
        """The current year in the bloc's timezone."""
        return self.now().astimezone(self.tz).year

    async def reply(self, text: str, markup: InlineKeyboardMarkup | None = None) -> Message | None:
        """Answer in the chat, split under Telegram's limit; buttons go on the last piece."""
        message = self.update.effective_message
        pieces = split_message(text)
        sent: Message | None = None
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            reply_to = None
            if message is not None and not self.is_private and index == 0:
                reply_to = ReplyParameters(message.message_id, allow_sending_without_reply=True)
            sent = await self.context.bot.send_message(
                self.chat_id,
                piece,
                reply_markup=markup if last else None,
                reply_parameters=reply_to,
            )
        return sent

    async def reply_document(self, data: bytes, filename: str, caption: str = "") -> Message:
        """Send a file to this chat."""
        return await self.context.bot.send_document(
            self.chat_id, InputFile(io.BytesIO(data), filename=filename), caption=caption[:1024]
        )

    async def tell(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> bool:
        """Send to another chat (e.g. privately); False when Telegram refuses."""
        try:
            for index, piece in enumerate(pieces := split_message(text)):
                await self.context.bot.send_message(
                    chat_id, piece, reply_markup=markup if index == len(pieces) - 1 else None
                )
        except Forbidden:
            return False
        return True

    async def edit(self, message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
        """Edit a bot message in place; an unchanged message is fine."""
        try:
            await message.edit_text(text, reply_markup=markup)
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise

    async def alert(self, text: str) -> None:
        """Answer the pressed button with an alert, cut to Telegram's 200 characters."""
        query = self.update.callback_query
        assert query is not None
        if len(text) > MAX_ALERT:
            text = text[: MAX_ALERT - 1].rsplit(" ", 1)[0] + "…"
        await query.answer(text, show_alert=True)

    async def drop_buttons(self) -> None:
        """Take the buttons off the pressed message; a second press finds them gone, fine."""
        query = self.update.callback_query
        if query is None or query.message is None:
            return
        try:
            await query.edit_message_reply_markup(None)
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise

    async def ask(self, kind: str, text: str, **data: Any) -> None:
        """Ask a question the acting person answers by replying (a guided dialog step)."""
        prompts = self.services.prompts
        assert prompts is not None, "build_application wires the prompts"
        await prompts.ask(self, kind, text, **data)

    async def roles(self) -> Roles:
        """This year's chair and vice chair units."""
        assert self.bloc is not None
        async with self.services.db.read() as uow:
            return await uow.blocs.roles(self.bloc.id, self.year())

    async def my_unit(self) -> Unit | None:
        """The unit the acting person represents in this bloc."""
        if self.bloc is None:
            return None
        async with self.services.db.read() as uow:
            return await uow.units.unit_of(self.bloc.id, self.user_id)

    async def is_admin(self) -> bool:
        """Whether the acting person may change this bloc."""
        if self.bloc is None:
            return self.user_id in self.services.config.operators
        async with self.services.db.read() as uow:
            admins = await uow.blocs.admins(self.bloc.id)
            roles = await uow.blocs.roles(self.bloc.id, self.year())
            unit = await uow.units.unit_of(self.bloc.id, self.user_id)
        return is_admin(
            self.user_id,
            bloc=self.bloc,
            bloc_admins=admins,
            operators=self.services.config.operators,
            unit_id=None if unit is None else unit.id,
            roles=roles,
        )

    async def who_may_admin(self) -> str:
        """A sentence naming who may administer this bloc."""
        _ = self._
        assert self.bloc is not None
        roles = await self.roles()
        async with self.services.db.read() as uow:
            chair = await uow.units.get(roles.chair) if roles.chair else None
            vice = await uow.units.get(roles.vice) if roles.vice else None
            setup = await uow.people.get(self.bloc.created_by)
        return _(
            "Only the bloc's admins may do this: the chair unit (%(chair)s), the vice chair "
            "unit (%(vice)s) and %(setup)s, who set the bloc up.",
            chair=chair.name if chair else _("not set"),
            vice=vice.name if vice else _("not set"),
            setup=setup.full_name if setup else _("the person"),
        )


async def load_turn(update: Update, context: BlocContext) -> Turn:
    """Resolve the bloc and the language for an update."""
    services = context.services
    chat = update.effective_chat
    user = update.effective_user
    bloc = None
    lang: str | None = None
    async with services.db.read() as uow:
        if chat is not None:
            if chat.type != ChatType.PRIVATE:
                bloc = await uow.blocs.by_chat(chat.id)
                lang = bloc.language if bloc else None
            if lang is None:
                lang = await uow.people.chat_language(chat.id)
    if lang is None and chat is not None and chat.type == ChatType.PRIVATE and user is not None:
        code = (user.language_code or "").split("-")[0]
        lang = code if code in LANGUAGES else None
    return Turn(update, context, services, lang or services.config.language, bloc)


CommandFn = Callable[[Turn, CommandText], Awaitable[None]]
ButtonFn = Callable[[Turn, Callback], Awaitable[None]]


async def _guard(turn: Turn, spec: CommandSpec, needs_bloc: bool, typed: str) -> bool:
    """Where/bloc/admin checks shared by every command; replies and returns False on refusal."""
    _ = turn._
    if spec.where == "group" and turn.is_private:
        await turn.reply(_("/%(cmd)s works in the bloc's group chat.", cmd=typed))
        return False
    if spec.where == "private" and not turn.is_private:
        name = turn.services.bot_username
        await turn.reply(_("Please send /%(cmd)s to me in a private chat: t.me/%(bot)s", cmd=typed, bot=name))
        return False
    if needs_bloc and spec.where == "group" and turn.bloc is None:
        await turn.reply(_("This group is not a bloc yet. An admin can make it one with /setup <bloc name>."))
        return False
    if spec.admin and spec.where == "group" and not await turn.is_admin():
        await turn.reply(await turn.who_may_admin())
        return False
    return True


def command(spec: CommandSpec, fn: CommandFn, *, needs_bloc: bool = True) -> CommandHandler[Any, Any]:
    """A CommandHandler for a spec and its alias, with the shared checks applied first."""

    async def callback(update: Update, context: BlocContext) -> None:
        turn = await load_turn(update, context)
        message = update.effective_message
        parsed = parse_command(message.text if message else None)
        if parsed is None or not await _guard(turn, spec, needs_bloc, parsed.name):
            return
        await fn(turn, parsed)

    return CommandHandler(list(spec.names), callback, filters=filters.UpdateType.MESSAGE)


def button(prefix: str, fn: ButtonFn) -> CallbackQueryHandler[Any, Any]:
    """A CallbackQueryHandler for one prefix; forged data gets a clear answer."""

    async def callback(update: Update, context: BlocContext) -> None:
        query = update.callback_query
        assert query is not None
        turn = await load_turn(update, context)
        try:
            data = decode(query.data, prefix)
        except CallbackError:
            await query.answer(turn._("This button is not valid any more."), show_alert=True)
            return
        try:
            await fn(turn, data)
        except CallbackError:
            await query.answer(turn._("This button is not valid any more."), show_alert=True)

    return CallbackQueryHandler(callback, pattern=pattern(prefix))


def unknown_buttons() -> CallbackQueryHandler[Any, Any]:
    """Every press no feature's handler took (a keyboard of an older version, forged data):
    answered, so the person's button does not spin. Register it after all the others."""

    async def callback(update: Update, context: BlocContext) -> None:
        query = update.callback_query
        assert query is not None
        turn = await load_turn(update, context)
        await query.answer(turn._("This button is not valid any more."), show_alert=True)

    return CallbackQueryHandler(callback)


def handlers_for(specs: list[tuple[CommandSpec, CommandFn]]) -> list[BaseHandler[Any, Any, Any]]:
    """Command handlers for a feature's (spec, function) pairs."""
    return [command(spec, fn) for spec, fn in specs]
