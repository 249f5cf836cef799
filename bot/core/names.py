"""Unit names: NFC normalisation, diacritic-insensitive folding and matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from unidecode import unidecode

MAX_NAME = 200
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """NFC-normalise and collapse whitespace, as stored."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """Case- and diacritic-insensitive key: 'CÔNG AN Tỉnh' and 'cong an tinh' fold alike."""
    # unidecode turns Đ/đ into D/d, which NFD decomposition alone would keep.
    return _SPACES.sub(" ", unidecode(clean(text))).strip().casefold()


@dataclass(frozen=True)
class Named:
    """Anything with an id and a display name (a unit)."""

    id: int
    name: str


@dataclass(frozen=True)
class Match:
    """Outcome of resolving a user's reference to one unit."""

    found: Named | None
    suggestions: tuple[Named, ...] = ()

    @property
    def ambiguous(self) -> bool:
        """True when several units fit equally and none was chosen."""
        return self.found is None and len(self.suggestions) > 1


_NUMBER = re.compile(r"^#?\s*(\d{1,4})$")


def resolve(query: str, items: Sequence[Named], *, limit: int = 3) -> Match:
    """Find one item by roster number ('#3'), exact folded name, or unique substring.

    Anything else yields no match with the closest names as suggestions.
    """
    text = clean(query)
    number = _NUMBER.match(text)
    if number and text.startswith("#"):
        index = int(number.group(1))
        if 1 <= index <= len(items):
            return Match(items[index - 1])
        return Match(None)
    key = fold(text)
    if not key:
        return Match(None)
    exact = [item for item in items if fold(item.name) == key]
    if len(exact) == 1:
        return Match(exact[0])
    contains = [item for item in items if key in fold(item.name)]
    if len(contains) == 1:
        return Match(contains[0])
    if len(contains) > 1:
        return Match(None, tuple(contains[:limit]))
    choices = {item.id: fold(item.name) for item in items}
    scored = process.extract(key, choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
    by_id = {item.id: item for item in items}
    return Match(None, tuple(by_id[key_id] for _, _, key_id in scored))
