"""The home chat of a bloc without a group: a virtual chat (an identity of channel "none")
whose posts go privately, one message each, to every representative and admin of the bloc who
has opened a private chat with the bot, on that person's own channel.

It cannot edit, and a changed card is not posted again (bot/outbox.py, update_card: the copy
would replace the numbers each person is answering in their own chat; /rsvp and /poll <id> show
the state). It has no buttons of its own: each copy goes through the person's channel, so
choices become buttons on Telegram and numbers in each private chat (kept per person, as private
menus are). A reply meant for one person (``Reply.for_person``) goes to that person only.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.core.channel import Channel
from bot.core.messages import NO_HOME, Attachment, DeliveryError, Incoming, Refused, Reply, Sent
from storage.db import Database

if TYPE_CHECKING:
    from bot.outbox import Outbox

log = logging.getLogger(__name__)

__all__ = ["FanOut"]


class FanOut:
    """Posts to a homeless bloc's virtual chat, delivered privately to each of its people."""

    name = NO_HOME
    has_buttons = False
    can_edit = False
    quotes_replies = False
    text_limit = 2000
    repost_every = timedelta(minutes=5)

    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db = db
        self.outbox = outbox

    async def readers(self, chat_id: int) -> list[int]:
        """Everyone a post to this virtual chat reaches: representatives and admins who have
        started a private chat with the bot, each once, in the order they joined."""
        async with self.db.read() as uow:
            bloc = await uow.blocs.by_chat(chat_id)
            if bloc is None:
                return []
            people = [r.person for r in await uow.units.representatives(bloc.id)]
            for admin in sorted(await uow.blocs.admins(bloc.id)):
                person = await uow.people.get(admin)
                if person is not None:
                    people.append(person)
        seen: dict[int, None] = {}
        for person in people:
            if person.started:
                seen.setdefault(person.user_id, None)
        return list(seen)

    async def send(
        self, chat_id: int, reply: Reply, *, reply_to: int | None = None, ask: bool = False
    ) -> Sent:
        """One private message to each reader (to one person for a reply meant for them)."""
        if reply.for_person is not None:
            channel = await self._channel(reply.for_person)
            await channel.send(reply.for_person, reply, ask=ask)
            return Sent(chat_id, None)
        readers = await self.readers(chat_id)
        if not readers:
            raise Refused(f"no one has a private chat with the bot in bloc chat {chat_id}")
        delivered, failure = 0, None
        for person in readers:
            try:
                channel = await self._channel(person)
                await channel.send(person, reply)
                delivered += 1
            except DeliveryError as exc:  # one person's chat does not stop the others'
                log.info("fan-out of chat %s to %s failed: %s", chat_id, person, exc)
                failure = exc
        if not delivered and failure is not None:
            raise failure
        return Sent(chat_id, None)

    async def _channel(self, person: int) -> Channel:
        try:
            return await self.outbox.channel_for(person)
        except LookupError as exc:
            raise Refused(str(exc)) from exc

    async def edit(self, chat_id: int, message_id: int, reply: Reply) -> bool:
        """Copies in many chats cannot be changed: the caller posts again."""
        return False

    async def drop_choices(self, chat_id: int, message_id: int) -> None:
        """Each private chat's numbers end with its next message."""

    async def answer_press(self, incoming: Incoming, text: str = "", *, alert: bool = False) -> None:
        """Presses come from the private chats, never from here."""
        if text:
            await self.send(incoming.chat_id, Reply(text, for_person=incoming.person_id))

    async def fetch(self, attachment: Attachment) -> bytes:
        """Nobody sends files to a virtual chat."""
        raise LookupError("a virtual chat has no files")

    async def chat_admin(self, chat_id: int, person_id: int) -> bool | None:
        """No platform group: the bloc's own admins decide."""
        return None

    def start_link(self, payload: str) -> str | None:
        """No deep links of its own."""
        return None
