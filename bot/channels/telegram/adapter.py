"""Telegram updates in, the router's work out: PTB's Update becomes an Incoming, every message
and button press goes to the channel-neutral router; menus, group migrations and the last-resort
error handler are Telegram's own."""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackContext,
    CallbackQueryHandler,
    ExtBot,
    MessageHandler,
    filters,
)

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.concurrency import PerChatUpdateProcessor
from bot.core.commands import CommandSpec
from bot.core.config import LANGUAGES
from bot.core.i18n import translator
from bot.core.messages import TELEGRAM, Attachment, Incoming
from bot.services import Services
from handlers.conversation.router import Router
from handlers.general.common import usable

__all__ = ["BlocContext", "BotData", "handlers", "on_error", "publish_menus", "to_incoming"]

log = logging.getLogger(__name__)


class BotData:
    """The application's bot_data: the wired services, the router and the channel."""

    def __init__(self) -> None:
        self._services: Services | None = None
        self.router: Router | None = None
        self.channel: TelegramChannel | None = None

    @property
    def services(self) -> Services:
        """The wired services."""
        if self._services is None:
            raise RuntimeError("services are not wired; use build_application")
        return self._services

    @services.setter
    def services(self, value: Services) -> None:
        self._services = value


class BlocContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """Handler context with typed services."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        """The wired services."""
        return self.bot_data.services


def _attachment(message: Message | None) -> Attachment | None:
    document = message.document if message is not None else None
    if document is None:
        return None
    return Attachment(document.file_name or "", document.file_size or 0, document.file_id)


def to_incoming(update: Update) -> Incoming | None:
    """The channel-neutral view of a message or a button press; None for anything else."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None
    private = chat.type == ChatType.PRIVATE
    common: dict[str, Any] = {
        "channel": TELEGRAM,
        "chat_id": chat.id,
        "private": private,
        "person_id": user.id,
        "person_name": user.full_name,
        "username": user.username,
        "language_code": user.language_code,
        "chat_title": chat.title or "",
    }
    query = update.callback_query
    if query is not None:
        message = query.message
        return Incoming(
            **common,
            choice=query.data or "",
            message_id=None if message is None else message.message_id,
            extra={"callback_query_id": query.id},
        )
    message = update.message
    if message is None:
        return None
    replied = message.reply_to_message
    author = replied.from_user if replied is not None else None
    return Incoming(
        **common,
        text=message.text or message.caption or "",
        message_id=message.message_id,
        reply_to=None if replied is None else replied.message_id,
        reply_to_person=None if author is None else author.id,
        reply_to_name="" if author is None else author.full_name,
        reply_to_username=None if author is None else author.username,
        attachment=_attachment(replied) or _attachment(message),
        reply_to_is_bot=author is not None and author.is_bot,
    )


async def on_update(update: Update, context: BlocContext) -> None:
    """Every message and press: to the router."""
    incoming = to_incoming(update)
    router, channel = context.bot_data.router, context.bot_data.channel
    if incoming is None or router is None or channel is None:
        return
    processor = context.application.update_processor
    verdict = processor.verdict(update) if isinstance(processor, PerChatUpdateProcessor) else None
    if verdict is not None:
        incoming.extra["flood"] = verdict  # counted on arrival (concurrency.py)
    try:
        await router.dispatch(incoming, channel)
    finally:
        # Nothing of ours lives in PTB's per-chat and per-person dicts (conversation state is
        # rows); dropping them keeps memory flat however many chats write (issue 13, item 9).
        context.application.drop_chat_data(incoming.chat_id)
        context.application.drop_user_data(incoming.person_id)


async def on_migrate(update: Update, context: BlocContext) -> None:
    """A group upgraded to a supergroup gets a new id: the bloc follows it."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    async with context.services.db.transaction() as uow:
        await uow.blocs.move_chat(message.chat.id, message.migrate_to_chat_id)


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """The PTB handlers: migrations, then every message and every press."""
    return [
        MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate),
        MessageHandler(filters.UpdateType.MESSAGE & (filters.TEXT | filters.CAPTION), on_update),
        CallbackQueryHandler(on_update),
    ]


async def on_error(update: object, context: BlocContext) -> None:
    """Errors the router did not catch itself (it apologises for its own): log, apologise."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    text = translator(context.services.config.language).gettext(
        "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment."
    )
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError:
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
