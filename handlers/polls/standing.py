"""Whether a person may vote in a poll now, for which unit, and why not (in their words)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.roster.model import voter_of
from handlers.conversation.turn import Turn
from handlers.polls.state import PollState, load_state


@dataclass(frozen=True)
class Standing:
    """Whether a person may vote in a poll now, and for which unit."""

    state: PollState | None
    unit: int | None
    reason: str  # "ok", "no_poll", "closed", "not_member", "not_voter", "voted"
    voter_name: str = ""


async def standing(turn: Turn, poll_id: int) -> Standing:
    """May the acting person vote in this poll now?"""
    state = await load_state(turn.services.db, poll_id)
    if state is None:
        return Standing(None, None, "no_poll")
    async with turn.services.db.read() as uow:
        unit = await uow.units.unit_of(state.bloc.id, turn.user_id)
        reps = await uow.units.representatives(state.bloc.id)
    if unit is None or unit.id not in state.electorate:
        return Standing(state, None, "not_member")
    if state.poll.status != "open":
        return Standing(state, unit.id, "closed")
    voter = voter_of([r for r in reps if r.unit_id == unit.id])
    if voter is None or voter.person.user_id != turn.user_id:
        return Standing(state, unit.id, "not_voter", voter.person.full_name if voter else "")
    if unit.id in state.voted:
        return Standing(state, unit.id, "voted")
    return Standing(state, unit.id, "ok")


def refusal(turn: Turn, poll_id: int, found: Standing) -> str:
    """Why this person cannot vote in that poll now."""
    _ = turn._
    return {
        "no_poll": _("There is no poll #%(id)s.", id=poll_id),
        "closed": _("Voting on poll #%(id)s is closed.", id=poll_id),
        "not_member": _(
            "You do not vote in poll #%(id)s: it is not your unit's bloc, or your unit "
            "joined after it opened.",
            id=poll_id,
        ),
        "not_voter": _(
            "Your unit's ballot is cast by %(person)s. The chair can change that with /voter.",
            person=found.voter_name or "?",
        ),
        "voted": _("Your unit's ballot for poll #%(id)s is already in; it cannot be changed.", id=poll_id),
    }[found.reason]
