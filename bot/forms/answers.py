"""Answers to a form's fields: reading what people type, and the order questions are asked (pure).

Numbers are read as Vietnamese write them (decimal comma, dot between thousands); choices by
their number or name, case and diacritics ignored; text is NFC-normalised, at most 2000 characters.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from bot.core.names import clean, drop_controls, fold
from bot.forms.model import NO, YES, Answers, Field, Value

MAX_TEXT = 2000
MAX_NUMBER = Decimal(10) ** 12
_YES_WORDS = {"yes", "y", "co", "c", "dong y", "ok", "1"}
_NO_WORDS = {"no", "n", "khong", "k", "ko", "0", "2"}
_SPLIT = re.compile(r"[,;\n]+")
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$|^[+-]?\d+(?:\.\d+)?$")


class AnswerError(ValueError):
    """An answer that does not fit its field; `reason` says why."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail!r}")
        self.reason = reason
        self.detail = detail


def clean_text(text: str) -> str:
    """NFC, line ends unified, each line's spaces collapsed, blank edges dropped."""
    text = drop_controls(unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n"))
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def parse_number(text: str) -> str:
    """A number as Vietnamese write it ('12', '12,5', '1.500' = 1500, '2.5'), canonical text."""
    raw = clean(text).replace(" ", "")
    if not _NUMBER.match(raw):
        raise AnswerError("not_number", text)
    if "," in raw or re.match(r"^[+-]?\d{1,3}(?:\.\d{3})+$", raw):
        raw = raw.replace(".", "").replace(",", ".")
    try:
        number = Decimal(raw)
    except InvalidOperation as exc:  # the pattern should make this unreachable
        raise AnswerError("not_number", text) from exc
    if abs(number) >= MAX_NUMBER:
        raise AnswerError("number_too_big", text)
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def match_option(text: str, options: tuple[str, ...]) -> str:
    """One option by its number ('2') or its name (case and diacritics ignored)."""
    key = fold(text).lstrip("#")
    if key.isdigit():
        index = int(key)
        if 1 <= index <= len(options):
            return options[index - 1]
        raise AnswerError("not_choice", text)
    exact = [o for o in options if fold(o) == key]
    if len(exact) == 1:
        return exact[0]
    prefix = [o for o in options if key and fold(o).startswith(key)]
    if len(prefix) == 1:
        return prefix[0]
    raise AnswerError("not_choice", text)


def parse_answer(spec: Field, text: str) -> Value:
    """Check and normalise a typed answer to one field; AnswerError says what is wrong."""
    value = clean_text(text)
    if not value:
        raise AnswerError("empty")
    if spec.type == "text":
        if len(value) > MAX_TEXT:
            raise AnswerError("too_long", str(len(value)))
        return value
    if spec.type == "number":
        return parse_number(value)
    if spec.type == "choice":
        return match_option(value, spec.options)
    if spec.type == "yesno":
        key = fold(value).rstrip(".!")
        if key in _YES_WORDS:
            return YES
        if key in _NO_WORDS:
            return NO
        raise AnswerError("not_yesno", text)
    picked: list[str] = []
    for part in _SPLIT.split(value):
        if clean(part):
            option = match_option(part, spec.options)
            if option not in picked:
                picked.append(option)
    if not picked:
        raise AnswerError("empty")
    return sorted(picked, key=spec.options.index)


def applies(spec: Field, answers: Answers) -> bool:
    """Whether a field is asked, given the answers so far (attend: delegates only if yes)."""
    return spec.only_if is None or answers.get(spec.only_if) == YES


def counted(fields: tuple[Field, ...], answers: Answers) -> list[Field]:
    """The fields that are or may still be asked (a conditional one until its answer is no)."""
    return [f for f in fields if f.only_if is None or answers.get(f.only_if) != NO]


def next_field(fields: tuple[Field, ...], answers: Answers) -> Field | None:
    """The first field still to answer, or None when the answers are complete."""
    return next((f for f in fields if applies(f, answers) and f.key not in answers), None)


def complete(fields: tuple[Field, ...], answers: Answers) -> Answers:
    """The answers to keep: those of the fields that apply, in field order."""
    return {f.key: answers[f.key] for f in fields if applies(f, answers) and f.key in answers}


def with_answer(fields: tuple[Field, ...], answers: Answers, key: str, value: Value) -> Answers:
    """Answers with one more; changing a yes/no drops answers that no longer apply."""
    result = dict(answers)
    result[key] = value
    return {k: v for k, v in result.items() if any(f.key == k and applies(f, result) for f in fields)}


def progress(unit_ids: list[int], answered: set[int]) -> tuple[list[int], list[int]]:
    """(answered, missing) unit ids, both in roster order."""
    return [u for u in unit_ids if u in answered], [u for u in unit_ids if u not in answered]
