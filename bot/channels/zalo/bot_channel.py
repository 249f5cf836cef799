"""The Zalo Bot Platform as a channel: text only (2,000 characters a message: longer replies are
split), choices numbered, no edits (a card is posted again, throttled), files as signed links
(a picture also shown by URL), the first message to a person says the bot is automated and
what it keeps. Zalo's errors become the channel-neutral delivery errors."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.channels.numbered import TextOnly, chat_language, record_menu
from bot.channels.zalo import notices
from bot.channels.zalo.bot_api import BotApi, BotApiError
from bot.channels.zalo.render import Links, pieces, render
from bot.core.chunks import ZALO_LIMIT
from bot.core.messages import Attachment, MaybeSent, NotSent, Refused, Reply, Sent
from bot.core.sending import Budget, Limits
from storage.db import Database
from storage.zalo import ChatAddress

__all__ = ["ZALO", "ZaloBotChannel", "delivery_error"]

log = logging.getLogger(__name__)

ZALO = "zalo"
REPOST_EVERY = timedelta(minutes=5)  # a changed card is posted again at most this often


def delivery_error(exc: BotApiError) -> NotSent | Refused:
    """An error answer as a delivery error: try again later (429, 5xx) or refused for good."""
    if exc.code == 429 or exc.code >= 500:
        return NotSent(f"Zalo answered {exc}")
    return Refused(f"Zalo refused: {exc}")


class ZaloBotChannel(TextOnly):
    """The Channel port over the Zalo Bot Platform."""

    name = ZALO
    has_buttons = False
    can_edit = False
    repost_every = REPOST_EVERY
    quotes_replies = False
    text_limit = ZALO_LIMIT
    says_automated = True  # Zalo's terms: /start and /help say the bot is automated (PRODUCT.md)

    def __init__(
        self,
        api: BotApi,
        db: Database,
        *,
        language: str,
        timezone: str,
        links: Links | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.api = api
        self.db = db
        self.language = language  # the default, for a chat that has none yet
        self.tz = ZoneInfo(timezone)
        self.links = links
        # zalo.sends_per_second; replies first (bot/core/sending.py)
        self.budget = budget or Budget(Limits.per_second(10.0))

    async def _address(self, chat_id: int) -> ChatAddress:
        async with self.db.read() as uow:
            found = await uow.zalo.chats.get(chat_id)
        if found is None or found.channel != ZALO:
            raise Refused(f"no Zalo chat {chat_id}: the person has not written to the bot")
        return found

    async def send(
        self,
        chat_id: int,
        reply: Reply,
        *,
        reply_to: int | None = None,
        ask: bool = False,
        notice: bool = False,
    ) -> Sent:
        """Post the reply (the first-contact notice first, once); remember its numbers."""
        target = await self._address(chat_id)
        lang = await chat_language(self.db, chat_id, self.language)
        delivered = 0
        try:
            if not await self._noticed(chat_id):
                await self._text(chat_id, target.address, notices.first_contact(lang))
                async with self.db.transaction() as uow:
                    await uow.zalo.chats.mark_noticed(chat_id)
            shown = await render(reply, lang, self.links, self.tz)
            for piece in pieces(shown.text, self.text_limit):
                await self._text(chat_id, target.address, piece)
                delivered += 1
            for photo in shown.photos:
                async with self.budget.slot(chat_id):
                    await self.api.call("sendPhoto", {"chat_id": target.address, "photo": photo})
        except BotApiError as exc:
            error = delivery_error(exc)
            if delivered and isinstance(error, NotSent):
                raise MaybeSent(f"part of the reply went out: {exc}") from exc
            raise error from exc
        except NotSent as exc:
            if delivered:
                raise MaybeSent(f"part of the reply went out: {exc}") from exc
            raise
        await record_menu(self.db, chat_id, reply, not target.is_group, None, notice=notice)
        return Sent(chat_id, None)

    async def _noticed(self, chat_id: int) -> bool:
        async with self.db.read() as uow:
            return await uow.zalo.chats.noticed(chat_id)

    async def _text(self, chat_id: int, address: str, text: str) -> None:
        async with self.budget.slot(chat_id):
            await self.api.call("sendMessage", {"chat_id": address, "text": text})

    async def fetch(self, attachment: Attachment) -> bytes:
        """Zalo's bots receive no files from people."""
        raise Refused("files cannot be received on Zalo")
