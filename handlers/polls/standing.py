"""Whether a person may vote in a poll now, for which unit, and why not (in their words)."""

from __future__ import annotations

from bot.polls.cases.voting import Standing
from bot.polls.cases.voting import standing as standing_of
from handlers.conversation.turn import Turn

__all__ = ["Standing", "refusal", "standing"]


async def standing(turn: Turn, poll_id: int) -> Standing:
    """May the acting person vote in this poll now?"""
    return await standing_of(turn.services.db, poll_id, turn.user_id)


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
