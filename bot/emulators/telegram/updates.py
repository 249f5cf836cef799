"""Update delivery: getUpdates long polling, webhook settings and the webhook sender."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Callable

import httpx

from .params import ApiError, Handler, Params, bad_request
from .state import DEFAULT_UPDATE_TYPES, BotApiState, Json, Webhook

_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Notifier:
    """Wakes coroutines waiting for any change of the emulated world."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Signal a change to every current waiter."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float | None,  # noqa: ASYNC109 - deadline is part of the predicate wait
        what: str = "condition",
    ) -> None:
        """Return once predicate() holds (re-checked on every change); TimeoutError after timeout."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not predicate():
            event = self._event
            if deadline is None:
                await event.wait()
                continue
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)


class UpdateFeed:
    """getUpdates, setWebhook, deleteWebhook and getWebhookInfo over the shared queue."""

    def __init__(self, state: BotApiState, notifier: Notifier, stopping: asyncio.Event) -> None:
        self.state = state
        self.notifier = notifier
        self.stopping = stopping
        self._generation = 0

    def handlers(self) -> dict[str, Handler]:
        """Method name (lower case) -> implementation."""
        return {
            "getupdates": self.get_updates,
            "setwebhook": self.set_webhook,
            "deletewebhook": self.delete_webhook,
            "getwebhookinfo": self.get_webhook_info,
        }

    def _set_allowed(self, p: Params) -> None:
        """Apply allowed_updates (an empty list restores the default set)."""
        allowed = p.get_json("allowed_updates")
        if allowed is None:
            return
        if not isinstance(allowed, list):
            raise bad_request("can't parse allowed_updates JSON object")
        self.state.allowed_updates = frozenset(map(str, allowed)) or DEFAULT_UPDATE_TYPES

    def confirm(self, offset: int) -> None:
        """Forget updates below a positive offset; a negative one keeps only the last -offset."""
        if offset > 0:
            self.state.pending = [u for u in self.state.pending if u["update_id"] >= offset]
        elif offset < 0:
            self.state.pending = self.state.pending[offset:]

    async def get_updates(self, p: Params) -> list[Json]:
        """Long polling: answer as soon as updates exist, or after `timeout` seconds."""
        if self.state.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._set_allowed(p)
        offset = p.get_int("offset")
        if offset:
            self.confirm(offset)
        limit = min(max(p.get_int("limit", 100) or 100, 1), 100)
        self._generation += 1
        generation = self._generation
        self.notifier.notify()  # a poll still waiting is now superseded

        def done() -> bool:
            return bool(
                self.state.pending
                or generation != self._generation
                or self.state.webhook is not None
                or p.disconnected.is_set()
                or self.stopping.is_set()
            )

        with contextlib.suppress(TimeoutError):
            await self.notifier.wait_until(done, max(0.0, p.get_float("timeout")))
        if generation != self._generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        if self.state.webhook is not None:
            raise ApiError(409, "Conflict: terminated by setWebhook request")
        return self.state.pending[:limit]

    def set_webhook(self, p: Params) -> bool:
        """setWebhook (http:// is accepted for loopback receivers); empty url deletes it."""
        url = p.get_str("url") or ""
        if not url:
            return self.delete_webhook(p)
        if not url.startswith(("https://", "http://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get_str("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        self._set_allowed(p)
        if p.get_bool("drop_pending_updates"):
            self.state.pending.clear()
        allowed = p.get_json("allowed_updates")
        self.state.webhook = Webhook(
            url=url,
            secret_token=secret,
            max_connections=p.get_int("max_connections", 40) or 40,
            allowed_updates=list(allowed) if allowed else None,
        )
        return True

    def delete_webhook(self, p: Params) -> bool:
        """deleteWebhook: back to getUpdates."""
        self.state.webhook = None
        if p.get_bool("drop_pending_updates"):
            self.state.pending.clear()
        return True

    def get_webhook_info(self, p: Params) -> Json:
        """getWebhookInfo."""
        hook = self.state.webhook
        info: Json = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.pending),
        }
        if hook is not None:
            info.update(max_connections=hook.max_connections, ip_address="127.0.0.1")
            if hook.allowed_updates:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info


class WebhookSender:
    """POSTs pending updates to the webhook one at a time, in order, retrying on failure."""

    def __init__(self, state: BotApiState, notifier: Notifier) -> None:
        self.state = state
        self.notifier = notifier
        self.retry_delay = 0.05  # doubled after each consecutive failure, capped at 2 s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the background sender task."""
        self._task = asyncio.create_task(self._run(), name="botapi-webhook-sender")

    async def stop(self) -> None:
        """Stop the sender task."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        """Deliver loop."""
        failures = 0
        async with httpx.AsyncClient(timeout=10.0) as client:
            while True:
                await self.notifier.wait_until(
                    lambda: self.state.webhook is not None and bool(self.state.pending), None
                )
                hook, update = self.state.webhook, self.state.pending[0]
                assert hook is not None
                error = await self._post(client, hook, update)
                if error is None:
                    failures = 0
                    self.state.pending = [
                        u for u in self.state.pending if u["update_id"] != update["update_id"]
                    ]
                else:
                    failures += 1
                    hook.last_error_date = self.state.now()
                    hook.last_error_message = error
                self.notifier.notify()
                if error is not None:
                    await asyncio.sleep(min(self.retry_delay * 2 ** (failures - 1), 2.0))

    @staticmethod
    async def _post(client: httpx.AsyncClient, hook: Webhook, update: Json) -> str | None:
        """One delivery attempt; the error message Telegram would report, or None."""
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            response = await client.post(hook.url, content=json.dumps(update), headers=headers)
        except httpx.HTTPError as exc:
            return f"Connection failed: {exc.__class__.__name__}"
        if 200 <= response.status_code < 300:
            return None
        return f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"
