"""The one place that wires blocbot: services first, then every feature on the router (in
order), then the channels. Nothing runs at import time."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.channels.fanout import FanOut
from bot.channels.telegram.app import App, build_telegram, run_telegram
from bot.core import offload
from bot.core.clock import Clock, FileClock, SystemClock
from bot.core.config import Config, ConfigError
from bot.outbox import Outbox
from bot.schedule.cycle import cycle_from_config
from bot.schedule.scheduler import Scheduler
from bot.services import Services
from handlers.conversation.router import Router
from storage.db import Database

if TYPE_CHECKING:
    from bot.channels.console.repl import Console
    from bot.channels.zalo.runtime import ZaloRuntime
    from bot.web.links import FileLinks
    from bot.web.server import WebServer

__all__ = [
    "App",
    "build_application",
    "build_links",
    "build_router",
    "build_services",
    "build_web",
    "build_zalo",
    "run",
    "run_console",
]

log = logging.getLogger(__name__)
GC_YOUNG = 7000  # allocations between two collections of young objects (Python: 700)


def build_services(config: Config, *, clock: Clock | None = None) -> Services:
    """Config, database, clock, outbox and the scheduler; no channel yet."""
    from handlers.forms import schedule as forms_schedule
    from handlers.polls import timers as polls_timers
    from handlers.schedule import alerts as schedule_alerts
    from handlers.schedule import text as schedule_text

    cycle_from_config(config.extra)  # a wrong [cycle] date stops start-up, naming the key
    the_clock = clock or (FileClock(config.clock_file) if config.clock_file else SystemClock())
    db = Database(config.database_path, the_clock)
    outbox = Outbox(db)
    outbox.register(FanOut(db, outbox))  # blocs without a home chat: posts go to each person
    services = Services(config=config, db=db, clock=the_clock, outbox=outbox)
    services.scheduler = Scheduler(
        db, the_clock, outbox, config.reminders, schedule_text.render_reminder, spawn=services.spawn
    )
    forms_schedule.register(services)  # form deadlines: missing units, lock, nudges
    schedule_alerts.register(services)  # a reminder given up: the chair unit is told
    polls_timers.register(services)  # poll deadlines and their reminders
    return services


def build_router(services: Services) -> Router:
    """Every feature's commands, buttons, links and text takers on one router."""
    from handlers.forms import answer as forms_answer
    from handlers.forms import commands as forms
    from handlers.forms import dialog as forms_dialog
    from handlers.general import common
    from handlers.polls import commands as polls
    from handlers.polls import counting as polls_counting
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
    polls_memory = polls.register(router, services)
    # after a restart, the holders of every ballot box still sealed are asked for their codes again
    services.on_start.append(lambda: polls_counting.resume(services, polls_memory))
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


def build_web(config: Config, services: Services) -> WebServer | None:
    """The one web server, when something needs it: Zalo's webhooks, or file links."""
    from bot.web.server import WebServer

    zalo = config.zalo
    if not (config.web.public_url or zalo.oa.enabled or (zalo.token and zalo.mode == "webhook")):
        return None
    web = WebServer(config.web.listen, config.web.port)

    async def healthy() -> bool:
        async with services.db.read() as uow:
            return await uow.zalo.ping()  # the database answers

    web.add_health(healthy)
    return web


def build_links(config: Config, services: Services, web: WebServer | None) -> FileLinks | None:
    """Signed file links on the web server, when it has a public address ([web] public_url)."""
    if web is None or not config.web.public_url:
        return None
    from bot.web.links import FileLinks

    links = FileLinks(services.db, services.clock, config.web.public_url, config.web.link_days)
    web.add(links.route())
    return links


def build_zalo(
    config: Config,
    services: Services,
    router: Router,
    web: WebServer | None = None,
    links: FileLinks | None = None,
) -> ZaloRuntime | None:
    """The configured Zalo channels (registered in the outbox), or None when none is."""
    if not config.zalo.token and not config.zalo.oa.enabled:
        return None
    from bot.channels.zalo.runtime import ZaloRuntime

    return ZaloRuntime(config, services, router, web=web, links=links)


