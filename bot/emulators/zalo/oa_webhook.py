"""The OA emulator's webhook side: signed events POSTed to the bot, and what the bot answered.

`ZaloOAEmulator` mixes this in. Each ``post_*`` helper builds the event (see `oa_events`), adds
a transcript line, signs the raw body (``X-ZEvent-Signature: mac=<sha256 hex>``) and POSTs it to
`webhook_url`, returning the `WebhookDelivery` with the HTTP status the bot answered. A 1:1
``user_send_text`` also opens the user's 48-hour free-reply window. `post_raw` sends any body
with exactly the given headers, for forged, unsigned or tampered deliveries; pass an old
``timestamp=`` to a helper for a correctly signed but stale event.
"""

from __future__ import annotations

from datetime import datetime

import httpx

from . import oa_events
from .oa_quota import QuotaTracker
from .records import Json, TranscriptEntry, WebhookDelivery
from .waiting import Notifier

__all__ = ["OAWebhookMixin"]


class OAWebhookMixin:
    """Posting OA events as Zalo would (needs the attributes declared below)."""

    app_id: str
    oa_id: str
    oa_secret_key: str
    signature_prefix: str
    webhook_url: str | None
    deliveries: list[WebhookDelivery]
    log: list[TranscriptEntry]
    quota: QuotaTracker
    _client: httpx.AsyncClient | None
    _notifier: Notifier
    _msg_ids: int

    def now_ms(self) -> int:
        """The emulator's clock, epoch milliseconds (overridden by the emulator)."""
        raise NotImplementedError

    # -- the OA webhook ----------------------------------------------------------------------

    def set_webhook(self, url: str | None) -> None:
        """Where events go (the developer console's webhook URL); None to unset."""
        self.webhook_url = url

    def sign(self, body: bytes, timestamp: str) -> str:
        """The X-ZEvent-Signature value for a body and its timestamp."""
        return self.signature_prefix + oa_events.sign(self.app_id, body, timestamp, self.oa_secret_key)

    def _next_msg_id(self) -> str:
        self._msg_ids += 1
        return f"{0xE0000000000 + self._msg_ids:020x}"

    async def _post_event(self, event: Json, entry: TranscriptEntry) -> WebhookDelivery:
        if self.webhook_url is None:
            raise RuntimeError("no webhook set: call set_webhook(url) first")
        self.log.append(entry)
        body = oa_events.encode(event)
        headers = {
            "Content-Type": "application/json",
            oa_events.SIGNATURE_HEADER: self.sign(body, str(event["timestamp"])),
        }
        return await self.post_raw(body, headers)

    async def post_raw(
        self, body: bytes | Json, headers: dict[str, str] | None = None, url: str | None = None
    ) -> WebhookDelivery:
        """POST any body with exactly these headers (forged, unsigned, stale...) to the webhook."""
        target = url or self.webhook_url
        if target is None:
            raise RuntimeError("no webhook set: call set_webhook(url) first")
        raw = body if isinstance(body, bytes) else oa_events.encode(body)
        sent = dict(headers) if headers is not None else {"Content-Type": "application/json"}
        delivery = WebhookDelivery(target, raw, sent)
        self.deliveries.append(delivery)
        client = self._client or httpx.AsyncClient(timeout=10.0)
        try:
            response = await client.post(target, content=raw, headers=sent)
        except httpx.HTTPError as exc:
            delivery.error = f"{exc.__class__.__name__}: {exc}"
        else:
            delivery.status, delivery.response_text = response.status_code, response.text
        finally:
            if client is not self._client:
                await client.aclose()
        self._notifier.notify()
        return delivery

    def _ts(self, timestamp: int | datetime | None) -> int:
        if isinstance(timestamp, datetime):
            return int(timestamp.timestamp() * 1000)
        return self.now_ms() if timestamp is None else timestamp

    def _profile(self, user_id: str, display_name: str | None) -> None:
        """The name Zalo's user/detail answers for this person (events themselves carry none)."""
        names: dict[str, str] | None = getattr(self, "names", None)
        if names is not None and display_name:
            names[user_id] = display_name

    async def post_user_text(
        self,
        user_id: str,
        text: str,
        display_name: str | None = None,
        *,
        timestamp: int | datetime | None = None,
    ) -> WebhookDelivery:
        """A user writes to the OA 1:1 (``user_send_text``); opens the free-reply window."""
        uid, ts = str(user_id), self._ts(timestamp)
        self._profile(uid, display_name)
        if self.webhook_url is not None:
            self.quota.record_inbound(uid)
        event = oa_events.user_text_event(self.app_id, self.oa_id, uid, text, self._next_msg_id(), ts)
        return await self._post_event(event, TranscriptEntry(uid, display_name or uid, text, "text", ts))

    async def post_group_text(
        self,
        group_id: str,
        user_id: str,
        text: str,
        display_name: str | None = None,
        *,
        timestamp: int | datetime | None = None,
    ) -> WebhookDelivery:
        """A member writes in a group the OA is in (``user_send_group_text``)."""
        gid, uid, ts = str(group_id), str(user_id), self._ts(timestamp)
        self._profile(uid, display_name)
        event = oa_events.group_text_event(self.app_id, self.oa_id, gid, uid, text, self._next_msg_id(), ts)
        return await self._post_event(event, TranscriptEntry(gid, display_name or uid, text, "text", ts))

    async def post_member_joined(
        self,
        group_id: str,
        user_id: str,
        display_name: str | None = None,
        *,
        timestamp: int | datetime | None = None,
    ) -> WebhookDelivery:
        """A member joins a group (``user_join_group``)."""
        return await self._member("user_join_group", "join", group_id, user_id, display_name, timestamp)

    async def post_member_left(
        self,
        group_id: str,
        user_id: str,
        display_name: str | None = None,
        *,
        timestamp: int | datetime | None = None,
    ) -> WebhookDelivery:
        """A member leaves a group (``user_out_group``)."""
        return await self._member("user_out_group", "leave", group_id, user_id, display_name, timestamp)

    async def _member(
        self,
        event_name: str,
        kind: str,
        group_id: str,
        user_id: str,
        display_name: str | None,
        timestamp: int | datetime | None,
    ) -> WebhookDelivery:
        gid, uid, ts = str(group_id), str(user_id), self._ts(timestamp)
        self._profile(uid, display_name)
        event = oa_events.member_event(event_name, self.app_id, self.oa_id, gid, uid, ts)
        return await self._post_event(event, TranscriptEntry(gid, display_name or uid, "", kind, ts))
