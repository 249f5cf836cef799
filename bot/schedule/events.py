"""Events and reminders as pure rules: what is due, what to send, skip or give up, RSVP tallies.

Reminder rules (``judge_due``), applied to every pending reminder whose time has come:
- its event has started already -> skipped ("event started"): a late "meeting at 08:00" after
  08:00 helps nobody;
- it is older than the grace period (bot was down longer) -> skipped ("missed");
- its delivery was uncertain three times (``MAX_UNCERTAIN``: uncertain twice, then retried once
  more, issue 13) -> failed, and the chair unit is told, with the reminder, so it is never dropped
  silently;
- several reminders of one event are due at once (after downtime) -> only the latest one (the
  nearest the event) is sent, the others are skipped ("superseded"): one message, not three;
- otherwise it is claimed for sending, marked late when more than ``LATE_AFTER`` overdue.

Offsets are subtracted in absolute time (UTC): "1d" is 24 hours before. Vietnam has no daylight
saving time, so this equals the wall-clock day before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from bot.core.names import fold
from bot.roster.rotation import next_in_rotation

EventKind = Literal["meeting", "deadline"]
Answer = Literal["yes", "no"]
KINDS: tuple[EventKind, ...] = ("meeting", "deadline")

MAX_TITLE = 200
MAX_PLACE = 200
MAX_AGENDA = 2000
LATE_AFTER = timedelta(minutes=10)
MAX_UNCERTAIN = 3
RETRY_DELAY = timedelta(seconds=30)


@dataclass(frozen=True)
class Event:
    """A meeting or deadline of one bloc, as stored."""

    id: int
    bloc_id: int
    kind: EventKind
    title: str
    starts_at: datetime
    place: str = ""
    host_unit_id: int | None = None
    host_proposed: bool = False
    agenda: tuple[str, ...] = ()
    source: str | None = None
    offsets: tuple[timedelta, ...] | None = None
    status: Literal["scheduled", "cancelled"] = "scheduled"
    card_chat_id: int | None = None
    card_message_id: int | None = None
    created_by: int = 0

    @property
    def cancelled(self) -> bool:
        """True once the event was called off."""
        return self.status == "cancelled"

    def started(self, now: datetime) -> bool:
        """True once its time has come."""
        return now >= self.starts_at

    @property
    def source_prefix(self) -> str | None:
        """'form' for source 'form:12'."""
        return None if self.source is None else self.source.split(":", 1)[0]

    @property
    def source_ref(self) -> str:
        """'12' for source 'form:12'."""
        return "" if self.source is None else self.source.partition(":")[2]


@dataclass(frozen=True)
class NewEvent:
    """What it takes to create an event (see storage.events.EventRepo.create)."""

    bloc_id: int
    kind: EventKind
    title: str
    starts_at: datetime
    created_by: int
    place: str = ""
    host_unit_id: int | None = None
    host_proposed: bool = False
    agenda: tuple[str, ...] = ()
    source: str | None = None
    offsets: tuple[timedelta, ...] | None = None  # None: the configured defaults for the kind

    def __post_init__(self) -> None:
        if self.starts_at.tzinfo is None:
            raise ValueError("starts_at must be timezone-aware")
        if self.kind not in KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}")


@dataclass(frozen=True)
class Reminder:
    """One planned reminder message of an event."""

    id: int
    event_id: int
    offset: timedelta
    due_at: datetime
    status: str
    late: bool = False
    sent_at: datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class DueRow:
    """A pending reminder whose time has come, with what judging it needs of its event."""

    reminder_id: int
    event_id: int
    due_at: datetime
    uncertain: int
    starts_at: datetime
    cancelled: bool = False


Action = Literal["send", "skip", "fail", "cancel"]


@dataclass(frozen=True)
class Verdict:
    """What to do with one due reminder."""

    reminder_id: int
    action: Action
    late: bool = False
    note: str = ""


def plan_reminders(
    starts_at: datetime, offsets: Iterable[timedelta], now: datetime
) -> list[tuple[timedelta, datetime]]:
    """(offset, due time) for every offset still ahead of now, earliest first."""
    planned = {(o, starts_at - o) for o in offsets if o > timedelta(0) and starts_at - o > now}
    return sorted(planned, key=lambda p: p[1])


def judge_due(rows: Sequence[DueRow], now: datetime, grace: timedelta) -> list[Verdict]:
    """Decide, for due reminders, which to send and which to skip (see the module docstring)."""
    latest: dict[int, DueRow] = {}
    for row in rows:
        if row.cancelled or now >= row.starts_at or now - row.due_at > grace:
            continue
        if row.uncertain >= MAX_UNCERTAIN:
            continue
        best = latest.get(row.event_id)
        if best is None or (row.due_at, row.reminder_id) > (best.due_at, best.reminder_id):
            latest[row.event_id] = row
    verdicts = []
    for row in rows:
        if row.cancelled:
            verdicts.append(Verdict(row.reminder_id, "cancel", note="event cancelled"))
        elif now >= row.starts_at:
            verdicts.append(Verdict(row.reminder_id, "skip", note="event started"))
        elif now - row.due_at > grace:
            verdicts.append(Verdict(row.reminder_id, "skip", note="missed: more than grace late"))
        elif row.uncertain >= MAX_UNCERTAIN:
            verdicts.append(Verdict(row.reminder_id, "fail", note="delivery uncertain three times"))
        elif latest[row.event_id] is not row:
            verdicts.append(Verdict(row.reminder_id, "skip", note="superseded by a later one"))
        else:
            verdicts.append(Verdict(row.reminder_id, "send", late=now - row.due_at > LATE_AFTER))
    return verdicts


@dataclass(frozen=True)
class Tally:
    """RSVP answers per unit, in roster order."""

    attending: tuple[int, ...]
    absent: tuple[int, ...]
    unanswered: tuple[int, ...]


def tally_rsvps(unit_ids: Sequence[int], answers: Mapping[int, str]) -> Tally:
    """Split the bloc's current units by their answer (answers of removed units are ignored)."""
    return Tally(
        attending=tuple(u for u in unit_ids if answers.get(u) == "yes"),
        absent=tuple(u for u in unit_ids if answers.get(u) == "no"),
        unanswered=tuple(u for u in unit_ids if u not in answers),
    )


