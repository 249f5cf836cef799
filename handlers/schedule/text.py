"""What the schedule shows: meeting cards, RSVP buttons, event lines, reminder messages (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta

from bot.core.callbacks import encode
from bot.core.dates import WhenError, examples
from bot.core.formatting import format_when
from bot.core.i18n import Translator, translator
from bot.core.messages import Button, Choices
from bot.roster.model import Unit
from bot.schedule.events import Event, ReminderView, tally_rsvps

RSVP = "rv"  # callback prefix: rv:<event id>:y|n
CARD_LIMIT = 3600  # past this, the card shows counts and points to /rsvp (Telegram: 4096)


def when_text(tr: Translator, at: datetime, tz: ZoneInfo) -> str:
    """'Thứ Năm, 16/07/2026 lúc 08:00' in the chat's language."""
    return format_when(at, tz, tr.lang)


def kind_word(tr: Translator, event: Event) -> str:
    """'Meeting' or 'Deadline'."""
    return tr.gettext("Meeting") if event.kind == "meeting" else tr.gettext("Deadline")


def event_line(tr: Translator, event: Event, tz: ZoneInfo) -> str:
    """One line of /schedule: '#12 · Thứ Năm, 16/07/2026 lúc 08:00 · Họp: title'."""
    line = f"#{event.id} · {when_text(tr, event.starts_at, tz)} · {kind_word(tr, event)}: {event.title}"
    if event.place:
        line += f" ({event.place})"
    if event.cancelled:
        line += " — " + tr.gettext("cancelled")
    return line


def date_error(tr: Translator, text: str, error: WhenError) -> str:
    """The reply to a date the bot cannot use, with the accepted forms."""
    forms = "\n".join(f"• {f}" for f in examples(tr.lang))
    if error.reason == "past":
        head = tr.gettext(
            '"%(text)s" is already in the past. Please give a time that is still ahead.', text=text
        )
    elif error.reason == "impossible":
        head = tr.gettext('There is no such date or time: "%(text)s".', text=text)
    else:
        head = tr.gettext('I could not read the date "%(text)s".', text=text)
    return head + "\n" + tr.gettext("Write the date day first, for example:") + "\n" + forms


def _count(n: int, unit: timedelta, lang: str) -> str:
    """'3 ngày', '1 giờ', '30 minutes': n of exactly this unit (the threshold keeps Babel from
    rounding up to the next unit, as it would say '1 ngày' for 23 hours)."""
    return format_timedelta(unit * n, threshold=n, locale=lang)


