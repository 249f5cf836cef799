"""The console as a channel: text only, numbered choices, no edits (a card is reprinted),
files written to a folder. People and chats are names typed at the prompt."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.channels.numbered import (
    chat_language,
    ends_menu,
    forget_menu,
    menu_owner,
    numbered_text,
    remember_menu,
)
from bot.core.messages import Attachment, Incoming, Reply, Sent
from storage.db import Database

__all__ = ["CONSOLE", "ConsoleChannel", "Printed"]

CONSOLE = "console"


@dataclass(frozen=True)
class Printed:
    """One message the bot showed, as the console prints it."""

    chat_id: int
    message_id: int
    text: str


class ConsoleChannel:
    """The Channel port for the console: prints, numbers choices, writes files."""

    name = CONSOLE
    has_buttons = False
    can_edit = False
    repost_every = timedelta(0)  # the console reprints every change
    quotes_replies = False
    text_limit = 100_000

    def __init__(
        self,
        db: Database,
        folder: Path,
        show: Callable[[Printed], None],
        language: str,
    ) -> None:
        self.db = db
        self.folder = folder
        self.show = show
        self.language = language  # the default, for a chat that has none yet
        self.private_chats: set[int] = set()
        self.printed: list[Printed] = []
        self.uploads: dict[str, bytes] = {}
        self._ids = itertools.count(1)

    async def send(
        self, chat_id: int, reply: Reply, *, reply_to: int | None = None, ask: bool = False
    ) -> Sent:
        """Print the reply (files: written, their path printed); remember its numbers."""
        message_id = next(self._ids)
        lines = [reply.text] if reply.text else []
        for file in reply.files:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / Path(file.filename).name
            path.write_bytes(file.data)
            lines.append(f"📎 {path}")
        private = chat_id in self.private_chats
        owner = menu_owner(reply, private)
        if reply.choices:
            lines.append(numbered_text(reply.choices, await chat_language(self.db, chat_id, self.language)))
            await remember_menu(self.db, chat_id, owner, reply, message_id)
        elif ends_menu(reply, private):
            await forget_menu(self.db, chat_id, owner)
        printed = Printed(chat_id, message_id, "\n".join(lines))
        self.printed.append(printed)
        self.show(printed)
        return Sent(chat_id, message_id)

    async def edit(self, chat_id: int, message_id: int, reply: Reply) -> bool:
        """The console cannot change what it printed: the caller reprints."""
        return False

    async def drop_choices(self, chat_id: int, message_id: int) -> None:
        """Numbers of a finished choice are forgotten when the next list or message comes."""

    async def answer_press(self, incoming: Incoming, text: str = "", *, alert: bool = False) -> None:
        """A picked number's acknowledgement is printed like a message."""
        if text:
            await self.send(incoming.chat_id, Reply(text, for_person=incoming.person_id))

    async def fetch(self, attachment: Attachment) -> bytes:
        """A file attached with ':file <path>'."""
        return self.uploads[attachment.ref]

    def start_link(self, payload: str) -> str | None:
        """No links on the console: people type "/start <payload>"."""
        return None

    async def chat_admin(self, chat_id: int, person_id: int) -> bool | None:
        """A console group has no platform admins."""
        return None
