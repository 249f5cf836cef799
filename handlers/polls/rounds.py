"""A poll's rounds: opening (ballots out, the turnout card), closing, results and chart.

These run from commands and from the deadline timer alike, so they take the services (and
send through ``services.outbox``) rather than a Turn. Group texts are in the bloc's language.
Closing leaves a round's ballots sealed for the counting committee (handlers/polls/counting.py)
unless its counts may not be published: then they are destroyed unopened at once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.core.chunks import TELEGRAM_LIMIT
from bot.core.i18n import Translator, translator
from bot.core.messages import Button, Choices, DeliveryError, OutFile, Sent
from bot.core.offload import in_worker, warm
from bot.polls.ballots import Draft
from bot.polls.cases import ANYONE, closing
from bot.polls.cases.closing import compact_file, keep_pages, representatives, set_card
from bot.polls.cases.committee import chat_language
from bot.polls.charts import Bar, Chart, Panel, bar_chart, prime
from bot.polls.model import result_rows
from bot.polls.secrecy import BALLOT_MARK
from bot.polls.tally import TallyResult
from bot.roster.model import Representative, voter_of
from bot.services import Services
from handlers.polls import links
from handlers.polls.ballot import page_view
from handlers.polls.drafts import Drafts
from handlers.polls.election import confirm_button
from handlers.polls.results import results_messages
from handlers.polls.state import PollState, load_state
from handlers.polls.text import card_text

log = logging.getLogger(__name__)

REMIND_BEFORE = (timedelta(days=1), timedelta(hours=2))
MAX_BARS = 15  # candidates drawn per category in the chart (the proposed ones always are)
CLOSE_TIMER = "poll_close"
REMIND_TIMER = "poll_remind"


def group_words(state: PollState) -> tuple[Translator, str, ZoneInfo]:
    """The bloc's translator, language and timezone."""
    return translator(state.bloc.language), state.bloc.language, ZoneInfo(state.bloc.timezone)


def ballot_link(tr: Translator, poll_id: int) -> Choices:
    """The 'get my ballot' button: it opens a private chat at "/start vote_<id>"."""
    return Choices.of([[Button(tr.gettext("Get my ballot privately"), start=f"vote_{poll_id}")]])


def card_markup(tr: Translator, state: PollState) -> Choices | None:
    """The card's 'get my ballot' link while the round is open."""
    if state.poll.status != "open":
        return None
    return ballot_link(tr, state.poll.id)


async def refresh_card(services: Services, poll_id: int, *, opening: bool = False) -> None:
    """Edit the group's turnout card in place (post it if it is missing). A bloc without a home
    chat gets it once, as the round opens: a new copy in every private chat at each ballot would
    replace the numbers people are answering there (/poll <id> shows the turnout)."""
    state = await load_state(services.db, poll_id)
    if state is None:
        return
    if not opening and await services.outbox.homeless(state.bloc.chat_id):
        return
    if state.poll.status == "open":
        warm(prime)  # the results chart will be drawn in the worker process at the close
    tr, lang, tz = group_words(state)
    text = card_text(tr, state, lang, tz)
    markup = card_markup(tr, state)
    card = state.poll.card_message_id
    if card is not None and await services.outbox.edit(state.bloc.chat_id, card, text, markup):
        return
    sent = await services.outbox.send(state.bloc.chat_id, text, markup)
    if sent.message_id is None:  # a channel that cannot edit: the card is posted anew each time
        return
    await set_card(services.db, poll_id, sent.message_id)


async def ballot_message(services: Services, state: PollState, unit: int, chat_id: int) -> Sent | None:
    """Send the first page of a unit's ballot to its voter."""
    lang = await chat_language(services.db, chat_id) or state.bloc.language
    text, markup = page_view(
        translator(lang), state, state.form_for(unit), Draft(), 0, lang, ZoneInfo(state.bloc.timezone)
    )
    return await services.outbox.tell(chat_id, text, markup)


