"""/poll in the group: drafts, candidates, the committee, opening, closing, round 2, decisions,
minutes.

Opening rounds with their ballot box is handlers/polls/opening.py; the private ballot
handlers/polls/voting.py; the counting committee handlers/polls/committee.py, its codes
handlers/polls/codes.py, the count handlers/polls/counting.py; /elect and confirming its
winners handlers/polls/election.py; the rules of the count bot/polls/tally.py; texts
handlers/polls/text.py.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from bot.core.callbacks import Callback
from bot.core.commands import CommandSpec, CommandText
from bot.core.i18n import N_, Translator
from bot.core.names import fold
from bot.polls.cases import CategoryRow
from bot.polls.cases.definitions import active_units, delete_draft, polls_of
from bot.polls.cases.definitions import decide as decided
from bot.polls.cases.definitions import set_candidates as store_candidates
from bot.polls.model import MAX_CANDIDATES, PollProblem, check_decision, parse_poll
from bot.polls.secrecy import install_log_redaction
from bot.roster.model import Unit
from bot.services import Services
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn
from handlers.polls import closing, codes, opening, voting
from handlers.polls import election as polls_election
from handlers.polls import minutes as polls_minutes
from handlers.polls import timers as polls_timers
from handlers.polls.counting import ask_again_if_forgotten, waiting_lines
from handlers.polls.election import store_draft
from handlers.polls.memory import Memory
from handlers.polls.problems import problem_text
from handlers.polls.results import results_text
from handlers.polls.rounds import post_results
from handlers.polls.state import PollState, load_state
from handlers.polls.text import card_text, draft_text, names_of
from handlers.roster.commands import find_unit

Action = Callable[[Turn, PollState, str, Memory], Awaitable[None]]

POLL = CommandSpec(
    "poll",
    "binhxet",
    "group",
    False,
    N_(
        "/poll <title> + <award> | <quota> per line; /poll <id> [open|close|round2]; "
        "/poll <id> minutes <place> | <secretary>"
    ),
    N_("Award review by secret ballot: create, open, close, results, minutes"),
)
COMMANDS = [POLL, polls_election.ELECT, voting.VOTE, codes.OPEN]

SUBCOMMANDS = {
    "candidates": "candidates",
    "ungvien": "candidates",
    "open": "open",
    "mo": "open",
    "close": "close",
    "dong": "close",
    "round2": "round2",
    "vong2": "round2",
    "minutes": "minutes",
    "bienban": "minutes",
    "decide": "decide",
    "quyetdinh": "decide",
    "confirm": "confirm",
    "xacnhan": "confirm",
    "delete": "delete",
    "xoa": "delete",
    "committee": "committee",
    "bankiemphieu": "committee",
    "rerun": "rerun",
    "bophieulai": "rerun",
}
_ID = re.compile(r"^#?(\d{1,9})$")
_DECIDE = re.compile(r"^\s*(\d{1,2})\s*:\s*(.+)$")


def usage(tr: Translator) -> str:
    """How to write /poll."""
    return tr.gettext(
        "Create an award poll like this (one category per line, then an optional rules line):\n"
        "/poll Bình xét thi đua năm 2026\nCờ thi đua của Chính phủ | 1\nCờ thi đua của UBND tỉnh | 2\n"
        "Bằng khen của Chủ tịch UBND tỉnh | 3\nrules: threshold=majority base=members quorum=2/3 "
        "self=yes deadline=16/12/2026 17:00 committee=2/3\n"
        "Then: /poll <id> candidates <unit>, <unit>…; /poll <id> committee <unit>; /poll <id> open; "
        "/poll <id> close (the counting committee then opens the ballot box); /poll <id> round2; "
        "/poll <id>; /poll <id> minutes <place>, <locality> | <secretary>."
    )


async def cmd_poll(turn: Turn, cmd: CommandText, memory: Memory) -> None:
    """Dispatch /poll: list, show, sub-commands, or create a draft."""
    words = cmd.first_line.split(maxsplit=2)
    if not words and not cmd.lines:
        await list_polls(turn)
        return
    found = _ID.match(words[0]) if words else None
    sub = SUBCOMMANDS.get(fold(words[1])) if len(words) > 1 else None
    if found is not None and not cmd.lines and (len(words) == 1 or sub is not None):
        state = await poll_here(turn, int(found.group(1)))
        if state is None:
            return
        if sub is None:
            await show(turn, state, memory)
            return
        if not await turn.is_admin():
            await turn.reply(await turn.who_may_admin())
            return
        if state.awaiting is not None and sub not in ("committee", "rerun"):
            await turn.reply("\n".join(waiting_lines(turn.tr, state, state.awaiting, now=turn.now())))
            return
        await ACTIONS[sub](turn, state, words[2] if len(words) > 2 else "", memory)
        return
    if found is not None and len(words) > 1 and not cmd.lines:
        await turn.reply(turn._('I do not know "%(word)s".', word=words[1]) + "\n" + usage(turn.tr))
        return
    if not await turn.is_admin():
        await turn.reply(await turn.who_may_admin())
        return
    await create(turn, cmd)


async def poll_here(turn: Turn, poll_id: int) -> PollState | None:
    """The poll of this bloc with that id, or a reply saying there is none."""
    assert turn.bloc is not None
    state = await load_state(turn.services.db, poll_id)
    if state is None or state.bloc.id != turn.bloc.id:
        await turn.reply(turn._("There is no poll #%(id)s in this bloc. /poll lists them.", id=poll_id))
        return None
    return state


async def list_polls(turn: Turn) -> None:
    """The bloc's polls with their state."""
    _ = turn._
    assert turn.bloc is not None
    polls = await polls_of(turn.services.db, turn.bloc.id)
    if not polls:
        await turn.reply(_("No polls yet.") + "\n" + usage(turn.tr))
        return
    status = {"draft": _("draft"), "open": _("voting"), "closed": _("closed")}
    lines = [_("Polls of %(bloc)s:", bloc=turn.bloc.name)]
    lines += [f"#{p.id} {p.title} — {status[p.status]} ({_('round %(n)s', n=p.round)})" for p in polls[:30]]
    await turn.reply("\n".join(lines))


