"""/poll in the group: drafts, candidates, opening, closing, round 2, decisions, minutes.

The private ballot is handlers/polls/voting.py; /elect and confirming its winners
handlers/polls/election.py; counting is bot/polls/tally.py; texts handlers/polls/text.py.
"""

from __future__ import annotations

import re

from bot.core.commands import CommandSpec, CommandText
from bot.core.i18n import N_, Translator
from bot.core.names import fold
from bot.polls.model import MAX_CANDIDATES, PollProblem, check_decision, parse_poll, parse_rules
from bot.polls.secrecy import install_log_redaction
from bot.roster.model import Unit
from bot.services import Services
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn
from handlers.polls import election as polls_election
from handlers.polls import minutes as polls_minutes
from handlers.polls import timers as polls_timers
from handlers.polls import voting
from handlers.polls.election import store_draft
from handlers.polls.problems import problem_text
from handlers.polls.rounds import (
    close_round,
    deliver_ballots,
    plan_deadline,
    post_results,
    refresh_card,
)
from handlers.polls.state import PollState, load_state, read_state
from handlers.polls.text import card_text, draft_text, names_of, results_text
from handlers.roster.commands import find_unit
from storage.polls import CategoryRow, PollRepo

POLL = CommandSpec(
    "poll",
    "binhxet",
    "group",
    False,
    N_("/poll <title> + <award> | <quota> per line; /poll <id> [open|close|round2|minutes]"),
    N_("Award review by secret ballot: create, open, close, results, minutes"),
)
COMMANDS = [POLL, polls_election.ELECT, voting.VOTE]

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
}
_ID = re.compile(r"^#?(\d{1,9})$")
_DECIDE = re.compile(r"^\s*(\d{1,2})\s*:\s*(.+)$")


def usage(tr: Translator) -> str:
    """How to write /poll."""
    return tr.gettext(
        "Create an award poll like this (one category per line, then an optional rules line):\n"
        "/poll Bình xét thi đua năm 2026\nCờ thi đua của Chính phủ | 1\nCờ thi đua của UBND tỉnh | 2\n"
        "Bằng khen của Chủ tịch UBND tỉnh | 3\nrules: threshold=majority base=members quorum=2/3 "
        "self=yes deadline=16/12/2026 17:00\n"
        "Then: /poll <id> candidates <unit>, <unit>…; /poll <id> open; /poll <id> close; "
        "/poll <id> round2; /poll <id>; /poll <id> minutes."
    )


async def cmd_poll(turn: Turn, cmd: CommandText) -> None:
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
            await show(turn, state)
            return
        if not await turn.is_admin():
            await turn.reply(await turn.who_may_admin())
            return
        await ACTIONS[sub](turn, state, words[2] if len(words) > 2 else "")
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
    async with turn.services.db.read() as uow:
        polls = await uow.repo(PollRepo).of_bloc(turn.bloc.id)
    if not polls:
        await turn.reply(_("No polls yet.") + "\n" + usage(turn.tr))
        return
    status = {"draft": _("draft"), "open": _("voting"), "closed": _("closed")}
    lines = [_("Polls of %(bloc)s:", bloc=turn.bloc.name)]
    lines += [f"#{p.id} {p.title} — {status[p.status]} ({_('round %(n)s', n=p.round)})" for p in polls[:30]]
    await turn.reply("\n".join(lines))


async def show(turn: Turn, state: PollState) -> None:
    """/poll <id>: the draft, the turnout while open, the results after close."""
    if state.poll.status == "draft":
        await turn.reply(draft_text(turn.tr, state, turn.lang, turn.tz))
    elif state.poll.status == "open":
        text = card_text(turn.tr, state, turn.lang, turn.tz)
        if state.missing:
            text += "\n" + turn._("Not voted yet: %(units)s", units=names_of(state, state.missing))
        await turn.reply(text)
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
    async with turn.services.db.read() as uow:
        units = await uow.units.active(turn.bloc.id)
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
    await store_draft(turn, "award", spec.title, turn.year(), spec.rules, spec.deadline, rows, lists)


async def set_candidates(turn: Turn, state: PollState, rest: str) -> None:
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
    async with turn.services.db.transaction() as uow:
        for cat in picks:
            await uow.repo(PollRepo).set_candidates(state.poll.id, 1, cat.index, [u.id for u in chosen])
        fresh = await read_state(uow, state.poll.id)
    assert fresh is not None
    await turn.reply(draft_text(turn.tr, fresh, turn.lang, turn.tz))


