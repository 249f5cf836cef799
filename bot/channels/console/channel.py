"""The console as a channel: text only, numbered choices, no edits (a card is reprinted),
files written to a folder. People and chats are names typed at the prompt."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.channels.numbered import TextOnly, chat_language, numbered_text, record_menu
from bot.core.messages import Attachment, Reply, Sent
from storage.db import Database

__all__ = ["CONSOLE", "ConsoleChannel", "Printed"]

CONSOLE = "console"


@dataclass(frozen=True)
class Printed:
    """One message the bot showed, as the console prints it."""

    chat_id: int
    message_id: int
    text: str


class ConsoleChannel(TextOnly):
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
        self,
        chat_id: int,
        reply: Reply,
        *,
        reply_to: int | None = None,
        ask: bool = False,
        notice: bool = False,
    ) -> Sent:
        """Print the reply (files: written, their path printed); remember its numbers."""
        message_id = next(self._ids)
        lines = [reply.text] if reply.text else []
        for file in reply.files:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / Path(file.filename).name
            path.write_bytes(file.data)
            lines.append(f"📎 {path}")
        if reply.choices:
            lines.append(numbered_text(reply.choices, await chat_language(self.db, chat_id, self.language)))
        await record_menu(self.db, chat_id, reply, chat_id in self.private_chats, message_id, notice=notice)
        printed = Printed(chat_id, message_id, "\n".join(lines))
        self.printed.append(printed)
        self.show(printed)
        return Sent(chat_id, message_id)

    async def fetch(self, attachment: Attachment) -> bytes:
        """A file attached with ':file <path>'."""
        return self.uploads[attachment.ref]
