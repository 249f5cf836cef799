"""Dates as people write them beyond the numeric forms: parts of day, weekdays, next week,
tomorrow, and English day-first dates (issue 14, item 8)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.core.dates import EXAMPLES, WhenError, examples, parse_when
from tests.test_dates import NOW, VN, utc

# NOW is 09:00 on Sunday 1/3/2026 in Hà Nội (UTC+7).
FORMS = [
    ("sáng 20/7", utc(2026, 7, 20, 1, 0)),
    ("chiều 16/7", utc(2026, 7, 16, 7, 0)),
    ("tối 16/7", utc(2026, 7, 16, 12, 0)),
    ("trưa 16/7", utc(2026, 7, 16, 5, 0)),
    ("3h chiều 16/7", utc(2026, 7, 16, 8, 0)),
    ("8h tối 16/7", utc(2026, 7, 16, 13, 0)),
    ("sáng ngày 20/7/2026", utc(2026, 7, 20, 1, 0)),
    ("8h sáng thứ Hai tuần sau", utc(2026, 3, 2, 1, 0)),  # a Sunday: next week starts tomorrow
    ("14h thứ Sáu tuần tới", utc(2026, 3, 6, 7, 0)),
    ("chiều thứ Sáu", utc(2026, 3, 6, 7, 0)),  # the coming Friday
    ("Chủ nhật tuần sau", utc(2026, 3, 8, 1, 0)),
    ("T2 tuần sau 9h", utc(2026, 3, 2, 2, 0)),
    ("ngày mai", utc(2026, 3, 2, 1, 0)),
    ("sáng mai", utc(2026, 3, 2, 1, 0)),
    ("9h ngày mai", utc(2026, 3, 2, 2, 0)),
    ("chiều nay", utc(2026, 3, 1, 7, 0)),
    ("hôm nay 15h", utc(2026, 3, 1, 8, 0)),
    ("ngày kia 8h", utc(2026, 3, 3, 1, 0)),
    ("9am 2/8", utc(2026, 8, 2, 2, 0)),  # day first: 2 August
    ("2 Aug 2027 9:00", utc(2027, 8, 2, 2, 0)),
    ("2:30pm 20/7/2026", utc(2026, 7, 20, 7, 30)),
    ("16 July 2026 14:00", utc(2026, 7, 16, 7, 0)),
    ("Aug 2, 2027 3 pm", utc(2027, 8, 2, 8, 0)),
    ("2nd of August 10am", utc(2026, 8, 2, 3, 0)),
    ("Monday 9am", utc(2026, 3, 2, 2, 0)),
    ("next Friday 3pm", utc(2026, 3, 6, 8, 0)),
    ("tomorrow morning", utc(2026, 3, 2, 1, 0)),
    ("tomorrow at 3pm", utc(2026, 3, 2, 8, 0)),
    ("Thursday, 16 Jul 2026 at 8:00", utc(2026, 7, 16, 1, 0)),
    ("12pm 16/7", utc(2026, 7, 16, 5, 0)),
]


@pytest.mark.parametrize(("text", "expected"), FORMS)
def test_more_forms(text: str, expected: datetime) -> None:
    when = parse_when(text, now=NOW, tz=VN)
    assert when.at == expected
    assert when.has_time or text in ("Chủ nhật tuần sau", "ngày mai")


def test_a_weekday_alone_is_today_while_its_time_is_ahead() -> None:
    assert parse_when("Chủ nhật 15h", now=NOW, tz=VN).at == utc(2026, 3, 1, 8, 0)
    assert parse_when("Chủ nhật 8h", now=NOW, tz=VN).at == utc(2026, 3, 8, 1, 0)  # 08:00 passed


def test_next_week_and_the_coming_weekday_differ_midweek() -> None:
    wednesday = utc(2026, 3, 4, 2, 0)  # 09:00 on Wednesday 4/3/2026
    assert parse_when("thứ Sáu", now=wednesday, tz=VN).at == utc(2026, 3, 6, 1, 0)
    assert parse_when("thứ Sáu tuần này", now=wednesday, tz=VN).at == utc(2026, 3, 6, 1, 0)
    assert parse_when("thứ Sáu tuần sau", now=wednesday, tz=VN).at == utc(2026, 3, 13, 1, 0)
    assert parse_when("next Friday", now=wednesday, tz=VN).at == utc(2026, 3, 13, 1, 0)
    assert parse_when("thứ Hai tuần sau", now=wednesday, tz=VN).at == utc(2026, 3, 9, 1, 0)


def test_a_part_of_day_sets_the_hour_over_the_default() -> None:
    deadline = parse_when("sáng 20/7", now=NOW, tz=VN, default_time=time(17, 0))
    assert deadline.at == utc(2026, 7, 20, 1, 0)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("thứ Hai tuần này", "past"),  # Monday 23/2
        ("this Friday 3pm", "past"),  # Friday 27/2
        ("hôm nay 8h", "past"),
        ("tuần sau", "unreadable"),  # which day?
        ("ngày mai 20/7", "unreadable"),  # two days
        ("20/7 tuần sau", "unreadable"),
        ("16/7 chiều", "unreadable"),  # an hour was forgotten after the date
        ("đêm 16/7", "unreadable"),  # no usual hour for the night
        ("pm 16/7", "unreadable"),
        ("thứ 8 16/7", "unreadable"),  # no such weekday: not read as Thursday
        ("thứ Hai ngày mai", "impossible"),  # tomorrow is a Monday? no: a Monday is 2/3 … see below
        ("Friday 16/7/2026", "impossible"),  # 16/7/2026 is a Thursday
        ("14h sáng thứ Hai tuần sau", "impossible"),
        ("9am 9pm 16/7", "unreadable"),
        ("31 June", "impossible"),
    ],
)
def test_refusals(text: str, reason: str) -> None:
    if text == "thứ Hai ngày mai":
        # Tomorrow (2/3/2026) is a Monday, so this one agrees; Tuesday does not.
        assert parse_when(text, now=NOW, tz=VN).at == utc(2026, 3, 2, 1, 0)
        text = "thứ Ba ngày mai"
    with pytest.raises(WhenError) as caught:
        parse_when(text, now=NOW, tz=VN)
    assert caught.value.reason == reason


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_examples_of_each_language_parse(lang: str) -> None:
    assert examples(lang) == EXAMPLES[lang]
    for text in examples(lang):
        assert parse_when(text, now=NOW, tz=VN).at > NOW, text


def test_english_examples_are_english() -> None:
    words = " ".join(EXAMPLES["en"])
    for vietnamese in ("giờ", "chiều", "sáng", "ngày", "thứ", "8h", "14h"):
        assert vietnamese not in words
    assert parse_when("2 Aug 2027 9:00", now=NOW, tz=VN).at.tzinfo is UTC
