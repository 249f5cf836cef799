"""Roster commands in the group: /setup, /bloc, /units, /roster, /chair, /vicechair."""

from __future__ import annotations

import re
from typing import Any

from bot.core.callbacks import Callback, CallbackError, encode
from bot.core.commands import CommandSpec, CommandText
from bot.core.i18n import N_
from bot.core.messages import Button, Choices
from bot.core.names import MAX_NAME, Named, clean, fold, resolve
from bot.roster import cases
from bot.roster.cases import MAX_UNITS, RoleClash, Skipped, UnitRefused
from bot.roster.model import Unit, voter_of
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn

SETUP = CommandSpec(
    "setup", "taokhoi", "group", False, N_("/setup <bloc name>"), N_("Make this group an emulation bloc")
)
BLOC = CommandSpec("bloc", "khoi", "group", False, N_("/bloc"), N_("The bloc's card"))
UNITS = CommandSpec(
    "units",
    "donvi",
    "group",
    False,
    N_("/units [add|remove|rename]"),
    N_("Member units; admins add, remove and rename them"),
)
ROSTER = CommandSpec(
    "roster", "danhsach", "group", False, N_("/roster"), N_("Units, their representatives and roles")
)
CHAIR = CommandSpec(
    "chair", "khoitruong", "group", True, N_("/chair <unit> [year]"), N_("Set the chair unit for a year")
)
VICE = CommandSpec(
    "vicechair",
    "khoipho",
    "group",
    True,
    N_("/vicechair <unit> [year]"),
    N_("Set the vice chair unit for a year"),
)

COMMANDS = [SETUP, BLOC, UNITS, ROSTER, CHAIR, VICE]
# /units sub-commands, English and Vietnamese (typed with or without diacritics: folded).
UNIT_ACTIONS = {
    "add": "add",
    "them": "add",
    "remove": "remove",
    "xoa": "remove",
    "rename": "rename",
    "doiten": "rename",
}
_YEAR = re.compile(r"^(.*?)(?:\s+(?:(?:năm|nam|year)\s+)?(\d{4}))?$", re.IGNORECASE)
_BLOC_YEAR = re.compile(r"^(?:(?:năm|nam|year)\s+)?(\d{4})$", re.IGNORECASE)


def unit_list(units: list[Unit]) -> list[Named]:
    """Units as matchable items, in roster order."""
    return [Named(u.id, u.name) for u in units]


async def find_unit(turn: Turn, query: str) -> Unit | None:
    """Resolve '#3' or a name; on failure reply with 'did you mean' and return None."""
    _ = turn._
    assert turn.bloc is not None
    units = await cases.active_units(turn.services.db, turn.bloc.id)
    match = resolve(query, unit_list(units))
    if match.found is not None:
        return next(u for u in units if u.id == match.found.id)
    if not units:
        await turn.reply(_("This bloc has no units yet. Add them with /units add, one per line."))
    elif match.suggestions:
        numbered = {u.id: i for i, u in enumerate(units, 1)}
        options = "\n".join(f"#{numbered[s.id]} {s.name}" for s in match.suggestions)
        await turn.reply(
            _(
                'I could not tell which unit "%(query)s" is. Did you mean:\n%(options)s\n'
                "Send the command again with the unit's number, e.g. #%(number)s.",
                query=query,
                options=options,
                number=numbered[match.suggestions[0].id],
            )
        )
    else:
        await turn.reply(_('There is no unit "%(query)s" in this bloc. /units shows the list.', query=query))
    return None


# /setup -------------------------------------------------------------------------------------


async def cmd_setup(turn: Turn, cmd: CommandText) -> None:
    """Make this group a bloc; the caller becomes its first admin."""
    _ = turn._
    operators = turn.services.operators
    if turn.is_private:
        await setup_homeless(turn, cmd)
        return
    if turn.bloc is not None:
        await turn.reply(
            _('This group is already the bloc "%(name)s". /bloc shows its card.', name=turn.bloc.name)
        )
        return
    if operators and turn.user_id not in operators:
        await turn.reply(_("Only the bot's operators may set up a new bloc. Please ask them."))
        return
    if not operators:
        if await turn.channel.chat_admin(turn.chat_id, turn.user_id) is False:
            await turn.reply(_("Only an administrator of this Telegram group may set it up as a bloc."))
            return
    name = clean(cmd.first_line)
    if not name:
        await turn.ask(
            "setup", _('What is the bloc\'s name? Reply to this message, e.g. "Khối thi đua số 3".')
        )
        return
    await create_bloc(turn, name, {})


