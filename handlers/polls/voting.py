"""The private ballot: /vote (buttons or text), the vote_ deep link, ticking, review, casting.

Only the unit's voter (bot.roster.model.voter_of) may vote, once per round, while the round is open.
Ticks in progress are conversation rows encrypted under this process's key (bot/polls/cases/drafts.py);
a ballot written as text ('/vote 3 1: B; 2: C, D') becomes such a draft too and is shown for review,
each choice by its unit's name, with warnings for categories left empty or under-filled: like a
ballot ticked with the buttons, nothing is cast before the voter presses Send (a numbered reply
where there are no buttons). A cast ballot is packed, padded and sealed to the round's ballot box
(bot/polls/box.py) before it is stored beside the turnout, in the same transaction
(storage/polls.py).

The ballot lives in one message at a time (the draft's page, handlers/polls/pages.py): showing it
in another takes the buttons off the older one, casting takes them off the page and off every
message that offered the ballot (handlers/polls/links.py). A press on a stale ballot (voted,
closed, replaced) is answered, and the message keeps its text: a receipt stays a receipt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.callbacks import Callback, CallbackError
from bot.core.commands import CommandSpec, CommandText, parse_command
from bot.core.i18n import N_
from bot.polls.ballots import (
    BallotForm,
    Draft,
    TextBallot,
    answer,
    check_ballot,
    parse_vote,
    position_label,
    read_ballot,
)
from bot.polls.cases.drafts import Drafts
from bot.polls.cases.voting import (
    Cast,
    Reason,
    Standing,
    ballot_press,
    cast_ballot,
    has_box,
    open_polls_of,
    roster_order,
)
from bot.polls.model import PollProblem
from bot.polls.secrecy import BALLOT_MARK, BALLOT_PREFIX
from bot.polls.tally import Ballot
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn
from handlers.polls import links
from handlers.polls.ballot import CODE_ANSWERS, receipt_text, review_view, start_button
from handlers.polls.pages import (
    elsewhere,
    keep,
    lost_ticks,
    moved_text,
    page_of,
    show_anew,
    show_new,
    show_page,
    stale,
    tick,
)
from handlers.polls.problems import problem_text
from handlers.polls.rounds import refresh_card
from handlers.polls.standing import refusal, standing
from handlers.polls.state import PollState

VOTE = CommandSpec(
    "vote",
    "bophieu",
    "private",
    False,
    N_("/vote [<poll id> <category no>: <letter>, <letter>; …]"),
    N_("Your secret ballots waiting to be cast"),
)
_LINK = re.compile(r"^vote_(\d{1,9})$")

__all__ = ["VOTE", "Casting", "cast", "cmd_vote", "on_ballot", "register"]


# ---- /vote ---------------------------------------------------------------------------------


async def cmd_vote(turn: Turn, cmd: CommandText, drafts: Drafts) -> None:
    """/vote: the pending ballots; /vote <id>: that ballot; /vote <id> 1: B; 2: C, D: a ballot
    written as text, shown for review before it is sent."""
    rest = cmd.rest.strip()
    if not rest:
        await pending(turn)
        return
    try:
        poll_id, parts = parse_vote(rest)
    except PollProblem as problem:
        await turn.reply(problem_text(turn.tr, problem))
        return
    found = await standing(turn, poll_id)
    if found.reason != "ok" or found.state is None or found.unit is None:
        await turn.reply(refusal(turn, poll_id, found))
        return
    form = found.state.form_for(found.unit)
    if not parts:
        await show_anew(turn, found.state, form, drafts)
        return
    if not await has_box(
        turn.services.db, form.poll_id, form.round_no
    ):  # said before the review: a ballot written now could not be cast
        await turn.reply(BALLOT_MARK + " " + no_box_text(turn, form.poll_id))
        return
    try:
        typed = read_ballot(form, parts, found.state.names)
    except PollProblem as problem:
        await turn.reply(BALLOT_MARK + " " + problem_text(turn.tr, problem))
        return
    draft = Draft(choices=dict(typed.ballot.choices), confirms=dict(typed.ballot.confirms))
    notes = await number_notes(turn, found.state, form, typed)
    text, choices = review_view(turn.tr, found.state, form, draft, notes, by_text=True)
    await show_new(turn, form, draft, text, choices, drafts)


async def number_notes(turn: Turn, state: PollState, form: BallotForm, typed: TextBallot) -> list[str]:
    """A note when a number written stands for another unit than that number in /units."""
    if not typed.numbers:
        return []
    roster = await roster_order(turn.services.db, state.bloc.id)
    differ = [
        (number, unit)
        for _index, number, unit in typed.numbers
        if number > len(roster) or roster[number - 1] != unit
    ]
    if not differ:
        return []
    examples = "; ".join(
        f"{number} = {position_label(number)}. {state.names.get(unit, '?')}" for number, unit in differ
    )
    return [
        "⚠️ "
        + turn._(
            "You wrote numbers: on a ballot a number is a place in its list (1 = A, 2 = B, …), not "
            "the unit's number in /units. Here %(examples)s. Check the names above before sending.",
            examples=examples,
        )
    ]


async def pending(turn: Turn) -> None:
    """The ballots waiting for this person, one message (with its button) per ballot."""
    _ = turn._
    waiting: list[tuple[PollState, BallotForm]] = []
    for poll_id in await open_polls_of(turn.services.db, turn.user_id):
        found = await standing(turn, poll_id)
        if found.reason == "ok" and found.state is not None and found.unit is not None:
            waiting.append((found.state, found.state.form_for(found.unit)))
    if not waiting:
        await turn.reply(
            _(
                "No ballot is waiting for you. Ballots arrive here when your bloc opens "
                "a vote, if you cast your unit's ballots."
            )
        )
        return
    for state, form in waiting:
        sent = await turn.reply(
            BALLOT_MARK + " " + _("A ballot is waiting for you:"), start_button(turn.tr, state, form)
        )
        await links.remember(
            turn.services, turn.chat_id, turn.user_id, state.poll, sent.message_id if sent else None
        )


def vote_link_match(turn: Turn, payload: str) -> re.Match[str] | None:
    """The poll id of a '/start vote_<id>' sent alone in a private chat (what the link sends)."""
    parsed = parse_command(turn.incoming.text)
    if not turn.is_private or parsed is None or parsed.rest.strip() != payload:
        return None
    return _LINK.match(payload)


async def on_vote_link(turn: Turn, payload: str, drafts: Drafts) -> bool:
    """'/start vote_<id>' (the group's 'get my ballot' link): remember the chat, show the ballot.
    False when the message is not such a link (then it is a plain /start)."""
    match = vote_link_match(turn, payload)
    if match is None:
        return False
    await turn.remember_person()
    await cmd_vote(turn, parse_command(f"/vote {match.group(1)}") or CommandText("vote", ""), drafts)
    return True


async def plain_start(router: Router, turn: Turn) -> None:
    """What '/start vote_…' that is not a vote link gets: the /start command, as any /start."""
    parsed = parse_command(turn.incoming.text)
    route = router.commands.get("start")
    if parsed is None or route is None:
        return
    if router.guard is not None and not await router.guard(turn, route.spec, route.needs_bloc, parsed.name):
        return
    await route.fn(turn, parsed)


# ---- buttons -------------------------------------------------------------------------------


async def on_ballot(turn: Turn, data: Callback, drafts: Drafts) -> None:
    """Ballot buttons: s(tart), p(age) n, t(ick) cat no, a(nswer) cat y|n|b, r(eview), c(onfirm)."""
    press = turn.press
    poll_id, round_no, action = data.int(0), data.int(1), data.str(2)
    if action not in ("s", "p", "t", "a", "r", "c") or not turn.is_private:
        raise CallbackError("unknown action")
    reading = await ballot_press(turn.services.db, drafts, poll_id, turn.user_id, turn.chat_id, round_no)
    found = reading.standing
    if found.reason in ("no_poll", "not_member", "not_voter") or found.state is None:
        raise CallbackError("not this person's ballot")
    state = found.state
    if found.reason != "ok" or reading.form is None or reading.loaded is None:
        text = (
            refusal(turn, poll_id, found)
            if found.reason != "ok"
            else turn._("This ballot was for another round. /vote shows the one waiting for you.")
        )
        await stale(turn, text)
        return
    form, loaded = reading.form, reading.loaded
    draft = loaded.draft
    if lost_ticks(loaded, action):
        await press.answer(
            turn._("Your ticks were lost when the bot restarted; please tick again."), alert=True
        )
        await show_page(turn, state, form, draft, 0)
        await keep(turn, state, form, draft, drafts, loaded)
        return
    if action in ("s", "p"):
        page = data.int(3) if action == "p" else 0
        if not 0 <= page < len(form.categories):
            raise CallbackError("no such page")
        await press.answer()
        await show_page(turn, state, form, draft, page)
        if loaded.message_id != press.message_id and press.message_id is not None:
            await keep(turn, state, form, draft, drafts, loaded)  # the page now shows in this message
    elif action == "t":
        if await tick(turn, state, form, draft, data.int(3), data.int(4)):
            await keep(turn, state, form, draft, drafts, loaded)
    elif action == "a":
        said = CODE_ANSWERS.get(data.str(4))
        if said is None:
            raise CallbackError("no such answer")
        page = page_of(form, data.int(3))
        if answer(form, draft, data.int(3), said) is not None:
            raise CallbackError("not a confirmation")
        await press.answer()
        await show_page(turn, state, form, draft, page)
        await keep(turn, state, form, draft, drafts, loaded)
    elif action == "r":
        await press.answer()
        text, choices = review_view(turn.tr, state, form, draft)
        await press.edit(text, choices)
    elif elsewhere(loaded, press.message_id):
        await stale(turn, moved_text(turn, form))  # Send on a page that no longer shows the draft
    else:
        done = await cast(turn, state, form, draft.ballot(), drafts)
        if not done.cast:
            await stale(turn, done.text)
            return
        await press.answer()
        await press.edit(done.text, None)


# ---- casting -------------------------------------------------------------------------------


def no_box_text(turn: Turn, poll_id: int) -> str:
    """Why a round opened before ballot boxes takes no ballot."""
    return turn._(
        "Poll #%(id)s has no ballot box yet, so I cannot take ballots for it: the chair "
        "gives it one with /poll %(id)s committee.",
        id=poll_id,
    )


@dataclass(frozen=True)
class Casting:
    """What casting said: the receipt (cast) or why not."""

    cast: bool
    text: str


async def cast(turn: Turn, state: PollState, form: BallotForm, ballot: Ballot, drafts: Drafts) -> Casting:
    """Seal the ballot to the round's box and store it beside the turnout; update the card;
    the receipt. The page that showed the ballot, and every message offering it, lose their
    buttons."""
    _ = turn._

    def refused(text: str) -> Casting:
        return Casting(False, BALLOT_MARK + " " + text)

    problem = check_ballot(form, ballot)
    if problem is not None:  # the buttons cannot produce this; a bug must not store a bad ballot
        return refused(problem_text(turn.tr, problem))
    done = await cast_ballot(
        turn.services.db, drafts, state.bloc.id, turn.user_id, turn.chat_id, form, ballot
    )
    del ballot
    if done == "no_box":
        return refused(no_box_text(turn, form.poll_id))
    if not isinstance(done, Cast):
        why: dict[str, Reason] = {"closed": "closed", "not_member": "not_member", "voted": "voted"}
        return refused(refusal(turn, form.poll_id, Standing(state, form.unit, why[done])))
    page = done.page
    pressed = turn.incoming.message_id if turn.incoming.choice is not None else None
    if page is not None and page != pressed:
        await turn.edit(
            page,
            BALLOT_MARK
            + " "
            + _(
                "This ballot page is closed: your unit's ballot for poll #%(id)s is in the ballot box.",
                id=form.poll_id,
            ),
            None,
        )
    await links.retire(turn.services, turn.chat_id, turn.user_id, form.poll_id, form.round_no)
    await refresh_card(turn.services, form.poll_id)
    return Casting(
        True, receipt_text(turn.tr, state, form.unit, form.round_no, turn.now(), turn.lang, turn.tz)
    )


def register(router: Router, drafts: Drafts) -> None:
    """/vote, its deep link ("/start vote_<id>") and the ballot buttons."""

    async def vote(turn: Turn, cmd: CommandText) -> None:
        await cmd_vote(turn, cmd, drafts)

    async def link(turn: Turn, payload: str) -> None:
        if not await on_vote_link(turn, payload, drafts):
            await plain_start(router, turn)

    async def press(turn: Turn, data: Callback) -> None:
        await on_ballot(turn, data, drafts)

    router.start("vote_", link)
    router.command(VOTE, vote, needs_bloc=False)
    router.button(BALLOT_PREFIX, press)
