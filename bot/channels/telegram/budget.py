"""Telegram's send budget as python-telegram-bot's rate limiter (``telegram.rate_limit``).

Every Bot API call that posts or edits a message takes a slot of one ``bot.core.sending.Budget``
with Telegram's limits (30 messages/s overall, 20 a minute per group, about 1 a second per chat,
strict sliding windows): replies to people first, fan-outs (everything sent through
bot/outbox.py) in the slots they leave. Other calls (answering a press, reading a member,
menus) are not limited by Telegram and go at once. A 429 that comes anyway holds every send
for its ``retry_after`` and the call is tried again (up to ``max_retries`` times).

It replaces PTB's AIORateLimiter, a leaky bucket per chat kind: it lets 30 through at once and
then 30 a second (which a strict window answers with 429s), knows no per-chat limit and no
priority, so a fan-out made people wait behind it (bot/schedule/delivery.py paced reminders at
25/s to leave room: 40 s for 1,000 reminders instead of 33.3 s).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.core.sending import Budget, Limits, current_kind

__all__ = ["COUNTED", "TelegramBudget"]

log = logging.getLogger(__name__)

# Bot API methods that post or change a message: what Telegram's flood limits count.
COUNTED = frozenset(
    name.lower()
    for name in (
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendVideoNote",
        "sendSticker",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
    )
)

Result = bool | dict[str, Any] | list[dict[str, Any]]


def chat_of(data: dict[str, Any]) -> int | None:
    """The chat a request goes to (None: not one we can name, only the overall limit applies)."""
    value = data.get("chat_id")
    if isinstance(value, bool):
        return None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def seconds(retry_after: int | float | timedelta) -> float:
    """RetryAfter.retry_after in seconds (PTB gives an int or, with PTB_TIMEDELTA, a timedelta)."""
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)


class TelegramBudget(BaseRateLimiter[int]):
    """Telegram's limits for one bot: replies first, fan-outs fill the rest, no 429."""

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        max_retries: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget = Budget(limits or Limits.telegram(), clock)
        self.max_retries = max_retries
        self.retried = 0  # 429s waited out (logs, benchmarks)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        """One Bot API call: in a slot of the budget if Telegram counts it; 429s waited out."""
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        counted = endpoint.lower() in COUNTED
        chat, kind = chat_of(data), current_kind()
        attempt = 0
        while True:
            try:
                if not counted:
                    return await callback(*args, **kwargs)
                async with self.budget.slot(chat, kind):
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt >= retries:
                    log.warning("Bot API %s: still 429 after %s retries", endpoint, retries)
                    raise
                attempt += 1
                self.retried += 1
                wait = seconds(exc.retry_after) + 0.1
                log.info("Bot API %s: 429, every send waits %.1f s (retry %s)", endpoint, wait, attempt)
                self.budget.pause(wait)
                if not counted:  # not in the budget's queue: wait here
                    await asyncio.sleep(wait)
