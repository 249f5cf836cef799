"""Splitting long replies under a platform's message limit."""

from __future__ import annotations

TELEGRAM_LIMIT = 4096
ZALO_LIMIT = 2000


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split text into pieces of at most limit characters, at line breaks where possible."""
    if limit < 2:
        raise ValueError("limit too small")
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            pieces.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = line if not current else current + "\n" + line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return [p for p in pieces if p.strip()] or [text[:limit]]
