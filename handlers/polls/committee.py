"""The counting committee (Ban kiểm phiếu): who holds a code of a round's ballot box, and giving
each their code privately when the round opens.

By default the committee is the chair unit's and the vice chair unit's voters and the members
the chair names ('/poll <id> committee <unit>, …'); while it has fewer than n members, the other
member units fill it in roster order. A holder is the unit's voter, or another of its
representatives, who has a private chat with the bot; each person holds one code at most.
The codes go out before the round opens: if fewer than k could be given, the round does not
open (a box nobody can open would waste every ballot), and the codes given are voided.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.core.i18n import Translator, translator
from bot.core.messages import DeliveryError
from bot.polls.box import SealedBox, make_box
from bot.polls.cases import Holder
from bot.polls.cases.committee import Plan, chat_language, plan_box, plan_committee
from bot.polls.cases.committee import name_committee as named
from bot.polls.cases.state import PollState
from bot.services import Services
from handlers.conversation.turn import Turn
from handlers.polls.text import committee_line

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Issued:
    """A fresh box and who got its codes (None: fewer than k could be given one)."""

    box: SealedBox | None
    holders: tuple[Holder, ...]
    missed: tuple[int, ...]  # units wanted, or in line, whose holder could not be given a code
    reached: int = 0  # members who could be given a code


def code_text(tr: Translator, state: PollState, round_no: int, unit: int, code: str, k: int, n: int) -> str:
    """The private message giving a holder their code."""
    _ = tr.gettext
    return "\n".join(
        [
            "🔑 "
            + _(
                "Counting committee (Ban kiểm phiếu) of poll #%(id)s %(title)s, round %(round)s — %(bloc)s",
                id=state.poll.id,
                title=state.poll.title,
                round=round_no,
                bloc=state.bloc.name,
            ),
            _("You hold a code of the ballot box for %(unit)s. Your code:", unit=state.names.get(unit, "?")),
            code,
            _(
                "Keep it to yourself and keep this message. When voting ends, send it to me here: "
                "/open %(code)s. Any %(k)s of the %(n)s codes open the box together; before that, "
                "nobody can read a ballot, not even whoever runs the bot.",
                code=code,
                k=k,
                n=n,
            ),
        ]
    )


def used_text(tr: Translator, poll_id: int, round_no: int) -> str:
    """What a code's message says once its box was opened (the code is of no use any more)."""
    return "🔑 " + tr.gettext(
        "The ballot box of poll #%(id)s, round %(round)s, has been opened and its key forgotten; "
        "the code that was here is of no use any more.",
        id=poll_id,
        round=round_no,
    )


def void_text(tr: Translator, poll_id: int, round_no: int) -> str:
    """What a code's message says when its box was never used."""
    return "🔑 " + tr.gettext(
        "The code that was here is void: round %(round)s of poll #%(id)s did not open with this ballot box.",
        id=poll_id,
        round=round_no,
    )


async def holder_language(services: Services, state: PollState, person: int) -> Translator:
    """The holder's private chat's language, else the bloc's."""
    return translator(await chat_language(services.db, person) or state.bloc.language)


async def issue_box(services: Services, state: PollState, round_no: int) -> Issued:
    """Make a fresh box for the round and give each holder their code privately (nothing is
    stored yet: the caller stores the box with the holders in the transaction opening the round).

    A code that cannot be delivered goes to the next member in line instead (a reserve), so the
    box has n holders whenever n people can be reached.
    """
    plan, taken = await plan_box(services.db, state)
    committee = state.poll.committee
    if len(plan.members) < committee.k:
        return Issued(None, (), plan.missed, len(plan.members))
    box, codes = make_box(committee.k, len(plan.members), taken={*taken, *services.box_ids})
    services.box_ids.add(box.box_id)  # two polls opened at once drew the same id (bench, 1 in ~25)
    holders: list[Holder] = []
    missed = list(plan.missed)
    line = [*plan.members, *plan.reserves]
    for share, code in enumerate(codes, 1):
        while line:
            member = line.pop(0)
            tr = await holder_language(services, state, member.person)
            text = code_text(tr, state, round_no, member.unit, code, box.k, box.n)
            try:
                sent = await services.outbox.tell(member.person, text)
            except DeliveryError as exc:  # one failed send must not stop the others
                log.warning("could not give a code of poll %s: %s", state.poll.id, type(exc).__name__)
                sent = None
            if sent is not None:
                holders.append(Holder(share, member.person, member.unit, sent.message_id))
                break
            missed.append(member.unit)
    del codes  # never kept: each code given now exists only in its holder's chat
    if len(holders) < box.k:
        await void_codes(services, state, round_no, holders)
        return Issued(None, (), tuple(missed), len(holders))
    return Issued(box, tuple(holders), tuple(missed), len(holders))


