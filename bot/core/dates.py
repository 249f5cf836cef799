"""Dates and reminder offsets as Vietnamese civil servants write them, day first.

Reading rules (``parse_when``):
- Text is NFC-normalised, then folded (case and diacritics) so ``Ngày``, ``ngay`` and NFD input
  all read alike. Exactly one date and at most one time; anything else left over is unreadable.
- Dates: ``16/7/2026``, ``16-7-2026``, ``16.7.2026``, ``16/7/26`` (two-digit years are 20yy),
  ``2026-07-16``, ``ngày 16 tháng 7 năm 2026``, and ``16/7`` with no year, which means the next
  such date-time: this year if it has not passed yet in the bloc's timezone, else the next year
  (for 29/2, the next leap year).
- Times: ``8:00``, ``08:00``, ``8h``, ``8h00``, ``8g30``, ``8 giờ 30 phút``, before or after the
  date. ``sáng``/``trưa``/``chiều``/``tối``/``đêm`` (and ``am``/``pm``) shift the hour:
  ``2h chiều`` is 14:00; a hint that contradicts the hour (``14h sáng``) is impossible.
- Filler words ``ngày``, ``lúc``, ``vào``, ``hồi`` and a weekday name (``thứ Hai``, ``thứ 2``,
  ``T2``, ``Chủ nhật``, ``CN``) may appear anywhere. A weekday that contradicts the date is
  rejected as impossible rather than ignored: guessing which of the two the writer meant could
  put a meeting on the wrong day.
- Local times that do not exist in the timezone (a DST gap) are impossible; an ambiguous local
  time (DST fold) takes its first occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.core.names import fold

Reason = Literal["unreadable", "impossible", "past"]

ACCEPTED_FORMS: tuple[str, ...] = (
    "16/7/2026",
    "16/07/2026 08:00",
    "8h00 16/7",
    "14h30 ngày 20/7/2026",
    "2h chiều 16/7",
    "2026-07-16 08:00",
)

MAX_OFFSET = timedelta(days=365)

_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_DMY = re.compile(r"(?<!\d)(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?!\d)(?!\2\d)")
_LONG = re.compile(r"(?<!\d)(\d{1,2})\s*thang\s*(\d{1,2})(?:\s*nam\s*(\d{4}))?(?!\d)")
_CLOCK = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})(?!\d)")
_HOURS = re.compile(
    r"(?<!\d)(\d{1,2})\s*(?:h|g|gio)(?:\s*(\d{1,2})(?!\d)(?:\s*(?:p|phut)(?![a-z]))?)?(?![a-z])"
)
_WEEKDAY = re.compile(r"\b(?:thu\s*(hai|ba|tu|nam|sau|bay|[2-7])|t([2-7])|chu\s*nhat|cn)\b")
_HINT = re.compile(r"\b(sang|trua|chieu|toi|dem|am|pm)\b")
_FILLER = re.compile(r"\b(?:ngay|luc|vao|hoi)\b")
_LEFTOVER = re.compile(r"[\s,;.\-()]*")

_WEEKDAY_NUMBER = {"hai": 2, "ba": 3, "tu": 4, "nam": 5, "sau": 6, "bay": 7}

# hint -> (hours taken as written, hours that get +12); anything else contradicts the hint.
_HINT_HOURS: dict[str, tuple[range, range]] = {
    "sang": (range(0, 12), range(0)),
    "am": (range(1, 12), range(0)),
    "trua": (range(11, 14), range(1, 3)),
    "chieu": (range(12, 19), range(1, 12)),
    "pm": (range(12, 24), range(1, 12)),
    "toi": (range(18, 24), range(6, 12)),
    "dem": (range(21, 24), range(9, 12)),
}
_DEM_EARLY = range(0, 5)  # "2h đêm" is 02:00, before dawn


class WhenError(ValueError):
    """A date the bot cannot use, with the reason users are told."""

    reason: Reason

    def __init__(self, reason: Reason, text: str = "") -> None:
        super().__init__(f"{reason}: {text!r}")
        self.reason = reason


@dataclass(frozen=True)
class When:
    """A parsed moment in UTC and whether the writer gave a time of day."""

    at: datetime
    has_time: bool


@dataclass(frozen=True)
class _DayMonth:
    day: int
    month: int
    year: int | None


def _take_one(pattern: re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    """Find at most one match of pattern and blank it out of text."""
    found = list(pattern.finditer(text))
    if len(found) > 1:
        raise WhenError("unreadable", text)
    if not found:
        return None, text
    m = found[0]
    return m, f"{text[: m.start()]} {text[m.end() :]}"


def _year(raw: str | None) -> int | None:
    """Read a two- or four-digit year; two digits mean 20yy."""
    if raw is None:
        return None
    return 2000 + int(raw) if len(raw) == 2 else int(raw)


def _take_date(text: str) -> tuple[_DayMonth, str]:
    """Extract the single date from folded text."""
    found: list[_DayMonth] = []
    for pattern in (_ISO, _LONG, _DMY):
        m, text = _take_one(pattern, text)
        if m is None:
            continue
        if pattern is _ISO:
            found.append(_DayMonth(int(m[3]), int(m[2]), int(m[1])))
        elif pattern is _LONG:
            found.append(_DayMonth(int(m[1]), int(m[2]), _year(m[3])))
        else:
            found.append(_DayMonth(int(m[1]), int(m[3]), _year(m[4])))
    if len(found) != 1:
        raise WhenError("unreadable", text)
    return found[0], text


def _take_time(text: str) -> tuple[tuple[int, int] | None, str]:
    """Extract at most one time of day (hour, minute) as written."""
    clock, text = _take_one(_CLOCK, text)
    hours, text = _take_one(_HOURS, text)
    if clock and hours:
        raise WhenError("unreadable", text)
    if clock:
        return (int(clock[1]), int(clock[2])), text
    if hours:
        return (int(hours[1]), int(hours[2] or 0)), text
    return None, text


def _isoweekday(m: re.Match[str]) -> int:
    """ISO weekday (Monday 1) named by a weekday match; thứ Hai is day 2 in Vietnamese."""
    word = m[1] or m[2]
    if word is None:
        return 7  # chủ nhật
    return _WEEKDAY_NUMBER[word] - 1 if word in _WEEKDAY_NUMBER else int(word) - 1


def _apply_hint(hour: int, hint: str) -> int:
    """Turn an hour written with sáng/chiều/... into a 24-hour clock hour."""
    as_is, plus_twelve = _HINT_HOURS[hint]
    if hour in as_is or (hint == "dem" and hour in _DEM_EARLY):
        return hour
    if hour in plus_twelve:
        return hour + 12
    raise WhenError("impossible", hint)


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Attach tz to a wall-clock time, rejecting times skipped by a DST change."""
    local = datetime.combine(day, at, tzinfo=tz)
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise WhenError("impossible", local.isoformat())
    return local


