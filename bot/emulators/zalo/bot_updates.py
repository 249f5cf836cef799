"""Zalo Bot Platform update delivery: the queue getUpdates drains, and the webhook sender.

Zalo's getUpdates has no offset: each call returns ONE update (``result`` is the update object)
and an update counts as consumed once fetched. With a webhook set, each update is POSTed to it
with ``X-Bot-Api-Secret-Token: <secret_token>``; it is consumed when the bot answers 2xx, or
marked "failed" once the retries (default none: Zalo's retry policy is not documented) run out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from .records import Json, PostedUpdate, WebhookDelivery
from .waiting import Notifier

__all__ = ["SECRET_HEADER", "UpdateFeed", "Webhook", "message_update"]

SECRET_HEADER = "X-Bot-Api-Secret-Token"


def message_update(
    event_name: str,
    *,
    user_id: str,
    display_name: str,
    chat_id: str,
    chat_type: str,
    message_id: str,
    date: int,
    content: Json,
) -> Json:
    """An update as the Bot Platform sends it (bare, not wrapped in ``{"ok", "result"}``)."""
    message: Json = {
        "from": {"id": user_id, "display_name": display_name, "is_bot": False},
        "chat": {"id": chat_id, "chat_type": chat_type},
        **content,
        "message_id": message_id,
        "date": date,
    }
    return {"event_name": event_name, "message": message}


@dataclass
class Webhook:
    """The webhook set with setWebhook."""

    url: str
    secret_token: str
    updated_at: int


class UpdateFeed:
    """Pending updates, the long poll over them, and the webhook sender task."""

    def __init__(self, notifier: Notifier, stopping: asyncio.Event, now_ms: Callable[[], int]) -> None:
        self.notifier = notifier
        self.stopping = stopping
        self.now_ms = now_ms
        self.posted: list[PostedUpdate] = []
        self.pending: deque[PostedUpdate] = deque()
        self.webhook: Webhook | None = None
        self.webhook_updated_at = 0
        self.deliveries: list[WebhookDelivery] = []
        self.webhook_retries = 0
        self.retry_delay = 0.05
        self.wrap_webhook_body = False
        self._task: asyncio.Task[None] | None = None

    def post(self, update: Json) -> PostedUpdate:
        """Queue an update for the bot."""
        posted = PostedUpdate(len(self.posted) + 1, update)
        self.posted.append(posted)
        self.pending.append(posted)
        self.notifier.notify()
        return posted

    async def next_update(self, timeout: float, disconnected: asyncio.Event) -> PostedUpdate | None:  # noqa: ASYNC109
        """Long poll: the oldest pending update, waiting up to `timeout` seconds; None on timeout.

        Returns None early if the client leaves, the emulator stops or a webhook gets set."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, timeout)
        while True:
            if self.pending and self.webhook is None:
                posted = self.pending.popleft()
                posted.consumed, posted.outcome = True, "fetched"
                self.notifier.notify()
                return posted
            remaining = deadline - loop.time()
            if remaining <= 0 or disconnected.is_set() or self.stopping.is_set() or self.webhook:
                return None
            await self.notifier.wait_any([disconnected, self.stopping], remaining)

    def start(self) -> None:
        """Start the webhook sender task."""
        self._task = asyncio.create_task(self._run(), name="zalo-bot-webhook-sender")

    async def stop(self) -> None:
        """Stop the webhook sender task."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=10.0) as client:
            while True:
                await self.notifier.wait_until(lambda: self.webhook is not None and bool(self.pending), None)
                hook, posted = self.webhook, self.pending[0]
                assert hook is not None
                delivered = False
                for attempt in range(self.webhook_retries + 1):
                    if attempt:
                        await asyncio.sleep(self.retry_delay * 2 ** (attempt - 1))
                    delivery = await self.deliver(client, hook, posted.update)
                    if delivery.ok:
                        delivered = True
                        break
                if self.pending and self.pending[0] is posted:
                    self.pending.popleft()
                posted.consumed, posted.outcome = True, "delivered" if delivered else "failed"
                self.notifier.notify()

    async def deliver(self, client: httpx.AsyncClient, hook: Webhook, update: Json) -> WebhookDelivery:
        """POST one update to the webhook and record the bot's answer."""
        payload: Json = {"ok": True, "result": update} if self.wrap_webhook_body else update
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", SECRET_HEADER: hook.secret_token}
        delivery = WebhookDelivery(hook.url, body, headers)
        self.deliveries.append(delivery)
        try:
            response = await client.post(hook.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            delivery.error = f"{exc.__class__.__name__}: {exc}"
        else:
            delivery.status, delivery.response_text = response.status_code, response.text
        self.notifier.notify()
        return delivery