async def create_bloc(turn: Turn, text: str, data: dict[str, Any]) -> None:
    """Store the new bloc (also the answer to the /setup question)."""
    _ = turn._
    name = clean(text)
    if not name or len(name) > MAX_NAME:
        await turn.reply(
            _("A bloc name must have 1 to %(max)s characters. Try /setup <name> again.", max=MAX_NAME)
        )
        return
    incoming = turn.incoming
    created = await cases.create_bloc(
        turn.services.db,
        turn.chat_id,
        name,
        default_language=turn.services.config.language,
        timezone=turn.services.config.timezone,
        user_id=turn.user_id,
        person_name=incoming.person_name,
        username=incoming.username,
    )
    if created == "taken":
        await turn.reply(_("This group is already a bloc."))
        return
    await turn.reply(
        _(
            'Bloc "%(name)s" is set up, and %(person)s is its admin.\n'
            "Next: add the member units, one per line:\n/units add\nCông an tỉnh\nSở Tư pháp",
            name=name,
            person=turn.incoming.person_name,
        )
    )


async def setup_homeless(turn: Turn, cmd: CommandText) -> None:
    """/setup <name> in a private chat, by an operator: a bloc without a home chat, whose posts
    go privately to each of its people (bot/channels/fanout.py); the operator is its admin."""
    _ = turn._
    if turn.user_id not in turn.services.operators:
        await turn.reply(
            _(
                "In a private chat, only the bot's operators may set up a bloc (one without a group "
                "chat). To make a group a bloc, send /setup <bloc name> in that group."
            )
        )
        return
    name = clean(cmd.first_line)
    if not name or len(name) > MAX_NAME:
        await turn.reply(
            _(
                "To set up a bloc without a group chat, send its name (1 to %(max)s characters) "
                "with the command, e.g. /setup Khối thi đua số 3",
                max=MAX_NAME,
            )
        )
        return
    incoming = turn.incoming
    await cases.create_homeless_bloc(
        turn.services.db,
        name,
        language=turn.lang,
        timezone=turn.services.config.timezone,
        user_id=turn.user_id,
        person_name=incoming.person_name,
        username=incoming.username,
    )
    await turn.reply(
        _(
            'Bloc "%(name)s" is set up without a group chat, and %(person)s is its admin. What I '
            "would post in its group goes privately to each representative instead, and the "
            "bloc's commands work here in our private chat.\n"
            "Next: add the member units, one per line:\n/units add\nCông an tỉnh\nSở Tư pháp",
            name=name,
            person=incoming.person_name,
        )
    )


# /bloc ---------------------------------------------------------------------------------------


async def cmd_bloc(turn: Turn, cmd: CommandText) -> None:
    """The bloc card: name, year, chair, vice chair, units, rules; '/bloc 2027' for that year."""
    _ = turn._
    assert turn.bloc is not None
    asked = _BLOC_YEAR.match(cmd.first_line)
    if cmd.first_line and (asked is None or not 2000 <= int(asked[1]) <= turn.year() + 5):
        await turn.reply(
            _("Write /bloc for this year, or /bloc <year>, e.g. /bloc %(year)s.", year=turn.year() + 1)
        )
        return
    card = await cases.bloc_card(turn.services.db, turn.bloc.id, int(asked[1]) if asked else turn.year())
    roles, units = card.roles, card.units
    names = {u.id: u.name for u in units}
    unset = _("not set")
    lines = [
        f"🏳 {turn.bloc.name}",
        _("Year: %(year)s", year=roles.year),
        _("Chair unit (Khối trưởng): %(unit)s", unit=names.get(roles.chair or 0, unset)),
        _("Vice chair unit (Khối phó): %(unit)s", unit=names.get(roles.vice or 0, unset)),
        turn.tr.ngettext("%(n)s member unit", "%(n)s member units", len(units)),
        _(
            "Award review rules: a candidate passes with votes from more than half of all member "
            "units; the vote is valid when at least 2/3 of the units vote; secret ballot."
        ),
    ]
    await turn.reply("\n".join(lines))


# /units --------------------------------------------------------------------------------------


