"""Callback data: one small codec (prefix + ids, at most 64 bytes) for every button."""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass

MAX_BYTES = 64
_PREFIX = re.compile(r"^[a-z][a-z0-9]{0,7}$")
_ARG = re.compile(r"^[A-Za-z0-9_-]{1,24}$")


class CallbackError(ValueError):
    """Button data that our codec did not produce (forged, stale or truncated)."""


@dataclass(frozen=True)
class Callback:
    prefix: str
    args: tuple[str, ...]

    def int(self, index: int) -> builtins.int:
        """Argument as an integer, or CallbackError."""
        try:
            value = self.args[index]
        except IndexError as exc:
            raise CallbackError("missing argument") from exc
        if not value.lstrip("-").isdigit() or len(value) > 19:
            raise CallbackError("not a number")
        return builtins.int(value)

    def text(self, index: builtins.int) -> builtins.str:
        """Argument as text, or CallbackError."""
        try:
            return self.args[index]
        except IndexError as exc:
            raise CallbackError("missing argument") from exc

    str = text  # older spelling, kept for callers


def encode(prefix: str, *args: int | str) -> str:
    """Build callback data like 'ro:chair:12:2026'."""
    if not _PREFIX.match(prefix):
        raise ValueError(f"bad prefix {prefix!r}")
    parts = [str(a) for a in args]
    for part in parts:
        if not _ARG.match(part):
            raise ValueError(f"bad callback argument {part!r}")
    data = ":".join([prefix, *parts])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def decode(data: str | None, prefix: str, *, arity: int | None = None) -> Callback:
    """Parse data we built with encode; anything else raises CallbackError."""
    if not data or len(data.encode()) > MAX_BYTES:
        raise CallbackError("empty or oversized")
    head, *args = data.split(":")
    if head != prefix or not all(_ARG.match(a) for a in args):
        raise CallbackError("malformed")
    if arity is not None and len(args) != arity:
        raise CallbackError("wrong number of arguments")
    return Callback(head, tuple(args))


def pattern(prefix: str) -> str:
    """The handler pattern matching every button of a prefix."""
    return rf"^{re.escape(prefix)}(:|$)"
