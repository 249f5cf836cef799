"""Pure data of the emulated Telegram world: users, chats, messages, files, updates."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .records import (
    ApiCall,
    CallbackAnswer,
    SentMessage,
    StoredFile,
    TranscriptEntry,
    image_size,
)

Json = dict[str, Any]

MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
# Update types Telegram delivers when allowed_updates is empty or was never set.
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


@dataclass
class User:
    """A Telegram account: a person, or the bot itself."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    started: bool = False
    blocked: bool = False

    @property
    def full_name(self) -> str:
        """First and last name, as clients show it."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def to_json(self) -> Json:
        """The Bot API User object."""
        data: Json = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass
class Chat:
    """A chat: private (id == user id), group or supergroup (negative id)."""

    id: int
    type: str
    title: str | None = None
    user: User | None = None
    members: dict[int, str] = field(default_factory=dict)
    next_message_id: int = 1

    def to_json(self) -> Json:
        """The Bot API Chat object (as embedded in messages)."""
        data: Json = {"id": self.id, "type": self.type}
        if self.user is not None:
            data.update(first_name=self.user.first_name)
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
        else:
            data["title"] = self.title or ""
        return data

    def take_message_id(self) -> int:
        """Allocate the next message id of this chat."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class Webhook:
    """The webhook setWebhook configured."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


def command_key(scope: Json | None, language_code: str | None) -> tuple[str, str]:
    """The key commands are stored under: (canonical scope JSON, language code or "")."""
    scope = scope or {"type": "default"}
    return json.dumps(scope, sort_keys=True, separators=(",", ":")), language_code or ""


def update_type(update: Json) -> str:
    """The update's kind, e.g. "message" or "callback_query"."""
    return next((key for key in update if key != "update_id"), "")


class BotApiState:
    """Everything the emulated server knows; mutated by API methods and by the test side."""

    def __init__(self, bot: User, wall_clock: Callable[[], float]) -> None:
        self.bot = bot
        self.wall_clock = wall_clock
        self.users: dict[int, User] = {bot.id: bot}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], Json] = {}
        self.sent: dict[int, dict[int, SentMessage]] = {}
        self.files: dict[str, StoredFile] = {}
        self.file_paths: dict[str, StoredFile] = {}
        self.pending: list[Json] = []
        self.next_update_id = 10001
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.webhook: Webhook | None = None
        self.open_callbacks: dict[str, Json] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.commands: dict[tuple[str, str], list[Json]] = {}
        self.calls: list[ApiCall] = []
        self.log: list[TranscriptEntry] = []
        self._file_counter = 0

    def now(self) -> int:
        """Unix time for message dates."""
        return int(self.wall_clock())

    def private_chat(self, user: User) -> Chat:
        """The private chat between the bot and a user (created on first use)."""
        chat = self.chats.get(user.id)
        if chat is None:
            chat = self.chats[user.id] = Chat(id=user.id, type="private", user=user)
            chat.members[user.id] = "member"
            chat.members[self.bot.id] = "member"
        return chat

    def store_message(self, message: Json) -> None:
        """Remember a message (user's or bot's) by (chat id, message id)."""
        self.messages[(message["chat"]["id"], message["message_id"])] = message

    def store_file(self, data: bytes, filename: str | None, mime: str | None, kind: str) -> StoredFile:
        """Keep an uploaded file and give it Telegram-like ids and a file_path."""
        self._file_counter += 1
        n = self._file_counter
        digest = hashlib.sha1(data).hexdigest()
        prefix = "AgACAgIAAxkB" if kind == "photo" else "BQACAgIAAxkB"
        ext = (filename or "").rsplit(".", 1)[-1] if filename and "." in filename else "bin"
        folder = "photos" if kind == "photo" else "documents"
        stored = StoredFile(
            file_id=f"{prefix}{n:06d}{digest[:20]}",
            file_unique_id=f"AgAD{digest[:12]}",
            data=data,
            filename=filename,
            mime_type=mime,
            kind=kind,
            file_path=f"{folder}/file_{n}.{ext}",
        )
        if kind == "photo":
            stored.width, stored.height = image_size(data)
        self.files[stored.file_id] = stored
        self.file_paths[stored.file_path] = stored
        return stored

    def push_update(self, payload: Json) -> Json:
        """Create an update; it is queued only if its type is in allowed_updates, as Telegram
        filters when updates are created."""
        update = {"update_id": self.next_update_id, **payload}
        self.next_update_id += 1
        if update_type(update) in self.allowed_updates:
            self.pending.append(update)
        return update

    def is_consumed(self, update_id: int) -> bool:
        """Whether the update was confirmed, delivered to the webhook or dropped."""
        return update_id < self.next_update_id and all(u["update_id"] != update_id for u in self.pending)

    def record(self, chat_id: int, message_id: int | None, sender: str, text: str, kind: str) -> None:
        """Append a transcript entry."""
        self.log.append(TranscriptEntry(chat_id, message_id, sender, text, kind, self.now()))
