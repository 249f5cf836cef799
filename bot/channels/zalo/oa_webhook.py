"""The OA's webhook: Zalo's events, verified, each handled once, in order per chat.

Every event is signed: ``X-ZEvent-Signature: mac=<hex>``, hex = sha256(app_id + raw body +
timestamp + OA secret key), the timestamp (epoch ms) being the body's own. A call without the
header is refused before its body is read; then the signature is compared in constant time,
the event's ``app_id`` must be this app's, and an event older (or newer) than ``MAX_AGE`` is
refused as a replay. Events used:

    user_send_group_text  {"sender": {"id": <user>}, "recipient": {"id": <group>}, "message": {"text", "msg_id"}}
    user_send_text        {"sender": {"id": <user>}, "recipient": {"id": <oa>}, "message": {"text", "msg_id"}}
    user_join_group / user_out_group  {"sender": {"id": <user>}, "recipient": {"id": <group>}}

The member events' shape is not in any document we could read (it matches how client code reads
them); anything the bot does not use is answered 200 and dropped. The events carry no display
names, so an OA member is named "Zalo" and the last digits of their id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from bot.channels.numbered import chat_language
from bot.channels.zalo import notices
from bot.channels.zalo.oa_channel import ZALO_OA, ZaloOAChannel
from bot.channels.zalo.oa_outbox import OAOutbox
from bot.channels.zalo.oa_tokens import NoToken
from bot.channels.zalo.ordering import ChatOrder
from bot.core.config import ZaloOAConfig
from bot.core.messages import DeliveryError, Incoming, Reply
from bot.services import Services
from bot.web.server import Request, Response, Route
from handlers.conversation.router import Router

__all__ = ["MAX_AGE", "OA_WEBHOOK_PATH", "SIGNATURE_HEADER", "OAReceiver", "oa_webhook_route", "signature"]

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ZEvent-Signature"
OA_WEBHOOK_PATH = "/zalo/oa"
MAX_AGE = timedelta(minutes=5)
MAX_BODY = 256 * 1024
MAX_TEXT = 8000
GROUP_TEXT, USER_TEXT = "user_send_group_text", "user_send_text"
MEMBER_EVENTS = frozenset({"user_join_group", "user_out_group"})


def signature(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """Zalo's mac of an event."""
    return hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode()).hexdigest()


