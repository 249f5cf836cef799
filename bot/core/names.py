"""Stored text: NFC, no control characters; unit names: diacritic-insensitive folding and matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from unidecode import unidecode

MAX_NAME = 200
_SPACES = re.compile(r"\s+")
# C0 and C1 controls other than tab and line ends, DEL, lone surrogates and U+FFFE/U+FFFF: no
# one means to type them, a terminal obeys them (ESC), and XML 1.0 cannot hold most of them,
# so openpyxl and python-docx refuse to write an XLSX or DOCX that contains one.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# The other line breaks str.splitlines() knows (VT, FF, FS, GS, RS, NEL, LS, PS).
_BREAKS = re.compile("[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# What makes a spreadsheet read a cell as a formula (OWASP; ASVS 1.2.10), full-width forms too.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def clean(text: str) -> str:
    """NFC-normalise, drop control characters and collapse whitespace, as stored."""
    # Whitespace first, so that a VT or NEL between two words still parts them.
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", text))
    return _SPACES.sub(" ", _CONTROLS.sub("", text)).strip()


def drop_controls(text: str) -> str:
    """Multi-line text without control characters: tab, CR and LF stay, other line breaks become LF."""
    return _CONTROLS.sub("", _BREAKS.sub("\n", text))


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
