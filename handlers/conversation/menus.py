"""A bare number on a channel without buttons: the choice it stands for in the person's latest
numbered list (bot/channels/numbered.py stores them), or a clear answer when it is stale."""

from __future__ import annotations

from handlers.conversation.turn import Turn
from storage.conversations import ANYONE, Waiting

MENU = "menu"
QUESTION = "question"


async def pick(turn: Turn, number: int) -> tuple[bool, str | None]:
    """(handled, choice): handled False lets the number go on as text (a question waits)."""
    _ = turn._
    async with turn.services.db.read() as uow:
        own = await uow.conversations.get(turn.chat_id, turn.user_id, MENU)
        shared = await uow.conversations.get(turn.chat_id, ANYONE, MENU)
        question = await uow.conversations.get(turn.chat_id, turn.user_id, QUESTION)
    menus = [m for m in (own, shared) if m is not None]
    menu: Waiting | None = max(menus, key=lambda m: m.seq) if menus else None
    if menu is None or (question is not None and question.seq > menu.seq):
        return False, None
    picks = [str(p) for p in menu.payload.get("picks", [])]
    if not 1 <= number <= len(picks):
        last = len(picks)
        text = _(
            "There is no choice %(number)s in my latest list (1 to %(last)s). "
            "Reply with one of its numbers, or send the command again for a fresh list.",
            number=number,
            last=last,
        )
        # Said as a picked number's acknowledgement: the list stays open for the right number.
        await turn.channel.answer_press(turn.incoming, text, alert=True)
        return True, None
    return True, picks[number - 1]
