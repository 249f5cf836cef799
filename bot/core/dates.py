"""Dates and reminder offsets as Vietnamese civil servants write them, day first.

Reading rules (``parse_when``):
- Text is NFC-normalised, then folded (case and diacritics) so ``Ngày``, ``ngay`` and NFD input
  all read alike. At most one day and at most one time; anything else left over is unreadable.
- Day first, always, in both languages: ``2/8`` is 2 August, never February 8.
- Dates: ``16/7/2026``, ``16-7-2026``, ``16.7.2026``, ``16/7/26`` (two-digit years are 20yy),
  ``2026-07-16``, ``ngày 16 tháng 7 năm 2026``, ``16 Jul 2026``, ``2nd August``, ``Aug 2, 2027``,
  and ``16/7`` with no year, which means the next such date-time: this year if it has not
  passed yet in the bloc's timezone, else the next year (for 29/2, the next leap year).
- Days without a date: ``hôm nay``/``today``, ``ngày mai``/``tomorrow`` (``mai``/``nay`` only
  right after a part of day, ``sáng mai``: alone, "Mai" is also a name), ``ngày kia``; a
  weekday alone (``thứ Hai``, ``Monday``) is the next such day (today while the time is still
  ahead); with ``tuần sau``/``tuần tới``/``next`` it is that day of next week (weeks start on
  Monday), with ``tuần này``/``this`` that day of this week.
- Times: ``8:00``, ``08:00``, ``8h``, ``8h00``, ``8g30``, ``8 giờ 30 phút``, ``9am``,
  ``2:30 pm``, before or after the day. ``sáng``/``trưa``/``chiều``/``tối``/``đêm`` (and
  ``am``/``pm``, ``morning``/``noon``/``afternoon``/``evening``) shift the hour: ``2h chiều``
  is 14:00; a hint that contradicts the hour (``14h sáng``) is impossible.
- A part of day with no hour gives its usual hour (``DAY_PARTS``): ``sáng 20/7`` is 08:00,
  ``chiều 16/7`` 14:00, ``tối`` 19:00. Written after a date (``16/7 chiều``) it is refused as
  unreadable: there an hour was most likely forgotten, and 14:00 would be a guess.
- Filler words ``ngày``, ``lúc``, ``vào``, ``hồi`` (``on``, ``at``, ``in``, ``the``) and a weekday
  name (``thứ Hai``, ``thứ 2``, ``T2``, ``Chủ nhật``, ``CN``, ``Mon``) may appear anywhere. A weekday
  that contradicts the date is rejected as impossible rather than ignored: guessing which of
  the two the writer meant could put a meeting on the wrong day.
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

# Shown to people whose date was refused, in the chat's language (each must parse: tests).
EXAMPLES: dict[str, tuple[str, ...]] = {
    "vi": (
        "16/7/2026",
        "16/07/2026 08:00",
        "8h00 16/7",
        "14h30 ngày 20/7/2026",
        "2h chiều 16/7",
        "sáng 20/7",
        "8h sáng thứ Hai tuần sau",
    ),
    "en": (
        "16/7/2026",
        "16/07/2026 08:00",
        "9am 16/7",
        "2:30pm 20/7/2026",
        "16 Jul 2026 14:00",
        "Monday 9am",
        "tomorrow 3pm",
    ),
}
ACCEPTED_FORMS: tuple[str, ...] = EXAMPLES["vi"]

# The hour a part of day stands for when no hour is written.
DAY_PARTS: dict[str, time] = {
    "sang": time(8, 0),
    "trua": time(12, 0),
    "chieu": time(14, 0),
    "toi": time(19, 0),
}

MAX_OFFSET = timedelta(days=365)

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?![a-z])"
)
_ORDINAL = r"(?:st|nd|rd|th)?"

_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_DMY = re.compile(r"(?<!\d)(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?!\d)(?!\2\d)")
_LONG = re.compile(r"(?<!\d)(\d{1,2})\s*thang\s*(\d{1,2})(?:\s*nam\s*(\d{4}))?(?!\d)")
_EN_DAY_MONTH = re.compile(
    rf"(?<![\d:])(\d{{1,2}}){_ORDINAL}\s*(?:of\s+)?{_MONTH}(?:,?\s*(\d{{4}})(?![\d:]))?"
)
_EN_MONTH_DAY = re.compile(
    rf"(?<![a-z]){_MONTH}\s*(\d{{1,2}}){_ORDINAL}(?![\d:a-z])(?:,?\s*(\d{{4}})(?![\d:]))?"
)
_AMPM = re.compile(r"(?<![\d:])(\d{1,2})(?::(\d{2}))?\s*(am|pm)(?![a-z])")
_CLOCK = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})(?!\d)")
_HOURS = re.compile(
    r"(?<!\d)(\d{1,2})\s*(?:h|g|gio)(?:\s*(\d{1,2})(?!\d)(?:\s*(?:p|phut)(?![a-z]))?)?(?![a-z])"
)
_WEEKDAY = re.compile(r"\b(?:thu\s*(hai|ba|tu|nam|sau|bay|[2-7])|t([2-7])|chu\s*nhat|cn)\b")
_EN_WEEKDAY = re.compile(
    r"\b(?:(next|this)\s+)?(monday|mon|tuesday|tues|tue|wednesday|wed|thursday|thurs|thur"
    r"|friday|fri|saturday|sat|sunday|sun)\b"
)
_WEEK = re.compile(r"\b(?:tuan\s*(sau|toi|nay)|(next|this)\s+week)\b")
_RELATIVE = re.compile(r"\b(ngay\s*mai|hom\s*nay|ngay\s*kia|today|tomorrow)\b")
_RELATIVE_AFTER_PART = re.compile(r"\b(sang|trua|chieu|toi|dem)\s+(mai|nay)\b")
_HINT = re.compile(r"\b(sang|trua|chieu|toi|dem|am|pm|morning|noon|afternoon|evening)\b")
_FILLER = re.compile(r"\b(?:ngay|luc|vao|hoi|on|at|in|the)\b")
_LEFTOVER = re.compile(r"[\s,;.\-()]*")

_WEEKDAY_NUMBER = {"hai": 2, "ba": 3, "tu": 4, "nam": 5, "sau": 6, "bay": 7}
_EN_WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
_RELATIVE_DAYS = {
    "ngay mai": 1,
    "ngaymai": 1,
    "hom nay": 0,
    "homnay": 0,
    "ngay kia": 2,
    "ngaykia": 2,
    "today": 0,
    "tomorrow": 1,
    "mai": 1,
    "nay": 0,
}
_ENGLISH_PARTS = {"morning": "sang", "noon": "trua", "afternoon": "chieu", "evening": "toi"}

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
    start: int  # where the date was written (a bare part of day may not follow it)


def examples(lang: str) -> tuple[str, ...]:
    """The date forms shown to a person, in their chat's language."""
    return EXAMPLES.get(lang, ACCEPTED_FORMS)


