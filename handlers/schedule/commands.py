"""Schedule commands in the group: /meeting (one line or guided), /deadline, /schedule.

The other schedule commands live beside this module: schedule_event (/event, /ics, /rotation),
schedule_cards (cards, RSVP, /rsvp), schedule_cycle (/cycle); register() routes them all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.callbacks import Callback, CallbackError, encode
from bot.core.clock import from_db, to_db
from bot.core.commands import CommandSpec, CommandText
from bot.core.i18n import N_
from bot.core.messages import Button, Choices
from bot.core.names import clean
from bot.schedule import cases
from bot.schedule.events import MAX_PLACE, MAX_TITLE
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn
from handlers.roster.commands import find_unit
from handlers.schedule import cycle as schedule_cycle
from handlers.schedule import event as schedule_event
from handlers.schedule.cards import cmd_rsvp, on_rsvp, post_card, refresh_cards
from handlers.schedule.input import check_text, future_when, read_when
from handlers.schedule.text import RSVP as RSVP_PREFIX
from handlers.schedule.text import event_line

MEETING = CommandSpec(
    "meeting",
    "hop",
    "group",
    True,
    N_("/meeting <when> | <title> [| <place>] [| <host unit>]"),
    N_("Schedule a meeting; its card collects the units' RSVPs"),
)
DEADLINE = CommandSpec(
    "deadline",
    "han",
    "group",
    True,
    N_("/deadline <when> | <title>"),
    N_("Set a deadline; the units are reminded"),
)
SCHEDULE = CommandSpec(
    "schedule",
    "lich",
    "group",
    False,
    N_("/schedule"),
    N_("Upcoming meetings and deadlines with their numbers"),
)
EVENT = CommandSpec(
    "event",
    "sukien",
    "group",
    False,
    N_("/event <id> [move <when> | cancel | remind 7d,1d,2h | host <unit>]"),
    N_("One event: show it; admins move, cancel it or change its reminders"),
)
RSVP = CommandSpec(
    "rsvp",
    "thamdu",
    "group",
    False,
    N_("/rsvp [id]"),
    N_("Who attends a meeting, who is absent, who has not answered"),
)
CYCLE = CommandSpec(
    "cycle", "chuky", "group", True, N_("/cycle <year>"), N_("Propose the standard schedule of a year")
)
ICS = CommandSpec(
    "ics",
    None,
    "group",
    False,
    N_("/ics [id]"),
    N_("Calendar file (iCalendar) of one event or of the whole schedule"),
)
ROTATION = CommandSpec(
    "rotation",
    "luanphien",
    "group",
    False,
    N_("/rotation [unit, unit, …]"),
    N_("The order in which units host meetings; admins change it"),
)

COMMANDS = [MEETING, DEADLINE, SCHEDULE, EVENT, RSVP, CYCLE, ICS, ROTATION]

HOST = "mh"  # callback prefix: mh:<draft id>:<unit id or 0>


# /meeting ------------------------------------------------------------------------------------


async def cmd_meeting(turn: Turn, cmd: CommandText) -> None:
    """'/meeting <when> | <title> [| <place>] [| <host>]' + agenda lines; no arguments: guided."""
    _ = turn._
    if not cmd.first_line and not cmd.lines:
        await turn.ask(
            "meeting_when", _("When is the meeting? Reply with the day and time, e.g. 9am 16/7/2026.")
        )
        return
    fields = cmd.fields()
    if not 2 <= len(fields) <= 4 or not fields[1]:
        await turn.reply(
            _(
                "Write it like this: /meeting <when> | <title> | <place> | <host unit>\n"
                "e.g. /meeting 16/7/2026 8:00 | Hội nghị sơ kết 6 tháng | Hội trường Công an tỉnh | "
                "Công an tỉnh\nPlace and host may be left out; agenda items may follow, one per "
                "line. /meeting alone asks step by step."
            )
        )
        return
    place = fields[2] if len(fields) > 2 else ""
    agenda = tuple(cmd.lines)
    at = await read_when(turn, fields[0], "meeting")
    if at is None or not await check_text(turn, fields[1], place, agenda):
        return
    host_id = None
    if len(fields) > 3 and fields[3]:
        unit = await find_unit(turn, fields[3])
        if unit is None:
            return
        host_id = unit.id
    await create_meeting(turn, at, fields[1], place, host_id, agenda)


async def say_twin(turn: Turn, twin: cases.Twin) -> None:
    """Refused: an event identical to one scheduled (a command sent twice); say which."""
    await turn.reply(
        turn._(
            "This is already scheduled as #%(id)s, at the same time with the same "
            "title; nothing new was created. /event %(id)s shows it.",
            id=twin.event.id,
        )
    )


async def create_meeting(
    turn: Turn,
    at: datetime,
    title: str,
    place: str,
    host_id: int | None,
    agenda: tuple[str, ...] = (),
    *,
    choose_host: bool = True,
) -> None:
    """Store the meeting with its reminders (cases.add_meeting), post its card."""
    assert turn.bloc is not None
    done = await cases.add_meeting(
        turn.services,
        bloc_id=turn.bloc.id,
        user_id=turn.user_id,
        at=at,
        title=title,
        place=place,
        host_id=host_id,
        agenda=agenda,
        choose_host=choose_host,
        now=turn.now(),
    )
    if isinstance(done, cases.Twin):
        await say_twin(turn, done)
        return
    await post_card(turn, done.event)
    await refresh_cards(turn, done.rehosted)


async def guided_when(turn: Turn, text: str, data: dict[str, Any]) -> None:
    """Guided /meeting, step 1: the time."""
    _ = turn._
    at = future_when(turn, text, "meeting")
    if isinstance(at, str):
        await turn.ask("meeting_when", at)
        return
    await turn.ask(
        "meeting_title", _("What is the meeting called? e.g. Hội nghị sơ kết 6 tháng đầu năm"), at=to_db(at)
    )


async def guided_title(turn: Turn, text: str, data: dict[str, Any]) -> None:
    """Guided /meeting, step 2: the title."""
    _ = turn._
    title = clean(text)
    if not title or len(title) > MAX_TITLE:
        await turn.ask(
            "meeting_title",
            _("A title has 1 to %(max)s characters. What is the meeting called?", max=MAX_TITLE),
            **data,
        )
        return
    await turn.ask(
        "meeting_place",
        _("Where does it take place? Reply with the place, or - if it is not decided yet."),
        title=title,
        **data,
    )


async def guided_place(turn: Turn, text: str, data: dict[str, Any]) -> None:
    """Guided /meeting, step 3: the place; then the host unit is picked with buttons."""
    _ = turn._
    assert turn.bloc is not None
    place = "" if clean(text) in ("-", "—", "–") else clean(text)
    if from_db(data["at"]) <= turn.now():
        await turn.reply(_("That time has passed meanwhile. Please start again with /meeting."))
        return
    if len(place) > MAX_PLACE:
        await turn.ask(
            "meeting_place",
            _("A place has at most %(max)s characters. Where does it take place?", max=MAX_PLACE),
            **data,
        )
        return
    at = from_db(data["at"])
    host = await cases.draft_meeting(
        turn.services.db,
        bloc_id=turn.bloc.id,
        user_id=turn.user_id,
        at=at,
        place=place,
        payload={**data, "place": place},
    )
    if host == "no_units":
        await create_meeting(turn, at, data["title"], place, None)
        return
    units, named, proposal, draft = host.units, host.named, host.proposal, host.draft_id
    buttons = [
        Button(("⭐ " if u.id == proposal else "") + f"#{i} {u.name}"[:60], encode(HOST, draft, u.id))
        for i, u in enumerate(units, 1)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([Button(_("No host unit"), encode(HOST, draft, 0))])
    names = {u.id: u.name for u in units}
    question = (
        _("Which unit hosts the meeting? The place belongs to %(unit)s (⭐).", unit=names[named])
        if named is not None
        else _(
            "Which unit hosts the meeting? By rotation it is %(unit)s (⭐).",
            unit=names.get(proposal or 0, "—"),
        )
    )
    await turn.reply(question, Choices.of(rows))


async def on_host(turn: Turn, data: Callback) -> None:
    """Guided /meeting, last step: the host button creates the meeting."""
    _ = turn._
    press = turn.press
    if turn.bloc is None:
        raise CallbackError("not a bloc")
    if not await turn.is_admin():
        await turn.alert(await turn.who_may_admin())
        return
    draft = await cases.take_meeting_draft(
        turn.services.db, bloc_id=turn.bloc.id, draft_id=data.int(0), unit_id=data.int(1), now=turn.now()
    )
    if draft == "stale":
        raise CallbackError("stale draft or unit")
    if draft == "passed":
        await press.answer(_("That time has passed meanwhile. Please start again with /meeting."), alert=True)
        return
    if draft == "used":
        raise CallbackError("draft used")
    await press.answer()
    await press.edit(_("Host unit: %(unit)s", unit=draft.host_name) if draft.host_id else _("No host unit."))
    await create_meeting(turn, draft.at, draft.title, draft.place, draft.host_id, choose_host=False)


# /deadline, /schedule --------------------------------------------------------------------------


async def cmd_deadline(turn: Turn, cmd: CommandText) -> None:
    """'/deadline <when> | <title>': a deadline with reminders, announced in the group."""
    _ = turn._
    assert turn.bloc is not None
    fields = cmd.fields()
    if len(fields) != 2 or not fields[1]:
        await turn.reply(
            _(
                "Write it like this: /deadline <when> | <title>\n"
                "e.g. /deadline 10/7/2026 | Gửi báo cáo sơ kết 6 tháng và bảng tự chấm "
                "điểm\nA day with no hour means 17:00."
            )
        )
        return
    at = await read_when(turn, fields[0], "deadline")
    if at is None or not await check_text(turn, fields[1]):
        return
    done = await cases.add_deadline(
        turn.services, bloc_id=turn.bloc.id, user_id=turn.user_id, at=at, title=fields[1]
    )
    if isinstance(done, cases.Twin):
        await say_twin(turn, done)
        return
    await post_card(turn, done.event)


async def cmd_schedule(turn: Turn, cmd: CommandText) -> None:
    """Upcoming events with their numbers."""
    _ = turn._
    assert turn.bloc is not None
    events = await cases.upcoming_events(turn.services.db, turn.bloc.id, turn.now())
    if not events:
        await turn.reply(
            _(
                "Nothing is scheduled. Admins add meetings with /meeting and deadlines "
                "with /deadline, or propose the year with /cycle."
            )
        )
        return
    lines = [_("Schedule of %(bloc)s:", bloc=turn.bloc.name)]
    lines += [event_line(turn.tr, e, turn.tz) for e in events]
    lines.append(_("/event <number> shows one event; /ics gives a calendar file."))
    await turn.reply("\n".join(lines))


def register(router: Router) -> None:
    """Every schedule command, button and guided answer."""
    router.questions.register("meeting_when", guided_when)
    router.questions.register("meeting_title", guided_title)
    router.questions.register("meeting_place", guided_place)
    schedule_cycle.register(router)
    router.command(MEETING, cmd_meeting)
    router.command(DEADLINE, cmd_deadline)
    router.command(SCHEDULE, cmd_schedule)
    router.command(EVENT, schedule_event.cmd_event)
    router.command(RSVP, cmd_rsvp)
    router.command(CYCLE, schedule_cycle.cmd_cycle)
    router.command(ICS, schedule_event.cmd_ics)
    router.command(ROTATION, schedule_event.cmd_rotation)
    router.button(HOST, on_host)
    router.button(RSVP_PREFIX, on_rsvp)
    router.button(schedule_cycle.PREFIX, schedule_cycle.on_button)
