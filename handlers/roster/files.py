"""Roster files: /export roster (XLSX) and /import as a reply to a CSV/XLSX file."""

from __future__ import annotations

from bot.core.commands import CommandSpec, CommandText
from bot.core.i18n import N_
from bot.core.names import MAX_NAME, fold
from bot.core.offload import in_worker
from bot.roster import cases
from bot.roster.cases import MAX_UNITS, TooManyUnits
from bot.roster.files import MAX_IMPORT_BYTES, ImportError_, RosterRow, build_xlsx, parse_import_safely
from bot.roster.model import voter_of
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn

EXPORT = CommandSpec(
    "export", None, "group", True, N_("/export roster"), N_("The roster as a spreadsheet (XLSX)")
)
IMPORT = CommandSpec(
    "import", None, "group", True, N_("/import"), N_("Reply to a CSV/XLSX file: add its units and roles")
)

COMMANDS = [EXPORT, IMPORT]


async def cmd_export(turn: Turn, cmd: CommandText) -> None:
    """Send the roster as XLSX."""
    _ = turn._
    assert turn.bloc is not None
    what = fold(cmd.first_line)
    if what not in ("roster", "danh sach", "danhsach"):
        await turn.reply(_("What should I export? Try /export roster"))
        return
    await turn.reply_document(*await roster_workbook(turn))


async def roster_workbook(turn: Turn) -> tuple[bytes, str, str]:
    """(bytes, filename, caption) of the roster XLSX in the chat's language."""
    _ = turn._
    assert turn.bloc is not None
    roles = await turn.roles()
    roster = await cases.roster_view(turn.services.db, turn.bloc.id)
    rows: list[RosterRow] = []
    for number, unit in enumerate(roster.units, 1):
        role = {roles.chair: _("Chair"), roles.vice: _("Vice chair")}.get(unit.id, "")
        mine = roster.of(unit)
        voter = voter_of(mine)
        if not mine:
            rows.append(RosterRow(number, unit.name, role, "", None, "", False))
        for rep in mine:
            rows.append(
                RosterRow(
                    number,
                    unit.name,
                    role,
                    rep.person.full_name,
                    rep.person.user_id,
                    rep.person.username or "",
                    rep is voter,
                )
            )
    headers = [_("No."), _("Unit"), _("Role"), _("Representative"), "Telegram ID", _("Username"), _("Votes")]
    title = _("Roster of %(bloc)s (%(year)s)", bloc=turn.bloc.name, year=roles.year)
    data = await in_worker(
        build_xlsx, title, headers, rows, _("Roster")
    )  # off the loop: a big bloc's takes long
    filename = f"roster-{turn.bloc.id}-{roles.year}.xlsx"
    return data, filename, title


async def cmd_import(turn: Turn, cmd: CommandText) -> None:
    """Add the units (and roles, links) listed in a replied-to CSV/XLSX file."""
    _ = turn._
    assert turn.bloc is not None
    document = turn.incoming.attachment
    if document is None:
        await turn.reply(
            _(
                "Reply with /import to a message that has a CSV or XLSX file. "
                'It needs a column "Đơn vị"; "Vai trò" and "Telegram ID" are '
                "optional. /export roster gives a file in the right shape."
            )
        )
        return
    if document.size > MAX_IMPORT_BYTES:
        await turn.reply(_("That file is too big (at most 2 MB)."))
        return
    data = await turn.channel.fetch(document)
    try:
        rows = await parse_import_safely(data, document.filename)
    except ImportError_ as exc:
        reasons = {
            "format": _("I can read only .csv and .xlsx files."),
            "unreadable": _("I could not open that file as a spreadsheet."),
            "no_header": _('I found no column named "Đơn vị" (or "Unit") in the first rows.'),
            "empty": _("The file has no unit names."),
            "too_big": _("That file is too big (at most 2 MB)."),
            "too_complex": _("That file is too large or complicated to read as a roster."),
            "too_many": _("That file has too many rows (at most 500)."),
        }
        await turn.reply(reasons.get(exc.reason, reasons["unreadable"]) + " " + _("Nothing was changed."))
        return
    bad = [r.unit for r in rows if len(r.unit) > MAX_NAME]
    if bad:
        await turn.reply(
            _(
                "A unit name in the file is longer than %(max)s characters: "
                '"%(name)s…". Nothing was changed.',
                max=MAX_NAME,
                name=bad[0][:40],
            )
        )
        return
    done = await cases.import_roster(turn.services.db, turn.bloc.id, turn.year(), rows)
    if isinstance(done, TooManyUnits):
        await turn.reply(
            _(
                "A bloc has at most %(max)s units; with this file it would have %(n)s. Nothing was changed.",
                max=MAX_UNITS,
                n=done.total,
            )
        )
        return
    listed = done.listed
    lines = [
        _(
            "Import done: %(added)s units added, %(roles)s roles set.",
            added=done.added,
            roles=done.roles,
        )
    ]
    if listed:
        lines.append(
            turn.tr.ngettext(
                "%(n)s person is named in the file: a file links nobody; send each unit its join link with /invite.",
                "%(n)s people are named in the file: a file links nobody; send each unit its join link with /invite.",
                listed,
            )
        )
    await turn.reply("\n".join(lines))


def register(router: Router) -> None:
    """This feature's commands."""
    router.command(EXPORT, cmd_export)
    router.command(IMPORT, cmd_import)
