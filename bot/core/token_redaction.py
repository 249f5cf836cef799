"""Keeping the bot token out of the logs.

Every Bot API URL holds the token (``https://api.telegram.org/bot<token>/sendMessage``), and
httpx logs each request URL at INFO, PTB logs requests at DEBUG, and an exception's text may
quote a URL. ``install_token_redaction(token)`` (called by ``build_application`` at start-up)
replaces the token's secret part, plain or URL-encoded, with ``[token]`` in every log record's
message, arguments, exception text and stack text, whichever logger made the record and however
logging is configured later: it works as the log record factory, as bot/polls/secrecy.py does, because
a Filter on the root logger would not see records propagated from other loggers.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

MASK = "[token]"

RecordFactory = Callable[..., logging.LogRecord]
_secrets: set[str] = set()
_installed: list[RecordFactory] = []


def secret_parts(token: str) -> set[str]:
    """The strings to hide for a token: the part after "id:" (the secret), plain and URL-encoded."""
    secret = token.split(":", 1)[1] if ":" in token else token
    if len(secret) < 6:  # too short to hide without mangling ordinary text
        return set()
    return {secret, quote(secret, safe=""), quote(token, safe="").split("%3A", 1)[-1]}


def scrub(text: str) -> str:
    """The text with every known secret replaced by the mask."""
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def _leaks(text: str) -> bool:
    return any(secret in text for secret in _secrets)


def redact(record: logging.LogRecord) -> logging.LogRecord:
    """Remove the token from a record's message, exception text and stack text."""
    if not _secrets:
        return record
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: judge its raw parts
        message = f"{record.msg} {record.args}"
    if _leaks(message):
        record.msg, record.args = scrub(message), ()
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if _leaks(text):
            record.exc_text = scrub(text)  # formatters print exc_text when it is set
    elif record.exc_text and _leaks(record.exc_text):
        record.exc_text = scrub(record.exc_text)
    if record.stack_info and _leaks(record.stack_info):
        record.stack_info = scrub(record.stack_info)
    return record


def install_secret_redaction(secret: str) -> None:
    """Hide another secret (a webhook's secret token) in every log record from now on."""
    if len(secret) >= 6:
        _secrets.update({secret, quote(secret, safe="")})
    install_token_redaction("")


def install_token_redaction(token: str) -> None:
    """Hide this token in every log record created from now on (idempotent, tokens add up)."""
    _secrets.update(secret_parts(token))
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact(previous(*args, **kwargs))

    _installed.append(factory)
    logging.setLogRecordFactory(factory)
