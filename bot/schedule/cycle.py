"""The standard yearly schedule of a bloc (DOMAIN.md: the yearly cycle), proposed by /cycle.

Dates come from the optional ``[cycle]`` table of config.toml, each ``"dd/mm hh:mm"`` in the
bloc's timezone; keys not given keep the usual dates below.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.config import ConfigError
from bot.core.names import fold
from bot.schedule.events import EventKind


@dataclass(frozen=True)
class CycleItem:
    """One step of the yearly cycle: a meeting or a deadline on a fixed day."""

    key: str
    kind: EventKind
    month: int
    day: int
    at: time


DEFAULT_CYCLE: tuple[CycleItem, ...] = (
    CycleItem("covenant", "meeting", 2, 15, time(8, 0)),  # ký kết giao ước thi đua
    CycleItem("pledge", "deadline", 3, 31, time(17, 0)),  # đăng ký thi đua
    CycleItem("midyear_report", "deadline", 7, 10, time(17, 0)),  # báo cáo sơ kết, tự chấm điểm
    CycleItem("midyear_review", "meeting", 7, 20, time(8, 0)),  # hội nghị sơ kết 6 tháng
    CycleItem("yearend_review", "meeting", 11, 25, time(8, 0)),  # hội nghị tổng kết, bình xét
    CycleItem("dossier", "deadline", 12, 10, time(17, 0)),  # hồ sơ khen thưởng gửi Sở Nội vụ
)

_DAY_TIME = re.compile(r"^\s*(\d{1,2})/(\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?\s*$")


def cycle_from_config(extra: Mapping[str, Any]) -> tuple[CycleItem, ...]:
    """The cycle with config.toml's [cycle] dates applied; ConfigError names a bad key."""
    table = extra.get("cycle", {})
    if not isinstance(table, Mapping):
        raise ConfigError('cycle: expected a table of "dd/mm hh:mm" dates')
    known = {item.key for item in DEFAULT_CYCLE}
    for key in table:
        if key not in known:
            raise ConfigError(f"cycle.{key}: unknown step; known: {', '.join(sorted(known))}")
    items = []
    for item in DEFAULT_CYCLE:
        value = table.get(item.key)
        if value is None:
            items.append(item)
            continue
        match = _DAY_TIME.match(value) if isinstance(value, str) else None
        if match is None:
            raise ConfigError(f'cycle.{item.key}: expected "dd/mm hh:mm", got {value!r}')
        day, month = int(match[1]), int(match[2])
        hour, minute = (int(match[3]), int(match[4])) if match[3] else (item.at.hour, item.at.minute)
        try:
            date(2028, month, day)  # a leap year: 29/2 is allowed
            at = time(hour, minute)
        except ValueError as exc:
            raise ConfigError(f"cycle.{item.key}: no such day or time: {value!r}") from exc
        items.append(CycleItem(item.key, item.kind, month, day, at))
    return tuple(items)


@dataclass(frozen=True)
class Proposed:
    """One event of a proposed year, with its moment in UTC."""

    number: int
    key: str
    kind: EventKind
    at: datetime


def propose_cycle(year: int, items: Sequence[CycleItem], tz: ZoneInfo) -> list[Proposed]:
    """The year's events in date order, numbered from 1 (29/2 in a common year becomes 28/2)."""
    found = []
    for item in items:
        day = item.day
        while True:
            try:
                local = datetime.combine(date(year, item.month, day), item.at, tzinfo=tz)
                break
            except ValueError:
                day -= 1
        found.append((local.astimezone(UTC), item))
    found.sort(key=lambda pair: pair[0])
    return [Proposed(i, item.key, item.kind, at) for i, (at, item) in enumerate(found, 1)]


# Words by which an event the chair scheduled by hand is recognised as a step of the cycle (in
# either language), so that /cycle does not propose it a second time.
STEP_WORDS: dict[str, tuple[str, ...]] = {
    "covenant": ("giao uoc", "covenant"),
    "pledge": ("dang ky thi dua", "emulation registration", "pledge"),
    "midyear_report": ("bao cao so ket", "tu cham diem", "self-score", "mid-year report"),
    "midyear_review": ("so ket", "6 thang", "mid-year", "midyear"),
    "yearend_review": ("tong ket", "binh xet", "suy ton", "year-end", "yearend"),
    "dossier": ("ho so", "dossier"),
}


def is_step(key: str, kind: EventKind, step_kind: EventKind, title: str) -> bool:
    """Whether an event of this kind and title is the cycle step `key` (of kind step_kind):
    one of the step's words begins a word of the title, diacritics and case folded."""
    text = " " + " ".join(re.findall(r"[a-z0-9-]+", fold(title)))
    return kind == step_kind and any(f" {w}" in text for w in STEP_WORDS[key])