async def open_poll(turn: Turn, state: PollState, rest: str) -> None:
    """'/poll <id> open [<deadline>]': electorate fixed, ballots out, the card posted."""
    _ = turn._
    assert turn.bloc is not None
    if state.poll.status != "draft":
        await turn.reply(_("Poll #%(id)s is already open or closed.", id=state.poll.id))
        return
    deadline = state.poll.deadline
    if rest.strip():
        try:
            _rules, deadline = parse_rules(f"deadline={rest}", now=turn.now(), tz=turn.tz)
        except PollProblem as problem:
            await turn.reply(problem_text(turn.tr, problem))
            return
    if deadline is not None and deadline <= turn.now():
        await turn.reply(problem_text(turn.tr, PollProblem("past_deadline", "")))
        return
    async with turn.services.db.transaction() as uow:
        units = await uow.units.active(turn.bloc.id)
        active = {u.id for u in units}
        polls = uow.repo(PollRepo)
        short: PollProblem | None = None
        for cat in state.round_categories(1):
            still = [u for u in cat.candidates if u in active]
            if not still or (cat.kind == "pick" and len(still) < cat.quota):
                short = PollProblem("too_few_candidates", cat.name, cat.quota)
                break
            if len(still) != len(cat.candidates):
                await polls.set_candidates(state.poll.id, 1, cat.index, still)
        if short is None:
            await polls.open_round(state.poll, 1, [u.id for u in units], turn.user_id, deadline)
    if short is not None:
        await turn.reply(problem_text(turn.tr, short))
        return
    await start_round(turn.services, state.poll.id)


async def start_round(services: Services, poll_id: int) -> None:
    """After a round opened: the card, the deadline's timers, the ballots (in the background)."""
    await refresh_card(services, poll_id)
    fresh = await load_state(services.db, poll_id)
    assert fresh is not None
    await plan_deadline(services, fresh)
    services.spawn(deliver_ballots(services, poll_id), name=f"ballots {poll_id}")


async def close_poll(turn: Turn, state: PollState, rest: str) -> None:
    """'/poll <id> close': count and publish."""
    if state.poll.status != "open":
        await turn.reply(turn._("Poll #%(id)s is not open.", id=state.poll.id))
        return
    closed = await close_round(turn.services, state.poll.id, turn.user_id)
    if closed is None:
        await turn.reply(turn._("Poll #%(id)s is not open.", id=state.poll.id))


async def open_round2(turn: Turn, state: PollState, rest: str) -> None:
    """'/poll <id> round2 [<deadline>]': vote again where round 1 left seats open."""
    _ = turn._
    result = state.outcome
    if state.poll.status != "closed" or result is None or result.phase != "round2":
        await turn.reply(
            _(
                "Poll #%(id)s has no round 2 to hold: it is held only when round 1 "
                "ends in a tie or with too few units passing.",
                id=state.poll.id,
            )
        )
        return
    deadline = None
    if rest.strip():
        try:
            _rules, deadline = parse_rules(f"deadline={rest}", now=turn.now(), tz=turn.tz)
        except PollProblem as problem:
            await turn.reply(problem_text(turn.tr, problem))
            return
    async with turn.services.db.transaction() as uow:
        polls = uow.repo(PollRepo)
        poll = await polls.get(state.poll.id)
        if poll is None or poll.status != "closed" or poll.round != 1:
            return
        for cat in result.last.next_round():
            await polls.set_candidates(poll.id, 2, cat.index, cat.candidates)
        await polls.open_round(poll, 2, state.electorate, turn.user_id, deadline)
    await start_round(turn.services, state.poll.id)


async def decide(turn: Turn, state: PollState, rest: str) -> None:
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
    async with turn.services.db.transaction() as uow:
        await uow.repo(PollRepo).decide(state.poll.id, index, units, turn.user_id)
        fresh = await read_state(uow, state.poll.id)
    assert fresh is not None
    await post_results(turn.services, fresh)


async def delete(turn: Turn, state: PollState, rest: str) -> None:
    """'/poll <id> delete': drop a draft."""
    async with turn.services.db.transaction() as uow:
        gone = await uow.repo(PollRepo).delete_draft(state.poll.id)
    await turn.reply(
        turn._("Draft #%(id)s deleted.", id=state.poll.id)
        if gone
        else turn._("Only a draft can be deleted; poll #%(id)s has opened.", id=state.poll.id)
    )


ACTIONS = {
    "candidates": set_candidates,
    "open": open_poll,
    "close": close_poll,
    "round2": open_round2,
    "decide": decide,
    "confirm": polls_election.confirm,
    "minutes": polls_minutes.send_minutes,
    "delete": delete,
}


def register(router: Router, services: Services) -> None:
    """This feature's commands, link and buttons; also keeps ballots out of the logs and gives
    the scheduler the deadline jobs (idempotent: bot/app.py registers them with the services)."""
    install_log_redaction()
    polls_timers.register(services)
    voting.register(router)
    router.command(POLL, cmd_poll)
    router.command(polls_election.ELECT, polls_election.cmd_elect)
    router.button(polls_election.CONFIRM_PREFIX, polls_election.on_confirm)
