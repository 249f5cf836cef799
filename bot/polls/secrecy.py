"""Keeping ballots and ballot-box codes out of the logs: redacted records, sealed SQL parameters.

At DEBUG, python-telegram-bot logs every Bot API call with its parameters and every update it
processes, and a database driver may log every statement with its parameters (aiosqlite did;
storage/db.py now runs sqlite3 itself, which logs nothing). A ballot page, its buttons,
a `/vote` text or a stored ballot body would thus sit in the log next to the voter's chat id.
Two defences, both independent of how logging is configured:

- every ballot message carries BALLOT_MARK and every ballot button the ``bv`` prefix, every
  message giving or asking for a counting committee member's code KEY_MARK; a log record whose
  text holds a marker (or `/vote`, `/open`, or anything shaped like a share code, also pasted
  alone) is reduced to a fixed line when it is created, whichever logger made it and whatever
  handler would print it;
- SQL parameters of a ballot insert are passed as ``Sealed``, whose repr shows nothing.

Share codes never reach the database at all (handlers/polls/counting.py keeps them in memory).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

BALLOT_MARK = "🗳"
TICK_MARK = "☑"
KEY_MARK = "🔑"
BALLOT_PREFIX = "bv"
REDACTED = "[ballot traffic redacted]"
# Lower-cased pieces of text that only ballot traffic contains.
MARKERS = (BALLOT_MARK, TICK_MARK, KEY_MARK, f"{BALLOT_PREFIX}:", "/vote", "/bophieu", "/open", "/kiemphieu")
# A share code (bot.polls.box: 32 Crockford base32 characters, shown as 8 groups of 4), as
# pasted: grouped with any separators, or in one run. A run of hex digits (ids, tokens) is not one.
_SHARE_CODE = re.compile(
    r"(?<![0-9a-z])(?:(?:[0-9a-z]{4}[\s\-_.‐‑‒–—]+){7}[0-9a-z]{4}|[0-9a-z]{32})(?![0-9a-z])"
)
_HEX = frozenset("0123456789abcdef")

RecordFactory = Callable[..., logging.LogRecord]
_installed: list[RecordFactory] = []


class Sealed(tuple[Any, ...]):
    """SQL parameters whose repr hides the values (aiosqlite logs statements with their args)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<sealed>"

    __str__ = __repr__


def mentions_ballot(text: str) -> bool:
    """Whether a piece of log text carries ballot traffic (or a share code)."""
    lowered = text.lower()
    return any(marker in lowered for marker in MARKERS) or has_share_code(lowered)


def has_share_code(text: str) -> bool:
    """Whether text holds something shaped like a share code."""
    for found in _SHARE_CODE.finditer(text.lower()):
        if not set(c for c in found.group() if c.isalnum()) <= _HEX:
            return True
    return False


def redact(record: logging.LogRecord) -> logging.LogRecord:
    """Reduce a record to a fixed line if its message carries ballot traffic."""
    try:
        text = record.getMessage()
    except Exception:  # a malformed record: judge its raw parts
        text = f"{record.msg} {record.args}"
    if mentions_ballot(text):
        record.msg, record.args = REDACTED, ()
    error = record.exc_info[1] if record.exc_info else None
    if error is not None and mentions_ballot(str(error)):
        record.exc_info, record.exc_text = None, None
        record.msg, record.args = f"{record.msg} ({type(error).__name__}, redacted)", ()
    return record


def install_log_redaction() -> None:
    """Redact ballot traffic from every log record created from now on (idempotent)."""
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact(previous(*args, **kwargs))

    _installed.append(factory)
    logging.setLogRecordFactory(factory)