async def cmd_units(turn: Turn, cmd: CommandText) -> None:
    """List units, or add / remove / rename them (admins)."""
    _ = turn._
    words = cmd.first_line.split(maxsplit=1)
    sub = words[0].lower() if words else ""
    rest = words[1] if len(words) > 1 else ""
    if sub == "" and not cmd.lines:
        await show_units(turn)
        return
    action = UNIT_ACTIONS.get(fold(sub))
    if action is None:
        await turn.reply(
            _(
                'I did not understand "%(text)s". Use:\n/units — the list\n'
                "/units add — then one unit per line\n/units remove <unit>\n"
                "/units rename <unit> | <new name>",
                text=cmd.first_line,
            )
        )
        return
    if not await turn.is_admin():
        await turn.reply(await turn.who_may_admin())
        return
    if action == "add":
        names = ([clean(rest)] if clean(rest) else []) + cmd.lines
        if not names:
            await turn.ask("units_add", _("Send the unit names, one per line, as a reply to this message."))
            return
        await add_units(turn, "\n".join(names), {})
    elif action == "remove":
        await remove_unit(turn, rest)
    else:
        await rename_unit(turn, rest)


async def show_units(turn: Turn) -> None:
    """The numbered list of units."""
    _ = turn._
    assert turn.bloc is not None
    units = await cases.active_units(turn.services.db, turn.bloc.id)
    if not units:
        await turn.reply(_("No units yet. An admin adds them with /units add, one per line."))
        return
    body = "\n".join(f"#{i} {u.name}" for i, u in enumerate(units, 1))
    await turn.reply(_("Member units of %(bloc)s:", bloc=turn.bloc.name) + "\n" + body)


async def add_units(turn: Turn, text: str, data: dict[str, Any]) -> None:
    """Add one unit per line; duplicates and bad lines are skipped and named."""
    _ = turn._
    assert turn.bloc is not None
    names = [clean(re.sub(r"^\s*(?:#?\d+[.)]|[-•*])\s+", "", raw)) for raw in text.split("\n")]
    result = await cases.add_units(turn.services.db, turn.bloc.id, [n for n in names if n])
    lines = []
    if result.added:
        lines.append(turn.tr.ngettext("Added %(n)s unit:", "Added %(n)s units:", len(result.added)))
        lines += [f"+ {n}" for n in result.added]
    if result.skipped:
        lines.append(_("Not added:"))
        lines += [f"– {skipped_text(turn, s)}" for s in result.skipped]
    if not result.added and not result.skipped:
        lines.append(_("I found no unit names. Put one unit per line after /units add."))
    lines.append(
        turn.tr.ngettext("The bloc now has %(n)s unit.", "The bloc now has %(n)s units.", result.total)
    )
    await turn.reply("\n".join(lines))


def skipped_text(turn: Turn, skipped: Skipped) -> str:
    """Why /units add left a name out."""
    _, name = turn._, skipped.name
    if skipped.reason == "too_long":
        return _('"%(name)s…" is longer than %(max)s characters', name=name[:40], max=MAX_NAME)
    if skipped.reason == "duplicate":
        return _('"%(name)s" is already in the list', name=name)
    if skipped.reason == "not_a_name":
        return _('"%(name)s" is not a unit name', name=name)
    return _('"%(name)s": a bloc has at most %(max)s units', name=name, max=MAX_UNITS)


def unit_buttons(prefix: str, action: str, units: list[Unit], *extra: int) -> Choices:
    """One button per unit, two per row."""
    buttons = [
        Button(f"#{i} {u.name}"[:60], encode(prefix, action, u.id, *extra)) for i, u in enumerate(units, 1)
    ]
    return Choices.of(buttons[i : i + 2] for i in range(0, len(buttons), 2))


async def remove_unit(turn: Turn, query: str) -> None:
    """Offer to take a unit off the roster; the removal itself waits for a confirm button."""
    _ = turn._
    assert turn.bloc is not None
    units = await cases.active_units(turn.services.db, turn.bloc.id)
    if not units:
        await turn.reply(_("This bloc has no units yet."))
        return
    if not clean(query):
        await turn.reply(_("Which unit should I remove?"), unit_buttons("ro", "rm", units))
        return
    # Removing is serious: only a roster number or the unit's full name, never a fragment.
    match = resolve(query, unit_list(units))
    exact = match.found is not None and (
        clean(query).startswith("#") or fold(match.found.name) == fold(query)
    )
    if not exact:
        await not_exact(turn, query, units, match.found, match.suggestions)
        return
    assert match.found is not None
    unit = next(u for u in units if u.id == match.found.id)
    await confirm_remove(turn, unit)


