"""Catalog upkeep: extract messages from the code, check both catalogs, add missing entries.

`python -m bot.core.catalogs check` lists problems; `python -m bot.core.catalogs update [feature…]` adds missing
message ids to bot/locales/<lang>/<feature>.po (English filled from the id, Vietnamese empty);
`python -m bot.core.catalogs prune` drops the entries no code uses any more (a message reworded
leaves its old id behind).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from bot.core.config import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "handlers")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
MsgId = str | tuple[str, str]


@dataclass(frozen=True)
class Found:
    msgid: MsgId
    path: Path
    line: int

    @property
    def feature(self) -> str:
        """The catalog file: handlers/<f>/<x>.py -> <f>_<x>.po, bot/demo/<x>.py -> demo_<x>.po,
        the rest of bot/ -> core.po."""
        if self.path.parent.parent.name == "handlers":
            return f"{self.path.parent.name}_{self.path.stem}"
        if self.path.parent.name == "demo":
            return f"demo_{self.path.stem}"
        return "core"


def extract(root: Path = ROOT) -> Iterator[Found]:
    """Every translatable message in the source tree."""
    for folder in SOURCES:
        for path in sorted((root / folder).rglob("*.py")):
            for line, message, _comments, _context in extract_from_file(
                "python", str(path), keywords=KEYWORDS
            ):
                if isinstance(message, tuple):
                    if len(message) >= 2 and all(message[:2]):
                        yield Found((message[0], message[1]), path, line)
                elif message:
                    yield Found(message, path, line)


def _catalogs(lang: str, root: Path = ROOT) -> dict[str, Catalog]:
    folder = root / "bot" / "locales" / lang
    result = {}
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as fh:
            result[path.stem] = read_po(fh, locale=lang)
    return result


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def check(root: Path = ROOT) -> list[str]:
    """Problems: a message missing or untranslated in a catalog, or placeholders that differ."""
    problems = []
    wanted = {f.msgid: f for f in extract(root)}
    for lang in LANGUAGES:
        merged: dict[MsgId, object] = {}
        for catalog in _catalogs(lang, root).values():
            for message in catalog:
                if message.id:
                    key = tuple(message.id) if isinstance(message.id, list | tuple) else message.id
                    merged[key] = message.string  # type: ignore[index]
        for msgid, found in wanted.items():
            where = f"{found.path.relative_to(root)}:{found.line}"
            string = merged.get(msgid)
            strings = list(string) if isinstance(string, list | tuple) else [string]
            if string is None or not all(strings):
                problems.append(f"{lang}: missing translation for {msgid!r} ({where})")
                continue
            ids = msgid if isinstance(msgid, tuple) else (msgid,)
            expected = set().union(*(_placeholders(i) for i in ids))
            for text in strings:
                if _placeholders(str(text)) != expected:
                    problems.append(f"{lang}: placeholders differ in {msgid!r}: {text!r}")
    return problems


def update(root: Path = ROOT, features: set[str] | None = None) -> int:
    """Add missing messages to the feature catalogs (all, or the named ones); return the count.

    Only catalogs that gained entries are rewritten, so people editing other features' files
    at the same time are not disturbed.
    """
    added = 0
    found = [f for f in extract(root) if features is None or f.feature in features]
    for lang in LANGUAGES:
        catalogs = _catalogs(lang, root)
        changed: set[str] = set()
        present = {
            m.id if not isinstance(m.id, list) else tuple(m.id) for c in catalogs.values() for m in c if m.id
        }
        for item in found:
            if item.msgid in present:
                continue
            catalog = catalogs.setdefault(item.feature, Catalog(locale=lang, domain="blocbot"))
            if isinstance(item.msgid, tuple):
                string: MsgId | tuple[str, ...] = item.msgid if lang == "en" else ("",)
            else:
                string = item.msgid if lang == "en" else ""
            catalog.add(item.msgid, string)
            changed.add(item.feature)
            present.add(item.msgid)
            added += 1
        folder = root / "bot" / "locales" / lang
        folder.mkdir(parents=True, exist_ok=True)
        for feature in changed:
            catalog = catalogs[feature]
            with (folder / f"{feature}.po").open("wb") as fh:
                write_po(fh, catalog, width=100, omit_header=False, sort_output=False)
    return added


def prune(root: Path = ROOT) -> int:
    """Drop catalog entries whose id no code uses; rewrite only the catalogs that lost some."""
    wanted = {f.msgid for f in extract(root)}
    dropped = 0
    for lang in LANGUAGES:
        folder = root / "bot" / "locales" / lang
        for feature, catalog in _catalogs(lang, root).items():
            unused = [
                m.id
                for m in catalog
                if m.id and (tuple(m.id) if isinstance(m.id, list | tuple) else m.id) not in wanted
            ]
            for msgid in unused:
                del catalog[msgid]
            if unused:
                dropped += len(unused)
                with (folder / f"{feature}.po").open("wb") as fh:
                    write_po(fh, catalog, width=100, omit_header=False, sort_output=False)
    return dropped


def main(argv: list[str]) -> int:
    """CLI: check | update [feature…] | prune."""
    if argv[:1] == ["update"]:
        print(f"added {update(features=set(argv[1:]) or None)} entries")
    if argv[:1] == ["prune"]:
        print(f"dropped {prune()} unused entries")
    problems = check()
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
