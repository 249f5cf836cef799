"""A Zalo Official Account as a channel: the OA's group chats (a bloc's home chat) and its
one-to-one chats. Text only, 2,000 characters a message, choices numbered, no edits; every
message goes through the OA outbox (token, quota, kept when Zalo will not take it yet)."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.channels.numbered import TextOnly, chat_language, record_menu
from bot.channels.zalo import notices
from bot.channels.zalo.oa_outbox import OAOutbox
from bot.channels.zalo.render import Links, pieces, render
from bot.core.chunks import ZALO_LIMIT
from bot.core.messages import Attachment, MaybeSent, NotSent, Refused, Reply, Sent
from storage.db import Database
from storage.zalo import ChatAddress

__all__ = ["ZALO_OA", "ZaloOAChannel"]

log = logging.getLogger(__name__)

ZALO_OA = "zalo_oa"


class ZaloOAChannel(TextOnly):
    """The Channel port over a Zalo Official Account."""

    name = ZALO_OA
    has_buttons = False
    can_edit = False
    repost_every = timedelta(minutes=5)
    quotes_replies = False
    text_limit = ZALO_LIMIT
    says_automated = True  # Zalo's terms: /start and /help say the bot is automated (PRODUCT.md)

    def __init__(
        self, outbox: OAOutbox, db: Database, *, language: str, timezone: str, links: Links | None = None
    ) -> None:
        self.outbox = outbox
        self.db = db
        self.language = language
        self.tz = ZoneInfo(timezone)
        self.links = links

    async def _address(self, chat_id: int) -> ChatAddress:
        async with self.db.read() as uow:
            found = await uow.zalo.chats.get(chat_id)
        if found is None or found.channel != ZALO_OA:
            raise Refused(f"no Zalo OA chat {chat_id}")
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
        """Post (or keep) the reply, the first-contact notice first; remember its numbers."""
        target = await self._address(chat_id)
        lang = await chat_language(self.db, chat_id, self.language)
        shown = await render(reply, lang, self.links, self.tz)
        texts = pieces(shown.text, self.text_limit)
        async with self.db.read() as uow:
            noticed = await uow.zalo.chats.noticed(chat_id)
        if not noticed:
            texts.insert(0, notices.first_contact(lang))
        went = 0
        for text in texts:
            try:
                await self.outbox.post(target, text)
            except NotSent as exc:
                if went:
                    raise MaybeSent(f"part of the reply went out: {exc}") from exc
                raise
            went += 1
            if not noticed:
                noticed = True  # sent or kept: it goes before anything else either way
                async with self.db.transaction() as uow:
                    await uow.zalo.chats.mark_noticed(chat_id)
        await record_menu(self.db, chat_id, reply, not target.is_group, None, notice=notice)
        return Sent(chat_id, None)

    async def fetch(self, attachment: Attachment) -> bytes:
        """The OA receives no files from people here."""
        raise Refused("files cannot be received on Zalo")
