"""What arrives from a chat and what a feature says back, whatever the channel.

Features read an ``Incoming`` and answer with ``Reply`` values; each channel adapter turns its
platform's updates into ``Incoming`` and renders a ``Reply`` with what the platform can do:
buttons or numbered choices, an edit in place or a new post, a file or a signed link.

Identities are the bot's own integers. A Telegram user or chat keeps its Telegram id (Telegram
promises at most 52 significant bits); a person or chat of any other channel gets an id from
``FOREIGN_BASE`` up, assigned once in storage (``identities`` table), so every table that
names a person or a chat works unchanged for every channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "FOREIGN_BASE",
    "NO_HOME",
    "TELEGRAM",
    "Attachment",
    "Button",
    "Choices",
    "DeliveryError",
    "Incoming",
    "MaybeSent",
    "NotSent",
    "OutFile",
    "Refused",
    "Reply",
    "Sent",
    "is_foreign",
]

TELEGRAM = "telegram"
NO_HOME = "none"  # the virtual home chat of a bloc without a group (bot/channels/fanout.py)
FOREIGN_BASE = 1 << 53  # ids of people and chats of channels other than Telegram start here


def is_foreign(internal_id: int) -> bool:
    """Whether an internal id belongs to a channel other than Telegram."""
    return abs(internal_id) >= FOREIGN_BASE


@dataclass(frozen=True)
class Button:
    """One choice: pressing it sends ``data`` back (the callback codec's string), or, with
    ``start``, opens a private chat with the bot as "/start <start>" would."""

    label: str
    data: str | None = None
    start: str | None = None


@dataclass(frozen=True)
class Choices:
    """Rows of buttons; a channel without buttons numbers them in order."""

    rows: tuple[tuple[Button, ...], ...]

    @classmethod
    def of(cls, rows: Iterable[Iterable[Button]]) -> Choices:
        """Choices from any nested iterable of buttons (empty rows dropped)."""
        return cls(tuple(tuple(row) for row in rows if row))

    @property
    def buttons(self) -> tuple[Button, ...]:
        """Every button, row by row: the numbers a text channel shows."""
        return tuple(b for row in self.rows for b in row)

    def __bool__(self) -> bool:
        return bool(self.buttons)


@dataclass(frozen=True)
class OutFile:
    """A file to send: a document, or a picture (``image``)."""

    data: bytes
    filename: str
    caption: str = ""
    image: bool = False


@dataclass(frozen=True)
class Reply:
    """What a feature says: text, optional choices, optional files."""

    text: str
    choices: Choices | None = None
    files: tuple[OutFile, ...] = ()
    keep_text: bool = False  # an edit that only changes the choices (ticks on a ballot)
    for_person: int | None = None  # in a group: whose numbered choices these are (None: anyone's)


@dataclass(frozen=True)
class Sent:
    """A message the channel posted: its id where the channel can edit it later, else None."""

    chat_id: int
    message_id: int | None


@dataclass(frozen=True)
class Attachment:
    """A file a person sent: its name and a way for the channel to fetch the bytes."""

    filename: str
    size: int
    ref: str  # the channel's own handle (Telegram: file_id)


@dataclass(frozen=True)
class Incoming:
    """One thing a person did in a chat: a text (command or answer) or a pressed choice."""

    channel: str
    chat_id: int
    private: bool
    person_id: int
    person_name: str
    username: str | None = None
    language_code: str | None = None
    text: str | None = None
    choice: str | None = None  # a pressed button's data
    message_id: int | None = None  # the message this came in (or the pressed card)
    reply_to: int | None = None  # the bot message it answers (guided questions in groups)
    reply_to_person: int | None = None  # the author of the replied-to message (/voter)
    reply_to_name: str = ""
    reply_to_username: str | None = None
    reply_to_is_bot: bool = False
    attachment: Attachment | None = None  # a file sent with it or in the replied-to message
    chat_title: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class DeliveryError(Exception):
    """A send did not (surely) reach the chat."""


class NotSent(DeliveryError):
    """Surely not delivered (no connection, an error answer, flood after retries): retry later."""


class MaybeSent(DeliveryError):
    """The request went out and no answer came back: it may have been delivered."""


class Refused(DeliveryError):
    """Refused for good: the person never opened a chat with the bot, the bot left the group."""


def numbered(choices: Choices) -> Sequence[Button]:
    """The buttons as a text channel numbers them (1-based in the text)."""
    return choices.buttons
