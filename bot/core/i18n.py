"""Gettext catalogs (Babel), Vietnamese first and English second.

Catalog sources live in bot/locales/<lang>/<feature>.po, one file per feature so features can
be translated independently; they are merged and compiled in memory at start-up.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.core.config import LANGUAGES

DEFAULT_LANGUAGE = "vi"
LOCALES = Path(__file__).resolve().parent.parent / "locales"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


def load_catalog(lang: str) -> Catalog:
    """Merge every .po file of a language into one catalog."""
    merged = Catalog(locale=lang, domain="blocbot")
    folder = LOCALES / lang
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as fh:
            part = read_po(fh, locale=lang)
        for message in part:
            strings = message.string if isinstance(message.string, list | tuple) else [message.string]
            if message.id and all(strings):
                merged.add(message.id, message.string, context=message.context)
    return merged


@cache
def _translations(lang: str) -> Translations:
    buf = io.BytesIO()
    write_mo(buf, load_catalog(lang))
    buf.seek(0)
    return Translations(buf, domain="blocbot")


@dataclass(frozen=True)
class Translator:
    """Translates and formats messages for one language."""

    lang: str

    def gettext(self, message: str, /, **values: Any) -> str:
        """Translate, then fill %(name)s placeholders."""
        text = _translations(self.lang).gettext(message)
        return text % values

    def ngettext(self, singular: str, plural: str, n: int, /, **values: Any) -> str:
        """Translate with a plural form chosen by n (available as %(n)s)."""
        text = _translations(self.lang).ngettext(singular, plural, n)
        return text % {"n": n, **values}


def translator(lang: str | None) -> Translator:
    """A translator for lang, falling back to Vietnamese for anything unknown."""
    return Translator(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
