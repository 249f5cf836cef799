"""Guided answers: the bot asks with a ForceReply and routes the reply to a continuation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import ForceReply, Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.services import BlocContext
from handlers.conversation.turn import Turn, load_turn

Continuation = Callable[[Turn, str, dict[str, Any]], Awaitable[None]]


@dataclass
class Pending:
    """A question the bot asked in a chat, waiting for one person's reply."""

    kind: str
    user_id: int
    message_id: int
    data: dict[str, Any]


class Prompts:
    """Registry of continuations by kind; one pending question per chat."""

    def __init__(self) -> None:
        self._continuations: dict[str, Continuation] = {}

    def register(self, kind: str, fn: Continuation) -> None:
        """Say which function receives the answers of a kind of question."""
        self._continuations[kind] = fn

    async def ask(self, turn: Turn, kind: str, text: str, **data: Any) -> None:
        """Ask the acting person a question they answer by replying."""
        sent = await turn.context.bot.send_message(
            turn.chat_id, text, reply_markup=ForceReply(selective=True)
        )
        if turn.context.chat_data is not None:
            turn.context.chat_data["pending"] = Pending(kind, turn.user_id, sent.message_id, data)

    def handler(self) -> BaseHandler[Any, Any, Any]:
        """A handler for plain-text answers to pending questions."""

        async def on_answer(update: Update, context: BlocContext) -> None:
            chat_data = context.chat_data
            pending = chat_data.get("pending") if chat_data is not None else None
            message = update.effective_message
            user = update.effective_user
            if message is None or user is None:
                return
            if not isinstance(pending, Pending):
                if message.chat.type == "private":  # never silence in a one-to-one chat
                    turn = await load_turn(update, context)
                    await turn.reply(
                        turn._(
                            "I answer commands: /help lists what you can do. "
                            "Registrations are answered with /submit, ballots "
                            "with /vote."
                        )
                    )
                return
            if user.id != pending.user_id:
                return
            replied = message.reply_to_message
            private = message.chat.type == "private"
            if not private and (replied is None or replied.message_id != pending.message_id):
                return
            fn = self._continuations.get(pending.kind)
            if fn is None or chat_data is None:
                return
            chat_data.pop("pending", None)
            turn = await load_turn(update, context)
            await fn(turn, message.text or "", pending.data)

        return MessageHandler(filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, on_answer)
