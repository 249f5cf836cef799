"""A reply as Zalo can show it: text (split later under 2,000 characters), choices as numbered
lines, files as signed links (Zalo's APIs carry text, and on the Bot Platform a photo by URL)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.channels.numbered import numbered_text
from bot.core.chunks import ZALO_LIMIT, split_message
from bot.core.formatting import format_when
from bot.core.i18n import translator
from bot.core.messages import Reply
from bot.web.links import Link, Links

__all__ = ["Link", "Links", "Rendered", "pieces", "render"]


@dataclass(frozen=True)
class Rendered:
    """The text to post and the pictures (by URL) to show after it."""

    text: str
    photos: tuple[str, ...] = ()


async def render(reply: Reply, lang: str, links: Links | None, tz: ZoneInfo) -> Rendered:
    """Text, file lines and numbered choices, in the chat's language."""
    _ = translator(lang).gettext
    parts = [reply.text] if reply.text.strip() else []
    photos: list[str] = []
    for file in reply.files:
        if links is None:
            parts.append(
                _(
                    "📎 %(name)s: I cannot send files on Zalo yet; they arrive as download links once "
                    "the bot's operator sets up its web server.",
                    name=file.filename,
                )
            )
            continue
        link = await links.publish(file)
        parts.append(
            _(
                "📎 %(name)s: %(url)s (the link works until %(when)s)",
                name=file.filename,
                url=link.url,
                when=format_when(link.expires_at, tz, lang),
            )
        )
        if file.image:
            photos.append(link.url)
    if reply.choices:
        parts.append(numbered_text(reply.choices, lang))
    return Rendered("\n\n".join(parts) or "…", tuple(photos))


def pieces(text: str, limit: int = ZALO_LIMIT) -> list[str]:
    """The text in messages of at most ``limit`` characters, counted in Python characters and in
    UTF-16 units alike (Zalo does not say which it counts; an emoji is two UTF-16 units)."""
    out: list[str] = []
    for piece in split_message(text, limit):
        if len(piece.encode("utf-16-le")) // 2 <= limit:
            out.append(piece)
        else:
            out.extend(split_message(piece, limit // 2))
    return out
