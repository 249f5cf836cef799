"""Telegram and Zalo in one bot process, wired as `blocbot run` wires them (bot/app.py:run):
one set of services and one router; Telegram's application opens the database and the
scheduler, Zalo and the web server start after it and stop before it.

    async with MixedHarness(tmp_path) as m:
        await m.tg_send(CHAIR, GROUP, "/setup Khối thi đua số 3")   # a Telegram person
        await m.say("z-1", "/thamgia K7QX-M2PD")                    # a Zalo Bot Platform person
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.app import (
    App,
    start_extra,
    stop_extra,
)
from bot.channels.telegram.app import ALL_UPDATES, build_telegram
from bot.emulators.telegram import BotApiEmulator
from tests.harness import BOT_USERNAME, TOKEN
from tests.zalo_harness import ZaloHarness

__all__ = ["MixedHarness"]


class MixedHarness(ZaloHarness):
    """The Telegram Bot API emulator beside the Zalo emulators, and one bot on all of them."""

    def __init__(self, folder: Path, **kw: Any) -> None:
        super().__init__(folder, **kw)
        self.tg = BotApiEmulator(token=TOKEN, bot_username=BOT_USERNAME)
        self.app: App | None = None

    def config_data(self) -> dict[str, Any]:
        data = super().config_data()
        data["telegram"] = {
            "token": TOKEN,
            "base_url": self.tg.base_url,
            "base_file_url": self.tg.base_file_url,
            "rate_limit": False,
            "concurrent_updates": 1,
        }
        return data

    async def __aenter__(self) -> MixedHarness:
        await self.tg.start()
        await super().__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await super().__aexit__(*exc)
        await self.tg.stop()

    async def start_bot(self) -> None:
        """As `blocbot run` with both tokens: Telegram first, then the web server and Zalo."""
        router = self.build()
        assert self.config is not None and self.services is not None
        self.app = build_telegram(self.config, self.services, router)
        await self.app.initialize()
        assert self.app.post_init is not None
        await self.app.post_init(self.app)  # the database, the bot's name, the scheduler
        if self.oa_emu is not None and self.seed_oa_token:
            await self.seed_tokens()
        await start_extra(self.web, self.zalo)
        await self.app.start()
        assert self.app.updater is not None
        await self.app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALL_UPDATES)

    async def stop_bot(self) -> None:
        """As run's post_stop and PTB's shutdown: Zalo and the web server stop before the database."""
        if self.app is None:
            return
        assert self.app.updater is not None
        if self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
            if self.app.post_stop is not None:
                await self.app.post_stop(self.app)
        await stop_extra(self.web, self.zalo)
        await self.app.shutdown()
        assert self.app.post_shutdown is not None
        await self.app.post_shutdown(self.app)  # drains background work, closes the database
        self.app = None
        self.services = None

    # Telegram --------------------------------------------------------------------------------

    def tg_person(self, user_id: int, first: str) -> int:
        """A Telegram user."""
        self.tg.add_user(user_id, first)
        return user_id

    def tg_group(self, chat_id: int, title: str, admins: list[int], members: list[int]) -> int:
        """A Telegram group with its administrators and members."""
        self.tg.add_group(chat_id, title)
        for uid in admins:
            self.tg.set_member(chat_id, uid, "administrator")
        for uid in members:
            self.tg.set_member(chat_id, uid, "member")
        return chat_id

    async def tg_send(self, user_id: int, chat_id: int, text: str) -> None:
        """A Telegram person writes; wait until the bot (and whatever it started) is done."""
        posted = self.tg.post_message(user_id, chat_id, text)
        assert self.app is not None and self.services is not None
        await self.tg.wait_consumed(posted.update_id)
        await self.app.update_queue.join()
        await self.services.drain()

    async def tg_press(self, user_id: int, chat_id: int, label: str) -> None:
        """A Telegram person presses a button of the bot's latest message that has it; wait."""
        for message in reversed(self.tg.messages(chat_id)):
            markup = message.reply_markup or {}
            labels = [b.get("text") for row in markup.get("inline_keyboard", []) for b in row]
            if label in labels:
                posted = self.tg.press_button(user_id, chat_id, message.message_id, label)
                break
        else:
            raise AssertionError(f"no button {label!r} in chat {chat_id}")
        assert self.app is not None and self.services is not None
        await self.tg.wait_consumed(posted.update_id)
        await self.app.update_queue.join()
        await self.services.drain()

    def tg_texts(self, chat_id: int) -> list[str]:
        """What the bot has in a Telegram chat."""
        return self.tg.bot_texts(chat_id)