async def deliver_ballots(
    services: Services, poll_id: int, drafts: Drafts, units: list[int] | None = None
) -> None:
    """Send each unit's ballot to its voter, each with an empty draft (which tracks the page);
    tell the group who could not be reached."""
    state = await load_state(services.db, poll_id)
    if state is None or state.poll.status != "open":
        return
    reps = await representatives(services.db, state.bloc.id)
    unreachable: list[str] = []
    nobody: list[str] = []
    pages: list[tuple[int, int, int | None]] = []
    of_unit: dict[int, list[Representative]] = {}
    for rep in reps:
        of_unit.setdefault(rep.unit_id, []).append(rep)
    for unit in units if units is not None else state.missing:
        voter = voter_of(of_unit.get(unit, []))
        name = state.names.get(unit, "?")
        if voter is None:
            nobody.append(name)
            continue
        sent = None
        if voter.person.started:
            try:
                sent = await ballot_message(services, state, unit, voter.person.user_id)
            except DeliveryError as exc:  # one failed send must not stop the others
                log.warning("could not send a ballot of poll %s: %s", poll_id, type(exc).__name__)
        if sent is None:
            unreachable.append(f"{name} ({voter.person.full_name})")
        else:
            pages.append((unit, voter.person.user_id, sent.message_id))
    if pages:
        await keep_pages(services.db, drafts, state, pages)
    tr, _lang, _tz = group_words(state)
    _ = tr.gettext
    lines = []
    if unreachable:
        lines.append(
            _(
                "I could not send the ballot privately to these voters, who have not "
                "opened a chat with me yet: %(units)s. Press the button below, then Start: "
                "the ballot comes at once.",
                units="; ".join(unreachable),
            )
        )
    if nobody:
        lines.append(
            _(
                "No one is linked to these units yet, so they cannot vote: %(units)s. "
                "Admins send join links with /invite.",
                units="; ".join(nobody),
            )
        )
    if lines:
        sent = await services.outbox.send(state.bloc.chat_id, "\n".join(lines), ballot_link(tr, poll_id))
        await links.remember(services, sent.chat_id, ANYONE, state.poll, sent.message_id)


async def plan_deadline(services: Services, state: PollState) -> None:
    """Arm the round's closing and the reminders before it, if it has a deadline."""
    deadline = state.poll.deadline
    scheduler = services.scheduler
    if deadline is None or scheduler is None:
        return
    ref = f"{state.poll.id}:{state.poll.round}"
    await scheduler.set_timer(CLOSE_TIMER, ref, deadline)
    now = services.clock.now()
    for before in REMIND_BEFORE:
        if deadline - before > now:
            await scheduler.set_timer(REMIND_TIMER, f"{ref}:{int(before.total_seconds())}", deadline - before)


def chart_of(tr: Translator, state: PollState, result: TallyResult | None = None) -> Chart:
    """The latest counted round as a bar chart (drawn by bot.polls.charts.bar_chart, in the worker).

    A category shows at most MAX_BARS candidates besides the proposed ones: a bloc of hundreds
    of units makes a picture nobody reads (and Telegram refuses) and takes seconds to draw.
    """
    _ = tr.gettext
    result = result or state.results[-1]
    panels = []
    for cat in result.categories:
        bars: tuple[Bar, ...]
        note = ""
        if cat.answers is not None:
            words = {"yes": _("Agree"), "no": _("Disagree"), "blank": _("Blank ballot")}
            bars = (
                Bar(words["yes"], cat.answers.yes, bool(cat.proposed)),
                Bar(words["no"], cat.answers.no, False),
                Bar(words["blank"], cat.answers.blank, False),
            )
        else:
            rows = result_rows(cat)  # most votes first
            shown = [r for n, r in enumerate(rows) if n < MAX_BARS or r.proposed]
            bars = tuple(Bar(state.names.get(r.unit, "?"), r.votes, r.proposed) for r in shown)
            if len(shown) < len(rows):
                note = _(
                    "%(shown)s of %(total)s candidates, most votes first; all are in the minutes",
                    shown=len(shown),
                    total=len(rows),
                )
        panels.append(Panel(f"{cat.index + 1}. {cat.name}", bars, cat.needed, cat.base, note))
    title = _(
        "#%(id)s %(title)s — round %(round)s", id=state.poll.id, title=state.poll.title, round=result.round_no
    )
    return Chart(title, tuple(panels), _("Number of votes"), _("Votes needed"))


