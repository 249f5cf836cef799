"""Drive the real application (build_services, build_router, build_web, build_zalo) through the
Zalo emulators over loopback HTTP, on a real SQLite file, with an injected clock: the tests'
harness and the Zalo demo's (`blocbot demo --channel zalo`).

    async with ZaloHarness(tmp_path) as z:
        await z.say("u1", "/start")                 # a person writes to the Zalo bot
        print(z.bot_texts("u1"))
        await z.group_say("g1", "u1", "/help")      # a member writes in the OA's group
        print(z.group_texts("g1"))
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import build_links, build_router, build_services, build_web, build_zalo, start_extra, stop_extra
from bot.channels.zalo.runtime import ZaloRuntime
from bot.core.clock import FakeClock
from bot.core.config import Config, parse_config
from bot.core.sending import Budget
from bot.demo.harness import START
from bot.emulators.zalo import ZaloBotEmulator, ZaloOAEmulator
from bot.emulators.zalo.records import WebhookDelivery
from bot.services import Services
from bot.web.server import WebServer
from handlers.conversation.router import Router

__all__ = ["WEBHOOK_SECRET", "ZALO_TOKEN", "ZaloHarness", "free_port"]

ZALO_TOKEN = "1234567890:zalo-test-token-blocbot"
# The Zalo channels' send budgets (zalo.sends_per_second, 1 a second per chat) run on the real
# clock, while a test's or the demo's people type as fast as the loop goes and their clock is
# injected: at Zalo's pace an OA group's 40 posts took 40 s of real waiting (the Zalo demo 43 s,
# the Zalo tests minutes). Here the same budgets, replies first, with every window this many
# times shorter; 1 keeps the real pace. `blocbot run` keeps the configured budgets.
SEND_SCALE = 1000.0
WEBHOOK_SECRET = "zalo-webhook-secret-1"


def free_port() -> int:
    """A port free right now on 127.0.0.1 (the bot's web server must know it before it starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ZaloHarness:
    """The Zalo emulators, and the bot's services, router, web server and Zalo channels."""

    def __init__(
        self,
        folder: Path,
        *,
        clock: FakeClock | None = None,
        bot: bool = True,
        oa: bool = False,
        mode: str = "polling",
        groups: bool = False,
        web: bool | None = None,
        operators: list[Any] | None = None,
        oa_options: dict[str, Any] | None = None,
        seed_oa_token: bool = True,
        language: str = "vi",
        resolve_operators: bool = True,
        send_scale: float = SEND_SCALE,
    ) -> None:
        self.folder = folder
        self.clock = clock or FakeClock(START)
        self.bot_emu = ZaloBotEmulator(token=ZALO_TOKEN) if bot else None
        self.oa_emu = ZaloOAEmulator(clock=self.clock.now, **(oa_options or {})) if oa else None
        self.mode = mode
        self.groups = groups
        self.want_web = web if web is not None else (oa or mode == "webhook")
        self.operators = operators or []
        # False: "zalo:<id>" operators are only told the operators' notices (tell_operators
        # resolves them itself), and /setup is not limited to them, as before `blocbot run`'s
        # start-up resolution was done here too (tests of the OA's notices set blocs up so).
        self.resolve_operators = resolve_operators
        self.seed_oa_token = seed_oa_token
        self.language = language
        self.send_scale = send_scale
        self.port = 0  # the web server's, chosen once the emulators have their own (__aenter__)
        self.config: Config | None = None
        self.services: Services | None = None
        self.web: WebServer | None = None
        self.zalo: ZaloRuntime | None = None

    def make_config(self) -> Config:
        """The bot's config for these emulators."""
        return parse_config(self.config_data(), base_dir=self.folder, env={})

    def config_data(self) -> dict[str, Any]:
        """The bot's config for these emulators, as config.toml would hold it."""
        data: dict[str, Any] = {
            "database": {"path": str(self.folder / "blocbot.sqlite3")},
            "defaults": {"language": self.language},
            "access": {"operators": self.operators},
            "zalo": {"groups": self.groups, "mode": self.mode},
        }
        if self.bot_emu is not None:
            data["zalo"].update(token=ZALO_TOKEN, base_url=self.bot_emu.base_url)
            if self.mode == "webhook":
                data["zalo"]["webhook_secret"] = WEBHOOK_SECRET
        if self.oa_emu is not None:
            data["zalo"]["oa"] = {
                "app_id": self.oa_emu.app_id,
                "secret_key": self.oa_emu.app_secret,
                "oa_secret_key": self.oa_emu.oa_secret_key,
                "base_url": self.oa_emu.base_url,
                "oauth_url": self.oa_emu.base_url,
            }
        if self.want_web:
            data["web"] = {"port": self.port, "public_url": f"http://127.0.0.1:{self.port}"}
        return data

    async def __aenter__(self) -> ZaloHarness:
        for emu in (self.bot_emu, self.oa_emu):
            if emu is not None:
                await emu.start()
        # After the emulators bound theirs: picked before, a free port could be handed to an
        # emulator next and the web server then found it taken ("Address already in use").
        self.port = free_port()
        if self.oa_emu is not None:
            self.oa_emu.set_webhook(f"http://127.0.0.1:{self.port}/zalo/oa")
        await self.start_bot()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop_bot()
        for emu in (self.bot_emu, self.oa_emu):
            if emu is not None:
                await emu.stop()

    def _fetched(self) -> int:
        return (
            0 if self.bot_emu is None else sum(1 for p in self.bot_emu.feed.posted if p.outcome == "fetched")
        )

    def build(self) -> Router:
        """The application as `blocbot run` wires it (services, router, web server, Zalo, with
        the harness's faster budgets); its router, for another channel to share."""
        self._fetched_before = self._fetched()
        self.config = self.make_config()
        self.services = build_services(self.config, clock=self.clock)
        router = build_router(self.services)
        self.web = build_web(self.config, self.services)
        links = build_links(self.config, self.services, self.web)
        self.zalo = build_zalo(self.config, self.services, router, self.web, links)
        self.scale_budgets()
        return router

    async def start_bot(self) -> None:
        """Build and start the bot (as a process start would)."""
        self.build()
        assert self.services is not None
        if self.resolve_operators:
            await self.services.open()  # as `blocbot run`: also resolves "zalo:<id>" operators
        else:
            await self.services.db.open()
        if self.oa_emu is not None and self.seed_oa_token:
            await self.seed_tokens()
        await start_extra(self.web, self.zalo)
        if self.services.scheduler is not None:
            await self.services.scheduler.start()

    def scale_budgets(self) -> None:
        """The Zalo channels' budgets: the configured limits, their windows send_scale× shorter."""
        if self.send_scale != 1 and self.zalo is not None:
            for channel in (self.zalo.bot_channel, self.zalo.oa_outbox):
                if channel is not None:
                    channel.budget = Budget(channel.budget.limits.scaled(self.send_scale))

    async def seed_tokens(self) -> None:
        """A pair from the OA emulator, as `blocbot zalo login` would store (once)."""
        assert self.services is not None and self.oa_emu is not None
        async with self.services.db.transaction() as uow:
            if await uow.zalo.tokens.current() is None:
                access, refresh = self.oa_emu.issue_access_token(), self.oa_emu.issue_refresh_token()
                ttl = timedelta(seconds=self.oa_emu.tokens.access_ttl)
                await uow.zalo.tokens.install(access, refresh, self.clock.now() + ttl)

    async def stop_bot(self) -> None:
        """Stop the bot cleanly."""
        if self.services is None:
            return
        if self.services.scheduler is not None:
            await self.services.scheduler.stop()
        await stop_extra(self.web, self.zalo)
        await self.services.drain()
        await self.services.db.close()
        self.services = None

    async def restart(self) -> None:
        """A clean restart."""
        await self.stop_bot()
        await self.start_bot()

    async def settle(self) -> None:
        """Wait until everything received is handled, background work included."""
        assert self.zalo is not None
        emu, feed = self.bot_emu, self.zalo.bot_feed
        if emu is not None and feed is not None:
            await emu.wait_consumed()
            if self.mode == "polling":
                fetched = self._fetched() - self._fetched_before
                await _until(lambda: feed.fetched >= fetched, 5.0, "the bot to take its updates")
        await self.zalo.settle()

    # the Bot Platform -----------------------------------------------------------------------

    async def say(self, user: str, text: str, name: str | None = None, **kw: Any) -> None:
        """A person writes to the Zalo bot privately (or in a group with chat_id=...)."""
        assert self.bot_emu is not None
        self.bot_emu.post_text(user, text, display_name=name, **kw)
        await self.settle()

    def bot_texts(self, chat: str) -> list[str]:
        """What the Zalo bot sent to a chat."""
        assert self.bot_emu is not None
        return self.bot_emu.texts(chat)

    # the Official Account -------------------------------------------------------------------

    async def group_say(self, group: str, user: str, text: str, **kw: Any) -> WebhookDelivery:
        """A member writes in the OA's group."""
        assert self.oa_emu is not None
        delivery = await self.oa_emu.post_group_text(group, user, text, **kw)
        await self.settle()
        return delivery

    async def oa_say(self, user: str, text: str, **kw: Any) -> WebhookDelivery:
        """A person writes to the OA one to one."""
        assert self.oa_emu is not None
        delivery = await self.oa_emu.post_user_text(user, text, **kw)
        await self.settle()
        return delivery

    def group_texts(self, group: str) -> list[str]:
        """What the OA posted in a group."""
        assert self.oa_emu is not None
        return [m.text for m in self.oa_emu.sent_to_group(group)]

    def oa_texts(self, user: str) -> list[str]:
        """What the OA sent to a person."""
        assert self.oa_emu is not None
        return [m.text for m in self.oa_emu.sent_to_user(user)]

    # the database ---------------------------------------------------------------------------

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read the database file directly."""
        assert self.config is not None
        with sqlite3.connect(self.config.database_path) as conn:
            return list(conn.execute(sql, params))

    def now(self) -> datetime:
        """The injected clock."""
        return self.clock.now()


async def _until(predicate: Callable[[], bool], timeout: float, what: str) -> None:  # noqa: ASYNC109
    """Poll predicate() every 20 ms until it holds; TimeoutError after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)
