"""The port every channel adapter implements: what features may ask of a chat platform."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from bot.core.messages import Attachment, Incoming, Reply, Sent

__all__ = ["Channel"]


class Channel(Protocol):
    """One chat platform as the features see it (Telegram, Zalo, the console)."""

    name: str
    has_buttons: bool  # False: choices are numbered and answered by a bare number
    can_edit: bool  # False: a card is re-posted (throttled) instead of edited
    text_limit: int
    repost_every: timedelta  # without edits: a changed card is posted again at most this often
    quotes_replies: bool  # a reply names the message it answers (guided answers in groups)

    async def send(
        self, chat_id: int, reply: Reply, *, reply_to: int | None = None, ask: bool = False
    ) -> Sent:
        """Post a reply; ``ask``: the person should answer it (a guided question).
        Raises bot.core.messages.Refused / NotSent / MaybeSent."""

    async def edit(self, chat_id: int, message_id: int, reply: Reply) -> bool:
        """Update a posted card in place; False when it cannot (gone, or no edits here)."""

    async def drop_choices(self, chat_id: int, message_id: int) -> None:
        """Take the buttons off a posted message (a cast ballot, a used confirmation)."""

    async def answer_press(self, incoming: Incoming, text: str = "", *, alert: bool = False) -> None:
        """Acknowledge a pressed choice (a toast, or an alert), or say the text in the chat."""

    async def fetch(self, attachment: Attachment) -> bytes:
        """The bytes of a file a person sent."""

    async def chat_admin(self, chat_id: int, person_id: int) -> bool | None:
        """Whether the person administers the group on the platform; None: it cannot tell."""

    def start_link(self, payload: str) -> str | None:
        """A link that opens a private chat with "/start <payload>", if the platform has them."""