async def not_exact(
    turn: Turn, query: str, units: list[Unit], found: Named | None, suggestions: tuple[Named, ...]
) -> None:
    """A removal asked by a fragment or a name no unit has: say which units come close."""
    _ = turn._
    near = [found] if found is not None else list(suggestions)
    if not near:
        await turn.reply(
            _('There is no unit "%(query)s" in this bloc. /units shows the list.', query=clean(query))
        )
        return
    numbered = {u.id: i for i, u in enumerate(units, 1)}
    await turn.reply(
        _(
            "To remove a unit, write its number or its full name. Did you mean:\n%(options)s\n"
            "To remove it: /units remove #%(number)s",
            options="\n".join(f"#{numbered[n.id]} {n.name}" for n in near),
            number=numbered[near[0].id],
        )
    )


async def confirm_remove(turn: Turn, unit: Unit) -> None:
    """Ask once more before removing, saying what removal does."""
    _ = turn._
    markup = Choices.of(
        [
            [
                Button(_("Remove %(unit)s", unit=unit.name)[:60], encode("ro", "rmok", unit.id)),
                Button(_("Keep it"), encode("ro", "keep", unit.id)),
            ]
        ]
    )
    await turn.reply(
        _(
            'Remove "%(unit)s" from the bloc? Its representatives are unlinked and '
            "its roles end; what it already answered or voted stays in the records. "
            "The units after it move up one number.",
            unit=unit.name,
        ),
        markup,
    )


async def do_remove(turn: Turn, unit: Unit) -> None:
    """Remove a unit; its links and roles go, its history stays."""
    _ = turn._
    await cases.remove_unit(turn.services.db, unit.id)
    await turn.reply(_('Removed "%(name)s" from the bloc.', name=unit.name))


async def rename_unit(turn: Turn, rest: str) -> None:
    """'/units rename <unit> | <new name>'."""
    _ = turn._
    assert turn.bloc is not None
    parts = [clean(p) for p in rest.split("|")]
    if len(parts) != 2 or not all(parts):
        await turn.reply(
            _(
                "Write it like this: /units rename <unit> | <new name>\n"
                "e.g. /units rename #8 | Thanh tra tỉnh Đắk Lắk"
            )
        )
        return
    unit = await find_unit(turn, parts[0])
    if unit is None:
        return
    new = parts[1]
    if len(new) > MAX_NAME:
        await turn.reply(_("A unit name has at most %(max)s characters.", max=MAX_NAME))
        return
    renamed = await cases.rename_unit(turn.services.db, turn.bloc.id, unit, new)
    if isinstance(renamed, UnitRefused):
        await turn.reply(_('There is already a unit called "%(name)s".', name=renamed.clash.name))
        return
    await turn.reply(_('Renamed "%(old)s" to "%(new)s".', old=unit.name, new=new))


# /roster -------------------------------------------------------------------------------------


async def cmd_roster(turn: Turn, cmd: CommandText) -> None:
    """Units with their representatives, voters and roles."""
    _ = turn._
    assert turn.bloc is not None
    roles = await turn.roles()
    roster = await cases.roster_view(turn.services.db, turn.bloc.id)
    units = roster.units
    if not units:
        await turn.reply(_("No units yet. An admin adds them with /units add, one per line."))
        return
    lines = [_("Roster of %(bloc)s (%(year)s):", bloc=turn.bloc.name, year=roles.year)]
    linked = 0
    for i, unit in enumerate(units, 1):
        role = {roles.chair: _(" — chair"), roles.vice: _(" — vice chair")}.get(unit.id, "")
        lines.append(f"#{i} {unit.name}{role}")
        mine = roster.of(unit)
        voter = voter_of(mine)
        if mine:
            linked += 1
        for rep in mine:
            mark = _(" (votes)") if rep is voter and (len(mine) > 1 or rep.is_voter) else ""
            handle = f" @{rep.person.username}" if rep.person.username else ""
            lines.append(f"    • {rep.person.full_name}{handle}{mark}")
        if not mine:
            lines.append("    " + _("no one linked yet"))
    lines.append(
        _(
            "%(linked)s of %(total)s units have someone linked. Admins send join links with /invite.",
            linked=linked,
            total=len(units),
        )
    )
    await turn.reply("\n".join(lines))


# /chair, /vicechair --------------------------------------------------------------------------


async def cmd_chair(turn: Turn, cmd: CommandText) -> None:
    """Set the chair unit for a year."""
    await set_role(turn, cmd, "chair")


async def cmd_vice(turn: Turn, cmd: CommandText) -> None:
    """Set the vice chair unit for a year."""
    await set_role(turn, cmd, "vice")