async def void_codes(
    services: Services, state: PollState, round_no: int, holders: tuple[Holder, ...] | list[Holder]
) -> None:
    """Tell holders of a box that is not used (never stored, or replaced) that their code is void
    (the code's message is edited away where the channel can)."""
    for holder in holders:
        tr = await holder_language(services, state, holder.person_id)
        text = void_text(tr, state.poll.id, round_no)
        try:
            if holder.message_id is None or not await services.outbox.edit(
                holder.person_id, holder.message_id, text
            ):
                await services.outbox.tell(holder.person_id, text)
        except DeliveryError:
            log.info("could not void a code of poll %s", state.poll.id)


async def retire_codes(services: Services, state: PollState, round_no: int) -> None:
    """After the count: the holders' code messages say the box is opened (the codes vanish)."""
    for holder in state.committee_of(round_no):
        if holder.message_id is None:
            continue
        tr = await holder_language(services, state, holder.person_id)
        try:
            await services.outbox.edit(
                holder.person_id, holder.message_id, used_text(tr, state.poll.id, round_no)
            )
        except DeliveryError:
            log.info("could not retire a code message of poll %s", state.poll.id)


def planned_line(tr: Translator, state: PollState, plan: Plan) -> str:
    """The committee the next box (the draft's, a round 2's, a re-run's) will get, and who cannot be reached."""
    _ = tr.gettext
    names = "; ".join(f"{state.names.get(m.unit, '?')} ({m.name})" for m in plan.members)
    lines = [
        _(
            "Counting committee (Ban kiểm phiếu) of the next ballot box: %(members)s; any %(k)s of the codes "
            "open the ballot box. The chair names members with /poll %(id)s committee <unit>, <unit>.",
            members=names or "—",
            k=state.poll.committee.k,
            id=state.poll.id,
        )
    ]
    lines += missed_lines(tr, state, plan.missed, len(plan.members))
    return "\n".join(lines)


def missed_lines(tr: Translator, state: PollState, missed: tuple[int, ...], members: int) -> list[str]:
    """Who could not be given a code, and whether the box can open without them."""
    _ = tr.gettext
    lines = []
    if missed:
        lines.append(
            _(
                "I could not reach anyone of these units privately, so they hold no code: %(units)s. "
                "Their voter presses Start in a private chat with me.",
                units=", ".join(dict.fromkeys(state.names.get(u, "?") for u in missed)),
            )
        )
    if members < state.poll.committee.k:
        lines.append(
            _(
                "The ballot box needs %(k)s committee members with a private chat with me; there are "
                "%(found)s. Voting cannot open until there are.",
                k=state.poll.committee.k,
                found=members,
            )
        )
    return lines


async def show_committee(turn: Turn, state: PollState) -> None:
    """'/poll <id> committee': who holds (or will hold) the codes."""
    round_no = state.poll.round
    if (state.poll.status == "open" or state.awaiting is not None) and state.committee_of(round_no):
        await turn.reply("🔑 " + committee_line(turn.tr, state, round_no))
        return
    plan = await plan_committee(turn.services.db, state)
    await turn.reply("🔑 " + planned_line(turn.tr, state, plan))


async def name_committee(turn: Turn, state: PollState, units: list[int]) -> PollState:
    """Store the members the chair named (they hold the codes of the poll's next box)."""
    return await named(turn.services.db, state.poll.id, units)
