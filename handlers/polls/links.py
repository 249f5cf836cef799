"""Messages that offer a round's ballot by a button (a reminder, the list of ballots waiting),
remembered so that their buttons come off once the unit has voted or the round has closed.

They are rows of the conversations table in the slot ``ballot-links:<poll>:<round>`` per
(chat, person), holding the message ids (the ballot page itself is the draft's row,
bot/polls/cases/drafts.py). A press on a button left anyway is answered (handlers/polls/voting.py).
"""

from __future__ import annotations

import logging

from bot.core.messages import DeliveryError
from bot.services import Services
from handlers.polls.drafts import expiry
from storage.polls import Poll, PollRepo

log = logging.getLogger(__name__)

KIND = "ballot-links"
KEEP = 20  # messages remembered per person and round (the newest)


def links_slot(poll_id: int, round_no: int) -> str:
    """The conversations slot of a round's ballot links."""
    return f"{KIND}:{poll_id}:{round_no}"


async def remember(
    services: Services, chat_id: int, person_id: int, poll: Poll, message_id: int | None
) -> None:
    """Remember a message that carries a button to the poll's current ballot."""
    if message_id is None:
        return  # a channel without buttons: its numbers end with the next message anyway
    slot = links_slot(poll.id, poll.round)
    async with services.db.transaction() as uow:
        row = await uow.conversations.get(chat_id, person_id, slot)
        kept = [int(m) for m in (row.payload.get("m", []) if row else []) if isinstance(m, int)]
        kept = [*kept[-(KEEP - 1) :], message_id]
        await uow.conversations.put(
            chat_id, person_id, slot, KIND, {"m": kept}, expiry(poll, uow.clock.now()), None
        )


async def retire(services: Services, chat_id: int, person_id: int, poll_id: int, round_no: int) -> None:
    """The unit of this person has voted: take the buttons off their ballot links."""
    slot = links_slot(poll_id, round_no)
    async with services.db.transaction() as uow:
        row = await uow.conversations.get(chat_id, person_id, slot)
        await uow.conversations.drop(chat_id, person_id, slot)
    if row is not None:
        await _drop_buttons(services, chat_id, [m for m in row.payload.get("m", []) if isinstance(m, int)])


async def retire_round(services: Services, poll_id: int, round_no: int) -> None:
    """The round has closed: take the buttons off every ballot link still out."""
    slot = links_slot(poll_id, round_no)
    async with services.db.transaction() as uow:
        polls = uow.repo(PollRepo)
        found = await polls.ballot_links(slot)
        await polls.drop_ballot_pages(slot)
    for chat_id, messages in found:
        await _drop_buttons(services, chat_id, messages)


async def _drop_buttons(services: Services, chat_id: int, messages: list[int]) -> None:
    for message_id in messages:
        try:
            await services.outbox.drop_choices(chat_id, message_id)
        except DeliveryError as exc:  # one message gone must not keep the others' buttons
            log.info("could not take the buttons off a ballot link: %s", type(exc).__name__)
