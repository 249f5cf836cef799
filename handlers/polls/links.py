"""Messages that offer a round's ballot by a button (a reminder, the list of ballots waiting),
remembered so that their buttons come off once the unit has voted or the round has closed.

They are rows of the conversations table in the slot ``ballot-links:<poll>:<round>`` per
(chat, person), holding the message ids (the ballot page itself is the draft's row,
bot/polls/cases/drafts.py). A press on a button left anyway is answered (handlers/polls/voting.py).
"""

from __future__ import annotations

import logging

from bot.core.messages import DeliveryError
from bot.polls.cases import Poll
from bot.polls.cases.closing import KEEP_LINKS as KEEP
from bot.polls.cases.closing import LINKS as KIND
from bot.polls.cases.closing import links_slot, remember_link, take_links, take_round_links
from bot.services import Services

log = logging.getLogger(__name__)

__all__ = ["KEEP", "KIND", "links_slot", "remember", "retire", "retire_round"]


async def remember(
    services: Services, chat_id: int, person_id: int, poll: Poll, message_id: int | None
) -> None:
    """Remember a message that carries a button to the poll's current ballot."""
    if message_id is None:
        return  # a channel without buttons: its numbers end with the next message anyway
    await remember_link(services.db, chat_id, person_id, poll, message_id)


async def retire(services: Services, chat_id: int, person_id: int, poll_id: int, round_no: int) -> None:
    """The unit of this person has voted: take the buttons off their ballot links."""
    await _drop_buttons(
        services, chat_id, await take_links(services.db, chat_id, person_id, poll_id, round_no)
    )


async def retire_round(services: Services, poll_id: int, round_no: int) -> None:
    """The round has closed: take the buttons off every ballot link still out."""
    found = await take_round_links(services.db, poll_id, round_no)
    for chat_id, messages in found:
        await _drop_buttons(services, chat_id, messages)


async def _drop_buttons(services: Services, chat_id: int, messages: list[int]) -> None:
    for message_id in messages:
        try:
            await services.outbox.drop_choices(chat_id, message_id)
        except DeliveryError as exc:  # one message gone must not keep the others' buttons
            log.info("could not take the buttons off a ballot link: %s", type(exc).__name__)
