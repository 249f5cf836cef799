"""'/poll <id> close': voting ends now, or, when that is early, after the admin confirms.

Closing is early while units that have not voted may still vote: before the deadline, or
without a deadline while the quorum is not met (the round would then not be valid and its
ballots would be destroyed unopened). Then the admin is told how many units have voted and
whether the quorum is met, and asked to confirm. The question is a row of the conversations
table, (group, the admin who asked, ``poll-close:<poll>``), holding the round and a random token
that the buttons carry: only that admin's press, on that poll and round, within ASK_TTL,
closes; any other press is answered and changes nothing. With everyone voted, or the deadline
past, the close is at once (the deadline's own timer closes without asking).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from math import ceil
from zoneinfo import ZoneInfo

from bot.core.callbacks import Callback, CallbackError, encode
from bot.core.formatting import format_when
from bot.core.i18n import Translator
from bot.core.messages import Button, Choices
from bot.polls.cases.definitions import ask_to_close, person, take_close_answer
from bot.polls.model import quorum_text
from handlers.conversation.turn import Turn
from handlers.polls.counting import end_voting
from handlers.polls.memory import Memory
from handlers.polls.state import PollState, load_state
from handlers.polls.text import names_of

CLOSE_PREFIX = "pcl"
ASK_TTL = timedelta(minutes=15)
KIND = "poll-close"


def ask_slot(poll_id: int) -> str:
    """The conversations slot of the question 'close poll <id> now?'."""
    return f"{KIND}:{poll_id}"


def quorum_needed(state: PollState) -> int:
    """Ballots the current round needs to be valid."""
    return ceil(state.poll.rules.quorum * max(1, state.members))


def is_early(state: PollState, now: datetime) -> bool:
    """Whether closing now cuts voting short (units that have not voted could still vote)."""
    if len(state.voted) >= state.members:
        return False
    deadline = state.poll.deadline
    return (deadline is not None and now < deadline) or len(state.voted) < quorum_needed(state)


def ask_text(tr: Translator, state: PollState, lang: str, now: datetime, tz: ZoneInfo) -> str:
    """The question: turnout, quorum met or not, the deadline, close now?"""
    _ = tr.gettext
    poll = state.poll
    voted, needed = len(state.voted), quorum_needed(state)
    lines = [
        "⚠️ "
        + _(
            "Close voting on poll #%(id)s %(title)s early? %(voted)s of %(total)s units have voted; "
            "not yet: %(missing)s.",
            id=poll.id,
            title=poll.title,
            voted=voted,
            total=state.members,
            missing=names_of(state, state.missing),
        )
    ]
    if voted >= needed:
        lines.append(
            _(
                "The quorum (%(quorum)s of the member units: %(needed)s units) is met: the result will "
                "be valid, and the units that have not voted cannot vote any more.",
                quorum=quorum_text(poll.rules.quorum),
                needed=needed,
            )
        )
    else:
        lines.append(
            _(
                "The quorum (%(quorum)s of the member units: %(needed)s units) is not met: closing now "
                "makes this round not valid, and its ballots are destroyed unopened.",
                quorum=quorum_text(poll.rules.quorum),
                needed=needed,
            )
        )
    if poll.deadline is not None and now < poll.deadline:
        lines.append(_("Voting is open until %(when)s.", when=format_when(poll.deadline, tz, lang)))
    lines.append(_("Close voting now?"))
    return "\n".join(lines)


def ask_choices(tr: Translator, state: PollState, asker: int, token: str) -> Choices:
    """Close now / keep voting open, bound to the poll, its round, the admin who asked, the token."""
    _ = tr.gettext
    poll = state.poll

    def data(said: str) -> str:
        return encode(CLOSE_PREFIX, poll.id, poll.round, asker, token, said)

    return Choices.of(
        [
            [Button("✅ " + _("Close voting now"), data("y"))],
            [Button("↩️ " + _("Keep voting open"), data("n"))],
        ]
    )


async def close_poll(turn: Turn, state: PollState, rest: str, memory: Memory) -> None:
    """'/poll <id> close': voting ends (the committee is asked to open the box), or, if that is
    early, the admin is asked to confirm."""
    if state.poll.status != "open":
        await turn.reply(turn._("Poll #%(id)s is not open.", id=state.poll.id))
        return
    if is_early(state, turn.now()):
        await ask(turn, state)
        return
    if await end_voting(turn.services, state.poll.id, turn.user_id, memory) is None:
        await turn.reply(turn._("Poll #%(id)s is not open.", id=state.poll.id))


async def ask(turn: Turn, state: PollState) -> None:
    """Store the question (replacing an older one of this admin) and ask it."""
    token = secrets.token_hex(4)
    await ask_to_close(
        turn.services.db,
        turn.chat_id,
        turn.user_id,
        ask_slot(state.poll.id),
        KIND,
        state.poll.round,
        token,
        turn.now() + ASK_TTL,
    )
    await turn.reply(
        ask_text(turn.tr, state, turn.lang, turn.now(), turn.tz),
        ask_choices(turn.tr, state, turn.user_id, token),
    )


async def on_close_press(turn: Turn, data: Callback, memory: Memory) -> None:
    """The answer to 'close voting now?': only the admin who asked, on the question's poll and
    round, before it expires."""
    _ = turn._
    poll_id, round_no, asker, token, said = data.int(0), data.int(1), data.int(2), data.str(3), data.str(4)
    if said not in ("y", "n") or turn.bloc is None:
        raise CallbackError("not a close answer")
    state = await load_state(turn.services.db, poll_id)
    if state is None or state.bloc.id != turn.bloc.id:
        raise CallbackError("poll of another bloc")
    if turn.user_id != asker:
        asking = await person(turn.services.db, asker)
        await turn.alert(
            _(
                "This question is for %(person)s, who asked to close the vote. To close it yourself, "
                "send /poll %(id)s close.",
                person=asking.full_name if asking is not None else "?",
                id=poll_id,
            )
        )
        return
    current = await take_close_answer(
        turn.services.db, turn.chat_id, turn.user_id, ask_slot(poll_id), token, round_no
    )
    if not current:
        await turn.alert(
            _("This question has expired. To close the vote, send /poll %(id)s close again.", id=poll_id)
        )
        await turn.drop_buttons()
        return
    if state.poll.status != "open" or state.poll.round != round_no:
        await turn.alert(_("Poll #%(id)s is not open.", id=poll_id))
        await turn.drop_buttons()
        return
    if not await turn.is_admin():
        await turn.alert(await turn.who_may_admin())
        await turn.drop_buttons()
        return
    await turn.press.answer()
    if said == "n":
        await turn.press.edit(_("Voting on poll #%(id)s stays open; nothing was closed.", id=poll_id), None)
        return
    await turn.drop_buttons()
    closed = await end_voting(turn.services, poll_id, turn.user_id, memory, expected_round=round_no)
    if closed is None:
        await turn.alert(_("Poll #%(id)s is not open.", id=poll_id))
        return
    await turn.press.edit(
        _(
            "Voting on poll #%(id)s was closed early, as confirmed: %(voted)s of %(total)s units voted.",
            id=poll_id,
            voted=len(closed.turnout.get(round_no, frozenset())),
            total=closed.members,
        ),
        None,
    )
