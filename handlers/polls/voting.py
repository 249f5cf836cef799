"""The private ballot: /vote (buttons or text), the vote_ deep link, ticking, review, casting.

Only the unit's voter (bot.roster.model.voter_of) may vote, once per round, while the round is open.
Ticks in progress are conversation rows encrypted under this process's key (handlers/polls/drafts.py);
a cast ballot is packed, padded and sealed to the round's ballot box (bot/polls/box.py) before it
is stored beside the turnout, in the same transaction (storage/polls.py). The ballot page's ticks
and buttons come off once the ballot is cast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.core.callbacks import Callback, CallbackError
from bot.core.commands import CommandSpec, CommandText, parse_command
from bot.core.i18n import N_
from bot.core.messages import Button, Choices
from bot.polls.ballots import (
    BallotForm,
    Draft,
    answer,
    ballot_from_text,
    check_ballot,
    pack_ballot,
    parse_vote,
    toggle,
)
from bot.polls.box import seal
from bot.polls.model import PollProblem
from bot.polls.secrecy import BALLOT_MARK, BALLOT_PREFIX
from bot.polls.tally import Ballot
from bot.roster.model import voter_of
from handlers.conversation.router import Router
from handlers.conversation.turn import Turn
from handlers.polls.ballot import CODE_ANSWERS, page_view, receipt_text, review_view, start_button
from handlers.polls.drafts import Drafts, Loaded
from handlers.polls.problems import problem_text
from handlers.polls.rounds import refresh_card
from handlers.polls.state import PollState, load_state
from storage.polls import AlreadyVoted, BoxRepo, PollRepo

VOTE = CommandSpec(
    "vote",
    "bophieu",
    "private",
    False,
    N_("/vote [<poll id> <category no>: <candidate no>, …; …]"),
    N_("Your secret ballots waiting to be cast"),
)
_LINK = re.compile(r"^vote_(\d{1,9})$")


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


def words(turn: Turn) -> tuple[str, ZoneInfo]:
    """The private chat's language and the timezone to show times in."""
    return turn.lang, turn.tz


# ---- /vote ---------------------------------------------------------------------------------


async def cmd_vote(turn: Turn, cmd: CommandText, drafts: Drafts) -> None:
    """/vote: the pending ballots; /vote <id>: that ballot; /vote <id> 1: 2, 3; …: cast by text."""
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
    try:
        ballot = ballot_from_text(form, parts)
    except PollProblem as problem:
        await turn.reply(BALLOT_MARK + " " + problem_text(turn.tr, problem))
        return
    receipt = await cast(turn, found.state, form, ballot, drafts)
    await turn.reply(receipt)


