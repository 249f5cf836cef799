"""One send budget per platform: replies to people first, fan-outs fill the rest.

Every message the bot posts or edits on a platform takes a slot of that platform's budget
(``Budget``), which knows its limits (``Limits``: overall, per group, per chat) and hands the
slots out in order of kind, then of asking: a **reply** (what answers the person whose update is
being handled: ``turn.reply``, a press's edit) before a **fan-out** message (reminders,
ballots, nudges, cards: everything sent through ``bot/outbox.py``). Fan-outs take whatever
replies leave, spaced evenly (never a burst that would fill the window a reply needs), and
keep a few of each group's and chat's slots for replies.

The windows are strict sliding windows, like Telegram's (and bot/emulators/telegram's), and a
send occupies its slot from the moment it is let go until its answer came back plus the
window: a request is seen by the server somewhere between the two, so however the network
delays one and not another, no window at the server ever holds more than the limit.

``SendQueue`` is the pure part (decisions at a given time, for tests with an injected clock);
``Budget`` puts it on the event loop. Which kind a send is comes from a context variable:
``fan_out()`` marks everything sent inside it (the outbox wraps its calls in it).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

__all__ = [
    "BULK",
    "REPLY",
    "Budget",
    "Limits",
    "SendQueue",
    "Ticket",
    "current_kind",
    "fan_out",
]

REPLY = 0  # answers the person whose update is being handled
BULK = 1  # a fan-out: reminders, ballots, nudges, cards
_KIND: ContextVar[int] = ContextVar("send_kind", default=REPLY)


@contextmanager
def fan_out() -> Iterator[None]:
    """Sends made inside are fan-out sends (they yield to replies)."""
    token = _KIND.set(BULK)
    try:
        yield
    finally:
        _KIND.reset(token)


def current_kind() -> int:
    """REPLY, or BULK inside ``fan_out()``."""
    return _KIND.get()


@dataclass(frozen=True)
class Limits:
    """A platform's send limits. A window of 0 (or a count of 0) means no such limit."""

    overall: int = 30  # sends over all chats ...
    overall_window: float = 1.0  # ... per this many seconds
    per_group: int = 20  # sends to one group ...
    group_window: float = 60.0  # ... per this many seconds
    per_chat_rate: float = 1.0  # sends a second to one chat (a group or a person) ...
    per_chat_burst: int = 3  # ... after a short burst of this many
    group_reserve: int = 5  # of a group's window, kept for replies
    chat_reserve: int = 1  # of a chat's burst, kept for replies
    margin: float = 0.001  # seconds added to every window (the clocks' granularity) ...
    drift: float = 0.001  # ... and this share of it (the two clocks' rates may differ)

    @classmethod
    def telegram(cls) -> Limits:
        """Telegram's published limits: 30 messages/s overall, 20/min per group, ~1/s per chat."""
        return cls()

    @classmethod
    def per_second(cls, overall: float, per_chat: float = 1.0) -> Limits:
        """A platform without groups' limits (Zalo): `overall` and `per_chat` sends per second."""
        whole = max(1, round(overall))
        return cls(
            overall=whole if overall > 0 else 0,
            overall_window=whole / overall if overall > 0 else 0.0,
            per_group=0,
            group_window=0.0,
            per_chat_rate=max(0.0, per_chat),
            group_reserve=0,
        )

    def scaled(self, time_scale: float) -> Limits:
        """The same limits with every window divided by time_scale (benchmarks run faster)."""
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        return replace(
            self,
            overall_window=self.overall_window / time_scale,
            group_window=self.group_window / time_scale,
            per_chat_rate=self.per_chat_rate * time_scale,
            margin=self.margin / time_scale,
        )

    @property
    def gap(self) -> float:
        """Seconds between two fan-out sends: the overall rate, evenly spread."""
        if not self.overall or not self.overall_window:
            return 0.0
        return self.held(self.overall_window) / self.overall

    def held(self, window: float) -> float:
        """How long a send counts in a window of this length after its answer came back."""
        return window * (1 + self.drift) + self.margin


class _Window:
    """Sends in flight and the completion times of recent ones (oldest first)."""

    __slots__ = ("done", "flying")

    def __init__(self) -> None:
        self.flying = 0
        self.done: deque[float] = deque()

    def wait(self, cap: int, length: float, now: float) -> float:
        """Seconds until one more send fits under `cap` (inf: until a send in flight returns)."""
        while self.done and self.done[0] <= now - length:
            self.done.popleft()
        excess = self.flying + len(self.done) - cap
        if excess < 0:
            return 0.0
        if excess >= len(self.done):
            return math.inf
        return self.done[excess] + length - now

    def idle(self, now: float, length: float) -> bool:
        """Whether nothing of this window matters any more (it can be forgotten)."""
        return not self.flying and (not self.done or self.done[-1] <= now - length)


