"""Message quota for the OA emulator: free replies inside the 48-hour window, then the package's
monthly quota.

Zalo's rule (from OA policy pages and partners' docs): after a user messages the OA, the OA may
send that user up to 8 free "reply" messages within 48 hours; the allowance is renewed by the
user's next message. Anything else counts against the OA package's monthly quota
(e.g. 2000 for the "Nâng cao" package) as a ``sub_quota`` message. A message to a group (GMF)
counts against ``group_quota`` when one is configured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["QuotaDecision", "QuotaTracker"]


@dataclass(frozen=True)
class QuotaDecision:
    """How a CS message was paid for (the response's ``data.quota``)."""

    quota_type: str  # "reply" (free, 48-hour window) or "sub_quota" (monthly package quota)
    remain: int
    total: int


@dataclass
class _Window:
    last_inbound: datetime
    replies: int = 0


class QuotaTracker:
    """Per-user reply windows and per-month counters, on the emulator's clock."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        monthly_quota: int = 2000,
        free_window: timedelta = timedelta(hours=48),
        free_replies: int = 8,
        group_quota: int | None = None,
        interaction_window: timedelta | None = None,
    ) -> None:
        self.clock = clock
        self.monthly_quota = monthly_quota
        self.free_window = free_window
        self.free_replies = free_replies
        self.group_quota = group_quota
        self.interaction_window = interaction_window
        self.force_exhausted = False
        self.windows: dict[str, _Window] = {}
        self.monthly_used: dict[tuple[int, int], int] = {}
        self.group_used: dict[tuple[int, int], int] = {}
        self.free_sent = 0
        self.counted_sent = 0

    def _month(self) -> tuple[int, int]:
        now = self.clock()
        return now.year, now.month

    @property
    def used_this_month(self) -> int:
        """Counted (non-free) CS messages this calendar month."""
        return self.monthly_used.get(self._month(), 0)

    @property
    def group_used_this_month(self) -> int:
        """Group messages this calendar month."""
        return self.group_used.get(self._month(), 0)

    def record_inbound(self, user_id: str, at: datetime | None = None) -> None:
        """The user messaged the OA: a new free window starts."""
        self.windows[user_id] = _Window(at or self.clock())

    def in_free_window(self, user_id: str) -> bool:
        """Whether the next message to the user would be a free reply."""
        window = self.windows.get(user_id)
        return (
            window is not None
            and self.clock() - window.last_inbound <= self.free_window
            and window.replies < self.free_replies
        )

    def interacted(self, user_id: str) -> bool:
        """False when `interaction_window` is set and the user is outside it (-230)."""
        if self.interaction_window is None:
            return True
        window = self.windows.get(user_id)
        return window is not None and self.clock() - window.last_inbound <= self.interaction_window

    def charge_user(self, user_id: str) -> QuotaDecision | None:
        """Pay for one CS message; None when the monthly quota is exhausted (nothing charged)."""
        window = self.windows.get(user_id)
        if window is not None and self.in_free_window(user_id):
            window.replies += 1
            self.free_sent += 1
            return QuotaDecision("reply", self.free_replies - window.replies, self.free_replies)
        month = self._month()
        used = self.monthly_used.get(month, 0)
        if self.force_exhausted or used >= self.monthly_quota:
            return None
        self.monthly_used[month] = used + 1
        self.counted_sent += 1
        return QuotaDecision("sub_quota", self.monthly_quota - used - 1, self.monthly_quota)

    def charge_group(self) -> bool:
        """Pay for one group message; False when the group quota is exhausted."""
        month = self._month()
        used = self.group_used.get(month, 0)
        if self.force_exhausted or (self.group_quota is not None and used >= self.group_quota):
            return False
        self.group_used[month] = used + 1
        return True
