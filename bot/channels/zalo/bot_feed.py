"""How Zalo Bot Platform updates reach the bot: long polling, or a webhook on the bot's server.

Polling: ``getUpdates`` returns ONE update per call (Zalo has no offset: an update is gone once
fetched) and answers 408 when its ``timeout`` passes with nothing; any other failure waits a
little longer each time (up to ``MAX_PAUSE``) and polls again: the loop never ends on an error.

Webhook: ``setWebhook`` with ``secret_token``; Zalo then POSTs each update with
``X-Bot-Api-Secret-Token``, compared in constant time before any of the body is read (a wrong
or missing one: 401, connection closed); bodies are capped at ``MAX_BODY``. The answer (200)
comes once the update is handled, so Zalo's next update for the chat comes after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Mapping

from bot.channels.zalo.bot_api import NOTHING_CAME, BotApi, BotApiError
from bot.channels.zalo.bot_updates import BotReceiver
from bot.core.messages import DeliveryError
from bot.web.server import Request, Response, Route

__all__ = ["BOT_WEBHOOK_PATH", "SECRET_HEADER", "BotFeed", "bot_webhook_route"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Bot-Api-Secret-Token"
BOT_WEBHOOK_PATH = "/zalo/bot"
MAX_BODY = 256 * 1024  # an update is a few kilobytes
POLL_TIMEOUT = 30  # seconds Zalo may hold a getUpdates
MAX_PAUSE = 30.0


def bot_webhook_route(secret: str, receiver: BotReceiver, path: str = BOT_WEBHOOK_PATH) -> Route:
    """The webhook: the secret checked before the body, the update handled, then 200."""
    expected = secret.encode()

    def admit(headers: Mapping[str, str]) -> Response | None:
        given = headers.get(SECRET_HEADER.lower(), "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("zalo: refused a webhook call without the right secret token")
            return Response.json(401, {"ok": False, "description": "Unauthorized"})
        return None

    async def handle(request: Request) -> Response:
        try:
            body = json.loads(request.body)
        except ValueError:
            return Response.json(400, {"ok": False, "description": "Bad Request"})
        await receiver.receive(body)
        return Response.json(200, {"ok": True})

    return Route(path, handle, methods=("POST",), max_body=MAX_BODY, admit=admit)


class BotFeed:
    """Starts and stops the chosen way of receiving updates."""

    def __init__(
        self, api: BotApi, receiver: BotReceiver, *, mode: str, webhook_url: str = "", secret: str = ""
    ) -> None:
        self.api = api
        self.receiver = receiver
        self.mode = mode
        self.webhook_url = webhook_url
        self.secret = secret
        self._task: asyncio.Task[None] | None = None
        self._handling: set[asyncio.Task[None]] = set()
        self.fetched = 0  # updates fetched by polling

    async def start(self) -> None:
        """Set the webhook, or clear it and start polling."""
        if self.mode == "webhook":
            await self.api.call("setWebhook", {"url": self.webhook_url, "secret_token": self.secret})
            log.info("zalo: webhook set")
            return
        with contextlib.suppress(DeliveryError, BotApiError):
            await self.api.call("deleteWebhook")  # getUpdates answers 409 while one is set
        self._task = asyncio.create_task(self._poll(), name="zalo-bot-polling")

    async def stop(self) -> None:
        """Stop polling, then let the updates already fetched finish (the webhook stays set)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.settle()

    async def settle(self) -> None:
        """Wait until every fetched update is handled."""
        while self._handling:
            await asyncio.gather(*list(self._handling), return_exceptions=True)

    def _handle(self, update: object) -> None:
        # Chats run side by side; one chat's updates stay in order (ChatOrder, in fetch order).
        task = asyncio.create_task(self.receiver.receive(update), name="zalo-bot-update")
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)

    async def _poll(self) -> None:
        pause = 0.0
        while True:
            try:
                update = await self.api.call("getUpdates", {"timeout": POLL_TIMEOUT}, wait=POLL_TIMEOUT + 15)
            except BotApiError as exc:
                if exc.code == NOTHING_CAME:
                    pause = 0.0
                    continue
                pause = min(MAX_PAUSE, max(1.0, pause * 2))
                log.warning("zalo: getUpdates refused (%s); polling again in %.0f s", exc, pause)
            except DeliveryError as exc:
                pause = min(MAX_PAUSE, max(1.0, pause * 2))
                log.warning("zalo: getUpdates failed (%s); polling again in %.0f s", exc, pause)
            except Exception:
                pause = MAX_PAUSE
                log.exception("zalo: getUpdates crashed; polling again in %.0f s", pause)
            else:
                pause = 0.0
                if update is not None:
                    self.fetched += 1
                    self._handle(update)
                continue
            await asyncio.sleep(pause)
