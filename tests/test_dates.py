"""Day-first Vietnamese dates, reminder offsets, and their display."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.dates import ACCEPTED_FORMS, WhenError, parse_offsets, parse_when
from bot.core.formatting import format_date, format_left, format_percent, format_when

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 09:00 on Sunday 1 March 2026 in Hà Nội


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# Vietnam is UTC+7 all year: 08:00 local is 01:00 UTC.
FORMS = [
    ("16/7/2026", utc(2026, 7, 16, 1, 0), False),
    ("16/07/2026 08:00", utc(2026, 7, 16, 1, 0), True),
    ("16/7/2026 8:00", utc(2026, 7, 16, 1, 0), True),
    ("8h00 16/7", utc(2026, 7, 16, 1, 0), True),
    ("8h 16/7", utc(2026, 7, 16, 1, 0), True),
    ("8g30 16/7", utc(2026, 7, 16, 1, 30), True),
    ("14h30 ngày 20/7/2026", utc(2026, 7, 20, 7, 30), True),
    ("14h30, thứ Hai, 20/7/2026", utc(2026, 7, 20, 7, 30), True),
    ("lúc 14:30 ngày 20/07/2026", utc(2026, 7, 20, 7, 30), True),
    ("2026-07-16 08:00", utc(2026, 7, 16, 1, 0), True),
    ("16-7-2026", utc(2026, 7, 16, 1, 0), False),
    ("16.7.2026", utc(2026, 7, 16, 1, 0), False),
    ("16/7/26", utc(2026, 7, 16, 1, 0), False),
    ("16/7/2026 14h30", utc(2026, 7, 16, 7, 30), True),
    ("2h chiều 16/7", utc(2026, 7, 16, 7, 0), True),
    ("9h sáng 16/7", utc(2026, 7, 16, 2, 0), True),
    ("8h tối 16/7", utc(2026, 7, 16, 13, 0), True),
    ("12h trưa 16/7", utc(2026, 7, 16, 5, 0), True),
    ("8 giờ 30 phút ngày 16 tháng 7 năm 2026", utc(2026, 7, 16, 1, 30), True),
    ("  16/7/2026    8h  ", utc(2026, 7, 16, 1, 0), True),
    ("NGÀY 16/7/2026 LÚC 8H", utc(2026, 7, 16, 1, 0), True),
    ("ngay 20/7/2026 luc 14h30 thu hai", utc(2026, 7, 20, 7, 30), True),
    ("Chủ nhật, 19/7", utc(2026, 7, 19, 1, 0), False),
    ("T2 20/7 8h", utc(2026, 7, 20, 1, 0), True),
]


@pytest.mark.parametrize(("text", "expected", "has_time"), FORMS)
def test_accepted_forms(text: str, expected: datetime, has_time: bool) -> None:
    when = parse_when(text, now=NOW, tz=VN)
    assert (when.at, when.has_time) == (expected, has_time)
    assert when.at.tzinfo is UTC


@pytest.mark.parametrize("text", ACCEPTED_FORMS)
def test_examples_shown_to_users_parse(text: str) -> None:
    assert parse_when(text, now=NOW, tz=VN).at > NOW


def test_nfd_input_reads_like_nfc() -> None:
    text = "14h30, thứ Hai, ngày 20/7/2026"
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert parse_when(nfd, now=NOW, tz=VN) == parse_when(text, now=NOW, tz=VN)


def test_default_time_when_no_time_given() -> None:
    when = parse_when("16/7/2026", now=NOW, tz=VN, default_time=time(14, 0))
    assert when.at == utc(2026, 7, 16, 7, 0)
    assert not when.has_time


LATE_NOV = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)  # 10:00 on 21/11/2026 in Hà Nội


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16/7", utc(2027, 7, 16, 1, 0)),
        ("25/11", utc(2026, 11, 25, 1, 0)),
        ("21/11 14h", utc(2026, 11, 21, 7, 0)),  # later today
        ("21/11 9h", utc(2027, 11, 21, 2, 0)),  # earlier today: passed, so next year
        ("21/11", utc(2027, 11, 21, 1, 0)),  # default 08:00 already passed today
        ("29/2", utc(2028, 2, 29, 1, 0)),  # next leap year
    ],
)
def test_date_without_year_is_the_next_one(text: str, expected: datetime) -> None:
    assert parse_when(text, now=LATE_NOV, tz=VN).at == expected


def test_year_rollover_uses_the_bloc_timezone() -> None:
    # 31/12/2026 20:00 UTC is already 1/1/2027 03:00 in Hà Nội.
    now = utc(2026, 12, 31, 20, 0)
    assert parse_when("1/1 8h", now=now, tz=VN).at == utc(2027, 1, 1, 1, 0)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31/6/2026", "impossible"),
        ("31/6", "impossible"),
        ("29/2/2027", "impossible"),
        ("0/7/2026", "impossible"),
        ("16/13/2026", "impossible"),
        ("25h00 16/7/2026", "impossible"),
        ("8h60 16/7/2026", "impossible"),
        ("14h sáng 16/7/2026", "impossible"),
        ("thứ Ba, 16/7/2026", "impossible"),  # 16/7/2026 is a Thursday
        ("1/2/2026", "past"),
        ("1/3/2026 8h", "past"),  # earlier today
        ("", "unreadable"),
        ("mai", "unreadable"),
        ("16/7 đến 18/7", "unreadable"),
        ("8h 9h 16/7/2026", "unreadable"),
        ("16/7/2026 chiều", "unreadable"),  # a hint with no hour
        ("16/7/202", "unreadable"),
        ("8h00", "unreadable"),  # a time alone is not a date
        ("1/16/7", "unreadable"),
    ],
)
def test_errors_name_their_reason(text: str, reason: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text, now=NOW, tz=VN)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


def test_past_allowed_on_request() -> None:
    when = parse_when("1/2/2026", now=NOW, tz=VN, allow_past=True)
    assert when.at == utc(2026, 2, 1, 1, 0)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("16/7/2026", now=datetime(2026, 3, 1), tz=VN)


def test_dst_gap_is_impossible() -> None:
    paris = ZoneInfo("Europe/Paris")
    with pytest.raises(WhenError) as caught:
        parse_when("29/3/2026 2h30", now=NOW, tz=paris)
    assert caught.value.reason == "impossible"
    assert parse_when("29/3/2026 3h30", now=NOW, tz=paris).at == utc(2026, 3, 29, 1, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d,1d,2h", (timedelta(days=7), timedelta(days=1), timedelta(hours=2))),
        ("30m", (timedelta(minutes=30),)),
        ("2h, 7d, 1d", (timedelta(days=7), timedelta(days=1), timedelta(hours=2))),
        ("1d 2h", (timedelta(days=1), timedelta(hours=2))),
        ("7 ngày, 1 ngày, 2 giờ, 30 phút", (timedelta(days=7), timedelta(days=1),
                                            timedelta(hours=2), timedelta(minutes=30))),
        ("1d, 24h", (timedelta(days=1),)),
        ("365d", (timedelta(days=365),)),
        (" 3p ; 1G ", (timedelta(hours=1), timedelta(minutes=3))),
    ],
)  # fmt: skip
def test_offsets(text: str, expected: tuple[timedelta, ...]) -> None:
    assert parse_offsets(text) == expected


@pytest.mark.parametrize("text", ["", ",", "1d2h", "0d", "366d", "7x", "d", "7d,,x", "-1d", "1.5h"])
def test_bad_offsets(text: str) -> None:
    with pytest.raises(ValueError):
        parse_offsets(text)


AT = utc(2026, 7, 16, 1, 0)


@pytest.mark.parametrize(
    ("lang", "with_time", "expected"),
    [
        ("vi", True, "Thứ Năm, 16/07/2026 lúc 08:00"),
        ("en", True, "Thursday, 16/07/2026 at 08:00"),
        ("vi", False, "Thứ Năm, 16/07/2026"),
        ("en", False, "Thursday, 16/07/2026"),
    ],
)
def test_format_when(lang: str, with_time: bool, expected: str) -> None:
    assert format_when(AT, VN, lang, with_time=with_time) == expected


def test_format_when_every_vietnamese_weekday_is_capitalised() -> None:
    days = {format_when(AT + timedelta(days=n), VN, "vi", with_time=False) for n in range(7)}
    names = sorted(d.split(",")[0] for d in days)
    assert names == sorted(["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"])


def test_format_when_shows_local_day() -> None:
    late = utc(2026, 7, 16, 18, 30)  # already 17/7 01:30 in Hà Nội
    assert format_when(late, VN, "vi") == "Thứ Sáu, 17/07/2026 lúc 01:30"


def test_format_when_refuses_naive_and_unknown_language() -> None:
    with pytest.raises(ValueError):
        format_when(datetime(2026, 7, 16, 8), VN, "vi")
    with pytest.raises(ValueError):
        format_when(AT, VN, "fr")


def test_parse_then_format_round_trip() -> None:
    when = parse_when("8h00 16/7", now=NOW, tz=VN)
    assert format_when(when.at, VN, "vi") == "Thứ Năm, 16/07/2026 lúc 08:00"


@pytest.mark.parametrize(
    ("part", "whole", "vi", "en"),
    [
        (8, 12, "66,7%", "66.7%"),
        (7, 12, "58,3%", "58.3%"),
        (12, 12, "100,0%", "100.0%"),
        (0, 12, "0,0%", "0.0%"),
        (0, 0, "0,0%", "0.0%"),
        (1, 16, "6,3%", "6.3%"),  # 6.25 rounds half up
        (1, 3, "33,3%", "33.3%"),
    ],
)
def test_format_percent(part: int, whole: int, vi: str, en: str) -> None:
    assert format_percent(part, whole, "vi") == vi
    assert format_percent(part, whole, "en") == en


def test_format_date() -> None:
    assert format_date(date(2026, 7, 6), "vi") == "06/07/2026"
    assert format_date(date(2026, 7, 6), "en") == "06/07/2026"


@pytest.mark.parametrize(
    ("delta", "vi", "en"),
    [
        (timedelta(days=7), "1 tuần", "1 week"),
        (timedelta(days=1), "1 ngày", "1 day"),
        (timedelta(hours=2), "2 giờ", "2 hours"),
        (timedelta(minutes=30), "30 phút", "30 minutes"),
        (timedelta(seconds=5), "1 phút", "1 minute"),
        (timedelta(0), "1 phút", "1 minute"),
    ],
)
def test_time_left(delta: timedelta, vi: str, en: str) -> None:
    assert (format_left(delta, "vi"), format_left(delta, "en")) == (vi, en)
