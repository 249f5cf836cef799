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
from bot.schedule import cases
from bot.schedule.cycle import cycle_from_config, propose_cycle
from bot.schedule.events import EventKind
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn
from handlers.schedule.cards import refresh_cards
from handlers.schedule.text import date_error, when_text

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


def cycle_steps(turn: Turn) -> dict[str, EventKind]:
    """The steps of the yearly cycle (config.toml's [cycle]): key -> kind, in order."""
    return {item.key: item.kind for item in cycle_from_config(turn.services.config.extra)}


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
    draft_id = await cases.keep_cycle_plan(turn.services.db, turn.bloc.id, turn.user_id, plan)
    text, markup = await proposal(turn, plan, draft_id)
    sent = await turn.reply(text, markup)
    if sent is not None and sent.message_id is not None:
        plan["message"] = sent.message_id
        await cases.update_cycle_plan(turn.services.db, draft_id, plan)


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
    existing = await cases.cycle_steps_taken(turn.services.db, turn.bloc.id, year, cycle_steps(turn), turn.tz)
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


async def on_button(turn: Turn, data: Callback) -> None:
    """Confirm creates the events (once); Edit asks for the changed dates."""
    _ = turn._
    action, draft_id = data.str(0), data.int(1)
    if turn.bloc is None or action not in ("ok", "ed"):
        raise CallbackError("bad cycle button")
    if not await turn.is_admin():
        await turn.alert(await turn.who_may_admin())
        return
    plan = await cases.cycle_plan(turn.services.db, draft_id, turn.bloc.id)
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
    done = await cases.confirm_cycle(
        turn.services,
        bloc_id=turn.bloc.id,
        user_id=turn.user_id,
        draft_id=draft_id,
        plan=plan,
        titles={item["key"]: title_of(turn, item, year) for item in plan["items"]},
        steps=cycle_steps(turn),
        tz=turn.tz,
        now=turn.now(),
    )
    if done == "used":
        raise CallbackError("pressed twice")
    await refresh_cards(turn, done.rehosted)
    created = done.created
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
    plan = await cases.cycle_plan(turn.services.db, draft_id, turn.bloc.id)
    if plan is None:
        await turn.reply(_("That proposal is closed. Send /cycle <year> again."))
        return
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    error = await apply_edits(turn, plan, lines) if lines else _("No changes were given.")
    if error:
        await turn.reply(error + "\n" + _("Nothing was changed; press Edit to try again."))
        return
    await cases.update_cycle_plan(turn.services.db, draft_id, plan)
    body, markup = await proposal(turn, plan, draft_id)
    message = plan.get("message")
    if message is not None and await turn.edit(int(message), body, markup):
        await turn.reply(_("The proposal above is updated. Press Confirm when it is right."))
    else:
        await turn.reply(body, markup)