def parse_when(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    default_time: time = time(8, 0),
    allow_past: bool = False,
) -> When:
    """Read a day-first Vietnamese date (and optional time) into an aware UTC moment."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    folded = fold(text)
    when, rest = _take_date(folded)
    weekday, rest = _take_one(_WEEKDAY, rest)
    clock, rest = _take_time(rest)
    hints = set(_HINT.findall(rest))
    rest = _FILLER.sub(" ", _HINT.sub(" ", rest))
    if len(hints) > 1 or (hints and clock is None) or not _LEFTOVER.fullmatch(rest):
        raise WhenError("unreadable", text)

    at = default_time
    if clock is not None:
        hour, minute = clock
        if hints:
            hour = _apply_hint(hour, hints.pop())
        if hour > 23 or minute > 59:
            raise WhenError("impossible", text)
        at = time(hour, minute)

    local_now = now.astimezone(tz)
    years = [when.year] if when.year is not None else range(local_now.year, local_now.year + 9)
    local: datetime | None = None
    for year in years:
        try:
            day = date(year, when.month, when.day)
        except ValueError:
            continue
        local = _local(day, at, tz)
        if when.year is not None or local >= now:
            break
    if local is None:
        raise WhenError("impossible", text)
    if weekday is not None:
        if local.isoweekday() != _isoweekday(weekday):
            raise WhenError("impossible", text)
    if local < now and not allow_past:
        raise WhenError("past", text)
    return When(at=local.astimezone(UTC), has_time=clock is not None)


_OFFSET = re.compile(r"(?<!\d)(\d{1,6})\s*(ngay|gio|phut|d|h|g|m|p)(?![a-z])")
_OFFSET_GAP = re.compile(r"[\s,;]*")
_UNITS = {
    "d": timedelta(days=1),
    "ngay": timedelta(days=1),
    "h": timedelta(hours=1),
    "g": timedelta(hours=1),
    "gio": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "p": timedelta(minutes=1),
    "phut": timedelta(minutes=1),
}


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """Read reminder offsets like '7d, 1d, 2h' or '30 phút' into distinct, longest-first deltas.

    Items are separated by commas, semicolons or spaces ('1d 2h' is two reminders, not 26 hours);
    glued items such as '1d2h' are refused as ambiguous. Each must be > 0 and ≤ 365 days.
    """
    folded = fold(text)
    offsets: set[timedelta] = set()
    position = 0
    for m in _OFFSET.finditer(folded):
        gap = folded[position : m.start()]
        # Between two items a separator is required: '1d2h' could mean 26 hours.
        if not _OFFSET_GAP.fullmatch(gap) or (position > 0 and not gap):
            raise ValueError(f"unreadable offsets: {text!r}")
        delta = int(m[1]) * _UNITS[m[2]]
        if not timedelta(0) < delta <= MAX_OFFSET:
            raise ValueError(f"offset out of range: {m[0]!r}")
        offsets.add(delta)
        position = m.end()
    if not offsets or not _OFFSET_GAP.fullmatch(folded[position:]):
        raise ValueError(f"unreadable offsets: {text!r}")
    return tuple(sorted(offsets, reverse=True))