def rotation_order(roster: Sequence[int], stored: Sequence[int]) -> list[int]:
    """The host rotation: the stored order (current units only), then the rest in roster order."""
    current = set(roster)
    head = [u for u in dict.fromkeys(stored) if u in current]
    return head + [u for u in roster if u not in set(head)]


def next_host(order: Sequence[int], last_host: int | None) -> int | None:
    """The unit after the last meeting's host in the rotation (the first one if none)."""
    return next_in_rotation(order, last_host)


def host_before(meetings: Sequence[Event], at: datetime | None) -> int | None:
    """The host of the latest scheduled meeting (by date) before `at` (of all when None)."""
    hosted = [
        m
        for m in meetings
        if m.kind == "meeting"
        and not m.cancelled
        and m.host_unit_id is not None
        and (at is None or m.starts_at < at)
    ]
    if not hosted:
        return None
    return max(hosted, key=lambda m: (m.starts_at, m.id)).host_unit_id


def reflow_hosts(meetings: Sequence[Event], order: Sequence[int], now: datetime) -> dict[int, int | None]:
    """Hosts that rotation only proposed, handed out again in date order: {event id: new host}.

    Rotation follows the meetings' dates, not the order they were created in: a meeting put
    before others takes the next host, and the proposals after it move along. Hosts the chair
    chose (or the place named) stay, and each sets where the rotation goes on from; meetings
    that started or were cancelled keep theirs.
    """
    changed: dict[int, int | None] = {}
    last: int | None = None
    for m in sorted(meetings, key=lambda e: (e.starts_at, e.id)):
        if m.kind != "meeting" or m.cancelled:
            continue
        host = m.host_unit_id
        if m.host_proposed and not m.started(now):
            host = next_host(order, last)
            if host != m.host_unit_id:
                changed[m.id] = host
        if host is not None:
            last = host
    return changed


def host_named_in(place: str, units: Sequence[tuple[int, str]]) -> int | None:
    """The unit whose name the place contains ("Hội trường Công an tỉnh"), if exactly one does.

    Names are matched folded and on word boundaries; a place ending in a name without its last
    word "tỉnh" names that unit too ("Hội trường Sở Tư pháp": "Sở Tư pháp tỉnh", but "Hội trường
    Công an xã" is not "Công an tỉnh"'s); a longer name inside the place wins
    over a shorter one it contains. Two different units named: None (the chair decides).
    """
    key = f" {' '.join(re.findall(r'[a-z0-9]+', fold(place)))} "
    found: list[tuple[int, str]] = []
    for unit_id, name in units:
        words = " ".join(re.findall(r"[a-z0-9]+", fold(name)))
        short = words.removesuffix(" tinh")
        if words and f" {words} " in key:
            found.append((unit_id, words))
        elif short != words and short and key.endswith(f" {short} "):  # the place ends with it
            found.append((unit_id, short))
    found = [(u, w) for u, w in found if not any(w != other and w in other for _, other in found)]
    return found[0][0] if len({u for u, _ in found}) == 1 else None


def offsets_text(offsets: Iterable[timedelta]) -> str:
    """'7d, 1d, 2h' — the way offsets are typed in /event <id> remind."""
    parts = []
    for offset in sorted(offsets, reverse=True):
        seconds = int(offset.total_seconds())
        if seconds % 86400 == 0:
            parts.append(f"{seconds // 86400}d")
        elif seconds % 3600 == 0:
            parts.append(f"{seconds // 3600}h")
        else:
            parts.append(f"{max(1, seconds // 60)}m")
    return ", ".join(parts)


def offsets_to_db(offsets: tuple[timedelta, ...] | None) -> str | None:
    """Store offsets as whole seconds ('604800,86400'); None keeps the defaults."""
    if offsets is None:
        return None
    return ",".join(str(int(o.total_seconds())) for o in offsets)


def offsets_from_db(text: str | None) -> tuple[timedelta, ...] | None:
    """Read offsets stored by offsets_to_db ('' is 'no reminders')."""
    if text is None:
        return None
    return tuple(timedelta(seconds=int(s)) for s in text.split(",") if s)


@dataclass(frozen=True)
class ReminderView:
    """Everything a reminder message shows; rendered by the schedule feature's text module."""

    event: Event
    bloc_name: str
    language: str
    timezone: str
    now: datetime
    host_name: str | None = None
    missing: tuple[str, ...] | None = None  # units that have not answered; None: not tracked
    late: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)
