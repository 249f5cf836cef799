"""One event: /event <id> [move|cancel|remind|host|place], plus /ics and the host /rotation."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.core.commands import CommandText
from bot.core.dates import parse_offsets
from bot.core.names import Named, clean, fold, resolve
from bot.schedule import cases
from bot.schedule.events import MAX_PLACE, Event, next_host, offsets_text, rotation_order
from bot.schedule.ics import IcsEvent, calendar_bytes
from handlers.conversation.turn import Turn
from handlers.roster.commands import find_unit
from handlers.schedule.cards import (
    card_parts,
    find_event,
    point_to_card,
    refresh_card,
    refresh_cards,
)
from handlers.schedule.input import read_when
from handlers.schedule.text import when_text

ACTIONS = {
    "move": "move",
    "doi": "move",
    "cancel": "cancel",
    "huy": "cancel",
    "remind": "remind",
    "nhac": "remind",
    "host": "host",
    "dangcai": "host",
    "place": "place",
    "diadiem": "place",
}
NO_REMINDERS = {"off", "none", "tat", "khong"}
DEFAULT_REMINDERS = {"default", "macdinh", "mac dinh"}


async def cmd_event(turn: Turn, cmd: CommandText) -> None:
    """Show an event; admins move, cancel, re-time reminders, set host or place."""
    _ = turn._
    words = cmd.first_line.split(maxsplit=2)
    if not words:
        await turn.reply(
            _(
                "Write /event <number>, e.g. /event 12. /schedule lists the numbers.\n"
                "Admins: /event 12 move 20/7 8:00 · /event 12 cancel · "
                "/event 12 remind 7d, 1d, 2h · /event 12 host <unit>"
            )
        )
        return
    event = await find_event(turn, words[0])
    if event is None:
        return
    if len(words) == 1:
        await show_event(turn, event)
        return
    action = ACTIONS.get(fold(words[1]))
    rest = words[2] if len(words) > 2 else ""
    if action is None:
        await turn.reply(
            _(
                'I did not understand "%(text)s". Use: /event %(id)s move <when> · '
                "cancel · remind 7d, 1d, 2h · host <unit> · place <place>",
                text=words[1],
                id=event.id,
            )
        )
        return
    if not await turn.is_admin():
        await turn.reply(await turn.who_may_admin())
        return
    if event.cancelled:
        await turn.reply(_("#%(id)s was cancelled; nothing more can change.", id=event.id))
        return
    if event.started(turn.now()):
        await turn.reply(_("#%(id)s has already taken place.", id=event.id))
        return
    if action in ("move", "cancel") and event.source and event.source_prefix != "cycle":
        if event.source_prefix == "form":
            await turn.reply(
                _(
                    "#%(id)s is the deadline of registration form #%(form)s: change it there, "
                    "with /form %(form)s reopen <deadline> or /form %(form)s close.",
                    id=event.id,
                    form=event.source_ref,
                )
            )
        else:
            await turn.reply(
                _("#%(id)s belongs to %(source)s; change it there.", id=event.id, source=event.source)
            )
        return
    handler = {
        "move": move_event,
        "cancel": cancel_event,
        "remind": set_reminders,
        "host": set_host,
        "place": set_place,
    }[action]
    await handler(turn, event, clean(rest))


async def show_event(turn: Turn, event: Event) -> None:
    """The event's card and its reminders; a meeting with no card yet gets its card now."""
    _ = turn._
    text, markup = await card_parts(turn, event)
    reminders = await cases.event_reminders(turn.services.db, event.id)
    offsets = turn.services.running_scheduler.offsets(event)
    lines = [text, ""]
    if not offsets:
        lines.append(_("🔔 No reminders."))
    else:
        lines.append(_("🔔 Reminders (%(offsets)s before):", offsets=offsets_text(offsets)))
    words = {
        "pending": _("planned"),
        "claimed": _("being sent"),
        "sent": _("sent"),
        "skipped": _("skipped"),
        "failed": _("failed"),
    }
    for r in reminders:
        if r.status in words:
            late = _(" (late)") if r.late and r.status == "sent" else ""
            lines.append(f"    • {when_text(turn.tr, r.due_at, turn.tz)} — {words[r.status]}{late}")
    body = "\n".join(lines)
    if markup is None:
        if not await point_to_card(turn, event, body):
            await turn.reply(body)
        return
    if event.card_message_id is not None and await point_to_card(turn, event, body):
        return
    # No card, a card that is gone, or a channel where a reply cannot lead to it (numbered
    # choices): this answer, with the RSVP choices, becomes the meeting's card.
    sent = await turn.post(body, markup)
    if sent is not None and sent.message_id is not None:
        if event.card_chat_id is not None and event.card_message_id is not None:
            await turn.services.outbox.drop_choices(event.card_chat_id, event.card_message_id)
        await cases.remember_card(turn.services.db, event.id, sent.chat_id, sent.message_id)


