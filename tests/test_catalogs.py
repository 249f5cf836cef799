"""Both catalogs hold every message in the code, with the same placeholders."""

from __future__ import annotations

from bot.core.catalogs import check, extract
from bot.core.i18n import translator


def test_every_message_translated_with_same_placeholders() -> None:
    problems = check()
    assert problems == [], "\n".join(problems[:30])


def test_extraction_finds_messages() -> None:
    assert len({f.msgid for f in extract()}) > 40


def test_vietnamese_is_default_and_differs_from_english() -> None:
    vi = translator(None).gettext("Cancelled.")
    en = translator("en").gettext("Cancelled.")
    assert en == "Cancelled."
    assert vi != en
