"""Formatted text as Telegram parses it: HTML, MarkdownV2, Markdown → plain text + entities.

Offsets and lengths are in UTF-16 code units, like the Bot API. Errors use Telegram's
wording ("Bad Request: can't parse entities: ..."), so unescaped user input in formatted
messages fails here as it would in production.
"""

from __future__ import annotations

import re
from typing import Any

from .params import ApiError, bad_request

Json = dict[str, Any]

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ESCAPES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
_ATTR_RE = re.compile(r"""\s*([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _entity_error(text: str) -> ApiError:
    """400 "can't parse entities"."""
    return bad_request(f"can't parse entities: {text}")


class _Builder:
    """Accumulates plain text and entities while a parser scans the source."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0  # UTF-16 offset of the end of the text so far
        self.entities: list[Json] = []

    def add(self, text: str) -> None:
        """Append visible text."""
        self.parts.append(text)
        self.pos += utf16_len(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        """Close an entity that began at start; empty entities are dropped like Telegram does."""
        if self.pos > start:
            self.entities.append({"type": kind, "offset": start, "length": self.pos - start, **extra})

    def result(self) -> tuple[str, list[Json]]:
        """Text and entities sorted by offset."""
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


def parse_html(source: str) -> tuple[str, list[Json]]:
    """Parse Telegram HTML (supported tags only, &lt; &gt; &amp; &quot; and numeric escapes)."""
    out = _Builder()
    stack: list[tuple[str, int, dict[str, str]]] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "&":
            match = _ENTITY_RE.match(source, i)
            if match:
                name = match.group(1)
                if name.startswith("#x"):
                    out.add(chr(int(name[2:], 16)))
                elif name.startswith("#"):
                    out.add(chr(int(name[1:])))
                else:
                    out.add(_HTML_ESCAPES[name])
                i = match.end()
                continue
            out.add(ch)
            i += 1
            continue
        if ch != "<":
            out.add(ch)
            i += 1
            continue
        offset = len(source[:i].encode())
        end = source.find(">", i)
        if source.startswith("</", i):
            if end < 0:
                raise _entity_error(f"Unclosed end tag at byte offset {offset}")
            name = source[i + 2 : end].strip().lower()
            if not stack:
                raise _entity_error(f"Unexpected end tag at byte offset {offset}")
            open_name, start, attrs = stack.pop()
            if name != open_name:
                raise _entity_error(
                    f'Unmatched end tag at byte offset {offset}, expected "</{open_name}>", found "</{name}>"'
                )
            _close_html(out, open_name, start, attrs, stack)
            i = end + 1
            continue
        name_match = re.match(r"<([^\s>/]*)", source[i:])
        name = name_match.group(1).lower() if name_match else ""
        if name not in _HTML_TAGS:
            raise _entity_error(f'Unsupported start tag "{name}" at byte offset {offset}')
        if end < 0:
            raise _entity_error(f"Unclosed start tag at byte offset {offset}")
        attrs = {
            m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or ""
            for m in _ATTR_RE.finditer(source[i + 1 + len(name) : end].rstrip("/"))
            if m.group(1)
        }
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _entity_error(f'Unsupported start tag "span" at byte offset {offset}')
        stack.append((name, out.pos, attrs))
        i = end + 1
    if stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _link(out: _Builder, start: int, url: str) -> None:
    """A text_link entity, or text_mention for tg://user?id=<id>."""
    match = re.match(r"tg://user\?id=(\d+)$", url)
    if match:
        out.entity("text_mention", start, user={"id": int(match.group(1))})
    elif url:
        out.entity("text_link", start, url=url)


def _close_html(out: _Builder, name: str, start: int, attrs: dict[str, str], stack: list[Any]) -> None:
    """Turn a closed HTML tag into an entity."""
    kind = _HTML_TAGS[name]
    if name == "a":
        _link(out, start, attrs.get("href", ""))
    elif name == "code" and stack and stack[-1][0] == "pre":
        language = attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1][2]["language"] = language[len("language-") :]
        else:
            out.entity("code", start)
    elif name == "pre" and attrs.get("language"):
        out.entity("pre", start, language=attrs["language"])
    elif name == "blockquote" and "expandable" in attrs:
        out.entity("expandable_blockquote", start)
    elif name == "tg-emoji":
        out.entity(kind, start, custom_emoji_id=attrs.get("emoji-id", ""))
    else:
        out.entity(kind, start)


_MDV2_MARKS = [("||", "spoiler"), ("__", "underline"), ("*", "bold"), ("_", "italic"), ("~", "strikethrough")]
_MD_MARKS = [("*", "bold"), ("_", "italic")]


def _find_unescaped(source: str, char: str, start: int) -> int:
    """Index of the first `char` at or after start that is not backslash-escaped, or -1."""
    i = start
    while i < len(source):
        if source[i] == "\\":
            i += 2
            continue
        if source[i] == char:
            return i
        i += 1
    return -1


def parse_markdown(source: str, v2: bool) -> tuple[str, list[Json]]:
    """Parse MarkdownV2 (v2=True, strict escaping) or legacy Markdown."""
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # (mark, start, byte offset)
    marks = _MDV2_MARKS if v2 else _MD_MARKS
    i = 0
    while i < len(source):
        ch = source[i]
        offset = len(source[:i].encode())
        if ch == "\\" and i + 1 < len(source) and (v2 or source[i + 1] in "_*`["):
            out.add(source[i + 1])
            i += 2
            continue
        if ch == "`":
            fence = "```" if source.startswith("```", i) else "`"
            close = source.find(fence, i + len(fence))
            if close < 0:
                raise _entity_error(f"Can't find end of the entity starting at byte offset {offset}")
            body = source[i + len(fence) : close]
            start, extra = out.pos, {}
            if fence == "```":
                first, sep, rest = body.partition("\n")
                if sep and first and " " not in first:
                    extra, body = {"language": first}, rest
            out.add(re.sub(r"\\([`\\])", r"\1", body) if v2 else body)
            out.entity("pre" if fence == "```" else "code", start, **extra)
            i = close + len(fence)
            continue
        if ch == "[":
            close = source.find("](", i)
            end = _find_unescaped(source, ")", close + 2) if close >= 0 else -1
            if close < 0 or end < 0:
                if v2:
                    raise _entity_error(f"Can't find end of the entity at byte offset {offset}")
                out.add(ch)
                i += 1
                continue
            text, _ = parse_markdown(source[i + 1 : close], v2)
            start = out.pos
            out.add(text)
            _link(out, start, re.sub(r"\\([)\\])", r"\1", source[close + 2 : end]))
            i = end + 1
            continue
        mark = next((m for m, _ in marks if source.startswith(m, i)), None)
        if mark is not None:
            if stack and stack[-1][0] == mark:
                _, start, _ = stack.pop()
                out.entity(dict(marks)[mark], start)
            else:
                stack.append((mark, out.pos, offset))
            i += len(mark)
            continue
        if v2 and ch in _MDV2_RESERVED:
            raise _entity_error(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
        out.add(ch)
        i += 1
    if stack:
        raise _entity_error(f"Can't find end of the entity starting at byte offset {stack[-1][2]}")
    return out.result()


def format_text(source: str, parse_mode: str | None, entities: list[Json] | None) -> tuple[str, list[Json]]:
    """Visible text and entities for a text/caption, then trimmed like Telegram trims."""
    mode = (parse_mode or "").lower()
    if entities or not mode:
        text, found = source, list(entities or [])
    elif mode == "html":
        text, found = parse_html(source)
    elif mode in ("markdownv2", "markdown"):
        text, found = parse_markdown(source, v2=mode == "markdownv2")
    else:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    stripped = text.strip()
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    trimmed = []
    for entity in found:
        start = max(0, entity["offset"] - lead)
        end = min(size, entity["offset"] + entity["length"] - lead)
        if end > start:
            trimmed.append({**entity, "offset": start, "length": end - start})
    return stripped, trimmed


def command_entity(text: str) -> list[Json]:
    """The bot_command entity Telegram adds when a message starts with /command[@bot]."""
    match = re.match(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?", text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]
