"""/cycle <year>: the standard yearly schedule proposed, edited if need be, confirmed with one button."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from bot.core.callbacks import Callback, CallbackError, encode
from bot.core.clock import from_db, to_db
from bot.core.commands import CommandText
from bot.core.dates import WhenError, parse_when
from bot.core.i18n import N_
from bot.core.messages import Button, Choices
from bot.schedule.cycle import cycle_from_config, is_step, propose_cycle
from bot.schedule.events import NewEvent
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn
from handlers.schedule.cards import proposed_host, reflow_in, refresh_cards, scheduler_of
from handlers.schedule.text import date_error, when_text
from storage.events import EventRepo

PREFIX = "cy"  # cy:ok:<draft id> / cy:ed:<draft id>
TITLES = {
    "covenant": N_("Conference to sign the %(year)s emulation covenant"),
    "pledge": N_("Emulation registrations for %(year)s (pledges and titles)"),
    "midyear_report": N_("Mid-year %(year)s reports and self-scores to the chair unit"),
    "midyear_review": N_("Mid-year %(year)s review meeting"),
    "yearend_review": N_("Year-end %(year)s review meeting: award review and election"),
    "dossier": N_("%(year)s award dossier to Sở Nội vụ"),
}
_EDIT = re.compile(r"^#?(\d{1,2})\s*\|\s*(.+)$")


def register(router: Router) -> None:
    """The guided answer to 'Edit'."""
    router.questions.register("cycle_edit", on_edit_answer)


def title_of(turn: Turn, item: dict[str, Any], year: int) -> str:
    """A step's title in the chat's language (stored in that language when created)."""
    msgid = TITLES[item["key"]]
    return turn._(msgid, year=year)


def _source(year: int, key: str) -> str:
    return f"cycle:{year}:{key}"


async def cmd_cycle(turn: Turn, cmd: CommandText) -> None:
    """Propose the year's meetings and deadlines; lines '<no> | <when>' or '<no> | -' edit it."""
    _ = turn._
    assert turn.bloc is not None
    text = cmd.first_line
    this_year = turn.year()
    if not re.fullmatch(r"\d{4}", text) or not this_year <= int(text) <= this_year + 1:
        await turn.reply(
            _(
                "Write the year, from %(low)s to %(high)s: /cycle %(high)s\nTo change "
                'a date before confirming, add lines like "3 | 12/7" (or "3 | -" to '
                "leave step 3 out).",
                low=this_year,
                high=this_year + 1,
            )
        )
        return
    year = int(text)
    items = propose_cycle(year, cycle_from_config(turn.services.config.extra), turn.tz)
    plan: dict[str, Any] = {
        "year": year,
        "items": [{"key": p.key, "kind": p.kind, "at": to_db(p.at), "skip": False} for p in items],
    }
    error = await apply_edits(turn, plan, cmd.lines)
    if error:
        await turn.reply(error)
        return
    async with turn.services.db.transaction() as uow:
        draft_id = await uow.repo(EventRepo).create_draft(turn.bloc.id, turn.user_id, "cycle", plan)
    text, markup = await proposal(turn, plan, draft_id)
    sent = await turn.reply(text, markup)
    if sent is not None and sent.message_id is not None:
        plan["message"] = sent.message_id
        async with turn.services.db.transaction() as uow:
            await uow.repo(EventRepo).update_draft(draft_id, plan)


async def apply_edits(turn: Turn, plan: dict[str, Any], lines: list[str]) -> str | None:
    """Apply '<no> | <when>' and '<no> | -' lines to the plan; the error text if one is wrong."""
    _ = turn._
    year, items = int(plan["year"]), plan["items"]
    start = datetime(year, 1, 1, tzinfo=turn.tz)
    reference = max(turn.now(), start)  # a date with no year falls in the cycle's year
    changed = [dict(item) for item in items]
    for line in lines:
        match = _EDIT.match(line)
        number = int(match[1]) if match else 0
        if match is None or not 1 <= number <= len(items):
            return _(
                'I did not understand the line "%(line)s". Write "<number> | <date>" to '
                'move a step or "<number> | -" to leave it out; numbers 1 to %(n)s.',
                line=line,
                n=len(items),
            )
        item, value = changed[number - 1], match[2].strip()
        if value in ("-", "—", "–"):
            item["skip"] = True
            continue
        default = from_db(item["at"]).astimezone(turn.tz).time()
        try:
            at = parse_when(
                value, now=reference, tz=turn.tz, default_time=time(default.hour, default.minute)
            ).at
        except WhenError as exc:
            return date_error(turn.tr, value, exc)
        if at <= turn.now():
            return date_error(turn.tr, value, WhenError("past", value))
        item.update(at=to_db(at), skip=False)
    plan["items"] = changed
    return None


async def proposal(turn: Turn, plan: dict[str, Any], draft_id: int) -> tuple[str, Choices]:
    """The proposal's text (what will be created, what not and why) and its two buttons."""
    _ = turn._
    assert turn.bloc is not None
    year = int(plan["year"])
    existing = await existing_events(turn, year)
    lines = [_("Proposed schedule of %(bloc)s for %(year)s:", bloc=turn.bloc.name, year=year)]
    for number, item in enumerate(plan["items"], 1):
        at = from_db(item["at"])
        kind = _("Meeting") if item["kind"] == "meeting" else _("Deadline")
        line = f"{number}. {when_text(turn.tr, at, turn.tz)} — {kind}: {title_of(turn, item, year)}"
        if item["skip"]:
            line += " " + _("(left out)")
        elif item["key"] in existing:
            line += " " + _("(already scheduled as #%(id)s)", id=existing[item["key"]])
        elif at <= turn.now():
            line += " " + _("(already past: not created)")
        lines.append(line)
    lines.append(_("Confirm to create these events with their reminders, or edit the dates first."))
    markup = Choices.of(
        [
            [
                Button(_("✅ Confirm"), encode(PREFIX, "ok", draft_id)),
                Button(_("✏️ Edit"), encode(PREFIX, "ed", draft_id)),
            ]
        ]
    )
    return "\n".join(lines), markup