class _Bucket:
    """A chat's token bucket as the server may have seen it: each send that came back counted
    at its answer's time (the latest it can have reached the server), each in flight now."""

    __slots__ = ("at", "flying", "level")

    def __init__(self, burst: int, now: float) -> None:
        self.level = float(burst)
        self.at = now
        self.flying = 0

    def wait(self, need: int, burst: int, rate: float, now: float) -> float:
        """Seconds until `need` tokens are left besides the sends in flight (inf: wait for one)."""
        if need + self.flying > burst:
            return math.inf
        level = min(float(burst), self.level + (now - self.at) * rate) - self.flying
        return 0.0 if level >= need else (need - level) / rate

    def done(self, burst: int, rate: float, now: float) -> None:
        """A send came back: it took its token now."""
        self.level = min(float(burst), self.level + (now - self.at) * rate) - 1.0
        self.at = now
        self.flying -= 1

    def idle(self, burst: int, rate: float, now: float) -> bool:
        """Whether the bucket is full again and nothing is in flight (it can be forgotten)."""
        return not self.flying and self.level + (now - self.at) * rate >= burst


@dataclass(eq=False)
class Ticket:
    """One send asking for a slot."""

    chat: int | None
    kind: int
    seq: int
    granted: bool = False
    future: asyncio.Future[None] | None = field(default=None, repr=False)


class SendQueue:
    """The budget's decisions: which waiting sends may go at a given time."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._waiting: tuple[deque[Ticket], deque[Ticket]] = (deque(), deque())
        self._overall = _Window()
        self._groups: dict[int, _Window] = {}
        self._chats: dict[int, _Bucket] = {}
        self._seq = 0
        self._next_bulk = -math.inf
        self.paused_until = -math.inf
        self.sent = [0, 0]  # sends let go, by kind

    @property
    def waiting(self) -> int:
        """How many sends wait for a slot."""
        return len(self._waiting[0]) + len(self._waiting[1])

    def submit(self, chat: int | None, kind: int = REPLY) -> Ticket:
        """A send to `chat` asks for a slot (call ``due`` to learn whether it has one)."""
        self._seq += 1
        ticket = Ticket(chat, BULK if kind == BULK else REPLY, self._seq)
        self._waiting[ticket.kind].append(ticket)
        return ticket

    def withdraw(self, ticket: Ticket) -> None:
        """A waiting send gave up (its task was cancelled)."""
        try:
            self._waiting[ticket.kind].remove(ticket)
        except ValueError:
            pass

    def pause(self, until: float) -> None:
        """Let nothing go before `until` (the platform answered "retry after")."""
        self.paused_until = max(self.paused_until, until)

    def _overall_wait(self, kind: int, now: float) -> float:
        """Seconds until a send of this kind fits the overall limit (and the fan-out spacing)."""
        lim = self.limits
        if not lim.overall or not lim.overall_window:
            return 0.0
        wait = self._overall.wait(lim.overall, lim.held(lim.overall_window), now)
        return max(wait, self._next_bulk - now) if kind == BULK else wait

    def _chat_wait(self, ticket: Ticket, now: float) -> float:
        """Seconds until this ticket's send fits its chat's and group's limits (0: now)."""
        lim, chat = self.limits, ticket.chat
        if chat is None:
            return 0.0
        bulk = ticket.kind == BULK
        wait = 0.0
        if lim.per_chat_rate and lim.per_chat_burst:
            bucket = self._chats.get(chat)
            if bucket is not None:
                need = 1 + (min(lim.chat_reserve, lim.per_chat_burst - 1) if bulk else 0)
                wait = bucket.wait(need, lim.per_chat_burst, lim.per_chat_rate, now)
        if chat < 0 and lim.per_group and lim.group_window:
            window = self._groups.get(chat)
            if window is not None:
                cap = max(1, lim.per_group - (lim.group_reserve if bulk else 0))
                wait = max(wait, window.wait(cap, lim.held(lim.group_window), now))
        return wait

    def _take(self, ticket: Ticket, now: float) -> None:
        ticket.granted = True
        self.sent[ticket.kind] += 1
        lim = self.limits
        self._overall.flying += 1
        if ticket.kind == BULK:  # evenly spaced: a send a little late keeps the plan, no burst
            planned = self._next_bulk if self._next_bulk >= now - lim.gap else now
            self._next_bulk = planned + lim.gap
        chat = ticket.chat
        if chat is not None:
            if lim.per_chat_rate and lim.per_chat_burst:
                self._chats.setdefault(chat, _Bucket(lim.per_chat_burst, now)).flying += 1
            if chat < 0 and lim.per_group and lim.group_window:
                self._groups.setdefault(chat, _Window()).flying += 1

    def due(self, now: float) -> tuple[list[Ticket], float | None]:
        """The waiting sends that may go now (they are counted as in flight), and when to look
        again (None: nothing waits, or only a send in flight coming back can free a slot)."""
        granted: list[Ticket] = []
        if now < self.paused_until:
            return granted, self.paused_until if self.waiting else None
        again = math.inf
        blocked: set[int | None] = set()  # a chat's sends keep their order
        for kind, queue in enumerate(self._waiting):
            kept: deque[Ticket] = deque()
            while queue:
                wait = self._overall_wait(kind, now)
                if wait > 0:
                    again = min(again, now + wait)
                    break  # no send of this kind (or, for replies, of any) fits now
                ticket = queue.popleft()
                if ticket.chat in blocked:
                    kept.append(ticket)
                    continue
                wait = self._chat_wait(ticket, now)
                if wait > 0:
                    kept.append(ticket)
                    again = min(again, now + wait)
                    blocked.add(ticket.chat)
                    continue
                self._take(ticket, now)
                granted.append(ticket)
            kept.extend(queue)
            queue.clear()
            queue.extend(kept)
        return granted, (again if again < math.inf else None)

    def done(self, ticket: Ticket, now: float) -> None:
        """A granted send came back (answered or failed): its slot counts from now."""
        if not ticket.granted:
            return
        ticket.granted = False
        lim = self.limits
        self._overall.flying -= 1
        self._overall.done.append(now)
        chat = ticket.chat
        if chat is None:
            return
        bucket = self._chats.get(chat) if lim.per_chat_rate and lim.per_chat_burst else None
        if bucket is not None:
            bucket.done(lim.per_chat_burst, lim.per_chat_rate, now)
        window = self._groups.get(chat) if chat < 0 and lim.per_group and lim.group_window else None
        if window is not None:
            window.flying -= 1
            window.done.append(now)
        if len(self._chats) > 4096:
            self._forget(now)

    def _forget(self, now: float) -> None:
        """Drop the windows of chats that have had nothing for a while (memory stays bounded)."""
        lim = self.limits
        for chat in [c for c, b in self._chats.items() if b.idle(lim.per_chat_burst, lim.per_chat_rate, now)]:
            del self._chats[chat]
        length = lim.held(lim.group_window)
        for chat in [c for c, w in self._groups.items() if w.idle(now, length)]:
            del self._groups[chat]


