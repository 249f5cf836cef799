"""Zalo Bot Platform updates in: parsed, each message handled once, in order per chat, and
handed to the router as an ``Incoming``; pictures, stickers and withheld messages answered here.

An update is ``{"event_name": "message.text.received", "message": {"from": {"id",
"display_name"}, "chat": {"id", "chat_type"}, "text", "message_id", "date"}}`` (ids are
strings); a webhook body may also come wrapped as ``{"ok": true, "result": <update>}`` (one
SDK's documentation shows it so), and both are read. A private chat's internal id is the
person's internal id; the chat id Zalo gave is kept as the address to write to, since Zalo does
not promise it equals the person's id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.channels.numbered import chat_language
from bot.channels.zalo import notices
from bot.channels.zalo.bot_channel import ZALO, ZaloBotChannel
from bot.channels.zalo.ordering import ChatOrder
from bot.core.messages import DeliveryError, Incoming, Reply
from bot.services import Services
from handlers.conversation.router import Router

__all__ = ["BotReceiver", "BotUpdate", "parse_update"]

log = logging.getLogger(__name__)

TEXT = "message.text.received"
UNREADABLE = "message.unsupported.received"
NOT_TEXT = frozenset({"message.image.received", "message.sticker.received"})
MAX_TEXT = 8000  # more than any Zalo message carries; anything longer is cut


@dataclass(frozen=True)
class BotUpdate:
    """The parts of an update the bot uses."""

    event: str
    user_id: str
    display_name: str
    chat_id: str
    group: bool
    message_id: str
    text: str | None


def _id(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        return None
    return str(value).strip()[:64]


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_update(body: Any) -> BotUpdate | None:
    """An update (bare or wrapped); None when it is not one the bot can use."""
    if isinstance(body, dict) and "result" in body and "event_name" not in body:
        body = body.get("result")
    if not isinstance(body, dict):
        return None
    event, message = body.get("event_name"), body.get("message")
    if not isinstance(event, str) or not isinstance(message, dict):
        return None
    sender = _table(message.get("from"))
    chat = _table(message.get("chat"))
    user_id, chat_id = _id(sender.get("id")), _id(chat.get("id"))
    if user_id is None:
        return None
    text = message.get("text")
    name = sender.get("display_name")
    return BotUpdate(
        event=event,
        user_id=user_id,
        display_name=name.strip()[:200] if isinstance(name, str) and name.strip() else f"Zalo {user_id[-4:]}",
        chat_id=chat_id or user_id,
        group=str(chat.get("chat_type", "PRIVATE")).upper() != "PRIVATE",
        message_id=_id(message.get("message_id")) or "",
        text=text[:MAX_TEXT] if isinstance(text, str) else None,
    )


class BotReceiver:
    """Turns updates into the router's work."""

    def __init__(self, services: Services, router: Router, channel: ZaloBotChannel, *, groups: bool) -> None:
        self.services = services
        self.router = router
        self.channel = channel
        self.groups = groups
        self.order = ChatOrder()

    async def receive(self, body: Any) -> None:
        """One update from getUpdates or the webhook; never raises."""
        update = parse_update(body)
        if update is None:
            log.info("zalo: ignored an update the bot cannot use")
            return
        if update.group and not self.groups:
            log.info("zalo: ignored a group message (zalo.groups is off)")
            return
        try:
            await self.order.run(f"{update.group}:{update.chat_id}", lambda: self._handle(update))
        except Exception:
            log.exception("zalo: an update could not be handled")

    async def _handle(self, update: BotUpdate) -> None:
        db = self.services.db
        now = self.services.clock.now()
        async with db.transaction() as uow:
            if update.message_id and not await uow.zalo.seen.first_time(ZALO, update.message_id):
                return  # delivered twice (a webhook retry)
            person = await uow.identities.internal(ZALO, "person", update.user_id)
            await uow.people.upsert(person, update.display_name, None)
            if update.group:
                chat = await uow.identities.internal(ZALO, "chat", update.chat_id)
            else:
                chat = person
                await uow.people.mark_started(person)  # the person wrote: the bot may answer
            await uow.zalo.chats.remember(chat, ZALO, update.chat_id, is_group=update.group)
            await uow.zalo.chats.inbound(chat, now)
        if update.event == TEXT and update.text is not None:
            incoming = Incoming(
                channel=ZALO,
                chat_id=chat,
                private=not update.group,
                person_id=person,
                person_name=update.display_name,
                text=update.text,
            )
            await self.router.dispatch(incoming, self.channel)
            return
        if update.group:
            return  # nothing to say about a group's pictures
        lang = await self._language(chat)
        if update.event in NOT_TEXT:
            await self._say(chat, notices.text_only(lang))
        elif update.event == UNREADABLE:
            await self._say(chat, notices.not_readable(lang))
        else:
            log.info("zalo: ignored a %s update", update.event[:60])

    async def _language(self, chat: int) -> str:
        return await chat_language(self.services.db, chat, self.services.config.language)

    async def _say(self, chat: int, text: str) -> None:
        try:
            await self.channel.send(chat, Reply(text))
        except DeliveryError as exc:
            log.warning("zalo: could not answer chat %s: %s", chat, exc)
