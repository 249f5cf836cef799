"""The ballot page: one message at a time shows a voter's draft (bot/polls/cases/drafts.py), its
ticks and its way on; showing it in another message takes the buttons off the older one, and a
press on a page that is over is answered without overwriting what the message says.
"""

from __future__ import annotations

from bot.core.callbacks import CallbackError
from bot.core.messages import Choices
from bot.polls.ballots import BallotForm, Draft, toggle
from bot.polls.cases.drafts import Drafts, Loaded
from bot.polls.cases.state import PollState
from bot.polls.cases.voting import keep_draft, load_draft
from bot.polls.secrecy import BALLOT_MARK
from handlers.conversation.turn import Turn
from handlers.polls.ballot import page_view


async def stale(turn: Turn, text: str) -> None:
    """A press on a ballot that is over (voted, closed, another round, replaced): say why and
    take the buttons off, keeping the message's text (a receipt stays a receipt)."""
    await turn.press.answer(text, alert=True)
    await turn.press.set_choices(None)


def elsewhere(loaded: Loaded, pressed: int | None) -> bool:
    """Whether the press came from another message than the one showing the draft now."""
    return loaded.message_id is not None and pressed is not None and loaded.message_id != pressed


def lost_ticks(loaded: Loaded, action: str) -> bool:
    """Whether the press may come from a page showing ticks that are no longer known.

    A draft made by an earlier run of the bot cannot be read (its key is gone): whatever was
    pressed, the voter is told and starts again from the first page. With no draft at all, only
    Send ("c") tells: a press no longer brings the pressed message's text (the channel-neutral
    Incoming carries its id only), and a Send with no draft would cast an empty ballot; the other
    presses show the draft as it is (a page, the review) before anything is sent.
    """
    return loaded.found == "lost" or (loaded.found == "new" and action == "c")


async def keep(
    turn: Turn, state: PollState, form: BallotForm, draft: Draft, drafts: Drafts, loaded: Loaded
) -> None:
    """Store the draft (encrypted) with the page that shows it; an older page loses its buttons."""
    db = turn.services.db
    page = turn.press.message_id
    durable = loaded.message_id != page  # a page the row does not name yet waits for the disk
    if not await keep_draft(db, drafts, turn.chat_id, turn.user_id, form, draft, page, durable=durable):
        return  # closed meanwhile: its drafts are gone and must stay gone
    if elsewhere(loaded, turn.press.message_id):
        assert loaded.message_id is not None
        await turn.edit(loaded.message_id, moved_text(turn, form), None)


async def show_anew(turn: Turn, state: PollState, form: BallotForm, drafts: Drafts) -> None:
    """/vote <id>: the ballot's first page as a new message (an older page loses its buttons)."""
    loaded = await load_draft(turn.services.db, drafts, turn.chat_id, turn.user_id, form)
    if loaded.found == "lost":
        await turn.reply(
            BALLOT_MARK + " " + turn._("Your ticks were lost when the bot restarted; please tick again.")
        )
    text, choices = page_view(turn.tr, state, form, loaded.draft, 0, turn.lang, turn.tz)
    await show_new(turn, form, loaded.draft, text, choices, drafts, loaded)


async def show_new(
    turn: Turn,
    form: BallotForm,
    draft: Draft,
    text: str,
    choices: Choices,
    drafts: Drafts,
    loaded: Loaded | None = None,
) -> None:
    """Show the ballot (a page, or the review of a typed ballot) in a new message, keep the draft
    with it, and take the buttons off the message that showed it before."""
    db = turn.services.db
    if loaded is None:
        loaded = await load_draft(db, drafts, turn.chat_id, turn.user_id, form)
    sent = await turn.reply(text, choices)
    if sent is None:
        return
    if not await keep_draft(db, drafts, turn.chat_id, turn.user_id, form, draft, sent.message_id):
        return
    if loaded.message_id is not None and loaded.message_id != sent.message_id:
        await turn.edit(loaded.message_id, moved_text(turn, form), None)


def moved_text(turn: Turn, form: BallotForm) -> str:
    return (
        BALLOT_MARK
        + " "
        + turn._("This ballot page of poll #%(id)s was replaced by a newer one below.", id=form.poll_id)
    )


def page_of(form: BallotForm, index: int) -> int:
    for page, cat in enumerate(form.categories):
        if cat.index == index:
            return page
    raise CallbackError("no such category")


async def tick(turn: Turn, state: PollState, form: BallotForm, draft: Draft, index: int, number: int) -> bool:
    """Tick or untick; whether the draft changed."""
    press = turn.press
    page = page_of(form, index)
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
    await show_page(turn, state, form, draft, page)
    return True


async def show_page(turn: Turn, state: PollState, form: BallotForm, draft: Draft, page: int) -> None:
    text, choices = page_view(turn.tr, state, form, draft, page, turn.lang, turn.tz)
    await turn.press.edit(text, choices)
