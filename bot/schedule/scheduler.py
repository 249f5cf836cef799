"""The reminder scheduler: database rows are the truth, APScheduler only says when to look.

Using it from another feature (``services.scheduler`` is the running Scheduler)
--------------------------------------------------------------------------------
Deadline (or meeting) with reminders, e.g. a registration form's deadline::

    event = await scheduler.add_event(NewEvent(bloc_id=b, kind="deadline", title=title,
                                               starts_at=at, created_by=uid, source="form:12"))
    # or inside your own transaction, then wake the scheduler once it is committed:
    async with services.db.transaction() as uow:
        event = await scheduler.create_in(uow, NewEvent(...))
    scheduler.wake()
    await scheduler.move_event(event.id, new_at)     # re-plans reminders
    await scheduler.cancel_event(event.id)           # cancels the pending ones

Reminders use the offsets of config.toml ``[reminders]`` for the kind unless ``NewEvent.offsets``
gives others. Each reminder is one message to the bloc's group naming the event, its time and
the units that have not answered. Who has not answered is asked of the callback registered for
the event's source prefix (``"form"`` for ``"form:12"``), called with a read unit of work::

    async def missing_units(uow: UnitOfWork, event: Event) -> Sequence[int] | None:
        ...  # ids of the units still to answer; None: not tracked; []: all answered (no reminder)
    scheduler.register_answers("form", missing_units)   # in build_application, before start

Meetings without a source list the units with no RSVP; plain deadlines list nobody.

Generic timers ("at time T run job X for id"), e.g. closing a poll at its deadline::

    scheduler.register_timer("poll_close", close_poll)  # async def close_poll(ref: str, due_at) -> None
    await scheduler.set_timer("poll_close", "7", at)     # replaces the pending one of ("poll_close", "7")
    await scheduler.cancel_timer("poll_close", "7")

A timer runs once, late if the bot was down (no grace); a timer running when the process died is
run again at start-up, so the job must be idempotent (closing a closed poll does nothing).

How it works
------------
``run_due(now)`` does everything and is idempotent: in one transaction it judges every due
pending reminder (bot.schedule.events.judge_due: send, or skip when older than ``reminders.grace_hours``,
when the event has started, or when a later reminder of the same event is due too) and marks the
ones to send 'claimed'; then workers send them (spaced by the platform's send budget,
bot/core/sending.py), each marked 'sent' in its own transaction as soon as Telegram confirms. Two overlapping runs cannot claim the same
row. Tests call ``run_due`` directly after moving the FakeClock.

APScheduler (AsyncIOScheduler, used directly rather than through PTB's JobQueue so that the
scheduler's life is tied to the database's, in ``_post_init``/``_post_stop``, and so the
benchmark can drive it with a plain Bot) holds just two jobs: a wake-up at the earliest due
time in the database, re-armed after every run and every change (``wake()``), and a sweep every
``sweep_seconds`` that catches anything a wall-clock change or a missed ``wake()`` left behind.
So start-up is two indexed queries whatever the number of pending reminders.

Duplicates and losses
---------------------
Normal operation and clean restarts never send a reminder twice: a row is claimed before the
send and marked sent in its own transaction as soon as Telegram confirms it; ``stop()`` (called
from ``post_stop``, while the HTTP client still works) lets the sends in flight finish and be
recorded and puts the claimed-but-unsent rows back to 'pending'. A failed send goes back to
'pending' for another try 30 s later (bot/schedule/delivery.py says which failures may still have
delivered). A crash (kill -9, power loss) leaves rows 'claimed'; at start-up they go back to
'pending' and are sent. Just before its request goes out, a row gets ``sending_at`` (its own
small transaction), so a row still merely queued at the crash is known to be unsent and is sent
as if nothing happened; a row whose send had started (Telegram may have accepted it before
'sent' was committed) is sent again marked ``uncertain`` + 1, because not sending could lose the
reminder: that is the at-most-one duplicate, per reminder and crash window. A row whose delivery
was uncertain twice (two crashes during its send, or read timeouts after the request went out) is
tried once more; uncertain a third time it is marked 'failed' and the chair unit is told through
the ``given_up`` hook, with the reminder's text to post if it is missing, so none is dropped
silently. (Dropped connections almost always mean the message did not arrive, so the third try
delivers far more often than it duplicates; only a send caught by every one of three windows can
reach a group three times.) (tests/test_crash_reminders.py kills the process twice during a fan-out.) Nothing
is lost while the bot is up or down for less than the grace; a reminder older than the grace
when the bot comes back is recorded 'skipped' (with the reason), not sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.clock import Clock
from bot.core.config import ConfigError, RemindersConfig
from bot.core.dates import parse_offsets
from bot.outbox import Outbox
from bot.schedule.delivery import AnswerSource, Outcome, ReminderSender, Render
from bot.schedule.events import Event, EventKind, NewEvent, judge_due, plan_reminders
from storage.db import Database
from storage.events import EventRepo
from storage.reminders import ReminderRepo, Timer, TimerRepo
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

TimerJob = Callable[[str, datetime], Awaitable[None]]
Spawn = Callable[[Coroutine[Any, Any, Any]], "asyncio.Task[Any]"]


GivenUp = Callable[[int], Awaitable[None]]  # event id -> tell the people who should know


@dataclass
class DueReport:
    """What one run_due did."""

    sent: int = 0
    late: int = 0
    skipped: int = 0
    failed: int = 0
    retry: int = 0
    timers: int = 0


def default_offsets(config: RemindersConfig) -> dict[EventKind, tuple[timedelta, ...]]:
    """The configured offsets per kind; ConfigError names a bad key."""
    found: dict[EventKind, tuple[timedelta, ...]] = {}
    kinds: tuple[tuple[EventKind, tuple[str, ...]], ...] = (
        ("meeting", config.meeting),
        ("deadline", config.deadline),
    )
    for kind, items in kinds:
        try:
            found[kind] = parse_offsets(", ".join(items)) if items else ()
        except ValueError as exc:
            raise ConfigError(f'reminders.{kind}: expected offsets like "7d", "2h": {exc}') from exc
    return found


class Scheduler:
    """Plans, wakes up for and delivers reminders and timers (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        reminders: RemindersConfig,
        render: Render,
        *,
        spawn: Spawn | None = None,
        workers: int = 8,
        sweep_seconds: float = 60.0,
    ) -> None:
        self.db = db
        self.clock = clock
        self.grace = timedelta(hours=reminders.grace_hours)
        self.defaults = default_offsets(reminders)
        self.workers = workers
        self.sweep_seconds = sweep_seconds
        self._spawn: Spawn = spawn or asyncio.create_task
        self._sources: dict[str, AnswerSource] = {}
        self._given_up: GivenUp | None = None
        self._timers: dict[str, TimerJob] = {}
        self.sender = ReminderSender(db, clock, outbox, render, self._sources)
        self._aps: Any = None
        self._tick: asyncio.Task[Any] | None = None
        self._again = False
        self._stopping = False
        self._runs: set[asyncio.Task[Any]] = set()  # run_due calls in progress
        self._arm_lock = asyncio.Lock()  # re-arms read and arm in order: the latest read wins

    # registries -------------------------------------------------------------------------------

    def register_answers(self, prefix: str, fn: AnswerSource) -> None:
        """Who has not answered, for events whose source starts with '<prefix>:'."""
        self._sources[prefix] = fn

    def register_given_up(self, fn: GivenUp) -> None:
        """Who is told when a reminder is given up (its delivery stayed uncertain)."""
        self._given_up = fn

    def register_timer(self, kind: str, fn: TimerJob) -> None:
        """The job run when a timer of this kind is due."""
        self._timers[kind] = fn

    def offsets(self, event: Event | NewEvent) -> tuple[timedelta, ...]:
        """The event's own offsets, or the configured ones for its kind."""
        return event.offsets if event.offsets is not None else self.defaults[event.kind]

    # lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Recover rows a stopped process left claimed, then arm the wake-up and the sweep."""
        async with self.db.transaction() as uow:
            reminders = await uow.repo(ReminderRepo).recover()
            timers = await uow.repo(TimerRepo).recover()
        if reminders or timers:
            log.warning("recovered %s reminders and %s timers claimed at shutdown", reminders, timers)
        self._stopping = False
        self._aps = AsyncIOScheduler(timezone=UTC, event_loop=asyncio.get_running_loop())
        self._aps.add_job(
            self._fire,
            IntervalTrigger(seconds=self.sweep_seconds, timezone=UTC),
            id="sweep",
            coalesce=True,
            misfire_grace_time=None,
        )
        self._aps.start()
        await self._rearm()

    async def stop(self) -> None:
        """Stop the timers; sends in flight finish and are recorded, queued ones go back (idempotent)."""
        self._stopping = True
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        current = asyncio.current_task()
        while running := [t for t in {*self._runs, self._tick} if t and t is not current and not t.done()]:
            await asyncio.gather(*running, return_exceptions=True)

    @property
    def next_wakeup(self) -> datetime | None:
        """The wall-clock time the wake-up job is armed for (None: nothing pending)."""
        job = None if self._aps is None else self._aps.get_job("wakeup")
        return None if job is None else job.next_run_time

    def wake(self) -> None:
        """Rows changed: re-arm the wake-up at the earliest due time (call after commit)."""
        if self._aps is not None:
            self._spawn(self._rearm())

    async def _rearm(self) -> None:
        async with self._arm_lock:
            if self._aps is None:
                return
            async with self.db.read() as uow:
                candidates = [await uow.repo(ReminderRepo).next_due(), await uow.repo(TimerRepo).next_due()]
            self._arm(min((c for c in candidates if c is not None), default=None))

    def _arm(self, due: datetime | None) -> None:
        if self._aps is None:
            return
        if due is None:
            if self._aps.get_job("wakeup") is not None:
                self._aps.remove_job("wakeup")
            return
        # APScheduler counts wall-clock time; the injected clock may differ (tests, the demo),
        # so wake after the same delay the injected clock still has to go.
        delay = max(0.0, (due - self.clock.now()).total_seconds())
        run_at = datetime.now(UTC) + timedelta(seconds=delay)
        self._aps.add_job(
            self._fire,
            DateTrigger(run_at, timezone=UTC),
            id="wakeup",
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def _fire(self) -> None:
        """APScheduler's job: run (or re-run, if one is in progress) and re-arm."""
        if self._tick is not None and not self._tick.done():
            self._again = True
            return
        self._tick = self._spawn(self._run_and_rearm())

    async def _run_and_rearm(self) -> None:
        try:
            while True:
                self._again = False
                await self.run_due(self.clock.now())
                if not self._again:
                    break
        except Exception:
            log.exception("scheduled run failed; the sweep will try again")
        await self._rearm()

    # running ----------------------------------------------------------------------------------

    async def run_due(self, now: datetime | None = None) -> DueReport:
        """Send every due reminder and run every due timer; safe to call any time, repeatedly."""
        task = asyncio.current_task()
        if task is not None:
            self._runs.add(task)
        try:
            return await self._run_due(now or self.clock.now())
        finally:
            self._runs.discard(task)

    async def _run_due(self, now: datetime) -> DueReport:
        async with self.db.transaction() as uow:
            reminders = uow.repo(ReminderRepo)
            rows = await reminders.due(now)
            verdicts = judge_due(rows, now, self.grace)
            await reminders.apply(verdicts, now)
            timers = await uow.repo(TimerRepo).claim_due(now)
        report = DueReport(
            skipped=sum(v.action == "skip" for v in verdicts),
            failed=sum(v.action == "fail" for v in verdicts),
        )
        events = {r.reminder_id: r.event_id for r in rows}
        if self._given_up is not None:
            for v in verdicts:
                if v.action == "fail":
                    self._spawn(self._tell_given_up(events[v.reminder_id]))
        queue = [(v.reminder_id, events[v.reminder_id], v.late) for v in verdicts if v.action == "send"]
        queue.reverse()  # pop() takes the oldest first

        async def worker() -> None:
            while queue and not self._stopping:
                reminder_id, event_id, late = queue.pop()
                outcome = await self.sender.deliver(reminder_id, event_id, late)
                _count(report, outcome, late)

        tasks = [self._spawn(worker()) for _ in range(min(self.workers, len(queue)))]
        tasks += [self._spawn(self._run_timer(t, report)) for t in timers]
        await asyncio.gather(*tasks)
        if queue:  # stopping: what was not sent yet goes back, surely undelivered
            async with self.db.transaction() as uow:
                for reminder_id, _event_id, _late in queue:
                    await uow.repo(ReminderRepo).release(
                        reminder_id, self.clock.now(), uncertain=False, note="bot stopping"
                    )
            report.retry += len(queue)
        if report.retry:
            self.wake()
        return report

    async def _tell_given_up(self, event_id: int) -> None:
        assert self._given_up is not None
        try:
            await self._given_up(event_id)
        except Exception:
            log.exception("could not tell the chair that a reminder of event %s was given up", event_id)

    async def _run_timer(self, timer: Timer, report: DueReport) -> None:
        fn = self._timers.get(timer.kind)
        try:
            if fn is None:
                raise LookupError(f"no job registered for timers of kind {timer.kind!r}")
            await fn(timer.ref, timer.due_at)
        except Exception as exc:
            log.exception("timer %s %s:%s failed", timer.id, timer.kind, timer.ref)
            async with self.db.transaction() as uow:
                await uow.repo(TimerRepo).retry_or_fail(timer, self.clock.now(), repr(exc)[:200])
            return
        async with self.db.transaction() as uow:
            await uow.repo(TimerRepo).finish(timer.id, self.clock.now())
        report.timers += 1

    # events -----------------------------------------------------------------------------------

    async def create_in(self, uow: UnitOfWork, new: NewEvent) -> Event:
        """Store an event and plan its reminders inside the caller's transaction."""
        event = await uow.repo(EventRepo).create(new)
        await self.replan_in(uow, event)
        return event

    async def replan_in(self, uow: UnitOfWork, event: Event) -> None:
        """Re-plan an event's reminders from its time and offsets (pending ones are replaced)."""
        planned = plan_reminders(event.starts_at, self.offsets(event), self.clock.now())
        await uow.repo(ReminderRepo).replan(event.id, [] if event.cancelled else planned)

    async def move_in(self, uow: UnitOfWork, event: Event, starts_at: datetime) -> Event:
        """Give an event a new time and re-plan its reminders."""
        await uow.repo(EventRepo).move(event.id, starts_at)
        moved = await uow.repo(EventRepo).get(event.id)
        assert moved is not None
        await self.replan_in(uow, moved)
        return moved

    async def cancel_in(self, uow: UnitOfWork, event: Event) -> None:
        """Call an event off; its pending reminders are cancelled."""
        await uow.repo(EventRepo).cancel(event.id)
        await uow.repo(ReminderRepo).cancel_pending(event.id)

    async def add_event(self, new: NewEvent) -> Event:
        """create_in in its own transaction, then wake."""
        async with self.db.transaction() as uow:
            event = await self.create_in(uow, new)
        self.wake()
        return event

    async def move_event(self, event_id: int, starts_at: datetime) -> Event:
        """move_in in its own transaction, then wake."""
        async with self.db.transaction() as uow:
            event = await uow.repo(EventRepo).get(event_id)
            if event is None:
                raise LookupError(f"no event {event_id}")
            moved = await self.move_in(uow, event, starts_at)
        self.wake()
        return moved

    async def cancel_event(self, event_id: int) -> None:
        """cancel_in in its own transaction."""
        async with self.db.transaction() as uow:
            event = await uow.repo(EventRepo).get(event_id)
            if event is not None:
                await self.cancel_in(uow, event)
        self.wake()

    # timers -----------------------------------------------------------------------------------

    async def set_timer(self, kind: str, ref: str, due_at: datetime) -> None:
        """Run the job registered for kind with ref at due_at (replacing a pending one)."""
        async with self.db.transaction() as uow:
            await uow.repo(TimerRepo).set(kind, ref, due_at)
        self.wake()

    async def cancel_timer(self, kind: str, ref: str) -> None:
        """Forget the pending timer of (kind, ref)."""
        async with self.db.transaction() as uow:
            await uow.repo(TimerRepo).cancel(kind, ref)
        self.wake()


def _count(report: DueReport, outcome: Outcome, late: bool) -> None:
    if outcome.status == "sent":
        report.sent += 1
        report.late += int(late)
    elif outcome.status in ("retry", "uncertain"):
        report.retry += 1
    elif outcome.status == "failed":
        report.failed += 1
    else:
        report.skipped += 1