async def move_event(turn: Turn, event: Event, rest: str) -> None:
    """'/event <id> move <when>': new time, reminders re-planned, the group told once."""
    _ = turn._
    if not rest:
        await turn.reply(_("Write the new time: /event %(id)s move 20/7/2026 8:00", id=event.id))
        return
    at = await read_when(turn, rest, event.kind)
    if at is None:
        return
    if at == event.starts_at:
        await turn.reply(_("#%(id)s is already at that time.", id=event.id))
        return
    moved = await cases.move_event(turn.services, event, at, turn.now())
    await refresh_card(turn, moved.event)
    await refresh_cards(turn, moved.rehosted)
    await turn.reply(
        _(
            '📅 #%(id)s "%(title)s" is moved from %(old)s to %(new)s. The reminders follow the new time.',
            id=event.id,
            title=event.title,
            old=when_text(turn.tr, event.starts_at, turn.tz),
            new=when_text(turn.tr, at, turn.tz),
        )
    )


async def cancel_event(turn: Turn, event: Event, rest: str) -> None:
    """'/event <id> cancel': called off, reminders cancelled, card edited, the group told once."""
    _ = turn._
    cancelled = await cases.cancel_event(turn.services, event, turn.now())
    await refresh_card(turn, cancelled.event)
    await refresh_cards(turn, cancelled.rehosted)
    await turn.reply(
        _(
            '❌ #%(id)s "%(title)s" on %(when)s is cancelled; its reminders will not be sent.',
            id=event.id,
            title=event.title,
            when=when_text(turn.tr, event.starts_at, turn.tz),
        )
    )


async def set_reminders(turn: Turn, event: Event, rest: str) -> None:
    """'/event <id> remind 7d, 1d, 2h' (or 'off', or 'default')."""
    _ = turn._
    key = fold(rest)
    offsets: tuple[timedelta, ...] | None
    if key in NO_REMINDERS:
        offsets = ()
    elif key in DEFAULT_REMINDERS:
        offsets = None
    else:
        try:
            offsets = parse_offsets(rest)
        except ValueError:
            await turn.reply(
                _(
                    "Write the reminder times before the event, e.g. /event %(id)s "
                    "remind 7d, 1d, 2h (d = days, h = hours, m = minutes; at most 365 "
                    'days), or "off", or "default".',
                    id=event.id,
                )
            )
            return
    replanned = await cases.set_reminders(turn.services, event.id, offsets)
    chosen, planned = replanned.offsets, replanned.planned
    if not chosen:
        await turn.reply(_("#%(id)s has no reminders now.", id=event.id))
        return
    lines = [_("Reminders for #%(id)s: %(offsets)s before.", id=event.id, offsets=offsets_text(chosen))]
    lines += [f"    • {when_text(turn.tr, r.due_at, turn.tz)}" for r in planned]
    if len(planned) < len(chosen):
        lines.append(_("Times already past are left out."))
    await turn.reply("\n".join(lines))


def host_label(turn: Turn, event: Event, names: dict[int, str]) -> str | None:
    """The host's name, marked when rotation only proposed it."""
    name = names.get(event.host_unit_id or 0)
    if name and event.host_proposed:
        return turn._("%(unit)s (proposed by rotation)", unit=name)
    return name


