"""iCalendar (RFC 5545) files of a bloc's events, reminders as alarms (icalendar library)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Alarm, Calendar
from icalendar import Event as VEvent

from bot.schedule.events import Event

PRODID = "-//blocbot//Lịch khối thi đua//VI"
MEETING_LENGTH = timedelta(hours=3)  # a half-day session unless told otherwise


@dataclass(frozen=True)
class IcsEvent:
    """One event with what the file shows besides the event itself."""

    event: Event
    offsets: tuple[timedelta, ...]
    host: str | None = None


def calendar_bytes(
    items: Sequence[IcsEvent], *, name: str, timezone: str, now: datetime, labels: Mapping[str, str]
) -> bytes:
    """An .ics file: meetings last MEETING_LENGTH, deadlines are a moment; alarms per offset.

    labels gives the words in the bloc's language: 'host', 'agenda', 'reminder'.
    """
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", timezone)
    for item in items:
        cal.add_component(_vevent(item, now, labels))
    return bytes(cal.to_ical())


def _vevent(item: IcsEvent, now: datetime, labels: Mapping[str, str]) -> VEvent:
    event = item.event
    vevent = VEvent()
    vevent.add("uid", f"event-{event.id}@blocbot")
    vevent.add("dtstamp", now)
    vevent.add("dtstart", event.starts_at)
    if event.kind == "meeting":
        vevent.add("dtend", event.starts_at + MEETING_LENGTH)
    vevent.add("summary", event.title)
    if event.place:
        vevent.add("location", event.place)
    description = []
    if item.host:
        description.append(f"{labels['host']}: {item.host}")
    if event.agenda:
        description.append(f"{labels['agenda']}:")
        description += [f"{i}. {line}" for i, line in enumerate(event.agenda, 1)]
    if description:
        vevent.add("description", "\n".join(description))
    vevent.add("categories", [event.kind])
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if not event.cancelled:
        for offset in item.offsets:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("trigger", -offset)
            alarm.add("description", f"{labels['reminder']}: {event.title}")
            vevent.add_component(alarm)
    return vevent