async def set_role(turn: Turn, cmd: CommandText, role: str) -> None:
    """Parse '<unit> [<year>]' (or offer buttons) and store the role."""
    _ = turn._
    assert turn.bloc is not None
    match = _YEAR.match(cmd.first_line.strip())
    query, year_text = (match.group(1).strip(), match.group(2)) if match else ("", None)
    year = int(year_text) if year_text else turn.year()
    if not turn.year() - 1 <= year <= turn.year() + 5:
        await turn.reply(
            _("The year must be between %(low)s and %(high)s.", low=turn.year() - 1, high=turn.year() + 5)
        )
        return
    if not query:
        units = await cases.active_units(turn.services.db, turn.bloc.id)
        if not units:
            await turn.reply(_("This bloc has no units yet. Add them with /units add, one per line."))
            return
        question = (
            _("Which unit is the chair in %(year)s?", year=year)
            if role == "chair"
            else _("Which unit is the vice chair in %(year)s?", year=year)
        )
        await turn.reply(question, unit_buttons("ro", role, units, year))
        return
    unit = await find_unit(turn, query)
    if unit is not None:
        await store_role(turn, unit, role, year)


def clash_text(turn: Turn, unit: Unit, role: str, year: int) -> str:
    """The refusal when the unit already holds the other role that year."""
    _ = turn._
    return (
        _(
            "%(unit)s is already the vice chair unit in %(year)s. Choose another unit, or first "
            "make another unit vice chair with /vicechair.",
            unit=unit.name,
            year=year,
        )
        if role == "chair"
        else _(
            "%(unit)s is already the chair unit in %(year)s. Choose another unit, or first "
            "make another unit chair with /chair.",
            unit=unit.name,
            year=year,
        )
    )


async def store_role(turn: Turn, unit: Unit, role: str, year: int) -> None:
    """Record the role and say so."""
    _ = turn._
    assert turn.bloc is not None
    stored = await cases.set_role(turn.services.db, turn.bloc.id, year, role, unit.id)
    if isinstance(stored, RoleClash):
        await turn.reply(clash_text(turn, unit, role, year))
        return
    old = stored.replaced
    if old is not None and role == "chair":
        text = _(
            "%(unit)s is the chair unit (Khối trưởng) for %(year)s, replacing %(old)s.",
            unit=unit.name,
            year=year,
            old=old.name,
        )
    elif old is not None:
        text = _(
            "%(unit)s is the vice chair unit (Khối phó) for %(year)s, replacing %(old)s.",
            unit=unit.name,
            year=year,
            old=old.name,
        )
    elif role == "chair":
        text = _("%(unit)s is the chair unit (Khối trưởng) for %(year)s.", unit=unit.name, year=year)
    else:
        text = _("%(unit)s is the vice chair unit (Khối phó) for %(year)s.", unit=unit.name, year=year)
    await turn.reply(text)


async def on_button(turn: Turn, data: Callback) -> None:
    """Unit picker buttons: remove, chair, vice (admins only; state re-checked)."""
    _ = turn._
    query = turn.press
    action = data.text(0)
    if action not in ("rm", "rmok", "keep", "chair", "vice") or turn.bloc is None:
        raise CallbackError("unknown action")
    if not await turn.is_admin():
        await turn.alert(await turn.who_may_admin())
        return
    unit = await cases.unit_by_id(turn.services.db, data.int(1))
    if unit is None or unit.bloc_id != turn.bloc.id:
        raise CallbackError("unit of another bloc")
    year = data.int(2) if action in ("chair", "vice") else 0
    if action in ("chair", "vice") and not turn.year() - 1 <= year <= turn.year() + 5:
        raise CallbackError("year out of range")  # before answering: a query is answered once
    await query.answer()
    await turn.drop_buttons()
    if action in ("rm", "rmok", "keep"):
        still = any(u.id == unit.id for u in await cases.active_units(turn.services.db, turn.bloc.id))
        if not still:
            return
        if action == "rm":
            await confirm_remove(turn, unit)
        elif action == "rmok":
            await do_remove(turn, unit)
        else:
            await turn.reply(_("Nothing was removed."))
        return
    await store_role(turn, unit, action, year)


def register(router: Router) -> None:
    """This feature's commands, buttons and guided answers."""
    router.questions.register("setup", create_bloc)
    router.questions.register("units_add", add_units)
    router.command(SETUP, cmd_setup, needs_bloc=False)
    router.command(BLOC, cmd_bloc)
    router.command(UNITS, cmd_units)
    router.command(ROSTER, cmd_roster)
    router.command(CHAIR, cmd_chair)
    router.command(VICE, cmd_vice)
    router.button("ro", on_button)
