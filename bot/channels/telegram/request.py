"""Bot API requests that retry, with backoff, what Telegram surely did not act on.

``RetryingRequest`` is PTB's ``HTTPXRequest`` with a bounded retry loop around each call
(``RETRIES`` more attempts, exponential backoff with jitter). What is retried:

- the request never reached Telegram (connect error or timeout, no free connection in the pool,
  the request could not be written): retried for every method;
- Telegram answered 5xx (500, 502, 503, 504): the server says it did not do it; retried for
  every method;
- the request went out and no answer came (read timeout, connection dropped while waiting):
  Telegram may have acted. Retried only for methods that can be repeated without effect
  (``SAFE_TO_REPEAT``: reads such as getUpdates, getMe, getChatMember, and the menu and webhook
  set-up). A sendMessage that timed out may have been delivered, and sending it again could post
  it twice, so the error goes up: a handler's reply ends in the error handler's apology, a
  reminder is marked ``uncertain`` (bot/schedule/delivery.py: it is tried at most once more).

Not retried here: 429 (the send budget, budget.py, on unless ``telegram.rate_limit = false``, waits
the retry_after Telegram gives and tries again) and every other 4xx (a wrong request stays
wrong). Each retry is logged with the method name only: the URL holds the bot token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from typing import Any

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData

log = logging.getLogger(__name__)

RETRIES = 3
# Idle connections kept open for Bot API calls. httpcore looks at every pooled connection for
# each request, and does so quadratically (for each idle one it counts the idle ones): after a
# burst had opened 25 connections, an isolated update cost ~2.5 ms more CPU until they expired
# (BENCHMARKS.md). Eight cover telegram.concurrent_updates' default; more are opened as needed.
KEEPALIVE = 8
BASE_DELAY = 0.5  # seconds before the first retry (then 1, 2, … up to MAX_DELAY), jittered
MAX_DELAY = 8.0

# httpx errors raised before the request could reach the server.
NOT_SENT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
)
# Methods that change nothing when repeated (lower case).
SAFE_TO_REPEAT = frozenset(
    {
        "getupdates",
        "getme",
        "getchat",
        "getchatmember",
        "getchatadministrators",
        "getchatmembercount",
        "getfile",
        "getmycommands",
        "getwebhookinfo",
        "setmycommands",
        "deletemycommands",
        "setwebhook",
        "deletewebhook",
        "logout",
    }
)


def api_method(url: str) -> str:
    """The Bot API method of a request URL (".../bot<token>/sendMessage" -> "sendMessage")."""
    return url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]


def backoff(attempt: int, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, …): half fixed, half random."""
    ceiling = min(MAX_DELAY, BASE_DELAY * 2.0 ** (attempt - 1))
    return ceiling / 2 + (rng or random).uniform(0.0, ceiling / 2)


def may_retry(error: Exception, method: str, http_method: str) -> bool:
    """Whether a failed call may be tried again without risking doing it twice."""
    cause = error.__cause__
    if isinstance(cause, NOT_SENT):
        return True
    if not isinstance(error, TimedOut | NetworkError) or not isinstance(cause, httpx.HTTPError):
        return False  # not a transport failure (e.g. the client is shut down)
    return http_method.upper() == "GET" or method.lower() in SAFE_TO_REPEAT


def without_keyboards(answer: Any) -> Any:
    """A Bot API answer without the inline keyboards of the messages in it, which nothing here
    reads: the message a sent or edited call returns, and in getUpdates the pressed message of
    a callback query and the message a text replies to. PTB makes an object of every button it
    is given (~7 µs each): a press on a 13-button ballot page paid ~90 µs for the pressed
    message and as much again for the edited one it got back (BENCHMARKS.md)."""
    result = answer.get("result") if isinstance(answer, dict) else None
    if isinstance(result, dict):
        result.pop("reply_markup", None)
    elif isinstance(result, list):
        for update in result:
            if not isinstance(update, dict):
                continue
            for key in ("message", "edited_message", "callback_query"):
                message = update.get(key)
                if isinstance(message, dict) and key == "callback_query":
                    message = message.get("message")
                if isinstance(message, dict):
                    message.pop("reply_markup", None)
                    replied = message.get("reply_to_message")
                    if isinstance(replied, dict):
                        replied.pop("reply_markup", None)
    return answer