def draw_chart(state: PollState) -> asyncio.Future[bytes]:
    """Start drawing the results chart in the worker process (it takes a good fraction of a
    second, more for a big bloc), so that other chats' updates, and this close's own work, go on
    meanwhile (bot/core/offload.py)."""
    return asyncio.ensure_future(in_worker(bar_chart, chart_of(group_words(state)[0], state)))


async def post_results(
    services: Services, state: PollState, chart: asyncio.Future[bytes] | None = None, *, drawn: bool = True
) -> None:
    """The results (in as few messages as they fit, the election's confirm button on the last)
    and the chart (being drawn); a round whose counts are withheld gets no chart (it would
    show what is not published), nor does a round whose chart the group has already
    (``drawn=False``: the chair's decision changes no vote)."""
    if state.results[-1].withheld is not None or not drawn:
        if chart is not None:
            chart.cancel()
        chart = None
    else:
        chart = chart or draw_chart(state)
    tr, lang, _tz = group_words(state)
    _ = tr.gettext
    markup = None
    result = state.outcome
    if (
        state.poll.kind == "election"
        and result is not None
        and result.phase == "final"
        and state.poll.confirmed_at is None
        and len(result.proposals) == 2
    ):
        markup = confirm_button(tr, state)
    chat = state.bloc.chat_id
    try:
        limit = (await services.outbox.channel_for(chat)).text_limit
    except LookupError:
        limit = TELEGRAM_LIMIT
    pieces = results_messages(tr, state, lang, limit)
    for number, piece in enumerate(pieces, 1):
        await services.outbox.send(chat, piece, markup if number == len(pieces) else None)
    if chart is None:
        return
    png = await chart
    caption = _("Votes per candidate; the dashed line is the votes needed.")
    await services.outbox.send_file(chat, OutFile(png, "ket-qua.png", caption, image=True))


async def close_round(
    services: Services, poll_id: int, by: int | None, *, expected_round: int | None = None
) -> PollState | None:
    """Close the open round; None if it was not open (idempotent).

    A round whose counts may not be published (bot.polls.tally.withheld_reason) is counted at
    once as not valid, its ballots destroyed unopened, and its results posted; so is a round
    opened before ballot boxes existed (its plain ballots are counted as they are). Any other
    round waits, sealed, for its counting committee (handlers/polls/counting.py).
    """
    closed = await closing.close_round(services.db, poll_id, by, expected_round)
    if closed is None:
        return None
    state, pages = closed.state, closed.pages
    services.spawn(close_pages(services, state, pages), name=f"ballot pages {poll_id}")
    counted = state.awaiting is None
    chart = draw_chart(state) if counted and state.results[-1].withheld is None else None
    try:
        scheduler = services.scheduler
        if scheduler is not None:  # closed early: the round's timers have nothing left to do
            ref = f"{poll_id}:{state.poll.round}"
            await scheduler.cancel_timer(CLOSE_TIMER, ref)
            for before in REMIND_BEFORE:
                await scheduler.cancel_timer(REMIND_TIMER, f"{ref}:{int(before.total_seconds())}")
        if closed.withheld and closed.sealed:
            await compact_file(services.db)  # once: the destroyed ballots leave no page behind
        tr, lang, tz = group_words(state)
        if state.poll.card_message_id is not None:
            await services.outbox.edit(
                state.bloc.chat_id, state.poll.card_message_id, card_text(tr, state, lang, tz), None
            )
        if counted:
            await post_results(services, state, chart)
    except BaseException:
        if chart is not None:
            chart.cancel()  # nobody will wait for the picture
        raise
    return state


async def close_pages(services: Services, state: PollState, pages: list[tuple[int, int, int | None]]) -> None:
    """Take the ticks and buttons off the ballot pages of voters who did not vote, and the
    buttons off every message still offering the ballot (round closed)."""
    await links.retire_round(services, state.poll.id, state.poll.round)
    for chat_id, _person, message_id in pages:
        if message_id is None:
            continue
        lang = await chat_language(services.db, chat_id) or state.bloc.language
        text = (
            BALLOT_MARK
            + " "
            + translator(lang).gettext("Voting on poll #%(id)s is closed.", id=state.poll.id)
        )
        try:
            await services.outbox.edit(chat_id, message_id, text, None)
        except DeliveryError as exc:
            log.info("could not close a ballot page of poll %s: %s", state.poll.id, type(exc).__name__)
