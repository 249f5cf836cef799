"""Dates and percentages for display, through Babel in the bloc's language and timezone.

Dates are always day first (``16/07/2026``), as Vietnamese offices write them, in both languages.
Babel's CLDR data has no "date at time" pattern for ``vi``, so the joining word (``lúc`` / ``at``)
is kept here for the bot's two languages; any other language raises ValueError.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

DATE_PATTERN = "dd/MM/yyyy"
TIME_PATTERN = "HH:mm"
PERCENT_PATTERN = "#,##0.0%"

_AT = {"vi": "{date} lúc {time}", "en": "{date} at {time}"}


def _capitalise_words(text: str) -> str:
    """Upper-case the first letter of each word ('thứ năm' -> 'Thứ Năm'), leaving the rest."""
    return " ".join(word[:1].upper() + word[1:] for word in text.split(" "))


def format_date(d: date, lang: str) -> str:
    """Show a calendar date day first: 16/07/2026."""
    return babel_dates.format_date(d, DATE_PATTERN, locale=lang)


def format_when(at: datetime, tz: ZoneInfo, lang: str, *, with_time: bool = True) -> str:
    """Show a moment in tz: 'Thứ Năm, 16/07/2026 lúc 08:00' / 'Thursday, 16/07/2026 at 08:00'."""
    if at.tzinfo is None:
        raise ValueError("format_when needs an aware datetime")
    if Locale.parse(lang).language not in _AT:
        raise ValueError(f"unsupported language: {lang!r}")
    local = at.astimezone(tz)
    weekday = _capitalise_words(babel_dates.format_date(local.date(), "EEEE", locale=lang))
    day = f"{weekday}, {format_date(local.date(), lang)}"
    if not with_time:
        return day
    clock = babel_dates.format_time(local.time(), TIME_PATTERN, locale=lang)
    return _AT[Locale.parse(lang).language].format(date=day, time=clock)


def format_left(delta: timedelta, lang: str) -> str:
    """How long until something, rounded the way people say it: '2 giờ', '1 ngày', '1 tuần'."""
    if delta < timedelta(minutes=1):
        delta = timedelta(minutes=1)
    return babel_dates.format_timedelta(delta, locale=lang)


def format_percent(part: int, whole: int, lang: str) -> str:
    """Show part/whole with one decimal: '66,7%' (vi), '66.7%' (en); a zero whole shows 0,0%.

    Rounds half up on the exact fraction (1/16 -> 6,3%), never through a float.
    """
    if part < 0 or whole < 0:
        raise ValueError("format_percent needs non-negative numbers")
    share = Fraction(part, whole) if whole else Fraction(0)
    exact = Decimal(share.numerator) / Decimal(share.denominator)
    rounded = exact.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    return babel_numbers.format_percent(rounded, PERCENT_PATTERN, locale=lang)
