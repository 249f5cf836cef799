"""People and units: /invite (join codes and links; using them is handlers/roster/joining.py), /voter."""

from __future__ import annotations

from datetime import timedelta

from bot.core.commands import CommandSpec, CommandText
from bot.core.formatting import format_when
from bot.core.i18n import N_, translator
from bot.core.messages import Button, Choices
from bot.roster import cases
from bot.roster.joincodes import shown
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn
from handlers.roster import joining
from handlers.roster.commands import find_unit
from handlers.roster.joining import JOIN, join_command

INVITE = CommandSpec(
    "invite", "moi", "group", True, N_("/invite [unit]"), N_("Get the units' join codes, privately")
)
VOTER = CommandSpec(
    "voter",
    None,
    "group",
    True,
    N_("/voter <unit>"),
    N_("Reply to a member's message: that person casts the unit's ballots"),
)

COMMANDS = [INVITE, JOIN, VOTER]


async def cmd_invite(turn: Turn, cmd: CommandText) -> None:
    """Send the caller, privately, one join link per unit (or for one unit)."""
    _ = turn._
    assert turn.bloc is not None
    if cmd.first_line:
        unit = await find_unit(turn, cmd.first_line)
        if unit is None:
            return
        units = [unit]
    else:
        units = await cases.active_units(turn.services.db, turn.bloc.id)
        if not units:
            await turn.reply(_("This bloc has no units yet. Add them with /units add, one per line."))
            return
    person = await cases.person(turn.services.db, turn.user_id)
    if person is None or not person.started:
        await turn.reply(
            _(
                "I cannot write to you privately yet. Open a chat with me, press Start, then run "
                "/invite here again."
            ),
            Choices.of([[Button(_("Open a chat with the bot"), start="")]]),
        )
        return
    ttl = timedelta(days=turn.services.config.invite_ttl_days)
    expires = turn.now() + ttl
    codes = await cases.issue_invites(
        turn.services.db, turn.bloc.id, [u.id for u in units], turn.user_id, ttl
    )
    command = join_command(turn.lang)
    entries = []
    for unit, code in zip(units, codes, strict=True):
        link = turn.start_link(f"join_{code}")
        typed = f"{command} {shown(code)}"
        entries.append(f"{unit.name}:\n{link}\n{typed}" if link else f"{unit.name}: {typed}")
    when = format_when(expires, turn.tz, turn.lang)
    if turn.start_link("") is not None:
        intro = _(
            "Join links and codes for %(bloc)s. Send each unit its own: the representative opens "
            "the link, or sends me the code in a private chat. Each works once, until %(when)s.",
            bloc=turn.bloc.name,
            when=when,
        )
    else:
        intro = _(
            "Join codes for %(bloc)s. Send each unit its own code: the representative sends it to "
            "me in a private chat, as written here. Each code works once, until %(when)s.",
            bloc=turn.bloc.name,
            when=when,
        )
    delivered = await turn.tell(turn.user_id, intro + "\n\n" + "\n\n".join(entries))
    if delivered:
        await turn.reply(
            turn.tr.ngettext(
                "I sent you the join code of %(n)s unit privately.",
                "I sent you the join codes of %(n)s units privately.",
                len(entries),
            )
        )
    else:
        await turn.reply(
            _("I could not write to you privately. Open a chat with me, press Start, then run /invite again.")
        )


async def cmd_voter(turn: Turn, cmd: CommandText) -> None:
    """As a reply to a member's message: that person casts the unit's ballots."""
    _ = turn._
    assert turn.bloc is not None
    target = turn.incoming.reply_to_person
    if target is None or not cmd.first_line:
        await turn.reply(
            _(
                "Reply to a message of the person who will vote for the unit, with "
                "/voter <unit>, e.g. /voter #2"
            )
        )
        return
    if turn.incoming.reply_to_is_bot:
        await turn.reply(_("A bot cannot vote for a unit. Reply to a person's message."))
        return
    unit = await find_unit(turn, cmd.first_line)
    if unit is None:
        return
    poll = await cases.open_poll(turn.services.db, turn.bloc.id)
    if poll is not None:
        # Moving voters mid-poll let one person cast several units' ballots.
        await turn.reply(
            _(
                "Poll #%(id)s is open: who casts a unit's ballot cannot change until it closes.",
                id=poll,
            )
        )
        return
    linked = await cases.set_voter(
        turn.services.db,
        turn.bloc.id,
        unit.id,
        target,
        turn.incoming.reply_to_name,
        turn.incoming.reply_to_username,
    )
    before, previous = linked.before, linked.previous
    name = turn.incoming.reply_to_name
    text = _("%(person)s now casts the ballots of %(unit)s.", person=name, unit=unit.name)
    if previous is not None and previous.id != unit.id:
        text += "\n" + _("%(person)s no longer represents %(unit)s.", person=name, unit=previous.name)
    await turn.reply(text)
    if before is not None and before.person.user_id != target:
        await turn.services.outbox.tell(
            before.person.user_id,
            translator(turn.bloc.language).gettext(
                "From now on %(person)s casts the ballots of %(unit)s in %(bloc)s, instead of you.",
                person=name,
                unit=unit.name,
                bloc=turn.bloc.name,
            ),
        )


def register(router: Router) -> None:
    """This feature's commands and its join links."""
    joining.register(router)
    router.command(INVITE, cmd_invite)
    router.command(VOTER, cmd_voter)
