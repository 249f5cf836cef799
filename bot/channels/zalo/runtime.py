"""The Zalo channels of one running bot, built from the config: the Bot Platform (polling or
webhook) and the Official Account, their routes on the web server, their start and stop.

Built by the wiring (bot/app.py ``build_zalo``) after the services and the router; started
after the database is open and the web server listens, stopped before either closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.channels.zalo.bot_api import BotApi
from bot.channels.zalo.bot_channel import ZaloBotChannel
from bot.channels.zalo.bot_feed import BOT_WEBHOOK_PATH, BotFeed, bot_webhook_route
from bot.channels.zalo.bot_updates import BotReceiver
from bot.channels.zalo.oa_api import OAApi
from bot.channels.zalo.oa_channel import ZaloOAChannel
from bot.channels.zalo.oa_outbox import OAOutbox
from bot.channels.zalo.oa_tokens import TokenKeeper
from bot.channels.zalo.oa_webhook import OAReceiver, oa_webhook_route
from bot.channels.zalo.operators import locked_out_text, quota_text, tell_operators
from bot.core.config import Config
from bot.core.sending import Budget, Limits
from bot.core.token_redaction import install_token_redaction
from bot.services import Services
from bot.web.links import Links
from bot.web.server import WebServer
from handlers.conversation.router import Router

__all__ = ["ZaloRuntime"]

log = logging.getLogger(__name__)

KEEP_SEEN = timedelta(days=3)  # handled message ids are remembered this long (webhook retries)
HOUSEKEEPING = 3600.0  # seconds between clean-ups


class ZaloRuntime:
    """Every configured Zalo channel, registered in the outbox, started and stopped together."""

    def __init__(
        self,
        config: Config,
        services: Services,
        router: Router,
        *,
        web: WebServer | None = None,
        links: Links | None = None,
    ) -> None:
        self.config = config
        self.services = services
        self.bot_api: BotApi | None = None
        self.bot_channel: ZaloBotChannel | None = None
        self.bot_feed: BotFeed | None = None
        zalo = config.zalo
        if zalo.token:
            install_token_redaction(zalo.token)  # the token is in every Bot Platform URL
            if zalo.webhook_secret:
                install_token_redaction(zalo.webhook_secret)
            self.bot_api = BotApi(zalo.token, zalo.base_url)
            self.bot_channel = ZaloBotChannel(
                self.bot_api,
                services.db,
                language=config.language,
                timezone=config.timezone,
                links=links,
                budget=Budget(Limits.per_second(zalo.sends_per_second)),
            )
            services.outbox.register(self.bot_channel)
            receiver = BotReceiver(services, router, self.bot_channel, groups=zalo.groups)
            webhook_url = ""
            if zalo.mode == "webhook":
                if web is None:
                    raise ValueError("zalo.mode = 'webhook' needs the web server")
                web.add(bot_webhook_route(zalo.webhook_secret, receiver))
                webhook_url = config.web.public_url + BOT_WEBHOOK_PATH
            self.bot_feed = BotFeed(
                self.bot_api, receiver, mode=zalo.mode, webhook_url=webhook_url, secret=zalo.webhook_secret
            )
        self.oa_api: OAApi | None = None
        self.tokens: TokenKeeper | None = None
        self.oa_outbox: OAOutbox | None = None
        self.oa_channel: ZaloOAChannel | None = None
        if zalo.oa.enabled:
            if web is None:
                raise ValueError("the Zalo OA needs the web server (its webhook)")
            for secret in (zalo.oa.secret_key, zalo.oa.oa_secret_key):
                install_token_redaction(secret)

            async def locked_out(reason: str) -> None:
                await tell_operators(services, locked_out_text(reason))

            async def quota_used_up(kept: int) -> None:
                await tell_operators(services, quota_text(kept))

            self.oa_api = OAApi(zalo.oa.base_url)
            self.tokens = TokenKeeper(services.db, services.clock, zalo.oa, on_locked_out=locked_out)
            self.oa_outbox = OAOutbox(
                self.oa_api,
                self.tokens,
                services.db,
                services.clock,
                ZoneInfo(config.timezone),
                on_quota=quota_used_up,
                budget=Budget(Limits.per_second(zalo.oa.sends_per_second)),
            )
            self.oa_channel = ZaloOAChannel(
                self.oa_outbox, services.db, language=config.language, timezone=config.timezone, links=links
            )
            services.outbox.register(self.oa_channel)
            oa_receiver = OAReceiver(services, router, self.oa_channel, self.oa_outbox)
            web.add(oa_webhook_route(zalo.oa, oa_receiver, services))

        self._housekeeping: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start receiving (the database is open, the web server listens)."""
        self._housekeeping = asyncio.create_task(self._clean_up(), name="zalo-housekeeping")
        if self.tokens is not None and self.oa_outbox is not None:
            await self.tokens.recover()  # a refresh a killed bot left behind
            await self.oa_outbox.start()
        if self.bot_feed is not None:
            await self.bot_feed.start()

    async def stop(self) -> None:
        """Stop receiving; work already received finishes."""
        if self._housekeeping is not None:
            self._housekeeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._housekeeping
        if self.bot_feed is not None:
            await self.bot_feed.stop()
        if self.bot_api is not None:
            await self.bot_api.close()
        if self.oa_outbox is not None:
            await self.oa_outbox.stop()
        if self.oa_api is not None:
            await self.oa_api.close()

    async def settle(self) -> None:
        """Wait until every received update is handled (tests)."""
        if self.bot_feed is not None:
            await self.bot_feed.settle()
        await self.services.drain()

    async def _clean_up(self) -> None:
        while True:
            try:
                async with self.services.db.transaction() as uow:
                    await uow.zalo.seen.purge(self.services.clock.now() - KEEP_SEEN)
                    await uow.zalo.files.purge()
            except Exception:
                log.exception("zalo: clean-up failed")
            await asyncio.sleep(HOUSEKEEPING)
