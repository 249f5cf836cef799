"""Choices on channels without buttons: numbered lines, and the number -> choice mapping kept
per (chat, person) in the conversations table, so a bare "2" picks it, also after a restart.

The latest message to a person decides what a bare number means: a message with choices
replaces their menu; one without choices ends it (so "12" typed as an answer to a question
that has no choices is not taken for a choice of an older list). A group card's numbers are
everyone's and stay open until the next card.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.i18n import translator
from bot.core.messages import Choices, Incoming, Reply, Sent
from storage.conversations import ANYONE
from storage.db import Database

__all__ = [
    "MENU",
    "TTL",
    "TextOnly",
    "chat_language",
    "ends_menu",
    "forget_menu",
    "menu_owner",
    "numbered_text",
    "record_menu",
    "remember_menu",
    "unnumbered",
]

MENU = "menu"
TTL = timedelta(days=14)  # a card's numbers stay answerable for as long as people RSVP


def numbered_text(choices: Choices, lang: str) -> str:
    """'1. Attend\\n2. Absent\\nReply 1 or 2.' in the chat's language."""
    _ = translator(lang).gettext
    buttons = choices.buttons
    if links_only(choices):  # "answer privately": a command to send, not a pick of the chat's list
        return "\n".join(
            _(
                "%(label)s: send me %(command)s in a private chat",
                label=b.label,
                command=f"/start {b.start}".rstrip(),
            )
            for b in buttons
        )
    lines = []
    for number, button in enumerate(buttons, start=1):
        label = unnumbered(button.label, number)
        if button.start is not None:
            command = f"/start {button.start}" if button.start else "/start"
            lines.append(f"{number}. {label} ({command})")
        else:
            lines.append(f"{number}. {label}")
    if len(buttons) == 1:
        lines.append(_("Reply 1 to choose it."))
    else:
        numbers = ", ".join(str(n) for n in range(1, len(buttons)))
        lines.append(_("Reply %(numbers)s or %(last)s.", numbers=numbers, last=len(buttons)))
    return "\n".join(lines)


def links_only(choices: Choices) -> bool:
    """Every choice is a link to a private chat (Telegram's deep links): on a channel without
    them it is a command to type there, so it gets no number and leaves the chat's list (a
    meeting card's RSVP numbers, say) as it was."""
    return bool(choices.buttons) and all(b.data is None and b.start is not None for b in choices.buttons)


def unnumbered(label: str, number: int) -> str:
    """A label without the number it already carries for buttons ("2. Cầu lông" as choice 2):
    the list numbers it, and "2. 2. Cầu lông" reads as a mistake."""
    own = f"{number}. "
    return label[len(own) :] if label.startswith(own) and len(label) > len(own) else label


def menu_owner(reply: Reply, private: bool) -> int:
    """Whose numbers these are: anyone's in a private chat or under a group card."""
    return ANYONE if private or reply.for_person is None else reply.for_person


def ends_menu(reply: Reply, private: bool) -> bool:
    """Whether a message without choices closes the numbers its reader had: in a private chat
    always; in a group only a reply to one person closes that person's (a group card's numbers
    stay open for everyone whatever else is said)."""
    return private or reply.for_person is not None


async def remember_menu(db: Database, chat_id: int, owner: int, reply: Reply, message_id: int | None) -> None:
    """Store what each number stands for (a /start payload is kept as "/start …" text)."""
    assert reply.choices is not None
    buttons = reply.choices.buttons
    picks = [b.data if b.data is not None else f"/start {b.start}".rstrip() for b in buttons]
    labels = [unnumbered(b.label, n) for n, b in enumerate(buttons, start=1)]  # a name typed picks too
    async with db.transaction() as uow:
        await uow.conversations.put(
            chat_id,
            owner,
            MENU,
            "choices",
            {"picks": picks, "labels": labels},
            uow.clock.now() + TTL,
            message_id,
        )


async def chat_language(db: Database, chat_id: int, default: str) -> str:
    """The language a chat reads: its bloc's, else the one set with /lang, else the default."""
    async with db.read() as uow:
        bloc = await uow.blocs.by_chat(chat_id)
        if bloc is not None:
            return bloc.language
        return await uow.people.chat_language(chat_id) or default


async def forget_menu(db: Database, chat_id: int, owner: int) -> None:
    """A message without choices to this person: a bare number no longer picks anything."""
    async with db.transaction() as uow:
        await uow.conversations.drop(chat_id, owner, MENU)


async def record_menu(
    db: Database, chat_id: int, reply: Reply, private: bool, message_id: int | None, *, notice: bool = False
) -> None:
    """After a reply went out: its numbers become the reader's menu, or a choice-less reply
    closes the menu it should (``ends_menu``). A ``notice`` (what a pressed button's alert says:
    "untick one first") leaves the menu open: the person picks again from the same list."""
    owner = menu_owner(reply, private)
    if reply.choices and links_only(reply.choices):
        return
    if reply.choices:
        await remember_menu(db, chat_id, owner, reply, message_id)
    elif ends_menu(reply, private) and not notice:
        await forget_menu(db, chat_id, owner)


class TextOnly:
    """What every channel without buttons, edits or deep links answers alike (console, Zalo)."""

    async def send(
        self,
        chat_id: int,
        reply: Reply,
        *,
        reply_to: int | None = None,
        ask: bool = False,
        notice: bool = False,
    ) -> Sent:
        """Post a reply (``notice``: a picked number's acknowledgement, see ``record_menu``)."""
        raise NotImplementedError

    async def edit(self, chat_id: int, message_id: int, reply: Reply) -> bool:
        """A sent message cannot be changed here: the caller posts again."""
        return False

    async def drop_choices(self, chat_id: int, message_id: int) -> None:
        """A finished choice's numbers are forgotten when the next message comes."""

    async def answer_press(self, incoming: Incoming, text: str = "", *, alert: bool = False) -> None:
        """A picked number's acknowledgement is a message to its chat; the numbers stay."""
        if text:
            await self.send(incoming.chat_id, Reply(text, for_person=incoming.person_id), notice=True)

    def start_link(self, payload: str) -> str | None:
        """No deep links: people type "/start <payload>"."""
        return None

    async def chat_admin(self, chat_id: int, person_id: int) -> bool | None:
        """The platform does not say who administers a group."""
        return None