def _take_one(pattern: re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    """Find at most one match of pattern and blank it out of text (positions kept)."""
    found = list(pattern.finditer(text))
    if len(found) > 1:
        raise WhenError("unreadable", text)
    if not found:
        return None, text
    m = found[0]
    return m, f"{text[: m.start()]}{' ' * (m.end() - m.start())}{text[m.end() :]}"


def _year(raw: str | None) -> int | None:
    """Read a two- or four-digit year; two digits mean 20yy."""
    if raw is None:
        return None
    return 2000 + int(raw) if len(raw) == 2 else int(raw)


def _take_date(text: str) -> tuple[_DayMonth | None, str]:
    """Extract the single written date from folded text, if any."""
    found: list[_DayMonth] = []
    for pattern in (_ISO, _LONG, _EN_DAY_MONTH, _EN_MONTH_DAY, _DMY):
        m, text = _take_one(pattern, text)
        if m is None:
            continue
        if pattern is _ISO:
            found.append(_DayMonth(int(m[3]), int(m[2]), int(m[1]), m.start()))
        elif pattern is _LONG:
            found.append(_DayMonth(int(m[1]), int(m[2]), _year(m[3]), m.start()))
        elif pattern is _EN_DAY_MONTH:
            found.append(_DayMonth(int(m[1]), _MONTHS[m[2][:3]], _year(m[3]), m.start()))
        elif pattern is _EN_MONTH_DAY:
            found.append(_DayMonth(int(m[2]), _MONTHS[m[1][:3]], _year(m[3]), m.start()))
        else:
            found.append(_DayMonth(int(m[1]), int(m[3]), _year(m[4]), m.start()))
    if len(found) > 1:
        raise WhenError("unreadable", text)
    return (found[0] if found else None), text


def _take_time(text: str) -> tuple[tuple[int, int] | None, str | None, str]:
    """Extract at most one time of day (hour, minute) as written, and an am/pm written with it."""
    ampm, text = _take_one(_AMPM, text)
    clock, text = _take_one(_CLOCK, text)
    hours, text = _take_one(_HOURS, text)
    if sum(m is not None for m in (ampm, clock, hours)) > 1:
        raise WhenError("unreadable", text)
    if ampm:
        return (int(ampm[1]), int(ampm[2] or 0)), ampm[3], text
    if clock:
        return (int(clock[1]), int(clock[2])), None, text
    if hours:
        return (int(hours[1]), int(hours[2] or 0)), None, text
    return None, None, text


def _take_weekday(text: str) -> tuple[int | None, int | None, str]:
    """The ISO weekday named (Monday 1), and a week it is in (0 this week, 1 next), if written."""
    vi, text = _take_one(_WEEKDAY, text)
    en, text = _take_one(_EN_WEEKDAY, text)
    week_m, text = _take_one(_WEEK, text)
    if vi and en:
        raise WhenError("unreadable", text)
    weekday = week = None
    if vi:
        word = vi[1] or vi[2]
        if word is None:
            weekday = 7  # chủ nhật
        else:  # thứ Hai is day 2 in Vietnamese
            weekday = _WEEKDAY_NUMBER[word] - 1 if word in _WEEKDAY_NUMBER else int(word) - 1
    if en:
        weekday = _EN_WEEKDAYS[en[2][:3]]
        if en[1]:
            week = 1 if en[1] == "next" else 0
    if week_m:
        word = week_m[1] or week_m[2]
        if week is not None:
            raise WhenError("unreadable", text)
        week = 0 if word in ("nay", "this") else 1
    return weekday, week, text


def _take_relative(text: str) -> tuple[int | None, str]:
    """Days from today named by 'ngày mai', 'tomorrow', 'sáng mai' …, if any."""
    after_part = list(_RELATIVE_AFTER_PART.finditer(text))
    plain = list(_RELATIVE.finditer(text))
    if len(after_part) + len(plain) > 1:
        raise WhenError("unreadable", text)
    if after_part:
        part = after_part[0]
        start = part.start(2)
        return _RELATIVE_DAYS[part[2]], f"{text[:start]}{' ' * (part.end() - start)}{text[part.end() :]}"
    m, text = _take_one(_RELATIVE, text)
    if m is None:
        return None, text
    return _RELATIVE_DAYS[re.sub(r"\s+", " ", m[1])], text


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


def _time_of_day(
    clock: tuple[int, int] | None, hint: str | None, default: time, text: str
) -> tuple[time, bool]:
    """The wall-clock time from an hour and a part of day (or the default); whether one was given."""
    if clock is None:
        if hint is None:
            return default, False
        if hint not in DAY_PARTS:
            raise WhenError("unreadable", text)  # "pm 16/7", "đêm 16/7": no hour to shift
        return DAY_PARTS[hint], True
    hour, minute = clock
    if hint is not None:
        hour = _apply_hint(hour, hint)
    if hour > 23 or minute > 59:
        raise WhenError("impossible", text)
    return time(hour, minute), True


def _on_written_date(when: _DayMonth, at: time, tz: ZoneInfo, now: datetime, text: str) -> datetime:
    """The moment on a written date; without a year, the next such date-time."""
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
    return local


def _on_weekday(weekday: int, week: int | None, at: time, tz: ZoneInfo, now: datetime) -> datetime:
    """That weekday of this or next week, or (no week written) the next one still ahead."""
    today = now.astimezone(tz).date()
    if week is not None:
        monday = today - timedelta(days=today.isoweekday() - 1) + timedelta(weeks=week)
        return _local(monday + timedelta(days=weekday - 1), at, tz)
    local = _local(today + timedelta(days=(weekday - today.isoweekday()) % 7), at, tz)
    return local if local >= now else _local(local.date() + timedelta(days=7), at, tz)


def parse_when(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    default_time: time = time(8, 0),
    allow_past: bool = False,
) -> When:
    """Read a day-first date (and optional time), Vietnamese or English, into an aware UTC moment."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    folded = fold(text)
    relative, rest = _take_relative(folded)
    when, rest = _take_date(rest)
    weekday, week, rest = _take_weekday(rest)
    clock, ampm, rest = _take_time(rest)
    found = [(m.start(), _ENGLISH_PARTS.get(m[1], m[1])) for m in _HINT.finditer(rest)]
    hints = {hint for _, hint in found} | ({ampm} if ampm else set())
    rest = _FILLER.sub(" ", _HINT.sub(" ", rest))
    days = sum(x is not None for x in (when, relative)) + (weekday is None and week is not None)
    if len(hints) > 1 or days > 1 or not _LEFTOVER.fullmatch(rest):
        raise WhenError("unreadable", text)
    if when is None and relative is None and weekday is None:
        raise WhenError("unreadable", text)  # a time alone is not a day
    if (when is not None or relative is not None) and week is not None:
        raise WhenError("unreadable", text)  # "20/7 tuần sau": which one?
    hint = next(iter(hints)) if hints else None
    if clock is None and hint is not None and when is not None and found[0][0] > when.start:
        raise WhenError("unreadable", text)  # "16/7 chiều": the hour was forgotten
    at, has_time = _time_of_day(clock, hint, default_time, text)

    if when is not None:
        local = _on_written_date(when, at, tz, now, text)
    elif relative is not None:
        local = _local(now.astimezone(tz).date() + timedelta(days=relative), at, tz)
    else:
        assert weekday is not None
        local = _on_weekday(weekday, week, at, tz, now)
    if weekday is not None and local.isoweekday() != weekday:
        raise WhenError("impossible", text)
    if local < now and not allow_past:
        raise WhenError("past", text)
    return When(at=local.astimezone(UTC), has_time=has_time)


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
