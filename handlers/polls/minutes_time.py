"""Dates and times as a record writes them out: 'vào hồi 17 giờ 01 phút, ngày 19 tháng 12 năm
2026' (Nghị định 30/2020: a day below 10 and the months 1 and 2 with a leading zero)."""

from __future__ import annotations

from datetime import datetime

from bot.core.formatting import format_date
from bot.core.i18n import Translator
from bot.polls.minutes import written_date


def written_day(tr: Translator, moment: datetime) -> str:
    """'ngày 19 tháng 12 năm 2026' / '19/12/2026'."""
    day, month, year = written_date(moment)
    return tr.gettext("%(day)s/%(month)s/%(year)s (a record's date)", day=day, month=month, year=year)


def written_time(tr: Translator, moment: datetime) -> str:
    """'17 giờ 01 phút' / '17:01'."""
    return tr.gettext(
        "%(hour)s:%(minute)s (a record's time)", hour=f"{moment.hour:02d}", minute=f"{moment.minute:02d}"
    )


def written_moment(tr: Translator, moment: datetime, lang: str) -> str:
    """'17 giờ 01 phút ngày 19/12/2026' / '17:01 on 19/12/2026' (within a sentence)."""
    return tr.gettext(
        "%(time)s on %(date)s (a record's moment)",
        time=written_time(tr, moment),
        date=format_date(moment.date(), lang),
    )
