"""A bare number on a channel without buttons: the choice it stands for in the person's latest
numbered list (bot/channels/numbered.py stores them), or a clear answer when it is stale."""

from __future__ import annotations

import re

from bot.core.names import fold
from handlers.conversation.turn import Turn
from storage.conversations import ANYONE, Waiting

_MARKS = re.compile(r"^[^\w#]*(?:#\d+\s+|[A-Z]{1,2}\.\s+)?")  # "⭐ #2 ", "▫️ B. ", "✅ "

MENU = "menu"
QUESTION = "question"


async def _latest_menu(turn: Turn, *, shared: bool) -> tuple[Waiting | None, bool]:
    """The newest numbered list this person may answer here (theirs, or the chat's shared one
    when ``shared``), unless a question asked after it waits; and whether it is their own."""
    async with turn.services.db.read() as uow:
        own = await uow.conversations.get(turn.chat_id, turn.user_id, MENU)
        common = await uow.conversations.get(turn.chat_id, ANYONE, MENU) if shared else None
        question = await uow.conversations.get(turn.chat_id, turn.user_id, QUESTION)
    menus = [m for m in (own, common) if m is not None]
    menu = max(menus, key=lambda m: m.seq) if menus else None
    if menu is None or (question is not None and question.seq > menu.seq):
        return None, False
    return menu, menu is own


async def pick(turn: Turn, number: int) -> tuple[bool, str | None]:
    """(handled, choice): handled False lets the number go on as text (a question waits)."""
    _ = turn._
    menu, _own = await _latest_menu(turn, shared=True)
    if menu is None:
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


def _key(label: str) -> str:
    return fold(_MARKS.sub("", label))


async def by_label(turn: Turn, text: str) -> tuple[bool, str | None]:
    """Text typed instead of a number under the person's own numbered list ("Công an tỉnh" for
    "2. ⭐ #2 Công an tỉnh"): (handled, choice). The choice whose label it names (the whole label,
    or a part of one label only); none, under a list the bot asked this very person: a reply
    saying to answer with a number, never silence. A group card's shared list takes no text
    (plain talk in a group is not an answer)."""
    _ = turn._
    menu, own = await _latest_menu(turn, shared=turn.is_private)
    if menu is None:
        return False, None
    picks = [str(p) for p in menu.payload.get("picks", [])]
    labels = [_key(str(label)) for label in menu.payload.get("labels", [])]
    typed = fold(text)
    if len(labels) != len(picks) or not typed:
        return False, None
    exact = [n for n, label in enumerate(labels) if label == typed]
    partial = [n for n, label in enumerate(labels) if len(typed) >= 3 and typed in label]
    found = exact or partial
    if len(found) == 1:
        return True, picks[found[0]]
    if not own:
        return False, None
    if len(found) > 1:
        hint = _(
            '"%(text)s" fits several choices of my latest list. Reply with the number of the one '
            "you mean (1 to %(last)s).",
            text=text.strip()[:60],
            last=len(picks),
        )
    else:
        hint = _(
            "Please reply with the number of a choice in my latest list (1 to %(last)s), or /cancel.",
            last=len(picks),
        )
    await turn.channel.answer_press(turn.incoming, hint, alert=True)  # the list stays open
    return True, None
