"""Flood limits: one person, or one chat, that sends faster than people do is told once, then
ignored until it slows down, so a flood costs its own chat and not the province.

Token buckets per person and per chat (capacity = the per-minute limit, refilled evenly), kept
for the most recently active keys only (``MAX_KEYS``): memory stays bounded however many chats
the bot sees. Time comes from the injected clock.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["ok", "warn", "drop"]
MAX_KEYS = 10_000
WINDOW = 60.0  # seconds


@dataclass
class Bucket:
    """One key's allowance."""

    tokens: float
    stamp: float
    warned: bool = False


class FloodGate:
    """Admits a message, warns once when a limit is hit, drops the rest until it refills."""

    def __init__(self, per_person: int, per_chat: int) -> None:
        self.limits = {"person": per_person, "chat": per_chat}
        self._buckets: OrderedDict[tuple[str, int], Bucket] = OrderedDict()

    def _take(self, kind: str, key: int, now: float) -> Verdict:
        capacity = self.limits[kind]
        if capacity <= 0:
            return "ok"
        bucket = self._buckets.get((kind, key))
        if bucket is None:
            bucket = self._buckets[(kind, key)] = Bucket(float(capacity), now)
            if len(self._buckets) > MAX_KEYS:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end((kind, key))
            elapsed = max(0.0, now - bucket.stamp)
            bucket.tokens = min(float(capacity), bucket.tokens + elapsed * capacity / WINDOW)
            bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            if bucket.tokens >= capacity / 2:
                bucket.warned = False  # slowed down: a later flood is told again
            return "ok"
        if bucket.warned:
            return "drop"
        bucket.warned = True
        return "warn"

    def admit(self, person: int, chat: int, now: float) -> Verdict:
        """The verdict for one message of ``person`` in ``chat`` at ``now`` (seconds)."""
        verdicts = (self._take("person", person, now), self._take("chat", chat, now))
        if "drop" in verdicts:
            return "drop"
        return "warn" if "warn" in verdicts else "ok"

    def __len__(self) -> int:
        return len(self._buckets)
