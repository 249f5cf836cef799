"""People and units: /invite join links, opening them (/start join_…), /voter."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.core.commands import CommandSpec, CommandText
from bot.core.formatting import format_when
from bot.core.i18n import N_, translator
from bot.core.messages import Button, Choices
from bot.roster.model import voter_of
from bot.services import Services
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn
from handlers.roster.commands import find_unit
from storage.polls import PollRepo

INVITE = CommandSpec(
    "invite", "moi", "group", True, N_("/invite [unit]"), N_("Get join links for the units, privately")
)
VOTER = CommandSpec(
    "voter",
    None,
    "group",
    True,
    N_("/voter <unit>"),
    N_("Reply to a member's message: that person casts the unit's ballots"),
)

COMMANDS = [INVITE, VOTER]
JOIN = re.compile(r"^join_([A-Za-z0-9_-]{8,60})$")


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
        async with turn.services.db.read() as uow:
            units = await uow.units.active(turn.bloc.id)
        if not units:
            await turn.reply(_("This bloc has no units yet. Add them with /units add, one per line."))
            return
    async with turn.services.db.read() as uow:
        person = await uow.people.get(turn.user_id)
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
    links = []
    async with turn.services.db.transaction() as uow:
        for unit in units:
            code = await uow.invites.create(turn.bloc.id, unit.id, turn.user_id, ttl)
            links.append(f"{unit.name}:\n{turn.start_link(f'join_{code}') or f'/start join_{code}'}")
    intro = _(
        "Join links for %(bloc)s. Send each unit its own link; each works once, until %(when)s.",
        bloc=turn.bloc.name,
        when=format_when(expires, turn.tz, turn.lang),
    )
    delivered = await turn.tell(turn.user_id, intro + "\n\n" + "\n\n".join(links))
    if delivered:
        await turn.reply(
            turn.tr.ngettext(
                "I sent you %(n)s join link privately.", "I sent you %(n)s join links privately.", len(links)
            )
        )
    else:
        await turn.reply(
            _("I could not write to you privately. Open a chat with me, press Start, then run /invite again.")
        )


async def on_join(turn: Turn, payload: str) -> None:
    """'/start join_<code>' in a private chat: link this person to the invited unit."""
    _ = turn._
    match = JOIN.match(payload)
    if not turn.is_private or match is None:
        await turn.reply(_("This join link is not valid. Ask your bloc's chair for a new one."))
        return
    code = match.group(1)
    user_id = turn.user_id
    await turn.remember_person()
    async with turn.services.db.transaction() as uow:
        invite = await uow.invites.find(code)
        problem = None
        if invite is None:
            problem = _("This join link is not valid. Ask your bloc's chair for a new one.")
        elif invite.used_by is not None and invite.used_by != user_id:
            problem = _("This join link was already used. Ask your bloc's chair for a new one.")
        elif invite.expires_at <= turn.now():
            problem = _("This join link has expired. Ask your bloc's chair for a new one.")
        if problem is not None or invite is None:
            bloc = unit = previous = None
        else:
            bloc = await uow.blocs.get(invite.bloc_id)
            unit = await uow.units.get(invite.unit_id)
            if unit is None or unit.bloc_id != invite.bloc_id or bloc is None:
                problem = _("This join link is not valid. Ask your bloc's chair for a new one.")
            else:
                removed = all(u.id != unit.id for u in await uow.units.active(bloc.id))
                current = await uow.units.unit_of(bloc.id, user_id)
                voting = [p.id for p in await uow.repo(PollRepo).of_bloc(bloc.id) if p.status == "open"]
                if removed:
                    problem = _("This unit is no longer in the bloc. Ask your bloc's chair.")
                elif current is not None and current.id != unit.id and voting:
                    problem = _(
                        "Poll #%(id)s is open: you cannot move to another unit until it closes.",
                        id=voting[0],
                    )
                else:
                    await uow.invites.use(code, user_id)
                    previous = await uow.units.link(bloc.id, unit.id, user_id)
    if problem is not None or bloc is None or unit is None:
        await turn.reply(problem or "")
        return
    if previous is not None and previous.id == unit.id:
        await turn.reply(_("You already represent %(unit)s in %(bloc)s.", unit=unit.name, bloc=bloc.name))
        return
    text = _("Welcome! You now represent %(unit)s in %(bloc)s.", unit=unit.name, bloc=bloc.name)
    if previous is not None and previous.id != unit.id:
        text += "\n" + _("You no longer represent %(unit)s there.", unit=previous.name)
    await turn.reply(text)
    await turn.services.outbox.tell(
        bloc.chat_id,
        translator(bloc.language).gettext(
            "%(person)s joined as a representative of %(unit)s.",
            person=turn.incoming.person_name,
            unit=unit.name,
        ),
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
    poll = await open_poll(turn.services, turn.bloc.id)
    if poll is not None:
        # Moving voters mid-poll let one person cast several units' ballots.
        await turn.reply(
            _(
                "Poll #%(id)s is open: who casts a unit's ballot cannot change until it closes.",
                id=poll,
            )
        )
        return
    async with turn.services.db.transaction() as uow:
        before = voter_of([r for r in await uow.units.representatives(turn.bloc.id) if r.unit_id == unit.id])
        await uow.people.upsert(target, turn.incoming.reply_to_name, turn.incoming.reply_to_username)
        previous = await uow.units.link(turn.bloc.id, unit.id, target)
        await uow.units.set_voter(unit.id, target)
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


async def open_poll(services: Services, bloc_id: int) -> int | None:
    """The id of a poll of the bloc that is open for voting, if any."""
    async with services.db.read() as uow:
        polls = await uow.repo(PollRepo).of_bloc(bloc_id)
    return next((p.id for p in polls if p.status == "open"), None)


def register(router: Router) -> None:
    """This feature's commands and its join links."""
    router.start("join_", on_join)
    router.command(INVITE, cmd_invite)
    router.command(VOTER, cmd_voter)
