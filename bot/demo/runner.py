"""Demo plumbing: a scripted conversation printed as the people in it would read it."""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal

from bot.core.i18n import translator

Scene = Callable[["Demo"], Awaitable[None]]


class Demo:
    """What a scene uses: people, the group, saying things, pressing buttons, saving files."""

    GROUP = -1001000000003

    def __init__(self, harness: Any, lang: str, out: Path) -> None:
        self.h = harness
        self.lang = lang
        self.out = out
        self._ = translator(lang).gettext
        self._seen = 0
        self.people: dict[str, int] = {}
        self.files: list[Path] = []

    @property
    def clock(self) -> Any:
        """The demo's movable clock."""
        return self.h.clock

    def person(self, key: str, user_id: int, name: str) -> int:
        """Add someone to the story."""
        self.h.person(user_id, name, language_code=self.lang)
        self.people[key] = user_id
        return user_id

    def heading(self, text: str) -> None:
        """Print a scene heading."""
        self.flush()
        print(f"\n━━ {text} ━━")

    def note(self, text: str) -> None:
        """Print a narrator's line."""
        self.flush()
        print(f"   ({text})")

    async def say(self, who: str, text: str, *, private: bool = False, **kw: Any) -> Any:
        """Someone writes in the group (or privately to the bot)."""
        uid = self.people[who]
        posted = await self.h.send(uid, uid if private else self.GROUP, text, **kw)
        self.flush()
        return posted

    async def press(self, who: str, message: Any, label_part: str, *, private: bool = False) -> None:
        """Someone presses the button whose label contains label_part."""
        uid = self.people[who]
        chat = uid if private else self.GROUP
        for row in (message.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                if label_part in button.get("text", "") and "callback_data" in button:
                    await self.h.press(uid, chat, message.message_id, button["callback_data"])
                    self.flush()
                    return
        raise LookupError(f"no button with {label_part!r}")

    def last(self, chat: int | None = None) -> Any:
        """The bot's latest message in a chat (the group by default)."""
        return self.h.emu.last(self.GROUP if chat is None else chat)

    def save(self, name: str, data: bytes) -> Path:
        """Write a file the bot produced to the output folder."""
        path = self.out / name
        path.write_bytes(data)
        self.files.append(path)
        return path

    def _label(self, chat_id: int) -> str:
        if chat_id < 0:
            return self._("group")
        name = next((k for k, v in self.people.items() if v == chat_id), str(chat_id))
        return self._(
            "private chat with %(name)s",
            name=self.h.emu.state.users[chat_id].full_name if chat_id in self.h.emu.state.users else name,
        )

    def flush(self) -> None:
        """Print everything that happened since the last flush."""
        log = self.h.emu.state.log
        for entry in log[self._seen :]:
            text = str(entry).replace("\n", "\n      ")
            print(f"[{self._label(entry.chat_id)}] {text}")
        self._seen = len(log)


async def run_scenes(scenes: Sequence[Scene], *, lang: str, out: Path) -> int:
    """Run the scenes against a fresh bot and emulator; print a summary."""
    from bot.demo.harness import BotHarness

    out.mkdir(parents=True, exist_ok=True)
    database = (out / "blocbot-demo.sqlite3").resolve()
    for leftover in out.glob("blocbot-demo.sqlite3*"):
        leftover.unlink()
    started = time.perf_counter()
    _ = translator(lang).gettext
    print(_("blocbot demo — offline, through a local Bot API emulator. Nothing leaves this machine."))
    async with BotHarness(out, language=lang, database={"path": str(database)}) as harness:
        demo = Demo(harness, lang, out)
        for scene in scenes:
            await scene(demo)
        demo.flush()
    elapsed = time.perf_counter() - started
    print()
    print(_("Files written:"))
    for path in [*demo.files, database]:
        print(f"  {path}")
    print(_("Demo finished in %(seconds)s s.", seconds=format_decimal(elapsed, "0.0", locale=lang)))
    sys.stdout.flush()
    return 0