class RetryingRequest(HTTPXRequest):
    """HTTPXRequest with bounded, jittered retries of surely-not-done and repeatable calls; the
    answers' inline keyboards are dropped before PTB parses them (without_keyboards)."""

    def __init__(
        self,
        connection_pool_size: int = 256,
        *,
        retries: int = RETRIES,
        keepalive: int = KEEPALIVE,
        **kwargs: Any,
    ) -> None:
        extra = dict(kwargs.pop("httpx_kwargs", None) or {})
        extra.setdefault(
            "limits",
            httpx.Limits(
                max_connections=connection_pool_size,
                max_keepalive_connections=min(keepalive, connection_pool_size),
            ),
        )
        super().__init__(connection_pool_size, httpx_kwargs=extra, **kwargs)
        self.retries = retries
        self.retried = 0  # how many retries this request object made (tests, logs)

    async def _json_call(
        self,
        url: str,
        method: str,
        request_data: RequestData,
        read_timeout: Any,
        write_timeout: Any,
        connect_timeout: Any,
        pool_timeout: Any,
    ) -> tuple[int, bytes]:
        """A call without files, its parameters as a JSON body (the Bot API takes either). PTB
        sends a form, which httpx URL-encodes a byte at a time in Python: Vietnamese text is
        escaped whole, ~6,500 calls for one ballot page's edit (cProfile), ~150 µs of CPU; the
        JSON is encoded in C. Timeouts and errors as HTTPXRequest.do_request has them."""
        client = self._client
        unset = type(HTTPXRequest.DEFAULT_NONE)  # PTB's DefaultValue: the call gave no timeout
        timeout = httpx.Timeout(
            connect=client.timeout.connect if isinstance(connect_timeout, unset) else connect_timeout,
            read=client.timeout.read if isinstance(read_timeout, unset) else read_timeout,
            write=client.timeout.write if isinstance(write_timeout, unset) else write_timeout,
            pool=client.timeout.pool if isinstance(pool_timeout, unset) else pool_timeout,
        )
        body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
        try:
            res = await client.request(
                method=method,
                url=url,
                headers={"User-Agent": self.USER_AGENT, "Content-Type": "application/json"},
                timeout=timeout,
                content=body,
            )
        except httpx.TimeoutException as err:
            if isinstance(err, httpx.PoolTimeout):
                raise TimedOut("Pool timeout: the request was not sent to Telegram.") from err
            raise TimedOut from err
        except httpx.HTTPError as err:
            raise NetworkError(f"httpx.{err.__class__.__name__}: {err}") from err
        return res.status_code, res.content

    @staticmethod
    def parse_json_payload(payload: bytes) -> Any:
        """PTB's parsing of an answer (its documented hook), without the keyboards."""
        return without_keyboards(HTTPXRequest.parse_json_payload(payload))

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        write_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: Any = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One Bot API call, tried up to 1 + retries times (see the module docstring)."""
        name = api_method(url)
        attempt = 0
        while True:
            try:
                if request_data is not None and not request_data.contains_files:
                    code, payload = await self._json_call(
                        url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
                    )
                else:
                    code, payload = await super().do_request(
                        url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
                    )
            except (TimedOut, NetworkError) as exc:
                if attempt >= self.retries or not may_retry(exc, name, method):
                    raise
                reason = f"{type(exc).__name__} ({type(exc.__cause__).__name__})"
            else:
                if code < 500 or attempt >= self.retries:
                    return code, payload
                reason = f"HTTP {code}"
            attempt += 1
            self.retried += 1
            delay = backoff(attempt)
            log.warning(
                "Bot API %s failed: %s; retry %s of %s in %.2f s", name, reason, attempt, self.retries, delay
            )
            await asyncio.sleep(delay)