async def set_host(turn: Turn, event: Event, rest: str) -> None:
    """'/event <id> host <unit>'."""
    _ = turn._
    if event.kind != "meeting":
        await turn.reply(_("Only meetings have a host unit."))
        return
    if not rest:
        await turn.reply(_("Name the unit: /event %(id)s host <unit>", id=event.id))
        return
    unit = await find_unit(turn, rest)
    if unit is None:
        return
    changed = await cases.set_host(turn.services.db, event, unit.id, turn.now())
    await refresh_card(turn, changed.event)
    await refresh_cards(turn, changed.rehosted)
    await turn.reply(_("Host unit of #%(id)s: %(unit)s.", id=event.id, unit=unit.name))


async def set_place(turn: Turn, event: Event, rest: str) -> None:
    """'/event <id> place <place>'."""
    _ = turn._
    if not rest or len(rest) > MAX_PLACE:
        await turn.reply(
            _(
                "Write the place (at most %(max)s characters): /event %(id)s place <place>",
                max=MAX_PLACE,
                id=event.id,
            )
        )
        return
    await refresh_card(turn, await cases.set_place(turn.services.db, event.id, rest))
    await turn.reply(_("Place of #%(id)s: %(place)s.", id=event.id, place=rest))


# /ics ---------------------------------------------------------------------------------------


async def cmd_ics(turn: Turn, cmd: CommandText) -> None:
    """An iCalendar file of one event or of the bloc's whole schedule."""
    _ = turn._
    assert turn.bloc is not None
    if cmd.first_line:
        event = await find_event(turn, cmd.first_line)
        if event is None:
            return
        events = [event]
        filename = f"su-kien-{event.id}.ics"
    else:
        events = await cases.bloc_events(turn.services.db, turn.bloc.id)
        if not events:
            await turn.reply(_("Nothing is scheduled yet, so there is no calendar to give."))
            return
        filename = (re.sub(r"[^a-z0-9]+", "-", fold(turn.bloc.name)).strip("-") or "lich") + ".ics"
    names = await cases.unit_names(turn.services.db, turn.bloc.id)
    scheduler = turn.services.running_scheduler
    items = [IcsEvent(e, scheduler.offsets(e), host_label(turn, e, names)) for e in events]
    labels = {"host": _("Host unit"), "agenda": _("Agenda"), "reminder": _("Reminder")}
    data = calendar_bytes(
        items, name=turn.bloc.name, timezone=turn.bloc.timezone, now=turn.now(), labels=labels
    )
    await turn.reply_document(data, filename, _("Open the file to add the events to your calendar."))


# /rotation ----------------------------------------------------------------------------------


async def cmd_rotation(turn: Turn, cmd: CommandText) -> None:
    """Show the host rotation; admins set it with '/rotation <unit>, <unit>, …'."""
    _ = turn._
    assert turn.bloc is not None
    view = await cases.rotation_view(turn.services.db, turn.bloc.id)
    units, stored = view.units, list(view.stored)
    if not units:
        await turn.reply(_("This bloc has no units yet. Add them with /units add, one per line."))
        return
    queries = [clean(q) for q in re.split(r"[,\n]", cmd.rest) if clean(q)]
    if queries:
        if not await turn.is_admin():
            await turn.reply(await turn.who_may_admin())
            return
        items = [Named(u.id, u.name) for u in units]
        chosen: list[int] = []
        for query in queries:
            match = resolve(query, items)
            if match.found is None or match.found.id in chosen:
                await turn.reply(
                    _(
                        '"%(query)s" is not one unit of the bloc, or is named twice. '
                        "Nothing was changed. Write e.g. /rotation #3, #1, Công an tỉnh",
                        query=query,
                    )
                )
                return
            chosen.append(match.found.id)
        stored = chosen
        await refresh_cards(
            turn, await cases.set_rotation(turn.services.db, turn.bloc.id, chosen, turn.now())
        )
    order = rotation_order([u.id for u in units], stored)
    names = {u.id: u.name for u in units}
    coming = next_host(order, view.last_host)
    lines = [_("Host rotation of %(bloc)s:", bloc=turn.bloc.name)]
    lines += [f"{i}. {names[u]}" + (" ⭐" if u == coming else "") for i, u in enumerate(order, 1)]
    lines.append(_("⭐ hosts the next meeting created without a host."))
    await turn.reply("\n".join(lines))
