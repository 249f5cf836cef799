"""Telegram's webhook on the bot's one web server (bot/web/server.py), beside Zalo's webhooks,
the file links and /health, when ``[web] public_url`` is set (issue 11: one server for every
webhook). Without it, PTB's own webhook server runs as before (bot/channels/telegram/webhook.py).

The route refuses, before reading a byte of the body: a wrong or missing secret token (403,
compared in constant time), a declared body over ``MAX_UPDATE_BYTES`` (413) and more than
``MAX_OPEN_BODIES`` requests at once (503). A body that is not an update is answered 400 and
dropped; an update is put on the Application's queue, handled like a polled one.

``run_on_web`` is PTB's own run sequence (``Application.run_webhook`` without its server):
initialize, post_init (database, scheduler, then the web server and Zalo: bot/app.py),
setWebhook, start; on SIGTERM/SIGINT stop, post_stop, shutdown, post_shutdown.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from collections.abc import Mapping

from telegram import Update

from bot.channels.telegram.app import ALL_UPDATES, App, startup_errors
from bot.channels.telegram.webhook import MAX_OPEN_BODIES, MAX_UPDATE_BYTES, SECRET_HEADER
from bot.core.config import TELEGRAM_HOOK_PATH, Config, telegram_hook_url
from bot.web.server import Request, Response, Route

log = logging.getLogger(__name__)


def webhook_route(app: App, secret: str) -> Route:
    """The route Telegram posts updates to: ``POST /telegram``."""
    expected = secret.encode()

    def admit(headers: Mapping[str, str]) -> Response | None:
        given = headers.get(SECRET_HEADER.lower(), "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("telegram webhook: refused a request without the secret token")
            return Response.json(403, {"ok": False, "description": "Forbidden"})
        return None

    async def handle(request: Request) -> Response:
        try:
            data = json.loads(request.body)
            update = Update.de_json(data, app.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError):
            update = None
        if update is None:
            log.warning("telegram webhook: a body that is not an update (%s bytes)", len(request.body))
            return Response.json(400, {"ok": False, "description": "Bad Request"})
        await app.update_queue.put(update)
        return Response.json(200, {"ok": True})

    return Route(TELEGRAM_HOOK_PATH, handle, max_body=MAX_UPDATE_BYTES, admit=admit, max_open=MAX_OPEN_BODIES)


def run_on_web(app: App, config: Config, stop: asyncio.Event | None = None) -> None:
    """Run the Application with its webhook on the web server until SIGTERM/SIGINT."""
    with startup_errors(config.telegram):
        asyncio.run(_run(app, config, stop))


async def _run(app: App, config: Config, stop: asyncio.Event | None) -> None:
    stopping = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)  # the database, the scheduler, the web server, Zalo
        await app.bot.set_webhook(
            url=telegram_hook_url(config.web.public_url),
            secret_token=config.telegram.webhook.secret,
            allowed_updates=ALL_UPDATES,
        )
        await app.start()
        try:
            await stopping.wait()
        finally:
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
