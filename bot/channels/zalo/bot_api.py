"""A small httpx client of the Zalo Bot Platform: ``POST {base}/bot<TOKEN>/<method>``.

Answers are ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description"}``
(with the error's HTTP status). Transport failures and 5xx answers are retried as
bot/channels/zalo/transport.py says; what is left goes up as ``NotSent`` (surely not done) or
``MaybeSent`` (the request went out, no answer came), an error answer as ``BotApiError``.
Nothing here logs a URL: it holds the bot token.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from bot.channels.zalo import transport
from bot.core.messages import MaybeSent, NotSent

__all__ = ["NOTHING_CAME", "BotApi", "BotApiError"]

log = logging.getLogger(__name__)

NOTHING_CAME = 408  # getUpdates: the long poll ended without an update
# Methods that change nothing when repeated: retried also when an answer went missing.
REPEATABLE = frozenset(
    {"getme", "getupdates", "getwebhookinfo", "setwebhook", "deletewebhook", "sendchataction"}
)


class BotApiError(Exception):
    """An error answer of the Bot Platform."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description


class BotApi:
    """Calls the Bot Platform's methods for one bot token."""

    def __init__(
        self,
        token: str,
        base_url: str,
        *,
        client: httpx.AsyncClient | None = None,
        retries: int = transport.RETRIES,
        timeout: float = 15.0,
    ) -> None:
        self._prefix = f"{base_url.rstrip('/')}/bot{token}/"
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._own_client = client is None
        self.retries = retries
        self.timeout = timeout

    async def close(self) -> None:
        """Close the HTTP client (if this object made it)."""
        if self._own_client:
            await self._client.aclose()

    async def call(
        self, method: str, params: dict[str, Any] | None = None, *, wait: float | None = None
    ) -> Any:
        """One method call, retried where that cannot do it twice; its ``result``."""
        repeatable = method.lower() in REPEATABLE
        attempt = 0
        while True:
            try:
                response = await self._client.post(
                    self._prefix + method, json=params or {}, timeout=wait or self.timeout
                )
            except httpx.HTTPError as exc:
                not_sent = transport.surely_not_sent(exc)
                if attempt >= self.retries or not (not_sent or repeatable):
                    error = NotSent if not_sent else MaybeSent
                    raise error(f"Zalo Bot API {method}: {type(exc).__name__}") from exc
                reason = type(exc).__name__
            else:
                if response.status_code < 500:
                    return _result(method, response)
                if attempt >= self.retries:
                    raise NotSent(f"Zalo Bot API {method}: HTTP {response.status_code}")
                reason = f"HTTP {response.status_code}"
            attempt += 1
            delay = transport.backoff(attempt)
            log.warning("Zalo Bot API %s failed: %s; retry %s of %s", method, reason, attempt, self.retries)
            await asyncio.sleep(delay)


def _result(method: str, response: httpx.Response) -> Any:
    """The result of an answer, or BotApiError for an error answer (or a body not Zalo's)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise BotApiError(response.status_code, f"{method}: the answer is not JSON")
    if body.get("ok") is True and response.status_code < 400:
        return body.get("result")
    code = body.get("error_code", response.status_code)
    return_code = code if isinstance(code, int) and not isinstance(code, bool) else response.status_code
    raise BotApiError(return_code, str(body.get("description", ""))[:300])