async def pending(turn: Turn) -> None:
    """The ballots waiting for this person, as buttons."""
    _ = turn._
    async with turn.services.db.read() as uow:
        memberships = await uow.units.memberships(turn.user_id)
        open_ids = [
            p.id
            for bloc_id, _u in memberships
            for p in await uow.repo(PollRepo).of_bloc(bloc_id)
            if p.status == "open"
        ]
    rows: list[tuple[Button, ...]] = []
    for poll_id in sorted(set(open_ids)):
        found = await standing(turn, poll_id)
        if found.reason == "ok" and found.state is not None and found.unit is not None:
            rows += start_button(turn.tr, found.state, found.state.form_for(found.unit)).rows
    if not rows:
        await turn.reply(
            _(
                "No ballot is waiting for you. Ballots arrive here when your bloc opens "
                "a vote, if you cast your unit's ballots."
            )
        )
        return
    await turn.reply(BALLOT_MARK + " " + _("Ballots waiting for you:"), Choices.of(rows))


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
    found = await standing(turn, poll_id)
    if found.reason in ("no_poll", "not_member", "not_voter") or found.state is None:
        raise CallbackError("not this person's ballot")
    state = found.state
    if found.reason != "ok" or state.poll.round != round_no:
        text = (
            refusal(turn, poll_id, found)
            if found.reason != "ok"
            else turn._("This ballot was for another round. /vote shows the one waiting for you.")
        )
        await press.answer(text, alert=True)
        await press.edit(BALLOT_MARK + " " + text, None)
        return
    assert found.unit is not None
    form = state.form_for(found.unit)
    async with turn.services.db.read() as uow:
        loaded = await drafts.load(uow, turn.chat_id, turn.user_id, form)
    draft = loaded.draft
    if _lost_ticks(loaded, action):
        await press.answer(
            turn._("Your ticks were lost when the bot restarted; please tick again."), alert=True
        )
        await _show_page(turn, state, form, draft, 0)
        await _keep(turn, state, form, draft, drafts)
        return
    if action in ("s", "p"):
        page = data.int(3) if action == "p" else 0
        if not 0 <= page < len(form.categories):
            raise CallbackError("no such page")
        await press.answer()
        await _show_page(turn, state, form, draft, page)
        if loaded.message_id != press.message_id and press.message_id is not None:
            await _keep(turn, state, form, draft, drafts)  # the page now shows in this message
    elif action == "t":
        if await _tick(turn, state, form, draft, data.int(3), data.int(4)):
            await _keep(turn, state, form, draft, drafts)
    elif action == "a":
        said = CODE_ANSWERS.get(data.str(4))
        if said is None:
            raise CallbackError("no such answer")
        page = _page_of(form, data.int(3))
        if answer(form, draft, data.int(3), said) is not None:
            raise CallbackError("not a confirmation")
        await press.answer()
        await _show_page(turn, state, form, draft, page)
        await _keep(turn, state, form, draft, drafts)
    elif action == "r":
        await press.answer()
        text, choices = review_view(turn.tr, state, form, draft)
        await press.edit(text, choices)
    else:
        await press.answer()
        await press.edit(await cast(turn, state, form, draft.ballot(), drafts), None)


def _lost_ticks(loaded: Loaded, action: str) -> bool:
    """Whether the press may come from a page showing ticks that are no longer known.

    A draft made by an earlier run of the bot cannot be read (its key is gone): whatever was
    pressed, the voter is told and starts again from the first page. With no draft at all, only
    Send ("c") tells: a press no longer brings the pressed message's text (the channel-neutral
    Incoming carries its id only), and a Send with no draft would cast an empty ballot; the other
    presses show the draft as it is (a page, the review) before anything is sent.
    """
    return loaded.found == "lost" or (loaded.found == "new" and action == "c")


async def _keep(turn: Turn, state: PollState, form: BallotForm, draft: Draft, drafts: Drafts) -> None:
    """Store the draft (encrypted) with the page that shows it."""
    async with turn.services.db.transaction() as uow:
        poll = await uow.repo(PollRepo).get(form.poll_id)
        if poll is None or poll.status != "open" or poll.round != form.round_no:
            return  # closed meanwhile: its drafts are gone and must stay gone
        await drafts.save(
            uow, turn.chat_id, turn.user_id, form, draft, poll=poll, message_id=turn.press.message_id
        )


async def show_anew(turn: Turn, state: PollState, form: BallotForm, drafts: Drafts) -> None:
    """/vote <id>: the ballot's first page as a new message (an older page loses its buttons)."""
    async with turn.services.db.read() as uow:
        loaded = await drafts.load(uow, turn.chat_id, turn.user_id, form)
    draft = loaded.draft
    if loaded.found == "lost":
        await turn.reply(
            BALLOT_MARK + " " + turn._("Your ticks were lost when the bot restarted; please tick again.")
        )
    text, choices = page_view(turn.tr, state, form, draft, 0, *words(turn))
    sent = await turn.reply(text, choices)
    if sent is None:
        return
    async with turn.services.db.transaction() as uow:
        poll = await uow.repo(PollRepo).get(form.poll_id)
        if poll is None or poll.status != "open" or poll.round != form.round_no:
            return
        await drafts.save(uow, turn.chat_id, turn.user_id, form, draft, poll=poll, message_id=sent.message_id)
    if loaded.message_id is not None and loaded.message_id != sent.message_id:
        await turn.edit(loaded.message_id, _moved_text(turn, form), None)


