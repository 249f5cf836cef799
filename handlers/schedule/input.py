"""Reading what the chair types for the schedule: dates and the length of titles and places."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.core.dates import WhenError, parse_when
from bot.core.names import clean
from bot.schedule.events import MAX_AGENDA, MAX_PLACE, MAX_TITLE, EventKind
from handlers.conversation.turn import Turn
from handlers.schedule.text import date_error

MEETING_TIME = time(8, 0)
DEADLINE_TIME = time(17, 0)  # a deadline with no hour means the end of the office day
HORIZON = timedelta(days=3 * 366)


def future_when(turn: Turn, text: str, kind: EventKind) -> datetime | str:
    """A future moment from day-first text, or the message saying what is wrong with it."""
    default = MEETING_TIME if kind == "meeting" else DEADLINE_TIME
    try:
        at = parse_when(text, now=turn.now(), tz=turn.tz, default_time=default).at
    except WhenError as exc:
        return date_error(turn.tr, clean(text), exc)
    if at - turn.now() > HORIZON:
        return turn._('"%(text)s" is more than three years ahead. Please check the year.', text=clean(text))
    return at


async def read_when(turn: Turn, text: str, kind: EventKind) -> datetime | None:
    """future_when, replying with the problem (and returning None) when there is one."""
    found = future_when(turn, text, kind)
    if isinstance(found, str):
        await turn.reply(found)
        return None
    return found


async def check_text(turn: Turn, title: str, place: str = "", agenda: tuple[str, ...] = ()) -> bool:
    """Lengths of title, place and agenda; replies and returns False when one is too long."""
    _ = turn._
    if not title:
        await turn.reply(_("The title is missing."))
    elif len(title) > MAX_TITLE:
        await turn.reply(_("A title has at most %(max)s characters.", max=MAX_TITLE))
    elif len(place) > MAX_PLACE:
        await turn.reply(_("A place has at most %(max)s characters.", max=MAX_PLACE))
    elif len("\n".join(agenda)) > MAX_AGENDA:
        await turn.reply(_("The agenda has at most %(max)s characters.", max=MAX_AGENDA))
    else:
        return True
    return False
