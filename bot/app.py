"""The one place that wires the Telegram application."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes

from bot.clock import Clock, SystemClock
from bot.concurrency import PerChatUpdateProcessor
from bot.config import Config, ConfigError
from bot.services import BlocContext, BotData, Services
from storage.db import Database

log = logging.getLogger(__name__)

App = Application[Any, BlocContext, Any, Any, BotData, Any]

CONTEXT_TYPES = ContextTypes(context=BlocContext, bot_data=BotData)


def build_application(config: Config, *, clock: Clock | None = None) -> App:
    """Build the Application: services, every feature's handlers in order, the error handler."""
    from handlers import common, members, prompts, roster, roster_files

    if not config.telegram.token:
        raise ConfigError("telegram.token: missing; put it in config.toml or set "
                          "BLOCBOT_TELEGRAM_TOKEN")
    the_clock = clock or SystemClock()
    builder = (
        ApplicationBuilder()
        .token(config.telegram.token)
        .base_url(config.telegram.base_url)
        .base_file_url(config.telegram.base_file_url)
        .context_types(CONTEXT_TYPES)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if config.telegram.concurrent_updates > 1:
        builder = builder.concurrent_updates(PerChatUpdateProcessor(config.telegram.concurrent_updates))
    if config.telegram.rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=5))  # type: ignore[arg-type]
    app: App = builder.build()

    guided = prompts.Prompts()
    services = Services(config=config, db=Database(config.database_path, the_clock),
                        clock=the_clock, prompts=guided)
    app.bot_data.services = services

    # Order matters: "/start join_…" must reach members before common's plain /start.
    app.add_handlers(members.handlers())
    app.add_handlers(common.handlers())
    app.add_handlers(roster.handlers(guided))
    app.add_handlers(roster_files.handlers())
    # Answers to the bot's questions come last, so commands always win over them.
    app.add_handler(guided.handler())
    app.add_error_handler(common.on_error)

    services.commands = [
        *common.COMMANDS, *roster.COMMANDS, *members.COMMANDS, *roster_files.COMMANDS,
    ]
    return app


async def _post_init(app: App) -> None:
    services = app.bot_data.services
    await services.db.open()
    services.bot_username = app.bot.username
    from handlers.common import publish_menus

    await publish_menus(app, services.commands)


async def _post_shutdown(app: App) -> None:
    services = app.bot_data.services
    await services.drain()
    await services.db.close()


def run(config: Config) -> None:
    """Run the bot for real: long polling or webhook, as configured."""
    app = build_application(config)
    tg = config.telegram
    if tg.mode == "webhook":
        app.run_webhook(
            listen=tg.webhook.listen,
            port=tg.webhook.port,
            url_path=tg.webhook.url.rsplit("/", 1)[-1] if "/" in tg.webhook.url else "",
            webhook_url=tg.webhook.url,
            secret_token=tg.webhook.secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