def time_left(delta: timedelta, lang: str) -> str:
    """The time left as it really is: '1 giờ 30 phút', '19 giờ', '3 ngày 5 giờ', '1 tuần'.

    Under an hour to the minute; under a day to five minutes (a reminder sent a minute late
    still says '2 giờ'); beyond a day to the hour. Whole weeks are said in weeks.
    """
    minutes = max(1, round(delta.total_seconds() / 60))
    minute, hour, day, week = (
        timedelta(minutes=1),
        timedelta(hours=1),
        timedelta(days=1),
        timedelta(weeks=1),
    )
    if minutes < 60:
        return _count(minutes, minute, lang)
    if minutes < 24 * 60:
        hours, rest = divmod(5 * round(minutes / 5), 60)
        if hours == 24:
            return _count(1, day, lang)
        return " ".join([_count(hours, hour, lang)] + ([_count(rest, minute, lang)] if rest else []))
    days, hours = divmod(round(minutes / 60), 24)
    if hours == 0 and days % 7 == 0:
        return _count(days // 7, week, lang)
    return " ".join([_count(days, day, lang)] + ([_count(hours, hour, lang)] if hours else []))


def _names(ids: Sequence[int], names: Mapping[int, str]) -> str:
    return ", ".join(names[i] for i in ids)


def card_text(
    tr: Translator,
    event: Event,
    tz: ZoneInfo,
    units: Sequence[Unit],
    answers: Mapping[int, str],
    now: datetime,
) -> str:
    """A meeting card (or a deadline notice): what, when, where, host, agenda, who answered."""
    names = {u.id: u.name for u in units}
    _ = tr.gettext
    if event.kind == "meeting":
        lines = [_("📅 Meeting #%(id)s: %(title)s", id=event.id, title=event.title)]
    else:
        lines = [_("⏳ Deadline #%(id)s: %(title)s", id=event.id, title=event.title)]
    if event.cancelled:
        lines.insert(0, _("❌ CANCELLED"))
    lines.append(_("🕗 Time: %(when)s", when=when_text(tr, event.starts_at, tz)))
    if event.place:
        lines.append(_("📍 Place: %(place)s", place=event.place))
    host = names.get(event.host_unit_id or 0)
    if host and event.host_proposed:
        lines.append(_("🏢 Host unit (proposed by rotation): %(unit)s", unit=host))
    elif host:
        lines.append(_("🏢 Host unit: %(unit)s", unit=host))
    if event.agenda:
        lines.append(_("Agenda:"))
        lines += [f"{i}. {item}" for i, item in enumerate(event.agenda, 1)]
    if event.kind != "meeting":
        return "\n".join(lines)
    tally = tally_rsvps([u.id for u in units], answers)
    lists = [_names(ids, names) or "—" for ids in (tally.attending, tally.absent, tally.unanswered)]
    if sum(map(len, lists)) + sum(map(len, lines)) > CARD_LIMIT:  # one message, edited in place
        lists = ["/rsvp"] * 3
    lines.append("")
    lines.append(_("✅ Attending (%(n)s): %(units)s", n=len(tally.attending), units=lists[0]))
    lines.append(_("❌ Absent (%(n)s): %(units)s", n=len(tally.absent), units=lists[1]))
    lines.append(_("⏳ Not answered (%(n)s): %(units)s", n=len(tally.unanswered), units=lists[2]))
    if not event.cancelled and not event.started(now):
        lines.append(_("Each unit answers once; any of its representatives may change it."))
    return "\n".join(lines)


def card_keyboard(tr: Translator, event: Event, now: datetime) -> Choices | None:
    """RSVP buttons while a meeting is ahead; none for deadlines or once over or cancelled."""
    if event.kind != "meeting" or event.cancelled or event.started(now):
        return None
    return Choices.of(
        [
            [
                Button(tr.gettext("✅ Attend"), encode(RSVP, event.id, "y")),
                Button(tr.gettext("❌ Absent"), encode(RSVP, event.id, "n")),
            ]
        ]
    )


def rsvp_text(
    tr: Translator, event: Event, tz: ZoneInfo, units: Sequence[Unit], answers: Mapping[int, str]
) -> str:
    """/rsvp: who attends, who declined, who has not answered."""
    names = {u.id: u.name for u in units}
    tally = tally_rsvps([u.id for u in units], answers)
    _ = tr.gettext
    lines = [
        _(
            'Answers for meeting #%(id)s "%(title)s" (%(when)s):',
            id=event.id,
            title=event.title,
            when=when_text(tr, event.starts_at, tz),
        )
    ]
    for title, ids in (
        (_("✅ Attending (%(n)s):", n=len(tally.attending)), tally.attending),
        (_("❌ Absent (%(n)s):", n=len(tally.absent)), tally.absent),
        (_("⏳ Not answered (%(n)s):", n=len(tally.unanswered)), tally.unanswered),
    ):
        lines.append(title)
        lines += [f"    • {names[i]}" for i in ids] or ["    —"]
    return "\n".join(lines)


def render_reminder(view: ReminderView) -> str:
    """The one group message of a reminder, in the bloc's language and timezone."""
    tr = translator(view.language)
    _ = tr.gettext
    event, tz = view.event, ZoneInfo(view.timezone)
    if event.kind == "meeting":
        lines = [_("🔔 Reminder — meeting #%(id)s: %(title)s", id=event.id, title=event.title)]
    else:
        lines = [_("🔔 Reminder — deadline #%(id)s: %(title)s", id=event.id, title=event.title)]
    lines.append(
        _(
            "🕗 %(when)s (in %(left)s)",
            when=when_text(tr, event.starts_at, tz),
            left=time_left(event.starts_at - view.now, tr.lang),
        )
    )
    if event.place:
        lines.append(_("📍 Place: %(place)s", place=event.place))
    if view.host_name and view.event.host_proposed:
        lines.append(_("🏢 Host unit (proposed by rotation): %(unit)s", unit=view.host_name))
    elif view.host_name:
        lines.append(_("🏢 Host unit: %(unit)s", unit=view.host_name))
    if view.missing is not None:
        if not view.missing:
            lines.append(_("Every unit has answered."))
        elif event.kind == "meeting":
            lines.append(
                _(
                    "Units that have not said whether they attend (%(n)s): %(units)s",
                    n=len(view.missing),
                    units=", ".join(view.missing),
                )
            )
        else:
            lines.append(
                _(
                    "Units that have not answered yet (%(n)s): %(units)s",
                    n=len(view.missing),
                    units=", ".join(view.missing),
                )
            )
    if view.late:
        lines.append(_("(Sent late: the bot was offline when this reminder was due.)"))
    return "\n".join(lines)
