"""Meeting cards in the group: posting, editing in place, RSVP buttons and /rsvp."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.core.callbacks import Callback, CallbackError
from bot.core.commands import CommandText
from bot.core.messages import Choices, Refused, Reply
from bot.schedule import cases
from bot.schedule.events import Answer, Event
from handlers.conversation.turn import Turn
from handlers.schedule.text import card_keyboard, card_text, rsvp_text

log = logging.getLogger(__name__)


def parse_id(text: str) -> int | None:
    """'12' or '#12' -> 12."""
    text = text.strip().lstrip("#")
    return int(text) if text.isdigit() and len(text) < 10 else None


async def find_event(turn: Turn, text: str) -> Event | None:
    """The bloc's event with this id, or a reply saying there is none."""
    _ = turn._
    assert turn.bloc is not None
    event_id = parse_id(text)
    event = None if event_id is None else await cases.event_of(turn.services.db, turn.bloc.id, event_id)
    if event is None:
        await turn.reply(
            _(
                "There is no event #%(id)s in this bloc. /schedule lists the events with their numbers.",
                id=text.strip().lstrip("#") or "?",
            )
        )
        return None
    return event


async def refresh_cards(turn: Turn, events: Sequence[Event]) -> None:
    """Edit the cards of meetings whose proposed host moved."""
    for event in events:
        await refresh_card(turn, event)


async def card_parts(turn: Turn, event: Event) -> tuple[str, Choices | None]:
    """The card's text and buttons as they are now."""
    assert turn.bloc is not None
    view = await cases.card_view(turn.services.db, turn.bloc.id, event.id)
    now = turn.now()
    text = card_text(turn.tr, event, turn.tz, view.units, view.answers, now)
    return text, card_keyboard(turn.tr, event, now)


async def post_card(turn: Turn, event: Event) -> None:
    """Post the event's card in the group and remember it for edits in place."""
    text, markup = await card_parts(turn, event)
    sent = await turn.post(text, markup)
    if sent is not None and sent.message_id is not None:
        await cases.remember_card(turn.services.db, event.id, sent.chat_id, sent.message_id)


async def refresh_card(turn: Turn, event: Event) -> None:
    """Edit the stored card in place; where the channel cannot edit, post it again (throttled,
    bot/outbox.py). A card Telegram lost is let go: /rsvp shows the answers."""
    if event.card_chat_id is None or event.card_message_id is None:
        return
    text, markup = await card_parts(turn, event)
    outbox = turn.services.outbox
    channel = await outbox.channel_for(event.card_chat_id)
    if channel.can_edit:
        if not await outbox.edit(event.card_chat_id, event.card_message_id, text, markup):
            log.warning("card of event %s not edited (gone)", event.id)
        return
    sent = await outbox.update_card(
        event.card_chat_id, event.card_message_id, text, markup, key=f"event:{event.id}"
    )
    if sent is not None and sent.message_id is not None:
        await cases.remember_card(turn.services.db, event.id, sent.chat_id, sent.message_id)


async def point_to_card(turn: Turn, event: Event, text: str) -> bool:
    """Reply under the event's card, where the reply shows the card it answers (Telegram) so
    people find its buttons; False when that cannot be done here (then nothing was sent)."""
    if event.card_chat_id != turn.chat_id or event.card_message_id is None:
        return False
    if not (turn.channel.has_buttons and turn.channel.quotes_replies):
        return False  # numbered choices, or a reply that does not show the card: no way to it
    try:
        await turn.channel.send(turn.chat_id, Reply(text), reply_to=event.card_message_id)
    except Refused:
        return False  # the card is gone
    return True


async def cmd_rsvp(turn: Turn, cmd: CommandText) -> None:
    """/rsvp [<id>]: attending, absent, not answered (the next meeting by default)."""
    _ = turn._
    assert turn.bloc is not None
    if cmd.first_line:
        event = await find_event(turn, cmd.first_line)
        if event is None:
            return
    else:
        event = await cases.next_meeting(turn.services.db, turn.bloc.id, turn.now())
        if event is None:
            await turn.reply(_("There is no upcoming meeting. /rsvp <id> shows the answers for another one."))
            return
    if event.kind != "meeting":
        await turn.reply(_("#%(id)s is a deadline; answers are kept for meetings only.", id=event.id))
        return
    view = await cases.card_view(turn.services.db, turn.bloc.id, event.id)
    await turn.reply(rsvp_text(turn.tr, event, turn.tz, view.units, view.answers))


async def on_rsvp(turn: Turn, data: Callback) -> None:
    """Attend / absent: one answer per unit, given or changed by any of its representatives."""
    _ = turn._
    press = turn.press
    choice = data.str(1)
    if turn.bloc is None or choice not in ("y", "n"):
        raise CallbackError("not a bloc or bad choice")
    event = await cases.event_of(turn.services.db, turn.bloc.id, data.int(0))
    if event is None or event.kind != "meeting":
        raise CallbackError("no such meeting here")
    if event.cancelled:
        await press.answer(_("This meeting was cancelled."), alert=True)
        return
    if event.started(turn.now()):
        await press.answer(_("This meeting has already begun; answers are closed."), alert=True)
        return
    unit = await turn.my_unit()
    if unit is None:
        await press.answer(
            _(
                "Only representatives of member units can answer. Ask the chair "
                "for your unit's join link (/invite)."
            ),
            alert=True,
        )
        return
    answer: Answer = "yes" if choice == "y" else "no"
    await cases.rsvp(turn.services.db, event.id, unit.id, answer, turn.user_id)
    if answer == "yes":
        await press.answer(_("Recorded: %(unit)s will attend.", unit=unit.name))
    else:
        await press.answer(_("Recorded: %(unit)s will be absent.", unit=unit.name))
    await refresh_card(turn, event)
