"""Guided questions: the bot asks one person in one chat and routes their answer onward.

Each question is a row of the conversations table keyed by (chat, person): two admins can
answer different questions at once, /cancel only touches the sender's, and a restart goes on
where the person was. In a group on a channel that quotes replies (Telegram), only a reply to
the question counts as its answer, so the group's talk is not taken for one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from bot.core.messages import Reply
from handlers.conversation.turn import Turn

Continuation = Callable[[Turn, str, dict[str, Any]], Awaitable[None]]
# A feature's own drafts (a form being answered) that /cancel drops too: True when one was
# dropped and the person told.
CancelHook = Callable[[Turn], Awaitable[bool]]
SLOT = "question"
TTL = timedelta(hours=2)  # an unanswered question is forgotten after this


class Questions:
    """Registry of continuations by kind; one pending question per (chat, person)."""

    def __init__(self) -> None:
        self._continuations: dict[str, Continuation] = {}
        self.cancel_hooks: list[CancelHook] = []

    def register(self, kind: str, fn: Continuation) -> None:
        """Say which function receives the answers of a kind of question."""
        self._continuations[kind] = fn

    async def ask(self, turn: Turn, kind: str, text: str, **data: Any) -> None:
        """Ask the acting person a question they answer by replying."""
        sent = await turn.channel.send(turn.chat_id, Reply(text), ask=True)
        async with turn.services.db.transaction() as uow:
            await uow.conversations.put(
                turn.chat_id, turn.user_id, SLOT, kind, data, turn.now() + TTL, sent.message_id
            )

    async def pending(self, turn: Turn) -> bool:
        """Whether a question waits for this person in this chat."""
        async with turn.services.db.read() as uow:
            return await uow.conversations.get(turn.chat_id, turn.user_id, SLOT) is not None

    async def answer(self, turn: Turn, text: str) -> bool:
        """Route the text to the person's pending question; False when it is not an answer."""
        async with turn.services.db.read() as uow:
            waiting = await uow.conversations.get(turn.chat_id, turn.user_id, SLOT)
        if waiting is None:
            return False
        in_thread = turn.is_private or not turn.channel.quotes_replies
        if not in_thread and (waiting.message_id is None or turn.incoming.reply_to != waiting.message_id):
            return False
        fn = self._continuations.get(waiting.kind)
        if fn is None:
            return False
        async with turn.services.db.transaction() as uow:
            if not await uow.conversations.drop(turn.chat_id, turn.user_id, SLOT):
                return True  # answered twice at once: the first one took it
        await fn(turn, text, waiting.payload)
        return True

    async def cancel(self, turn: Turn) -> bool:
        """Forget the sender's question in this chat; True when there was one."""
        async with turn.services.db.transaction() as uow:
            return await uow.conversations.drop(turn.chat_id, turn.user_id, SLOT)
