"""Shared checks of the hostile-input tests (authorization matrix, fuzzing, ballot attacks)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.harness import BotHarness

# The error handler's apology, in both languages: it means an exception escaped a handler.
APOLOGIES = ("đã gặp lỗi", "went wrong")


class ErrorRecords(logging.Handler):
    """Collects every log record at ERROR or above, from any logger."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def summary(self, limit: int = 3) -> list[str]:
        """The first records as text, with the exception that came with them."""
        return [
            f"{r.name}: {r.getMessage()} {r.exc_info[1]!r}" if r.exc_info else f"{r.name}: {r.getMessage()}"
            for r in self.records[:limit]
        ]


@contextmanager
def errors_logged() -> Iterator[ErrorRecords]:
    """Catch ERROR records on the root logger while the block runs."""
    catcher = ErrorRecords()
    root = logging.getLogger()
    root.addHandler(catcher)
    try:
        yield catcher
    finally:
        root.removeHandler(catcher)


def insane(text: str) -> bool:
    """Whether a reply shows an internal failure: a traceback, raw exception text, the apology."""
    return (
        "Traceback" in text
        or any(a in text for a in APOLOGIES)
        or any(f"{name}:" in text[:80] for name in ("Error", "Exception", "BadRequest"))
    )


def keyboard(h: BotHarness, chat: int, part: str = "") -> tuple[int, dict[str, str]]:
    """The bot's latest message in a chat whose buttons all carry `part`: id, {label: data}."""
    for message in reversed(h.emu.messages(chat)):
        labels = {
            b["text"]: b["callback_data"] for row in message.buttons for b in row if "callback_data" in b
        }
        if labels and all(part in d for d in labels.values()):
            return message.message_id, labels
    raise LookupError(f"no keyboard {part!r} in chat {chat}")


def every_button(h: BotHarness, chats: list[int]) -> list[tuple[int, int, str]]:
    """(chat, message id, data) of every callback button on the bot's messages there now."""
    found = []
    for chat in chats:
        for message in h.emu.messages(chat):
            found += [
                (chat, message.message_id, b["callback_data"])
                for row in message.buttons
                for b in row
                if "callback_data" in b
            ]
    return found


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite file, with no WAL or shared memory left at the target."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def integrity_ok(h: BotHarness) -> bool:
    """PRAGMA integrity_check on the database file, from outside the bot."""
    return h.db_rows("PRAGMA integrity_check") == [("ok",)]
