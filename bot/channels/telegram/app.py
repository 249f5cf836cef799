"""The python-telegram-bot Application: transport (retrying requests, the send budget of
budget.py, per-chat concurrency), polling or webhook, command menus; every update goes to the router."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.channels.telegram.adapter import BlocContext, BotData, handlers, on_error, publish_menus
from bot.channels.telegram.budget import TelegramBudget
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.concurrency import PerChatUpdateProcessor
from bot.channels.telegram.request import RetryingRequest
from bot.core.config import Config, TelegramConfig
from bot.core.token_redaction import install_secret_redaction, install_token_redaction
from bot.services import Services
from handlers.conversation.router import Router

__all__ = ["ALL_UPDATES", "App", "StartupError", "build_telegram", "run_telegram"]

App = Application[Any, BlocContext, Any, Any, BotData, Any]
CONTEXT_TYPES = ContextTypes(context=BlocContext, bot_data=BotData)
ALL_UPDATES = Update.ALL_TYPES  # what the bot asks Telegram for (harnesses start polling by hand)


log = logging.getLogger(__name__)


class StartupError(Exception):
    """Telegram could not be started: a one-line reason for the operator."""


class _QuietStartup(logging.Filter):
    """Until the bot is up, PTB logs a failed start (a wrong token, no network) with a traceback
    of 45-90 lines, which quotes a short token in full, and each retry of getMe adds a warning:
    run_telegram says the same in one line (StartupError), so these records are dropped."""

    def __init__(self) -> None:
        super().__init__()
        self.starting = False

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.starting:
            return True
        if record.name == "telegram.ext":
            return "(Bootstrap " not in record.getMessage()  # "Network Retry Loop (Bootstrap …)"
        return record.name != "bot.channels.telegram.request"


_STARTUP = _QuietStartup()


def build_telegram(config: Config, services: Services, router: Router) -> App:
    """The Application for these services; its channel is registered in the outbox."""
    install_token_redaction(config.telegram.token)  # before anything can log a request URL
    if config.telegram.webhook.secret:
        install_secret_redaction(config.telegram.webhook.secret)  # setWebhook's DEBUG line
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
        admit = partial(_arrival_verdict, router)
        builder = builder.concurrent_updates(
            PerChatUpdateProcessor(config.telegram.concurrent_updates, admit)
        )
    if config.telegram.rate_limit:
        builder = builder.rate_limiter(TelegramBudget(max_retries=5))  # type: ignore[arg-type]
    app: App = builder.build()
    channel = TelegramChannel(app.bot)
    app.bot_data.services = services
    app.bot_data.router = router
    app.bot_data.channel = channel
    services.outbox.register(channel)
    app.add_handlers(handlers())
    app.add_error_handler(on_error)
    return app


def _arrival_verdict(router: Router, update: object) -> str | None:
    """The flood limits for a message or a press as it arrives (None: not one the router takes)."""
    if not isinstance(update, Update) or update.effective_user is None or update.effective_chat is None:
        return None
    message = update.message
    if update.callback_query is None and (message is None or not (message.text or message.caption)):
        return None
    return router.admit(update.effective_user.id, update.effective_chat.id)


async def _post_init(app: App) -> None:
    services = app.bot_data.services
    await services.open()
    services.bot_username = app.bot.username
    assert app.bot_data.channel is not None
    app.bot_data.channel.username = app.bot.username
    await publish_menus(app, services.commands)
    if services.scheduler is not None:
        await services.scheduler.start()  # after the database: rebuilds timers from its rows
    services.started()  # the features' start-up work, in the background
    _STARTUP.starting = False
    tg = services.config.telegram
    way = "webhook" if tg.mode == "webhook" else "long polling"
    log.info("blocbot is running as @%s on Telegram (%s)", app.bot.username, way)


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
    """Run until stopped: long polling or webhook on PTB's own server, as configured. (With
    ``[web] public_url`` bot/app.py runs the webhook on the bot's one web server instead:
    bot/channels/telegram/hook.py.)"""
    tg = config.telegram
    with startup_errors(tg):
        if tg.mode == "webhook":
            from bot.channels.telegram.webhook import limit_webhook_bodies

            limit_webhook_bodies(tg.webhook.secret)  # 413 / 403 / 503 before reading a body (webhook.py)
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


@contextmanager
def startup_errors(tg: TelegramConfig) -> Iterator[None]:
    """PTB's start-up failures as one-line StartupErrors, the token never in them; PTB's own
    tracebacks of a failed start are kept out of the log meanwhile (_QuietStartup)."""
    _STARTUP.starting = True
    for name in ("telegram.ext", "bot.channels.telegram.request"):
        logging.getLogger(name).addFilter(_STARTUP)  # once: addFilter skips a filter it has
    try:
        yield
    except InvalidToken as exc:
        raise StartupError(
            "Telegram rejected the bot token; check telegram.token or BLOCBOT_TELEGRAM_TOKEN."
        ) from exc
    except NetworkError as exc:
        reason = exc.message.replace(tg.token, "[token]") if tg.token else exc.message
        raise StartupError(
            f"cannot reach the Bot API ({reason}); check the network and telegram.base_url."
        ) from exc
    except TelegramError as exc:  # e.g. setWebhook refused: a wrong telegram.webhook.url
        reason = exc.message.replace(tg.token, "[token]") if tg.token else exc.message
        raise StartupError(
            f"Telegram refused to start the bot ({reason}); check the [telegram] settings."
        ) from exc
    finally:
        _STARTUP.starting = False