def _id(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        return None
    return str(value).strip()[:64]


def _who(table: Any) -> str | None:
    return _id(table.get("id")) if isinstance(table, dict) else None


def label(user_id: str) -> str:
    """How an OA member is named (Zalo's events carry no names)."""
    return f"Zalo {user_id[-4:]}"


class OAReceiver:
    """Turns verified OA events into the router's work."""

    def __init__(self, services: Services, router: Router, channel: ZaloOAChannel, outbox: OAOutbox) -> None:
        self.services = services
        self.router = router
        self.channel = channel
        self.outbox = outbox
        self.order = ChatOrder()
        self._asked: set[str] = set()  # people whose profile was asked for (once per process)

    async def receive(self, event: dict[str, Any]) -> None:
        """One verified event; never raises."""
        name = str(event.get("event_name", ""))
        user, place = _who(event.get("sender")), _who(event.get("recipient"))
        if user is None or place is None:
            log.info("zalo oa: ignored a %s event without sender or recipient", name[:60])
            return
        group = name == GROUP_TEXT or name in MEMBER_EVENTS or "group" in name
        key = f"{'g' if group else 'u'}:{place if group else user}"
        try:
            await self.order.run(key, lambda: self._handle(name, event, user, place, group))
        except Exception:
            log.exception("zalo oa: an event could not be handled")

    async def _name(self, person: int, user: str) -> None:
        """A person still known by a label ("Zalo 9001") gets their Zalo display name, asked of
        Zalo's user/detail once per process (events carry no names; the minutes and the
        committee's notices name people)."""
        if user in self._asked:
            return
        async with self.services.db.read() as uow:
            known = await uow.people.get(person)
        if known is not None and known.full_name != label(user):
            return
        self._asked.add(user)
        try:
            token = await self.outbox.tokens.access_token()
        except NoToken:  # no token yet: a label it stays
            return
        name = await self.outbox.api.display_name(user, token)
        if name:
            async with self.services.db.transaction() as uow:
                await uow.people.upsert(person, name, None)

    async def _handle(self, name: str, event: dict[str, Any], user: str, place: str, group: bool) -> None:
        message = event.get("message") if isinstance(event.get("message"), dict) else {}
        assert isinstance(message, dict)
        msg_id = _id(message.get("msg_id"))
        now = self.services.clock.now()
        async with self.services.db.transaction() as uow:
            if msg_id and not await uow.zalo.seen.first_time(ZALO_OA, msg_id):
                return  # delivered twice
            person = await uow.identities.internal(ZALO_OA, "person", user)
            if await uow.people.get(person) is None:
                await uow.people.upsert(person, label(user), None)
            # Where to write to the person one to one (Zalo decides whether it lets the OA).
            await uow.zalo.chats.remember(person, ZALO_OA, user, is_group=False)
            chat = person
            if group:
                chat = await uow.identities.internal(ZALO_OA, "chat", place)
                await uow.zalo.chats.remember(chat, ZALO_OA, place, is_group=True)
            else:
                await uow.people.mark_started(person)
                await uow.zalo.chats.inbound(person, now)
        if not group:
            await self.outbox.person_wrote(person)  # a new free-reply window for kept messages
        await self._name(person, user)
        text = message.get("text")
        if name in (GROUP_TEXT, USER_TEXT) and isinstance(text, str):
            async with self.services.db.read() as uow:
                known = await uow.people.get(person)
            incoming = Incoming(
                channel=ZALO_OA,
                chat_id=chat,
                private=not group,
                person_id=person,
                person_name=known.full_name if known is not None else label(user),
                text=text[:MAX_TEXT],
            )
            await self.router.dispatch(incoming, self.channel)
        elif name in MEMBER_EVENTS:
            log.info("zalo oa: %s in group chat %s", name, chat)
        elif not group and name.startswith("user_send_"):
            lang = await chat_language(self.services.db, chat, self.services.config.language)
            try:
                await self.channel.send(chat, Reply(notices.text_only(lang)))
            except DeliveryError as exc:
                log.warning("zalo oa: could not answer chat %s: %s", chat, exc)
        else:
            log.info("zalo oa: ignored a %s event", name[:60])


def oa_webhook_route(
    config: ZaloOAConfig, receiver: OAReceiver, services: Services, path: str = OA_WEBHOOK_PATH
) -> Route:
    """The OA webhook route: header first, then signature, app, age; then the event."""

    def admit(headers: Mapping[str, str]) -> Response | None:
        if not headers.get(SIGNATURE_HEADER.lower(), "").strip():
            log.warning("zalo oa: refused an unsigned webhook call")
            return Response.json(401, {"error": -1, "message": "unsigned"})
        return None

    async def handle(request: Request) -> Response:
        supplied = request.headers.get(SIGNATURE_HEADER.lower(), "").strip()
        if supplied.lower().startswith("mac="):
            supplied = supplied[4:].strip()
        try:
            event = json.loads(request.body)
        except ValueError:
            event = None
        timestamp = str(event.get("timestamp", "")) if isinstance(event, dict) else ""
        expected = signature(config.app_id, request.body, timestamp, config.oa_secret_key)
        if not isinstance(event, dict) or not hmac.compare_digest(
            supplied.lower().encode(), expected.encode()
        ):
            log.warning("zalo oa: refused a webhook call with a wrong signature")
            return Response.json(401, {"error": -1, "message": "bad signature"})
        if str(event.get("app_id", "")) != config.app_id:
            log.warning("zalo oa: refused an event for another app")
            return Response.json(403, {"error": -1, "message": "wrong app"})
        try:
            sent_at = int(timestamp)
        except ValueError:
            sent_at = 0
        now_ms = int(services.clock.now().timestamp() * 1000)
        if abs(now_ms - sent_at) > MAX_AGE.total_seconds() * 1000:
            log.warning("zalo oa: refused a stale event (%s s old)", (now_ms - sent_at) // 1000)
            return Response.json(403, {"error": -1, "message": "stale"})
        await receiver.receive(event)
        return Response.json(200, {"error": 0, "message": "ok"})

    return Route(path, handle, methods=("POST",), max_body=MAX_BODY, admit=admit)