class Budget:
    """A SendQueue on the event loop: ``async with budget.slot(chat):`` around each send."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.queue = SendQueue(limits)
        self.clock = clock
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf

    @property
    def limits(self) -> Limits:
        """The platform's limits."""
        return self.queue.limits

    @asynccontextmanager
    async def slot(self, chat: int | None, kind: int | None = None) -> AsyncIterator[None]:
        """Wait for a slot for one send to `chat`, hold it while the send runs."""
        ticket = self.queue.submit(chat, current_kind() if kind is None else kind)
        ticket.future = asyncio.get_running_loop().create_future()
        self._pump()
        try:
            await ticket.future
        except BaseException:
            if ticket.granted:
                self.queue.done(ticket, self.clock())
            else:
                self.queue.withdraw(ticket)
            self._pump()
            raise
        try:
            yield
        finally:
            self.queue.done(ticket, self.clock())
            self._pump()

    def pause(self, seconds: float) -> None:
        """Hold every send for `seconds` (the platform said "retry after")."""
        self.queue.pause(self.clock() + seconds)
        self._pump()

    def _pump(self) -> None:
        now = self.clock()
        granted, again = self.queue.due(now)
        for ticket in granted:
            if ticket.future is not None and not ticket.future.done():
                ticket.future.set_result(None)
            else:  # its task went away meanwhile
                self.queue.done(ticket, now)
        if again is None:
            return
        if self._timer is not None and self._timer_at <= again and self._timer_at > now:
            return  # an earlier look is already planned
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = again
        self._timer = asyncio.get_running_loop().call_later(max(0.0, again - now), self._fire)

    def _fire(self) -> None:
        self._timer = None
        self._timer_at = math.inf
        self._pump()
