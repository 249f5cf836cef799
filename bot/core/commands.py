"""The command contract: names, Vietnamese aliases, who may use them, and text parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.core.names import clean

Where = Literal["group", "private", "any"]


@dataclass(frozen=True)
class CommandSpec:
    """One command of PRODUCT.md: name, alias, where it works, admin-only, help line."""

    name: str
    alias: str | None
    where: Where
    admin: bool
    usage: str
    help: str  # an N_() message id

    @property
    def names(self) -> tuple[str, ...]:
        """The command and its alias, as PTB command names."""
        return (self.name,) if self.alias is None else (self.name, self.alias)


_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?=\s|$)")


@dataclass(frozen=True)
class CommandText:
    """A command message split into its name and the rest (newlines kept)."""

    name: str
    rest: str

    @property
    def first_line(self) -> str:
        """The arguments on the command's own line."""
        return self.rest.split("\n", 1)[0].strip()

    @property
    def lines(self) -> list[str]:
        """The following lines of the message, cleaned, blanks dropped."""
        parts = self.rest.split("\n")[1:]
        return [clean(p) for p in parts if clean(p)]

    def fields(self) -> list[str]:
        """The first line split on ' | '."""
        line = self.first_line
        return [clean(f) for f in line.split("|")] if line else []


def parse_command(text: str | None) -> CommandText | None:
    """Split '/units@blocbot add\\nA\\nB' into ('units', 'add\\nA\\nB')."""
    if not text:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    match = _COMMAND.match(text)
    if match is None:
        return None
    rest = text[match.end() :]
    if rest.startswith((" ", "\t")):
        rest = rest.lstrip(" \t")
    return CommandText(match.group(1).lower(), rest.strip("\n") if not rest.strip() else rest)
