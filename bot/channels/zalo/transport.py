"""What a failed HTTP call to Zalo means, and how long to wait before trying again.

The same rules as the Telegram channel (bot/channels/telegram/request.py): a request that
never reached Zalo (no connection, no free connection, not written) and a 5xx answer are
surely not done and are retried for every call; a request that went out without an answer (read
timeout, connection dropped) may have been done, so only calls that change nothing when repeated
are retried, and a send that may have been delivered is reported as ``MaybeSent``.
"""

from __future__ import annotations

import random

import httpx

__all__ = ["NOT_SENT", "RETRIES", "backoff", "surely_not_sent"]

RETRIES = 3
BASE_DELAY = 0.5  # seconds before the first retry (then doubling up to MAX_DELAY), jittered
MAX_DELAY = 8.0

# httpx errors raised before the request could reach the server.
NOT_SENT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
    httpx.UnsupportedProtocol,
)


def surely_not_sent(exc: Exception) -> bool:
    """Whether a transport error happened before the request could reach Zalo."""
    return isinstance(exc, NOT_SENT)


def backoff(attempt: int, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (1, 2, …): half fixed, half random."""
    ceiling = min(MAX_DELAY, BASE_DELAY * 2.0 ** (attempt - 1))
    return ceiling / 2 + (rng or random).uniform(0.0, ceiling / 2)
