"""What tests read back: stored files, bot messages, transcript lines, answers, calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

Json = dict[str, Any]


@dataclass
class StoredFile:
    """A file users uploaded or the bot sent, addressable by file_id and file_path."""

    file_id: str
    file_unique_id: str
    data: bytes
    filename: str | None
    mime_type: str | None
    kind: str
    file_path: str
    width: int = 0
    height: int = 0

    def to_json(self) -> Json:
        """The Document object, or one PhotoSize for photos."""
        data: Json = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }
        if self.kind == "photo":
            data.update(width=self.width, height=self.height)
            return data
        if self.filename:
            data["file_name"] = self.filename
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data

    def file_json(self) -> Json:
        """The File object getFile returns."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass
class SentMessage:
    """Current state of one message the bot sent (text is the visible text, markup parsed)."""

    chat_id: int
    message_id: int
    text: str | None
    raw: Json
    source_text: str | None = None
    parse_mode: str | None = None
    caption: str | None = None
    reply_markup: Json | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    reply_to: int | None = None
    edited: int = 0
    deleted: bool = False

    @property
    def buttons(self) -> list[list[Json]]:
        """Rows of inline keyboard buttons (empty without an inline keyboard)."""
        if not self.reply_markup:
            return []
        return [list(row) for row in self.reply_markup.get("inline_keyboard", [])]

    @property
    def button_texts(self) -> list[str]:
        """Texts of all inline buttons, row by row."""
        return [str(button.get("text", "")) for row in self.buttons for button in row]


@dataclass(frozen=True)
class TranscriptEntry:
    """One line of a chat as a person would read it."""

    chat_id: int
    message_id: int | None
    sender: str
    text: str
    kind: str  # "message", "edit", "delete", "callback", "alert", "toast"
    date: int

    def __str__(self) -> str:
        marks = {
            "edit": " (edited)",
            "delete": " (deleted)",
            "callback": " (pressed)",
            "alert": " (alert)",
            "toast": " (notification)",
        }
        return f"{self.sender}{marks.get(self.kind, '')}: {self.text}"


@dataclass(frozen=True)
class CallbackAnswer:
    """An answerCallbackQuery call."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    user_id: int | None = None


@dataclass(frozen=True)
class PostedUpdate:
    """An update a test posted: its id, the Update JSON and the message in it, if any."""

    update_id: int
    update: Json
    message: Json | None = None

    @property
    def message_id(self) -> int:
        """The posted message's id (ValueError for updates without a message)."""
        if self.message is None:
            raise ValueError("this update carries no message")
        return int(self.message["message_id"])


class ApiCall(NamedTuple):
    """One Bot API request as received (params decoded, uploads summarised)."""

    method: str
    params: Json


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG image, (0, 0) if unknown."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data) and data[i] == 0xFF:
            marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height = int.from_bytes(data[i + 5 : i + 7], "big")
                return int.from_bytes(data[i + 7 : i + 9], "big"), height
            i += 2 + length
    return 0, 0
