"""'/poll <id> minutes [<place>] [| <secretary>] [| <presiding>]': the DOCX minutes.

The chart went to the group with the results (handlers/polls/results.py); the minutes do not
send it again.

The place is where the count was held; its part after the last comma names the locality of the
heading ('Hội trường Công an tỉnh, Đắk Lắk' -> 'Đắk Lắk, ngày …'). The secretary is typed by
the chair; the presiding person is the chair unit's voter unless typed. What the bot does not
know is left as a dotted line to fill in by hand, never a unit where a person signs. The words
are handlers/polls/minutes_text.py, the layout bot/polls/minutes.py.
"""

from __future__ import annotations

from bot.core.names import clean
from bot.core.offload import in_worker
from bot.polls.cases.definitions import minutes_facts
from bot.polls.minutes import render_minutes
from bot.roster.model import voter_of
from handlers.conversation.turn import Turn
from handlers.polls.minutes_text import Facts, build_minutes, locality
from handlers.polls.state import PollState


async def send_minutes(turn: Turn, state: PollState, rest: str) -> None:
    """Send the minutes (DOCX) of the poll's rounds to the group."""
    _ = turn._
    if state.poll.status != "closed" or not state.results or state.awaiting is not None:
        await turn.reply(
            _("The minutes are made once the vote is closed: /poll %(id)s close", id=state.poll.id)
        )
        return
    fields = [clean(f) for f in rest.split("|")] + ["", "", ""]
    place, secretary, presiding = fields[:3]
    review_year = state.poll.year if state.poll.kind == "award" else state.poll.year - 1
    known = await minutes_facts(turn.services.db, state.bloc.id, review_year)
    chair, next_roles, reps = known.chair, known.next_roles, known.representatives
    if not presiding and chair is not None:
        voter = voter_of([r for r in reps if r.unit_id == chair])
        presiding = voter.person.full_name if voter is not None else ""
    facts = Facts(place, secretary, presiding, chair, next_roles, turn.now())
    minutes = build_minutes(turn.tr, state, turn.lang, turn.tz, facts)
    # Laying out and drawing take long for a big bloc: in the worker process, so other chats
    # go on (bot/core/offload.py).
    data = await in_worker(render_minutes, minutes)
    name = (_("vote-count-minutes") + f"-{state.poll.id}.docx").replace(" ", "-")
    caption = _("Minutes of poll #%(id)s: %(title)s", id=state.poll.id, title=state.poll.title)
    if not locality(place) or not secretary:
        caption += "\n" + _(
            "Dotted lines are left for what I do not know. To fill them in: /poll %(id)s minutes "
            "<place>, <locality> | <secretary>",
            id=state.poll.id,
        )
    await turn.reply_document(data, name, caption=caption)