async def settle_heap() -> None:
    """Once started: the objects of start-up (modules, catalogs, configuration; ~150,000) are
    left out of the garbage collector's rounds, and young objects are collected less often:
    each round went through all of them, a few times per update (BENCHMARKS.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG, 20, 20)


def check_channels(config: Config) -> None:
    """Refuse a configuration with no channel to run, before anything is opened (no database
    file is left behind by the mistake)."""
    if not config.telegram.token and not config.zalo.token and not config.zalo.oa.enabled:
        raise ConfigError(
            "telegram.token, zalo.token, zalo.oa.app_id: none is set; put a token in config.toml "
            "or set BLOCBOT_TELEGRAM_TOKEN / BLOCBOT_ZALO_TOKEN"
        )


def run(config: Config) -> None:
    """Run the bot for real: Telegram (long polling or webhook) and/or Zalo, as configured."""
    check_channels(config)
    services = build_services(config)
    services.on_start.append(offload.start)  # the rendering worker, ready before it is needed
    services.on_start.append(settle_heap)
    router = build_router(services)
    web = build_web(config, services)
    zalo = build_zalo(config, services, router, web, build_links(config, services, web))
    if not config.telegram.token:
        assert zalo is not None  # some channel is configured (checked above)
        asyncio.run(serve(services, web, zalo))
        return
    app = build_telegram(config, services, router)
    on_web = config.telegram.mode == "webhook" and web is not None and bool(config.web.public_url)
    if on_web:
        from bot.channels.telegram.hook import webhook_route

        assert web is not None
        web.add(webhook_route(app, config.telegram.webhook.secret))  # one server for every webhook
    if web is not None or zalo is not None:
        # Telegram's application owns the loop, the database and the scheduler: Zalo starts
        # after them and stops before them.
        first_init, first_stop = app.post_init, app.post_stop

        async def post_init(application: App) -> None:
            if first_init is not None:
                await first_init(application)
            await start_extra(web, zalo)

        async def post_stop(application: App) -> None:
            await stop_extra(web, zalo)
            if first_stop is not None:
                await first_stop(application)

        app.post_init, app.post_stop = post_init, post_stop
    if on_web:
        from bot.channels.telegram.hook import run_on_web

        run_on_web(app, config)
    else:
        run_telegram(app, config)


async def start_extra(web: WebServer | None, zalo: ZaloRuntime | None) -> None:
    """The web server, then Zalo (its webhook must be reachable when it is set)."""
    if web is not None:
        await web.start()
    if zalo is not None:
        await zalo.start()


async def stop_extra(web: WebServer | None, zalo: ZaloRuntime | None) -> None:
    """Zalo, then the web server."""
    if zalo is not None:
        await zalo.stop()
    if web is not None:
        await web.stop()


async def serve(
    services: Services, web: WebServer | None, zalo: ZaloRuntime | None, stop: asyncio.Event | None = None
) -> None:
    """Run without Telegram until SIGTERM/SIGINT (or ``stop``): database, web, Zalo, scheduler."""
    stopping = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await services.open()
    try:
        await start_extra(web, zalo)
        if services.scheduler is not None:
            await services.scheduler.start()  # after the database: rebuilds timers from its rows
        services.started()
        await stopping.wait()
    finally:
        if services.scheduler is not None:
            await services.scheduler.stop()
        await stop_extra(web, zalo)
        await services.drain()
        await services.db.close()


async def run_console(
    config: Config,
    *,
    lang: str,
    out: Path,
    preload: Callable[[Services, Console], Awaitable[None]] | None = None,
    stream: TextIO | None = None,
    write: Callable[[str], None] = print,
    clock: Clock | None = None,
) -> None:
    """The offline console on a local database: type as the people of a bloc (``preload``: e.g.
    the demo's bloc, bot/demo/bloc.py, given by the CLI so that the wiring never imports the demo)."""
    from bot.channels.console.repl import Console

    services = build_services(config, clock=clock)
    router = build_router(services)
    console = Console(services, router, out, lang, write)
    await services.open()
    try:
        if preload is not None:
            await preload(services, console)
        if services.scheduler is not None:
            await services.scheduler.start()
        services.started()
        write(console.help_text())
        await console.run(stream or sys.stdin)
    finally:
        if services.scheduler is not None:
            await services.scheduler.stop()
        await services.drain()
        await services.db.close()
