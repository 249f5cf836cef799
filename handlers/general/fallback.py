"""Never silence: unknown commands, and plain talk in a private chat, get a pointer to /help."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.core.commands import parse_command
from bot.services import BlocContext
from handlers.conversation.turn import load_turn


async def on_unknown_command(update: Update, context: BlocContext) -> None:
    """A command none of our handlers took: explain, unless it was meant for another bot."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    head = message.text.split(maxsplit=1)[0]
    private = message.chat.type == "private"
    addressed = head.lower().endswith("@" + context.services.bot_username.lower())
    if "@" in head and not addressed:
        return  # meant for another bot
    if not private and not addressed:
        return  # in a group, "/x" without our name may belong to another bot
    turn = await load_turn(update, context)
    parsed = parse_command(message.text)
    name = parsed.name if parsed else head.lstrip("/")
    await turn.reply(
        turn._("I don't know the command /%(cmd)s. /help lists what you can do here.", cmd=name[:40])
    )


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """Registered after every feature's commands, so only leftovers reach it."""
    return [MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, on_unknown_command)]
