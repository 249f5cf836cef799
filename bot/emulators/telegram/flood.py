"""Telegram's flood limits (per chat, per group, overall), answered with 429 retry_after.

Windows are in emulated seconds; ``time_scale`` divides them, so time_scale=10 turns
"30 messages per second" into 300 per real second and "20 per minute per group" into
20 per 6 real seconds. ``retry_after`` is the real (scaled) wait in whole seconds, rounded
up and at least 1, because Telegram only reports integers: with a large time_scale a
client that honours it waits longer than strictly needed.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

# Methods that post or change a message and therefore count against the limits.
COUNTED_METHODS = frozenset(
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
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
    )
)


@dataclass
class FloodLimits:
    """Flood limit settings; pass to BotApiEmulator(flood=...), None disables limits."""

    per_chat_rate: float = 1.0  # messages per second in one chat (sustained)
    per_chat_burst: int = 3  # messages a chat may receive at once before the rate applies
    per_group: int = 20  # messages per group ...
    group_window: float = 60.0  # ... per this many seconds
    overall: int = 30  # messages over all chats ...
    overall_window: float = 1.0  # ... per this many seconds
    time_scale: float = 1.0  # divides every window (benchmarks run faster)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)


class FloodControl:
    """Decides whether a counted call may proceed, and remembers the ones that did."""

    def __init__(self, limits: FloodLimits) -> None:
        if limits.time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.limits = limits
        self._overall: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        self._buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)

    def _now(self) -> float:
        """Current time in emulated seconds."""
        return self.limits.clock() * self.limits.time_scale

    def counts(self, method: str) -> bool:
        """Whether the method is subject to the limits."""
        return method.lower() in COUNTED_METHODS

    def _tokens(self, chat_id: int, now: float) -> float:
        """Per-chat bucket level now (refilled at per_chat_rate, capped at the burst)."""
        burst = float(self.limits.per_chat_burst)
        tokens, at = self._buckets.get(chat_id, (burst, now))
        return min(burst, tokens + (now - at) * self.limits.per_chat_rate)

    @staticmethod
    def _trim(window: deque[float], now: float, length: float) -> None:
        """Forget sends older than the window."""
        while window and window[0] <= now - length:
            window.popleft()

    def wait_needed(self, chat_id: int | None) -> float:
        """Emulated seconds to wait before a send to chat_id is allowed (0 when allowed)."""
        limits, now = self.limits, self._now()
        waits = [0.0]
        self._trim(self._overall, now, limits.overall_window)
        if len(self._overall) >= limits.overall:
            waits.append(self._overall[-limits.overall] + limits.overall_window - now)
        if chat_id is not None:
            tokens = self._tokens(chat_id, now)
            if tokens < 1.0:
                waits.append((1.0 - tokens) / limits.per_chat_rate)
            group = self._groups.get(chat_id)
            if chat_id < 0 and group is not None:
                self._trim(group, now, limits.group_window)
                if len(group) >= limits.per_group:
                    waits.append(group[-limits.per_group] + limits.group_window - now)
        return max(waits)

    def retry_after(self, chat_id: int | None) -> int | None:
        """The 429 retry_after (whole real seconds, >= 1), or None if the send is allowed."""
        wait = self.wait_needed(chat_id)
        if wait <= 0:
            return None
        return max(1, math.ceil(wait / self.limits.time_scale - 1e-9))

    def record(self, chat_id: int | None) -> None:
        """Count a send that went through."""
        now = self._now()
        self._overall.append(now)
        if chat_id is None:
            return
        self._buckets[chat_id] = (self._tokens(chat_id, now) - 1.0, now)
        if chat_id < 0:
            self._groups.setdefault(chat_id, deque()).append(now)

    def reset(self) -> None:
        """Forget all recorded sends."""
        self._overall.clear()
        self._groups.clear()
        self._buckets.clear()
