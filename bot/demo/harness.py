"""Drive the real Application through the loopback Bot API emulator, on a real SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import App, build_application
from bot.channels.telegram.app import ALL_UPDATES
from bot.core.clock import FakeClock
from bot.core.config import Config, parse_config
from bot.emulators.telegram import BotApiEmulator
from bot.services import Services

TOKEN = "123456:TESTTOKEN-blocbot"
BOT_USERNAME = "blocbot_test"
START = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội


def make_config(folder: Path, emu: BotApiEmulator, **overrides: Any) -> Config:
    """A config pointing at the emulator and a database file in folder."""
    data: dict[str, Any] = {
        "telegram": {
            "token": TOKEN,
            "base_url": emu.base_url,
            "base_file_url": emu.base_file_url,
            "rate_limit": overrides.pop("rate_limit", False),
            "concurrent_updates": overrides.pop("concurrent_updates", 1),
        },
        "database": {"path": str(folder / "blocbot.sqlite3")},
        "defaults": {"language": overrides.pop("language", "vi")},
        # Flood limits off unless a test asks for them: scripted people type faster than the
        # fake clock moves (tests/test_hardening_chats.py turns them on).
        "access": {
            "operators": list(overrides.pop("operators", [])),
            "per_person_per_minute": 0,
            "per_chat_per_minute": 0,
            **overrides.pop("limits", {}),
        },
    }
    data.update(overrides)
    return parse_config(data, base_dir=folder, env={})


class BotHarness:
    """The emulator plus a running Application; send as people, read what the bot said."""

    def __init__(self, folder: Path, *, clock: FakeClock | None = None, **config: Any) -> None:
        self.folder = folder
        self.clock = clock or FakeClock(START)
        self.emu = BotApiEmulator(token=TOKEN, bot_username=BOT_USERNAME)
        self._config_overrides = config
        self.app: App | None = None
        self.config: Config | None = None

    async def __aenter__(self) -> BotHarness:
        await self.emu.start()
        self.config = make_config(self.folder, self.emu, **dict(self._config_overrides))
        await self.start_bot()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop_bot()
        await self.emu.stop()

    async def start_bot(self) -> None:
        """Build and start a fresh Application (as a restart would)."""
        assert self.config is not None
        self.app = build_application(self.config, clock=self.clock)
        await self.app.initialize()
        assert self.app.post_init is not None
        await self.app.post_init(self.app)  # run_polling would call it; we start by hand
        await self.app.start()
        assert self.app.updater is not None
        await self.app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALL_UPDATES)

    async def stop_bot(self) -> None:
        """Stop the Application cleanly."""
        if self.app is None:
            return
        assert self.app.updater is not None
        if self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
            if self.app.post_stop is not None:  # as run_polling does: after stop, before shutdown
                await self.app.post_stop(self.app)
        await self.app.shutdown()
        assert self.app.post_shutdown is not None
        await self.app.post_shutdown(self.app)
        self.app = None

    async def restart(self) -> None:
        """A clean restart of the bot process's Application."""
        await self.stop_bot()
        await self.start_bot()

    @property
    def services(self) -> Services:
        """The running app's services."""
        assert self.app is not None
        return self.app.bot_data.services

    async def settle(self, update_id: int) -> None:
        """Wait until the bot fetched and fully handled an update (and its background work)."""
        assert self.app is not None
        await self.emu.wait_consumed(update_id)
        await self.app.update_queue.join()
        await self.services.drain()

    # people ------------------------------------------------------------------------------------

    def person(self, user_id: int, first: str, last: str | None = None, **kw: Any) -> int:
        """Add a Telegram user; return their id."""
        self.emu.add_user(user_id, first, last, **kw)
        return user_id

    def group(self, chat_id: int, title: str, admins: Iterable[int] = (), members: Iterable[int] = ()) -> int:
        """Add a group with its Telegram administrators and members."""
        self.emu.add_group(chat_id, title)
        for uid in admins:
            self.emu.set_member(chat_id, uid, "administrator")
        for uid in members:
            self.emu.set_member(chat_id, uid, "member")
        return chat_id

    async def send(self, user_id: int, chat_id: int, text: str, **kw: Any) -> Any:
        """Post a message as a person and wait until the bot has handled it."""
        posted = self.emu.post_message(user_id, chat_id, text, **kw)
        await self.settle(posted.update_id)
        return posted

    async def press(self, user_id: int, chat_id: int, message_id: int, data: str) -> Any:
        """Press an inline button as a person."""
        posted = self.emu.post_callback(user_id, chat_id, message_id, data)
        await self.settle(posted.update_id)
        return posted

    def texts(self, chat_id: int) -> list[str]:
        """Every text the bot has in a chat now."""
        return self.emu.bot_texts(chat_id)

    def last_text(self, chat_id: int) -> str:
        """The bot's latest message text in a chat."""
        return self.emu.bot_texts(chat_id)[-1]

    def db_rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read the real database file directly."""
        assert self.config is not None
        with sqlite3.connect(self.config.database_path) as conn:
            return list(conn.execute(sql, params))

    def snapshot(self, *tables: str) -> dict[str, list[tuple[Any, ...]]]:
        """All rows of the given tables (all user tables when none named)."""
        assert self.config is not None
        with sqlite3.connect(self.config.database_path) as conn:
            names = tables or tuple(
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            )
            return {t: sorted(conn.execute(f"SELECT * FROM {t}"), key=repr) for t in names}
