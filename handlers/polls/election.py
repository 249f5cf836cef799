"""/elect: the election of a year's chair and vice chair, and confirming its winners as roles.

The election is an ordinary poll (two ranked categories of quota 1, every unit a candidate)
with the rotation's suggestion (bot/roster/rotation.py) marked on the card and the ballot.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.callbacks import Callback, CallbackError, encode
from bot.core.commands import CommandSpec, CommandText
from bot.core.i18n import N_, Translator
from bot.core.messages import Button, Choices
from bot.core.names import fold
from bot.polls.cases import CategoryRow
from bot.polls.cases.definitions import active_units, confirm_election, create_poll, roles_of
from bot.polls.model import (
    DEFAULT_COMMITTEE,
    MAX_CANDIDATES,
    Committee,
    PollProblem,
    RulesLine,
    parse_rules_line,
)
from bot.polls.tally import Rules
from bot.roster.rotation import suggest_chair_and_vice
from handlers.conversation.turn import Turn
from handlers.polls.problems import problem_text
from handlers.polls.state import PollState, load_state
from handlers.polls.text import draft_text

ELECT = CommandSpec(
    "elect",
    "bau",
    "group",
    True,
    N_("/elect <year>"),
    N_("Election poll for a year's chair and vice chair (rotation suggested)"),
)
CONFIRM_PREFIX = "pcf"


async def store_draft(
    turn: Turn,
    kind: str,
    title: str,
    year: int,
    rules: Rules,
    deadline: datetime | None,
    rows: list[CategoryRow],
    lists: dict[int, tuple[int, ...]],
    suggested: tuple[int | None, int | None] = (None, None),
    *,
    committee: Committee = DEFAULT_COMMITTEE,
) -> None:
    """Save a draft poll and show it."""
    assert turn.bloc is not None
    state = await create_poll(
        turn.services.db,
        turn.bloc.id,
        kind,
        title,
        year,
        rules,
        deadline,
        turn.user_id,
        rows,
        lists,
        suggested,
        committee,
    )
    await turn.reply(draft_text(turn.tr, state, turn.lang, turn.tz))


async def cmd_elect(turn: Turn, cmd: CommandText) -> None:
    """'/elect <year>': a draft election of that year's chair and vice chair, rotation suggested."""
    _ = turn._
    assert turn.bloc is not None
    text = cmd.first_line.strip()
    year = int(text) if text.isdigit() and len(text) == 4 else 0
    if not turn.year() <= year <= turn.year() + 2:
        await turn.reply(
            _(
                "Write the year to elect for, from %(low)s to %(high)s: /elect %(high)s",
                low=turn.year(),
                high=turn.year() + 1,
            )
        )
        return
    found: RulesLine | None = None
    try:
        for line in cmd.lines:
            head, _sep, tail = line.partition(":")
            if fold(head) not in ("rules", "quy tac") or found is not None:
                raise PollProblem("bad_rules", line)
            found = parse_rules_line(tail, now=turn.now(), tz=turn.tz)
    except PollProblem as problem:
        await turn.reply(problem_text(turn.tr, problem))
        return
    units = await active_units(turn.services.db, turn.bloc.id)
    now_roles = await roles_of(turn.services.db, turn.bloc.id, year - 1)
    if len(units) < 2:
        await turn.reply(_("An election needs at least two units. Add them with /units add."))
        return
    order = [u.id for u in units][:MAX_CANDIDATES]
    chair, vice = suggest_chair_and_vice(order, now_roles.chair, now_roles.vice)
    rows = [
        CategoryRow(0, _("Chair unit (Khối trưởng) %(year)s", year=year), 1, "pick", None),
        CategoryRow(1, _("Vice chair unit (Khối phó) %(year)s", year=year), 1, "pick", None),
    ]
    await store_draft(
        turn,
        "election",
        _("Election of the chair and vice chair for %(year)s", year=year),
        year,
        found.rules if found else Rules(),
        found.deadline if found else None,
        rows,
        {0: tuple(order), 1: tuple(order)},
        (chair, vice),
        committee=found.committee if found else DEFAULT_COMMITTEE,
    )


def confirm_button(tr: Translator, state: PollState) -> Choices:
    """The election result's 'make them chair and vice chair' button."""
    text = tr.gettext("✅ Confirm as chair and vice chair for %(year)s", year=state.poll.year)
    return Choices.of([[Button(text, encode(CONFIRM_PREFIX, state.poll.id))]])


async def confirm(turn: Turn, state: PollState, rest: str) -> None:
    """'/poll <id> confirm': an election's winners become that year's chair and vice chair."""
    _ = turn._
    result = state.outcome
    if state.poll.kind != "election":
        await turn.reply(_("Only an election poll (/elect) is confirmed."))
        return
    if result is None or result.phase != "final" or len(result.proposals) != 2:
        await turn.reply(
            _("Poll #%(id)s has no elected chair and vice chair to confirm yet.", id=state.poll.id)
        )
        return
    chair, vice = result.proposals[0][0], result.proposals[1][0]
    done = await confirm_election(
        turn.services.db, state.poll.id, state.bloc.id, state.poll.year, chair, vice, turn.user_id
    )
    if not done:
        await turn.reply(_("Poll #%(id)s was already confirmed.", id=state.poll.id))
        return
    await turn.reply(
        _(
            "Confirmed: %(chair)s is the chair unit (Khối trưởng) and %(vice)s the vice "
            "chair unit (Khối phó) for %(year)s.",
            chair=state.names[chair],
            vice=state.names[vice],
            year=state.poll.year,
        )
    )


async def on_confirm(turn: Turn, data: Callback) -> None:
    """The confirm button under an election's results (admins only)."""
    if turn.bloc is None:
        raise CallbackError("not in a bloc")
    if not await turn.is_admin():
        await turn.alert(await turn.who_may_admin())
        return
    state = await load_state(turn.services.db, data.int(0))
    if state is None or state.bloc.id != turn.bloc.id:
        raise CallbackError("poll of another bloc")
    await turn.press.answer()
    await turn.drop_buttons()
    await confirm(turn, state, "")
