"""`blocbot console`: type as the people of a bloc, in its group or in a private chat.

Lines starting with ":" steer the console (":as Lan", ":group", ":private", ":file x.xlsx",
":help", ":quit"); everything else is a message from the current person in the current chat.
A line ending in "\\" continues on the next one (list commands take one item per line).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.channels.console.channel import CONSOLE, ConsoleChannel, Printed
from bot.core.i18n import translator
from bot.core.messages import Attachment, Incoming
from bot.services import Services
from handlers.conversation.router import Router

__all__ = ["Console"]

DEFAULT_GROUP = "Khối thi đua"


@dataclass
class Where:
    """Who is typing, and in which chat."""

    person: str = ""
    private: bool = False
    group: str = DEFAULT_GROUP
    pending_file: Attachment | None = None
    names: dict[int, str] = field(default_factory=dict)


class Console:
    """The REPL over a router and the console channel."""

    def __init__(
        self, services: Services, router: Router, folder: Path, lang: str, write: Callable[[str], None]
    ) -> None:
        self.services = services
        self.router = router
        self.lang = lang
        self.write = write
        self.where = Where()
        self.channel = ConsoleChannel(services.db, folder, self._show, lang)
        services.outbox.register(self.channel)
        self._partial = ""

    @property
    def _(self) -> Callable[..., str]:
        return translator(self.lang).gettext

    async def person_id(self, name: str) -> int:
        """The internal id of a console person (by name)."""
        async with self.services.db.transaction() as uow:
            found = await uow.identities.internal(CONSOLE, "person", name)
            await uow.people.upsert(found, name, None)
        self.where.names[found] = name
        return found

    async def chat_id(self, *, private: bool, name: str) -> int:
        """The internal id of the group (by title) or of a person's private chat, which is the
        person's own id (as on Telegram: the bot writes to a person at their id)."""
        if private:
            found = await self.person_id(name)
            self.channel.private_chats.add(found)
            self.where.names[found] = self._("private chat of %(name)s", name=name)
            return found
        async with self.services.db.transaction() as uow:
            found = await uow.identities.internal(CONSOLE, "chat", f"group:{name}")
        self.where.names[found] = name
        return found

    async def _load_names(self) -> None:
        """Names of the console's chats kept in the database (a console started again)."""
        async with self.services.db.read() as uow:
            rows = await uow.identities.of_channel(CONSOLE)
        for internal, kind, external in rows:
            if kind == "person":
                self.channel.private_chats.add(internal)
                self.where.names.setdefault(internal, self._("private chat of %(name)s", name=external))
            elif str(external).startswith("group:"):
                self.where.names.setdefault(internal, str(external)[len("group:") :])

    def _show(self, printed: Printed) -> None:
        label = self.where.names.get(printed.chat_id, str(printed.chat_id))
        for index, line in enumerate(printed.text.split("\n")):
            prefix = f"[{label}] blocbot: " if index == 0 else " " * (len(label) + 12)
            self.write(prefix + line)

    def prompt(self) -> str:
        """'Lan @ Khối thi đua > ' (what is typed next goes there)."""
        if not self.where.person:
            return "> "
        place = self._("private") if self.where.private else self.where.group
        return f"{self.where.person} @ {place} > "

    async def line(self, text: str) -> bool:
        """Handle one typed line; False when the console should stop."""
        if text.endswith("\\"):
            self._partial += text[:-1].rstrip() + "\n"
            return True
        text, self._partial = self._partial + text, ""
        stripped = text.strip()
        if not stripped:
            return True
        if stripped.startswith(":"):
            return await self.meta(stripped)
        if not self.where.person:
            self.write(self._('First say who you are: ":as <name>", e.g. ":as Lan".'))
            return True
        await self.say(text)
        return True

    async def say(self, text: str) -> None:
        """A message from the current person in the current chat."""
        where = self.where
        person = await self.person_id(where.person)
        chat = await self.chat_id(private=where.private, name=where.person if where.private else where.group)
        incoming = Incoming(
            channel=CONSOLE,
            chat_id=chat,
            private=where.private,
            person_id=person,
            person_name=where.person,
            text=text,
            attachment=where.pending_file,
            chat_title="" if where.private else where.group,
        )
        where.pending_file = None
        await self.router.dispatch(incoming, self.channel)
        await self.services.drain()  # background work (fan-out) prints before the next prompt

    async def meta(self, text: str) -> bool:
        """The console's own commands."""
        _ = self._
        head, _sep, rest = text.partition(" ")
        rest = rest.strip()
        if head in (":q", ":quit", ":exit"):
            return False
        if head == ":as" and rest:
            async with self.services.db.read() as uow:
                known = await uow.identities.find(CONSOLE, "person", rest)
                others = [e for _i, kind, e in await uow.identities.of_channel(CONSOLE) if kind == "person"]
            self.where.person = rest
            await self.person_id(rest)
            self.write(_("You are now %(name)s.", name=rest))
            if known is None and others:  # a typo or a short name makes a new person: say so
                self.write(
                    _(
                        "(%(name)s is new here, no unit's representative yet. People already here: "
                        "%(people)s.)",
                        name=rest,
                        people=", ".join(others[:12]) + (", …" if len(others) > 12 else ""),
                    )
                )
        elif head == ":group":
            self.where.private = False
            self.where.group = rest or self.where.group
            self.write(_("You are in the group %(name)s.", name=self.where.group))
        elif head == ":private":
            self.where.private = True
            self.write(_("You are in your private chat with the bot."))
        elif head == ":file" and rest:
            path = Path(rest).expanduser()
            if not path.is_file():
                self.write(_("There is no file %(path)s.", path=rest))
                return True
            data = path.read_bytes()
            self.channel.uploads[str(path)] = data
            self.where.pending_file = Attachment(path.name, len(data), str(path))
            self.write(_("The file goes with your next message (e.g. /import)."))
        else:
            self.write(self.help_text())
        return True

    def help_text(self) -> str:
        """What the console understands besides the bot's commands."""
        _ = self._
        return "\n".join(
            [
                _(":as <name> — type as this person (e.g. :as Lan)"),
                _(":group [<title>] — write in the bloc's group chat"),
                _(":private — write in your private chat with the bot"),
                _(":file <path> — attach a file to your next message (/import)"),
                _(":quit — leave the console"),
                _('A line ending in "\\" continues on the next line (one unit per line).'),
                _("Everything else is a message to the bot: /help lists its commands."),
            ]
        )

    async def run(self, stream: TextIO = sys.stdin) -> None:
        """Read lines until the end of input or :quit."""
        await self._load_names()
        interactive = stream.isatty()
        while True:
            if interactive:
                self.write_prompt()
            raw = await asyncio.to_thread(stream.readline)
            if not raw:
                return
            if not interactive and raw.strip():
                self.write(self.prompt() + raw.rstrip("\n"))
            if not await self.line(raw.rstrip("\n")):
                return

    def write_prompt(self) -> None:
        """Show the prompt without a newline."""
        sys.stdout.write(self.prompt())
        sys.stdout.flush()