async def show(turn: Turn, state: PollState, memory: Memory) -> None:
    """/poll <id>: the draft, the turnout while open, the wait for the committee, the results."""
    if state.poll.status == "draft":
        await turn.reply(draft_text(turn.tr, state, turn.lang, turn.tz))
    elif state.poll.status == "open":
        text = card_text(turn.tr, state, turn.lang, turn.tz)
        if state.missing:
            text += "\n" + turn._("Not voted yet: %(units)s", units=names_of(state, state.missing))
        await turn.reply(text)
    elif state.awaiting is not None:
        state = await ask_again_if_forgotten(turn.services, state, memory)
        round_no = state.awaiting
        assert round_no is not None
        given = len(memory.shares.current((state.poll.id, round_no), turn.now()))
        await turn.reply("\n".join(waiting_lines(turn.tr, state, round_no, given, turn.now())))
    else:
        await turn.reply(results_text(turn.tr, state, turn.lang))


async def create(turn: Turn, cmd: CommandText) -> None:
    """'/poll <title>' + category lines + optional rules line: store a draft."""
    assert turn.bloc is not None
    try:
        spec = parse_poll(cmd.first_line, cmd.lines, now=turn.now(), tz=turn.tz)
    except PollProblem as problem:
        await turn.reply(problem_text(turn.tr, problem) + "\n\n" + usage(turn.tr))
        return
    units = await active_units(turn.services.db, turn.bloc.id)
    if not units:
        await turn.reply(turn._("This bloc has no units yet. Add them with /units add, one per line."))
        return
    rows: list[CategoryRow] = []
    lists: dict[int, tuple[int, ...]] = {}
    for index, cat in enumerate(spec.categories):
        if cat.kind == "confirm":
            unit = await find_unit(turn, cat.confirm_unit)
            if unit is None:
                return
            lists[index] = (unit.id,)
        else:
            if cat.quota > len(units):
                await turn.reply(
                    problem_text(turn.tr, PollProblem("quota_above_units", cat.name, len(units)))
                )
                return
            lists[index] = tuple(u.id for u in units[:MAX_CANDIDATES])
        rows.append(CategoryRow(index, cat.name, cat.quota, cat.kind, cat.threshold))
    await store_draft(
        turn,
        "award",
        spec.title,
        turn.year(),
        spec.rules,
        spec.deadline,
        rows,
        lists,
        committee=spec.committee,
    )


