"""Zalo Bot Platform methods: getMe, getUpdates, webhooks, sendMessage, sendPhoto, sendSticker,
sendChatAction — parameter checks and results as the Bot Platform documents them.

Errors answer ``{"ok": false, "error_code": <HTTP status>, "description": "..."}`` with that HTTP
status. Limits: text 1–2000 characters, caption up to 2000, secret_token 8–256 characters, photo
an http(s) URL. A getUpdates that sees nothing before its ``timeout`` (seconds) answers 408
``"Request timeout"``.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .bot_updates import UpdateFeed, Webhook
from .records import Json, SentMessage, TranscriptEntry

__all__ = ["MAX_TEXT", "BotApiError", "BotMethods", "BotState"]

MAX_TEXT = 2000
CHAT_ACTIONS = frozenset({"typing", "upload_photo"})

Handler = Callable[[Json, Any], Awaitable[Any]]
"""A method: (params, the request's disconnected event) -> result; raises BotApiError."""


class BotApiError(Exception):
    """An error answer: HTTP status and description."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description

    def payload(self) -> Json:
        """The error body."""
        return {"ok": False, "error_code": self.code, "description": self.description}


@dataclass
class BotState:
    """The emulated bot account and what it sent."""

    token: str
    bot_id: str
    account_name: str
    bot_name: str
    feed: UpdateFeed
    now_ms: Callable[[], int]
    sent: dict[str, list[SentMessage]] = field(default_factory=dict)
    log: list[TranscriptEntry] = field(default_factory=list)
    chat_actions: list[tuple[str, str]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def new_message_id(self) -> str:
        """A fresh message id (20 hex digits, as Zalo's look)."""
        return f"{0xB07000000000 + next(self._ids):020x}"


def _text(params: Json, name: str, *, required: bool) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise BotApiError(400, f"Bad Request: {name} is required")
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise BotApiError(400, f"Bad Request: {name} must be a string")
    return str(value)


def _limit(value: str | None, name: str, low: int, high: int) -> None:
    if value is not None and not low <= len(value) <= high:
        raise BotApiError(400, f"Bad Request: {name} must be {low}-{high} characters long")


def _url(value: str, name: str) -> None:
    if not value.startswith(("http://", "https://")):
        raise BotApiError(400, f"Bad Request: {name} must be an HTTP or HTTPS URL")


class BotMethods:
    """The method implementations, by lower-case name."""

    def __init__(self, state: BotState) -> None:
        self.state = state

    def handlers(self) -> dict[str, Handler]:
        """Method name (lower case) -> implementation taking (params, disconnected event)."""
        return {
            "getme": self.get_me,
            "getupdates": self.get_updates,
            "setwebhook": self.set_webhook,
            "deletewebhook": self.delete_webhook,
            "getwebhookinfo": self.get_webhook_info,
            "sendmessage": self.send_message,
            "sendphoto": self.send_photo,
            "sendsticker": self.send_sticker,
            "sendchataction": self.send_chat_action,
        }

    async def get_me(self, params: Json, disconnected: Any) -> Json:
        """The bot account."""
        s = self.state
        return {
            "id": s.bot_id,
            "account_name": s.account_name,
            "account_type": "BASIC",
            "can_join_groups": False,
        }

    async def get_updates(self, params: Json, disconnected: Any) -> Json:
        """One update per call, or 408 once `timeout` seconds pass without one."""
        feed = self.state.feed
        if feed.webhook is not None:
            raise BotApiError(409, "Conflict: can't use getUpdates while webhook is active")
        raw = params.get("timeout", 0)
        try:
            timeout = float(raw) if raw not in (None, "") else 0.0
        except (TypeError, ValueError) as exc:
            raise BotApiError(400, "Bad Request: timeout must be a number") from exc
        posted = await feed.next_update(timeout, disconnected)
        if posted is not None:
            return posted.update
        if feed.webhook is not None:
            raise BotApiError(409, "Conflict: terminated by setWebhook request")
        raise BotApiError(408, "Request timeout")

    async def set_webhook(self, params: Json, disconnected: Any) -> Json:
        """Set the webhook; `secret_token` is required, 8–256 characters."""
        url = _text(params, "url", required=True)
        assert url is not None
        _url(url, "url")
        secret = _text(params, "secret_token", required=True)
        _limit(secret, "secret_token", 8, 256)
        assert secret is not None
        feed = self.state.feed
        feed.webhook_updated_at = self.state.now_ms()
        feed.webhook = Webhook(url, secret, feed.webhook_updated_at)
        feed.notifier.notify()
        return {"url": url, "updated_at": feed.webhook_updated_at}

    async def delete_webhook(self, params: Json, disconnected: Any) -> Json:
        """Back to getUpdates."""
        feed = self.state.feed
        feed.webhook = None
        feed.webhook_updated_at = self.state.now_ms()
        feed.notifier.notify()
        return {"url": "", "updated_at": feed.webhook_updated_at}

    async def get_webhook_info(self, params: Json, disconnected: Any) -> Json:
        """The current webhook URL ("" when none)."""
        feed = self.state.feed
        url = feed.webhook.url if feed.webhook else ""
        return {"url": url, "updated_at": feed.webhook_updated_at, "has_custom_certificate": False}

    def _record(self, message: SentMessage, line: str) -> Json:
        s = self.state
        s.sent.setdefault(message.chat_id, []).append(message)
        kind = "text" if message.kind == "text" else message.kind
        s.log.append(TranscriptEntry(message.chat_id, s.bot_name, line, kind, message.date))
        return {"message_id": message.message_id, "date": message.date}

    def _new(self, params: Json, kind: str) -> SentMessage:
        chat_id = _text(params, "chat_id", required=True)
        assert chat_id is not None
        return SentMessage(
            chat_id, self.state.new_message_id(), kind, self.state.now_ms(), params=dict(params)
        )

    async def send_message(self, params: Json, disconnected: Any) -> Json:
        """A text message, 1–2000 characters."""
        text = _text(params, "text", required=True)
        _limit(text, "text", 1, MAX_TEXT)
        message = self._new(params, "text")
        message.text = text
        return self._record(message, text or "")

    async def send_photo(self, params: Json, disconnected: Any) -> Json:
        """A photo by URL with an optional caption (up to 2000 characters)."""
        photo = _text(params, "photo", required=True)
        assert photo is not None
        _url(photo, "photo")
        caption = _text(params, "caption", required=False)
        _limit(caption, "caption", 0, MAX_TEXT)
        message = self._new(params, "photo")
        message.photo, message.caption = photo, caption
        return self._record(message, f"{photo} {caption or ''}".strip())

    async def send_sticker(self, params: Json, disconnected: Any) -> Json:
        """A sticker by id."""
        sticker = _text(params, "sticker", required=True)
        message = self._new(params, "sticker")
        message.sticker = sticker
        return self._record(message, sticker or "")

    async def send_chat_action(self, params: Json, disconnected: Any) -> bool:
        """Typing indicator: action "typing" or "upload_photo"."""
        chat_id = _text(params, "chat_id", required=True)
        action = _text(params, "action", required=True)
        if action not in CHAT_ACTIONS:
            raise BotApiError(400, f"Bad Request: action must be one of {sorted(CHAT_ACTIONS)}")
        assert chat_id is not None and action is not None
        self.state.chat_actions.append((chat_id, action))
        return True