async def existing_events(turn: Turn, year: int) -> dict[str, int]:
    """Steps of this year's cycle already scheduled (not cancelled): key -> event id. A step is
    there when /cycle created it, or when the chair scheduled it by hand: an event of the
    step's kind that year whose title names it ("Hội nghị sơ kết 6 tháng" is the mid-year review)."""
    assert turn.bloc is not None
    found: dict[str, int] = {}
    kinds = {item.key: item.kind for item in cycle_from_config(turn.services.config.extra)}
    async with turn.services.db.read() as uow:
        for key in TITLES:
            events = await uow.repo(EventRepo).by_source(_source(year, key))
            live = [e for e in events if not e.cancelled]
            if live:
                found[key] = live[-1].id
        others = [
            e
            for e in await uow.repo(EventRepo).of_bloc(turn.bloc.id)
            if not e.cancelled
            and e.starts_at.astimezone(turn.tz).year == year
            and not (e.source or "").startswith(f"cycle:{year}:")
        ]
    taken = set(found.values())
    for key in TITLES:
        if key in found:
            continue
        match = next(
            (e for e in others if e.id not in taken and is_step(key, e.kind, kinds[key], e.title)), None
        )
        if match is not None:
            found[key] = match.id
            taken.add(match.id)
    return found


async def on_button(turn: Turn, data: Callback) -> None:
    """Confirm creates the events (once); Edit asks for the changed dates."""
    _ = turn._
    action, draft_id = data.str(0), data.int(1)
    if turn.bloc is None or action not in ("ok", "ed"):
        raise CallbackError("bad cycle button")
    if not await turn.is_admin():
        await turn.alert(await turn.who_may_admin())
        return
    async with turn.services.db.read() as uow:
        plan = await uow.repo(EventRepo).draft(draft_id, turn.bloc.id, "cycle")
    if plan is None:
        raise CallbackError("used or unknown draft")
    if action == "ed":
        await turn.press.answer()
        await turn.ask(
            "cycle_edit",
            _(
                'Reply with the changes, one per line: "<number> | <date>" '
                'to move a step, "<number> | -" to leave it out. e.g.\n'
                "3 | 12/7\n5 | -"
            ),
            draft=draft_id,
        )
        return
    await confirm(turn, plan, draft_id)


async def confirm(turn: Turn, plan: dict[str, Any], draft_id: int) -> None:
    """Create the year's events in one transaction and turn the proposal into a summary."""
    _ = turn._
    assert turn.bloc is not None
    year = int(plan["year"])
    existing = await existing_events(turn, year)
    scheduler = scheduler_of(turn)
    created = []
    async with turn.services.db.transaction() as uow:
        if not await uow.repo(EventRepo).use_draft(draft_id):
            raise CallbackError("pressed twice")
        for item in plan["items"]:
            at = from_db(item["at"])
            if item["skip"] or item["key"] in existing or at <= turn.now():
                continue
            host = await proposed_host(uow, turn.bloc.id, at) if item["kind"] == "meeting" else None
            created.append(
                await scheduler.create_in(
                    uow,
                    NewEvent(
                        bloc_id=turn.bloc.id,
                        kind=item["kind"],
                        title=title_of(turn, item, year),
                        starts_at=at,
                        created_by=turn.user_id,
                        host_unit_id=host,
                        host_proposed=host is not None,
                        source=_source(year, item["key"]),
                    ),
                )
            )
        hosts = await reflow_in(uow, turn.bloc.id, turn.now())
    scheduler.wake()
    await refresh_cards(turn, hosts)
    lines = [
        turn.tr.ngettext(
            "Schedule for %(year)s confirmed: %(n)s event created.",
            "Schedule for %(year)s confirmed: %(n)s events created.",
            len(created),
            year=year,
        )
    ]
    lines += [f"#{e.id} · {when_text(turn.tr, e.starts_at, turn.tz)} · {e.title}" for e in created]
    lines.append(_("/event <number> shows a meeting's card with its RSVP buttons."))
    await turn.press.answer()
    await turn.press.edit("\n".join(lines), None)


async def on_edit_answer(turn: Turn, text: str, data: dict[str, Any]) -> None:
    """The chair's changes to a proposal: applied, and the proposal edited in place."""
    _ = turn._
    assert turn.bloc is not None
    draft_id = int(data["draft"])
    async with turn.services.db.read() as uow:
        plan = await uow.repo(EventRepo).draft(draft_id, turn.bloc.id, "cycle")
    if plan is None:
        await turn.reply(_("That proposal is closed. Send /cycle <year> again."))
        return
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    error = await apply_edits(turn, plan, lines) if lines else _("No changes were given.")
    if error:
        await turn.reply(error + "\n" + _("Nothing was changed; press Edit to try again."))
        return
    async with turn.services.db.transaction() as uow:
        await uow.repo(EventRepo).update_draft(draft_id, plan)
    body, markup = await proposal(turn, plan, draft_id)
    message = plan.get("message")
    if message is not None and await turn.edit(int(message), body, markup):
        await turn.reply(_("The proposal above is updated. Press Confirm when it is right."))
    else:
        await turn.reply(body, markup)
