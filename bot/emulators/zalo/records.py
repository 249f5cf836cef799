"""What tests read back from the Zalo emulators: calls, posted updates, sent messages, deliveries.

All ids are strings, as on the wire; times are epoch milliseconds of the emulator's clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ApiCall",
    "Json",
    "OAMessage",
    "PostedUpdate",
    "SentMessage",
    "TranscriptEntry",
    "WebhookDelivery",
]

Json = dict[str, Any]


@dataclass
class ApiCall:
    """One HTTP request as received, whatever it was answered (see `status` and `fault`)."""

    method: str
    params: Json
    headers: dict[str, str]
    body: bytes
    status: int | None = None  # HTTP status answered; None while pending or when unanswered
    fault: str | None = None  # the injected fault kind, if one was applied


@dataclass
class PostedUpdate:
    """A Bot Platform update a test posted, and what became of it."""

    seq: int
    update: Json
    consumed: bool = False
    outcome: str | None = None  # "fetched" (getUpdates), "delivered" or "failed" (webhook)

    @property
    def message(self) -> Json:
        """The update's message object."""
        message = self.update.get("message")
        return message if isinstance(message, dict) else {}

    @property
    def message_id(self) -> str:
        """The posted message's id."""
        return str(self.message.get("message_id", ""))


@dataclass
class SentMessage:
    """A message the bot sent through the Bot Platform emulator."""

    chat_id: str
    message_id: str
    kind: str  # "text", "photo" or "sticker"
    date: int
    text: str | None = None
    photo: str | None = None
    caption: str | None = None
    sticker: str | None = None
    params: Json = field(default_factory=dict)


@dataclass
class OAMessage:
    """A message the bot sent through the OA emulator (group GMF or 1:1 CS)."""

    kind: str  # "group" or "user"
    recipient_id: str
    text: str
    message_id: str
    sent_at: int
    quota_type: str | None = None  # CS only: "reply" (free) or "sub_quota" (counted)


@dataclass
class WebhookDelivery:
    """One POST of an event to the bot's webhook, with the bot's answer."""

    url: str
    body: bytes
    headers: dict[str, str]
    status: int | None = None  # HTTP status the bot answered; None when it did not answer
    error: str | None = None
    response_text: str = ""

    @property
    def ok(self) -> bool:
        """Whether the bot answered 2xx."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def payload(self) -> Any:
        """The posted body, decoded (raises ValueError for a forged non-JSON body)."""
        return json.loads(self.body)


@dataclass(frozen=True)
class TranscriptEntry:
    """One line of a conversation as a person would read it."""

    conversation_id: str
    sender: str
    text: str
    kind: str  # "text", "image", "photo", "sticker", "unsupported", "join", "leave"
    at: int

    def __str__(self) -> str:
        if self.kind in ("text", ""):
            return f"{self.sender}: {self.text}"
        if self.kind in ("join", "leave"):
            return f"{self.sender} ({'joined' if self.kind == 'join' else 'left'})"
        return f"{self.sender} ({self.kind}): {self.text}"
