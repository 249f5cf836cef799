"""The one place that wires the Telegram application."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes

from bot.channels.telegram.concurrency import PerChatUpdateProcessor
from bot.channels.telegram.request import RetryingRequest
from bot.core.clock import Clock, FileClock, SystemClock
from bot.core.config import Config, ConfigError
from bot.core.token_redaction import install_token_redaction
from bot.schedule.cycle import cycle_from_config
from bot.schedule.scheduler import Scheduler
from bot.services import BlocContext, BotData, Services
from storage.db import Database

log = logging.getLogger(__name__)

App = Application[Any, BlocContext, Any, Any, BotData, Any]

CONTEXT_TYPES = ContextTypes(context=BlocContext, bot_data=BotData)


def build_application(config: Config, *, clock: Clock | None = None) -> App:
    """Build the Application: services, every feature's handlers in order, the error handler."""
    from handlers.conversation import prompts, turn
    from handlers.forms import answer as forms_answer
    from handlers.forms import commands as forms
    from handlers.forms import dialog as forms_dialog
    from handlers.forms import schedule as forms_schedule
    from handlers.general import common, fallback
    from handlers.polls import commands as polls
    from handlers.roster import commands as roster
    from handlers.roster import files as roster_files
    from handlers.roster import members
    from handlers.schedule import commands as schedule
    from handlers.schedule import text as schedule_text

    if not config.telegram.token:
        raise ConfigError("telegram.token: missing; put it in config.toml or set BLOCBOT_TELEGRAM_TOKEN")
    install_token_redaction(config.telegram.token)  # before anything can log a request URL
    the_clock = clock or (FileClock(config.clock_file) if config.clock_file else SystemClock())
    builder = (
        ApplicationBuilder()
        .token(config.telegram.token)
        .request(
            RetryingRequest(connection_pool_size=256)
        )  # bot/channels/telegram/request.py: what is retried
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

    guided = prompts.Prompts()
    services = Services(
        config=config, db=Database(config.database_path, the_clock), clock=the_clock, prompts=guided
    )
    app.bot_data.services = services
    cycle_from_config(config.extra)  # a wrong [cycle] date stops start-up, naming the key
    services.scheduler = Scheduler(
        services.db, the_clock, app.bot, config.reminders, schedule_text.render_reminder, spawn=services.spawn
    )
    forms_schedule.register(services, app.bot)  # form deadlines: missing units, lock, nudges

    # Order matters: "/start join_…" must reach members before common's plain /start.
    app.add_handlers(members.handlers())
    app.add_handlers(polls.handlers(services, app.bot))  # "/start vote_…" too: before /start
    app.add_handlers(common.handlers())
    app.add_handlers(roster.handlers(guided))
    app.add_handlers(roster_files.handlers())
    app.add_handlers(schedule.handlers(guided))
    app.add_handlers(forms.handlers())
    app.add_handlers(forms_answer.handlers())
    # Group -1: a person's typed answers to a form (only while they have a fresh draft), its
    # "/start form_<id>" link and /cancel of a draft are seen before group 0 and stop there.
    app.add_handlers(forms_dialog.early_handlers(), group=-1)
    # Commands no feature took (after all of them), then answers to the bot's questions, so
    # commands always win over them.
    app.add_handlers(fallback.handlers())
    app.add_handler(guided.handler())
    app.add_handler(turn.unknown_buttons())  # last: presses no feature took are still answered
    app.add_error_handler(common.on_error)

    services.commands = [
        *common.COMMANDS,
        *roster.COMMANDS,
        *members.COMMANDS,
        *roster_files.COMMANDS,
        *forms.COMMANDS,
        *forms_answer.COMMANDS,
        *schedule.COMMANDS,
        *polls.COMMANDS,
    ]
    return app


async def _post_init(app: App) -> None:
    services = app.bot_data.services
    await services.db.open()
    services.bot_username = app.bot.username
    from handlers.general.common import publish_menus

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


def run(config: Config) -> None:
    """Run the bot for real: long polling or webhook, as configured."""
    app = build_application(config)
    tg = config.telegram
    if tg.mode == "webhook":
        from bot.channels.telegram.webhook import limit_webhook_bodies

        limit_webhook_bodies()  # 413 for bodies over 1 MB, before reading them (bot/channels/telegram/webhook.py)
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