def _moved_text(turn: Turn, form: BallotForm) -> str:
    return (
        BALLOT_MARK
        + " "
        + turn._("This ballot page of poll #%(id)s was replaced by a newer one below.", id=form.poll_id)
    )


def _page_of(form: BallotForm, index: int) -> int:
    for page, cat in enumerate(form.categories):
        if cat.index == index:
            return page
    raise CallbackError("no such category")


async def _tick(
    turn: Turn, state: PollState, form: BallotForm, draft: Draft, index: int, number: int
) -> bool:
    """Tick or untick; whether the draft changed."""
    press = turn.press
    page = _page_of(form, index)
    cat = form.categories[page]
    if not 1 <= number <= len(cat.candidates):
        raise CallbackError("no such candidate")
    problem = toggle(form, draft, index, cat.candidates[number - 1])
    if problem == "not_shown":
        raise CallbackError("candidate not on this ballot")
    if problem == "full":
        await press.answer(
            turn.tr.ngettext(
                "You can tick at most %(n)s unit here; untick one first.",
                "You can tick at most %(n)s units here; untick one first.",
                cat.seats,
            ),
            alert=True,
        )
        return False
    await press.answer()
    await _show_page(turn, state, form, draft, page)
    return True


async def _show_page(turn: Turn, state: PollState, form: BallotForm, draft: Draft, page: int) -> None:
    text, choices = page_view(turn.tr, state, form, draft, page, *words(turn))
    await turn.press.edit(text, choices)


# ---- casting -------------------------------------------------------------------------------


async def cast(turn: Turn, state: PollState, form: BallotForm, ballot: Ballot, drafts: Drafts) -> str:
    """Seal the ballot to the round's box and store it beside the turnout; update the card;
    the receipt. The page that showed the ballot loses its ticks and buttons."""
    _ = turn._
    problem = check_ballot(form, ballot)
    if problem is not None:  # the buttons cannot produce this; a bug must not store a bad ballot
        return BALLOT_MARK + " " + problem_text(turn.tr, problem)
    async with turn.services.db.transaction() as uow:
        polls = uow.repo(PollRepo)
        poll = await polls.get(form.poll_id)
        unit = await uow.units.unit_of(state.bloc.id, turn.user_id)
        reps = await uow.units.representatives(state.bloc.id)
        voter = voter_of([r for r in reps if unit is not None and r.unit_id == unit.id])
        if poll is None or poll.status != "open" or poll.round != form.round_no:
            return BALLOT_MARK + " " + refusal(turn, form.poll_id, Standing(state, form.unit, "closed"))
        if unit is None or unit.id != form.unit or voter is None or voter.person.user_id != turn.user_id:
            return BALLOT_MARK + " " + refusal(turn, form.poll_id, Standing(state, form.unit, "not_member"))
        box = await uow.repo(BoxRepo).get(form.poll_id, form.round_no)
        if box is None:  # a round opened before ballot boxes: no plain ballot is stored any more
            return (
                BALLOT_MARK
                + " "
                + _(
                    "Poll #%(id)s has no ballot box yet, so I cannot take ballots for it: the chair "
                    "gives it one with /poll %(id)s committee.",
                    id=form.poll_id,
                )
            )
        sealed = seal(box.box.public_key, pack_ballot(ballot, form.categories))
        del ballot  # from here on only the sealed ballot exists
        try:
            await polls.cast(form.poll_id, form.round_no, form.unit, sealed)
        except AlreadyVoted:
            return BALLOT_MARK + " " + refusal(turn, form.poll_id, Standing(state, form.unit, "voted"))
        page = await drafts.drop(uow, turn.chat_id, turn.user_id, form)
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
    await refresh_card(turn.services, form.poll_id)
    return receipt_text(turn.tr, state, form.unit, form.round_no, turn.now(), *words(turn))


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
