"""The one place that wires blocbot: services first, then every feature on the router (in
order), then the channels. Nothing runs at import time."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.channels.telegram.app import App, build_telegram, run_telegram
from bot.core.clock import Clock, FileClock, SystemClock
from bot.core.config import Config, ConfigError
from bot.outbox import Outbox
from bot.schedule.cycle import cycle_from_config
from bot.schedule.scheduler import Scheduler
from bot.services import Services
from handlers.conversation.router import Router
from storage.db import Database

__all__ = ["App", "build_application", "build_router", "build_services", "run", "run_console"]

log = logging.getLogger(__name__)


def build_services(config: Config, *, clock: Clock | None = None) -> Services:
    """Config, database, clock, outbox and the scheduler; no channel yet."""
    from handlers.forms import schedule as forms_schedule
    from handlers.polls import timers as polls_timers
    from handlers.schedule import text as schedule_text

    cycle_from_config(config.extra)  # a wrong [cycle] date stops start-up, naming the key
    the_clock = clock or (FileClock(config.clock_file) if config.clock_file else SystemClock())
    db = Database(config.database_path, the_clock)
    outbox = Outbox(db)
    services = Services(config=config, db=db, clock=the_clock, outbox=outbox)
    services.scheduler = Scheduler(
        db, the_clock, outbox, config.reminders, schedule_text.render_reminder, spawn=services.spawn
    )
    forms_schedule.register(services)  # form deadlines: missing units, lock, nudges
    polls_timers.register(services)  # poll deadlines and their reminders
    return services


def build_router(services: Services) -> Router:
    """Every feature's commands, buttons, links and text takers on one router."""
    from handlers.forms import answer as forms_answer
    from handlers.forms import commands as forms
    from handlers.forms import dialog as forms_dialog
    from handlers.general import common
    from handlers.polls import commands as polls
    from handlers.roster import commands as roster
    from handlers.roster import files as roster_files
    from handlers.roster import members
    from handlers.schedule import commands as schedule

    router = Router(services)
    common.register(router)
    roster.register(router)
    members.register(router)
    roster_files.register(router)
    forms.register(router)
    forms_answer.register(router)
    forms_dialog.register(router)  # typed answers to a form: offered after guided questions
    router.questions.cancel_hooks.append(forms_dialog.cancel_form_draft)  # /cancel drops a draft
    schedule.register(router)
    polls.register(router, services)
    # /help and the command menus list the commands in this order.
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
    return router


def build_application(config: Config, *, clock: Clock | None = None) -> App:
    """The Telegram application over freshly built services and router."""
    if not config.telegram.token:
        raise ConfigError("telegram.token: missing; put it in config.toml or set BLOCBOT_TELEGRAM_TOKEN")
    services = build_services(config, clock=clock)
    return build_telegram(config, services, build_router(services))


def run(config: Config) -> None:
    """Run the bot for real: Telegram by long polling or webhook, as configured."""
    run_telegram(build_application(config), config)


async def run_console(
    config: Config,
    *,
    lang: str,
    out: Path,
    demo: bool = False,
    stream: TextIO | None = None,
    write: Callable[[str], None] = print,
    clock: Clock | None = None,
) -> None:
    """The offline console on a local database: type as the people of a bloc."""
    from bot.channels.console.repl import Console
    from bot.demo.bloc import load_demo_bloc

    services = build_services(config, clock=clock)
    router = build_router(services)
    console = Console(services, router, out, lang, write)
    await services.db.open()
    try:
        if demo:
            await load_demo_bloc(services, console)
        if services.scheduler is not None:
            await services.scheduler.start()
        write(console.help_text())
        await console.run(stream or sys.stdin)
    finally:
        if services.scheduler is not None:
            await services.scheduler.stop()
        await services.drain()
        await services.db.close()