async def set_candidates(turn: Turn, state: PollState, rest: str, memory: Memory) -> None:
    """'/poll <id> candidates <unit>, <unit>, …' on a draft."""
    _ = turn._
    if state.poll.status != "draft":
        await turn.reply(_("Candidates can only change before the poll opens."))
        return
    queries = [q.strip() for q in rest.split(",") if q.strip()]
    if not queries:
        await turn.reply(
            _("Name the candidates: /poll %(id)s candidates #1, #3, Sở Tư pháp", id=state.poll.id)
        )
        return
    chosen: list[Unit] = []
    for query in queries:
        unit = await find_unit(turn, query)
        if unit is None:
            return
        if unit.id not in (u.id for u in chosen):
            chosen.append(unit)
    picks = [c for c in state.categories if c.kind == "pick"]
    biggest = max((c.quota for c in picks), default=0)
    if len(chosen) < biggest or len(chosen) > MAX_CANDIDATES:
        await turn.reply(
            _(
                "Give between %(low)s and %(high)s candidates: a category proposes up to %(low)s units.",
                low=biggest,
                high=MAX_CANDIDATES,
            )
        )
        return
    fresh = await store_candidates(
        turn.services.db, state.poll.id, [c.index for c in picks], [u.id for u in chosen]
    )
    await turn.reply(draft_text(turn.tr, fresh, turn.lang, turn.tz))


async def decide(turn: Turn, state: PollState, rest: str, memory: Memory) -> None:
    """'/poll <id> decide <category no>: <unit>, <unit>': the chair and vice chair's choice."""
    _ = turn._
    result = state.outcome
    match = _DECIDE.match(rest)
    if result is None or result.phase != "decide":
        await turn.reply(_("Nothing in poll #%(id)s waits for the chair and vice chair.", id=state.poll.id))
        return
    if match is None:
        await turn.reply(
            _("Write it like this: /poll %(id)s decide <category no>: <unit>, <unit>", id=state.poll.id)
        )
        return
    index = int(match.group(1)) - 1
    units: list[int] = []
    for query in (q.strip() for q in match.group(2).split(",") if q.strip()):
        unit = await find_unit(turn, query)
        if unit is None:
            return
        units.append(unit.id)
    reason = check_decision(result, index, units, exclusive=state.poll.rules.exclusive)
    if reason is not None:
        await turn.reply(problem_text(turn.tr, PollProblem("decision_" + reason, str(index + 1))))
        return
    fresh = await decided(turn.services.db, state.poll.id, index, units, turn.user_id)
    await post_results(turn.services, fresh, drawn=False)  # the votes, and so the chart, are as they were


async def delete(turn: Turn, state: PollState, rest: str, memory: Memory) -> None:
    """'/poll <id> delete': drop a draft."""
    gone = await delete_draft(turn.services.db, state.poll.id)
    await turn.reply(
        turn._("Draft #%(id)s deleted.", id=state.poll.id)
        if gone
        else turn._("Only a draft can be deleted; poll #%(id)s has opened.", id=state.poll.id)
    )


def _plain(fn: Callable[[Turn, PollState, str], Awaitable[None]]) -> Action:
    async def action(turn: Turn, state: PollState, rest: str, memory: Memory) -> None:
        await fn(turn, state, rest)

    return action


ACTIONS: dict[str, Action] = {
    "candidates": set_candidates,
    "committee": opening.set_committee,
    "open": opening.open_poll,
    "close": closing.close_poll,
    "round2": opening.open_round2,
    "rerun": opening.rerun,
    "decide": decide,
    "confirm": _plain(polls_election.confirm),
    "minutes": _plain(polls_minutes.send_minutes),
    "delete": delete,
}


def register(router: Router, services: Services) -> Memory:
    """This feature's commands, link, buttons and pasted codes; also keeps ballots and codes out
    of the logs and gives the scheduler the deadline jobs (again, with the feature's memory:
    bot/app.py registers them with the services first). Returns the feature's memory, for the
    start-up step that asks committees again (counting.resume)."""
    install_log_redaction()
    memory = Memory()
    polls_timers.register(services, memory)
    voting.register(router, memory.drafts)
    codes.register(router, memory)

    async def poll(turn: Turn, cmd: CommandText) -> None:
        await cmd_poll(turn, cmd, memory)

    router.command(POLL, poll)
    router.command(polls_election.ELECT, polls_election.cmd_elect)
    router.button(polls_election.CONFIRM_PREFIX, polls_election.on_confirm)

    async def close_press(turn: Turn, data: Callback) -> None:
        await closing.on_close_press(turn, data, memory)

    router.button(closing.CLOSE_PREFIX, close_press)
    return memory
