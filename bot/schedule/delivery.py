"""Sending one claimed reminder: build what it shows, send it, record the outcome.

The send is a fan-out send (bot/outbox.py): the platform's send budget (bot/core/sending.py)
spaces it among the others at the platform's limit, after any reply to a person.

Outcomes of a send (the row was claimed before, and gets ``sending_at`` just before the send
asks for its slot, which the scheduler's few workers get within a fraction of a second; see
bot/schedule/scheduler.py):
- confirmed by the channel -> 'sent' with the message id, in one transaction right after;
- surely not delivered (flood 429 after the rate limiter's retries, no connection, an HTTP
  error answer, each after bot/channels/telegram/request.py's own retries) -> back to 'pending', retried
  ``RETRY_DELAY`` later while within the grace;
- maybe delivered (the request went out and no answer came back: read timeout, dropped
  connection) -> back to 'pending' with ``uncertain`` + 1; a reminder uncertain twice is tried
  once more, and a third uncertain outcome ends in 'failed' with the chair told (see
  bot/schedule/events.py ``MAX_UNCERTAIN``);
- refused for good (bot removed from the group, chat gone) -> 'failed', logged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.core.clock import Clock
from bot.core.messages import MaybeSent, NotSent, Refused
from bot.outbox import Outbox
from bot.schedule.events import Event, ReminderView
from storage.db import Database
from storage.events import EventRepo
from storage.reminders import ReminderRepo
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

Render = Callable[[ReminderView], str]
# (read unit of work, event) -> ids of the units that have not answered; None: not tracked.
AnswerSource = Callable[[UnitOfWork, Event], Awaitable[Sequence[int] | None]]


@dataclass(frozen=True)
class Outcome:
    """What happened to one reminder."""

    status: str  # sent | retry | uncertain | failed | skipped | cancelled
    note: str = ""


class ReminderSender:
    """Delivers claimed reminders to their bloc's group."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        outbox: Outbox,
        render: Render,
        sources: dict[str, AnswerSource],
    ) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox
        self.render = render
        self.sources = sources

    async def view(self, event_id: int, late: bool) -> tuple[int, ReminderView] | Outcome:
        """The group chat and what the reminder shows; an Outcome when it should not be sent."""
        async with self.db.read() as uow:
            event = await uow.repo(EventRepo).get(event_id)
            if event is None or event.cancelled:
                return Outcome("cancelled", "event cancelled")
            bloc = await uow.blocs.get(event.bloc_id)
            if bloc is None:
                return Outcome("failed", "bloc gone")
            units = await uow.units.active(bloc.id)
            names = {u.id: u.name for u in units}
            missing_ids: Sequence[int] | None = None
            source = self.sources.get(event.source_prefix or "")
            if source is not None:
                missing_ids = await source(uow, event)
                if missing_ids is not None and not missing_ids:
                    return Outcome("skipped", "every unit answered")
            elif event.kind == "meeting":
                answers = await uow.repo(EventRepo).answers(event.id)
                missing_ids = [u.id for u in units if u.id not in answers]
        order = {u.id: i for i, u in enumerate(units)}
        missing = None
        if missing_ids is not None:
            known = sorted((i for i in set(missing_ids) if i in names), key=order.__getitem__)
            missing = tuple(names[i] for i in known)
        host = names.get(event.host_unit_id or 0)
        view = ReminderView(
            event=event,
            bloc_name=bloc.name,
            language=bloc.language,
            timezone=bloc.timezone,
            now=self.clock.now(),
            host_name=host,
            missing=missing,
            late=late,
        )
        return bloc.chat_id, view

    async def deliver(self, reminder_id: int, event_id: int, late: bool) -> Outcome:
        """Send one claimed reminder and record what happened; never raises."""
        try:
            outcome = await self._deliver(reminder_id, event_id, late)
        except Exception:  # a bug must not stop the other blocs' reminders
            log.exception("reminder %s: delivery crashed", reminder_id)
            outcome = Outcome("failed", "internal error")
        try:
            await self._record(reminder_id, outcome)
        except Exception:
            log.exception("reminder %s: could not record %s", reminder_id, outcome.status)
        return outcome

    async def _deliver(self, reminder_id: int, event_id: int, late: bool) -> Outcome:
        found = await self.view(event_id, late)
        if isinstance(found, Outcome):
            return found
        chat_id, view = found
        text = self.render(view)
        async with self.db.transaction() as uow:  # a crash from here on: maybe delivered
            await uow.repo(ReminderRepo).mark_sending(reminder_id, self.clock.now())
        try:
            sent = await self.outbox.send(chat_id, text)
        except Refused as exc:
            log.warning("reminder %s: chat %s refused: %s", reminder_id, chat_id, exc)
            return Outcome("failed", f"refused: {exc}"[:200])
        except (NotSent, MaybeSent) as exc:
            kind = "uncertain" if isinstance(exc, MaybeSent) else "retry"
            log.warning("reminder %s: %s (%s)", reminder_id, exc, kind)
            return Outcome(kind, f"{type(exc).__name__}: {exc}"[:200])
        async with self.db.transaction() as uow:
            await uow.repo(ReminderRepo).mark_sent(reminder_id, sent.message_id, self.clock.now())
        return Outcome("sent")

    async def _record(self, reminder_id: int, outcome: Outcome) -> None:
        if outcome.status == "sent":
            return
        now = self.clock.now()
        async with self.db.transaction() as uow:
            repo = uow.repo(ReminderRepo)
            if outcome.status in ("retry", "uncertain"):
                await repo.release(
                    reminder_id, now, uncertain=outcome.status == "uncertain", note=outcome.note
                )
            else:
                await repo.close(reminder_id, outcome.status, outcome.note)
