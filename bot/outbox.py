"""Sending to any chat, whatever its channel: the features' one way out.

A chat's internal id says its channel (bot/core/messages.py): a Telegram id as it is, any
other from the ``identities`` table, cached here (bounded).

Everything sent here is a fan-out send (bot/core/sending.py): reminders, ballots, nudges,
cards, private notices. It takes the slots of the platform's send budget that replies to
people (``turn.reply``, a press's edit: straight through the channel) leave.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import datetime

from bot.core.channel import Channel
from bot.core.messages import NO_HOME, TELEGRAM, Choices, OutFile, Refused, Reply, Sent, is_foreign
from bot.core.sending import fan_out
from storage.db import Database

log = logging.getLogger(__name__)
CACHE = 4096  # chats whose channel is remembered in memory


class Outbox:
    """Routes replies to the channel of each chat."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.channels: dict[str, Channel] = {}
        self._channel_of: OrderedDict[int, str] = OrderedDict()
        self._reposted: OrderedDict[tuple[int, str], datetime] = OrderedDict()

    def register(self, channel: Channel) -> None:
        """Make a channel reachable (wiring, before any message is sent)."""
        self.channels[channel.name] = channel

    async def channel_for(self, chat_id: int) -> Channel:
        """The channel of a chat; LookupError when no running channel has it."""
        name = self._channel_of.get(chat_id)
        if name is None:
            if not is_foreign(chat_id):
                name = TELEGRAM
            else:
                async with self.db.read() as uow:
                    found = await uow.identities.external(chat_id)
                if found is None:
                    raise LookupError(f"unknown chat {chat_id}")
                name = found[0]
            self._channel_of[chat_id] = name
            if len(self._channel_of) > CACHE:
                self._channel_of.popitem(last=False)
        channel = self.channels.get(name)
        if channel is None:
            raise LookupError(f"channel {name} is not running")
        return channel

    async def homeless(self, chat_id: int) -> bool:
        """Whether the chat is the virtual home of a bloc without a group (bot/channels/fanout.py):
        its posts reach every private chat, so a changed card is not posted there again."""
        try:
            return (await self.channel_for(chat_id)).name == NO_HOME
        except LookupError:
            return False

    async def send(self, chat_id: int, text: str, choices: Choices | None = None) -> Sent:
        """Post text (and choices) to a chat; raises Refused / NotSent / MaybeSent."""
        try:
            channel = await self.channel_for(chat_id)
        except LookupError as exc:
            raise Refused(str(exc)) from exc
        with fan_out():
            return await channel.send(chat_id, Reply(text, choices))

    async def tell(self, chat_id: int, text: str, choices: Choices | None = None) -> Sent | None:
        """Post text; None when the chat refuses (a person who never opened a chat with the bot)."""
        try:
            return await self.send(chat_id, text, choices)
        except Refused as exc:
            log.info("chat %s refused a message: %s", chat_id, exc)
            return None

    async def edit(self, chat_id: int, message_id: int, text: str, choices: Choices | None = None) -> bool:
        """Update a card in place; False when it cannot be (gone, or the channel cannot edit)."""
        try:
            channel = await self.channel_for(chat_id)
        except LookupError:
            return False
        with fan_out():
            return await channel.edit(chat_id, message_id, Reply(text, choices))

    async def update_card(
        self, chat_id: int, message_id: int | None, text: str, choices: Choices | None, *, key: str
    ) -> Sent | None:
        """Show a card's new state: edited in place where the channel can; else re-posted, at
        most once per ``repost_every`` of the channel per card (a group is not flooded; people
        ask for the state with a command at any time). The new message when one was posted."""
        try:
            channel = await self.channel_for(chat_id)
        except LookupError:
            return None
        if channel.can_edit:
            with fan_out():
                if message_id is not None and await channel.edit(chat_id, message_id, Reply(text, choices)):
                    return None
                return await channel.send(chat_id, Reply(text, choices))  # the old card is gone
        if channel.name == NO_HOME:
            # A bloc without a home chat: a re-post would reach every private chat, and its
            # numbers would replace the list each person is answering there (a ballot, a form).
            # Its people ask for the state with /rsvp, /poll <id> instead.
            return None
        now = self.db.clock.now()
        last = self._reposted.get((chat_id, key))
        if last is not None and now - last < channel.repost_every:
            return None
        with fan_out():
            sent = await channel.send(chat_id, Reply(text, choices))
        self._reposted[(chat_id, key)] = now
        self._reposted.move_to_end((chat_id, key))
        if len(self._reposted) > CACHE:
            self._reposted.popitem(last=False)
        return sent

    async def send_file(self, chat_id: int, file: OutFile) -> Sent:
        """Send a document or a picture to a chat."""
        try:
            channel = await self.channel_for(chat_id)
        except LookupError as exc:
            raise Refused(str(exc)) from exc
        with fan_out():
            return await channel.send(chat_id, Reply(file.caption, files=(file,)))

    async def drop_choices(self, chat_id: int, message_id: int) -> None:
        """Take the choices off a posted message, where the channel can."""
        try:
            channel = await self.channel_for(chat_id)
        except LookupError:
            return
        with fan_out():
            await channel.drop_choices(chat_id, message_id)
