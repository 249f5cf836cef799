"""Join codes typed on a phone: 8 characters of Crockford's base32 (40 random bits), shown as
``K7QX-M2PD``.

Read back whatever the case, with or without the dash or spaces, and with the letters people
take for digits: O is 0, I and L are 1 (Crockford's rule; U is not in the alphabet at all).
Forty bits are enough because wrong attempts are limited per person (``Attempts``) and a code
lives a week at most: five guesses an hour find one of a hundred live codes once in about
250,000 years.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = [
    "ALPHABET",
    "LENGTH",
    "MAX_WRONG",
    "WINDOW",
    "Attempts",
    "new_code",
    "read_code",
    "shown",
]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U
LENGTH = 8
MAX_WRONG = 5  # wrong codes a person may send ...
WINDOW = timedelta(hours=1)  # ... in this long, before being asked to wait

_READ = {c: c for c in ALPHABET} | {"O": "0", "I": "1", "L": "1"}
# Spaces, dashes of every kind and dots people put between the halves.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.·]+")


def new_code() -> str:
    """A fresh random code, 8 characters of the alphabet (no dash)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def shown(code: str) -> str:
    """How a code is written for people: 'K7QX-M2PD'."""
    return f"{code[: LENGTH // 2]}-{code[LENGTH // 2 :]}"


def read_code(text: str) -> str | None:
    """The code a person typed ('k7qx m2pd', 'K7QXM2PD', 'K7QX-M2PO'), or None when it cannot
    be one (wrong length, a character outside the alphabet)."""
    folded = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    if len(folded) != LENGTH:
        return None
    read = [_READ.get(c) for c in folded]
    if any(c is None for c in read):
        return None
    return "".join(c for c in read if c is not None)


@dataclass(frozen=True)
class Attempts:
    """A person's wrong join codes within the last ``WINDOW`` (their times, oldest first)."""

    wrong: tuple[datetime, ...]

    @property
    def blocked(self) -> bool:
        """Whether the person must wait before trying another code."""
        return len(self.wrong) >= MAX_WRONG

    @property
    def left(self) -> int:
        """How many more wrong codes the person may send now."""
        return max(0, MAX_WRONG - len(self.wrong))

    def free_at(self) -> datetime:
        """When the person may try again: the moment the oldest counted attempt leaves the window
        and fewer than ``MAX_WRONG`` remain."""
        if not self.blocked:
            raise ValueError("not blocked")
        return self.wrong[len(self.wrong) - MAX_WRONG] + WINDOW
