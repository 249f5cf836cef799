"""The python-telegram-bot Application: transport (retrying requests, rate limiter, per-chat
concurrency), polling or webhook, command menus; every update goes to the router."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes

from bot.channels.telegram.adapter import BlocContext, BotData, handlers, on_error, publish_menus
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.concurrency import PerChatUpdateProcessor
from bot.channels.telegram.request import RetryingRequest
from bot.core.config import Config
from bot.core.token_redaction import install_token_redaction
from bot.services import Services
from handlers.conversation.router import Router

__all__ = ["ALL_UPDATES", "App", "StartupError", "build_telegram", "run_telegram"]

App = Application[Any, BlocContext, Any, Any, BotData, Any]
CONTEXT_TYPES = ContextTypes(context=BlocContext, bot_data=BotData)
ALL_UPDATES = Update.ALL_TYPES  # what the bot asks Telegram for (harnesses start polling by hand)


class StartupError(Exception):
    """Telegram could not be started: a one-line reason for the operator."""


def build_telegram(config: Config, services: Services, router: Router) -> App:
    """The Application for these services; its channel is registered in the outbox."""
    install_token_redaction(config.telegram.token)  # before anything can log a request URL
    builder = (
        ApplicationBuilder()
        .token(config.telegram.token)
        .request(RetryingRequest(connection_pool_size=256))  # request.py: what is retried
        .get_updates_request(RetryingRequest(connection_pool_size=1))
        .base_url(config.telegram.base_url)
        .base_file_url(config.telegram.base_file_url)
        .context_types(CONTEXT_TYPES)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if config.telegram.concurrent_updates > 1:
        builder = builder.concurrent_updates(PerChatUpdateProcessor(config.telegram.concurrent_updates))
    if config.telegram.rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=5))  # type: ignore[arg-type]
    app: App = builder.build()
    channel = TelegramChannel(app.bot)
    app.bot_data.services = services
    app.bot_data.router = router
    app.bot_data.channel = channel
    services.outbox.register(channel)
    app.add_handlers(handlers())
    app.add_error_handler(on_error)
    return app


async def _post_init(app: App) -> None:
    services = app.bot_data.services
    await services.db.open()
    services.bot_username = app.bot.username
    assert app.bot_data.channel is not None
    app.bot_data.channel.username = app.bot.username
    await publish_menus(app, services.commands)
    if services.scheduler is not None:
        await services.scheduler.start()  # after the database: rebuilds timers from its rows


async def _post_stop(app: App) -> None:
    # Before the bot's HTTP client shuts down: reminder sends in flight finish and are recorded.
    if app.bot_data.services.scheduler is not None:
        await app.bot_data.services.scheduler.stop()


async def _post_shutdown(app: App) -> None:
    services = app.bot_data.services
    if services.scheduler is not None:
        await services.scheduler.stop()
    await services.drain()
    await services.db.close()


def run_telegram(app: App, config: Config) -> None:
    """Run until stopped: long polling or webhook, as configured."""
    tg = config.telegram
    try:
        if tg.mode == "webhook":
            from bot.channels.telegram.webhook import limit_webhook_bodies

            limit_webhook_bodies()  # 413 for bodies over 1 MB, before reading them (webhook.py)
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
    except InvalidToken as exc:
        raise StartupError(
            "Telegram rejected the bot token; check telegram.token or BLOCBOT_TELEGRAM_TOKEN."
        ) from exc
    except NetworkError as exc:
        raise StartupError(
            f"cannot reach the Bot API ({exc.message}); check the network and telegram.base_url."
        ) from exc
