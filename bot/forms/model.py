"""Registration forms: kinds, field specs, reading `/form` commands, checking answers (pure).

A form asks every member unit of a bloc the same fields; one response per unit. Messages for
users live in the handlers: errors here carry a `reason` (and details) the handler words.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.core.names import clean, fold

Kind = Literal["pledge", "titles", "attend", "custom"]
FieldType = Literal["text", "number", "choice", "multi", "yesno"]
Value = str | list[str]
Answers = dict[str, Value]

KINDS: dict[str, Kind] = {
    "pledge": "pledge",
    "camket": "pledge",
    "chitieu": "pledge",
    "titles": "titles",
    "danhhieu": "titles",
    "attend": "attend",
    "thamdu": "attend",
    "custom": "custom",
    "tuychon": "custom",
}
FIELD_TYPES: dict[str, FieldType] = {
    "text": "text",
    "van ban": "text",
    "chu": "text",
    "number": "number",
    "so": "number",
    "choice": "choice",
    "chon": "choice",
}
YES, NO = "yes", "no"

MAX_TITLE = 200
MAX_LABEL = 100
MAX_OPTION = 60
MAX_OPTIONS = 20
MAX_FIELDS = 15
_SPLIT = re.compile(r"[,;\n]+")


@dataclass(frozen=True)
class Field:
    """One question of a form; `only_if` names a yes/no field that must be answered yes."""

    key: str
    label: str
    type: FieldType
    options: tuple[str, ...] = ()
    only_if: str | None = None

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict (stored with the form)."""
        return {
            "key": self.key,
            "label": self.label,
            "type": self.type,
            "options": list(self.options),
            "only_if": self.only_if,
        }


def fields_to_json(fields: tuple[Field, ...]) -> str:
    """Serialise a form's fields."""
    return json.dumps([f.to_json() for f in fields], ensure_ascii=False)


def fields_from_json(text: str) -> tuple[Field, ...]:
    """Read fields stored by fields_to_json."""
    return tuple(
        Field(str(d["key"]), str(d["label"]), d["type"], tuple(d.get("options") or ()), d.get("only_if"))
        for d in json.loads(text)
    )


@dataclass(frozen=True)
class Form:
    """A registration form of one bloc."""

    id: int
    bloc_id: int
    kind: Kind
    title: str
    fields: tuple[Field, ...]
    deadline: datetime | None
    status: Literal["open", "closed"]
    created_by: int
    created_at: datetime
    event_id: int | None = None
    deadline_event_id: int | None = None
    card_chat_id: int | None = None
    card_message_id: int | None = None

    def locked(self, now: datetime) -> bool:
        """Closed by the chair, or past its deadline."""
        return self.status == "closed" or (self.deadline is not None and now >= self.deadline)

    @property
    def one_field(self) -> bool:
        """Whether `/submit <id> <text>` can answer the whole form."""
        return len(self.fields) == 1


@dataclass(frozen=True)
class Response:
    """A unit's current answers to a form."""

    form_id: int
    unit_id: int
    answers: Answers
    answered_by: int
    answered_at: datetime
    version: int


@dataclass(frozen=True)
class Amendment:
    """One stored version of a unit's answers: who sent it, when, what."""

    form_id: int
    unit_id: int
    version: int
    user_id: int
    at: datetime
    answers: Answers


@dataclass(frozen=True)
class Draft:
    """A person's answers in progress (kept in the database so a restart loses nothing)."""

    user_id: int
    form_id: int
    unit_id: int
    answers: Answers = field(default_factory=dict)
    picked: tuple[int, ...] = ()
    message_id: int | None = None
    updated_at: datetime | None = None


def answers_to_json(answers: Answers) -> str:
    """Serialise answers (Vietnamese kept as is)."""
    return json.dumps(answers, ensure_ascii=False, sort_keys=True)


def answers_from_json(text: str) -> Answers:
    """Read answers stored by answers_to_json."""
    data = json.loads(text)
    return {str(k): (list(v) if isinstance(v, list) else str(v)) for k, v in data.items()}


# Reading /form commands -----------------------------------------------------------------------


class FormSyntaxError(ValueError):
    """A `/form` command we cannot use; `reason` says why, `detail` what (a line, a type)."""

    def __init__(self, reason: str, detail: str = "", line: int = 0) -> None:
        super().__init__(f"{reason}: {detail!r} (line {line})")
        self.reason = reason
        self.detail = detail
        self.line = line


@dataclass(frozen=True)
class NewForm:
    """A `/form <kind> …` command read into parts; labels of standard kinds come later."""

    kind: Kind
    title: str
    deadline_text: str
    options: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    event_id: int | None = None


def parse_new_form(first_line: str, lines: list[str]) -> NewForm:
    """Read `<kind> [<event id>] <title> | <deadline>` plus the following lines."""
    words = first_line.split(maxsplit=1)
    if not words:
        raise FormSyntaxError("no_kind")
    kind = KINDS.get(fold(words[0]))
    if kind is None:
        raise FormSyntaxError("unknown_kind", words[0])
    rest = words[1] if len(words) > 1 else ""
    event_id = None
    if kind == "attend":
        match = re.match(r"^#?(\d{1,9})(?:\s+|$)(.*)$", rest, re.S)
        if match is None:
            raise FormSyntaxError("no_event")
        event_id, rest = int(match.group(1)), match.group(2)
    parts = [clean(p) for p in rest.split("|")]
    if len(parts) > 2:
        raise FormSyntaxError("too_many_parts")
    title = parts[0] if parts else ""
    deadline = parts[1] if len(parts) == 2 else ""
    if not title and kind != "attend":
        raise FormSyntaxError("no_title")
    if len(title) > MAX_TITLE:
        raise FormSyntaxError("title_too_long")
    if not deadline:
        raise FormSyntaxError("no_deadline")
    if kind == "titles":
        return NewForm(kind, title, deadline, options=parse_options(lines), event_id=event_id)
    if kind == "custom":
        return NewForm(kind, title, deadline, fields=parse_custom_fields(lines))
    if lines:
        raise FormSyntaxError("unexpected_lines", lines[0], 2)
    return NewForm(kind, title, deadline, event_id=event_id)


def parse_options(lines: list[str], *, line_offset: int = 2) -> tuple[str, ...]:
    """Options of a titles form, one per line ('1. ', '- ' markers dropped); distinct."""
    options: list[str] = []
    for number, raw in enumerate(lines, line_offset):
        option = clean(re.sub(r"^\s*(?:\d{1,2}[.)]|[-•*])\s+", "", raw))
        if not option:
            continue
        if len(option) > MAX_OPTION:
            raise FormSyntaxError("option_too_long", option, number)
        if any(fold(o) == fold(option) for o in options):
            raise FormSyntaxError("duplicate_option", option, number)
        options.append(option)
    if not options:
        raise FormSyntaxError("no_options")
    if len(options) > MAX_OPTIONS:
        raise FormSyntaxError("too_many_options", str(len(options)))
    return tuple(options)


def parse_custom_fields(lines: list[str]) -> tuple[Field, ...]:
    """Fields of a custom form: `<label> | text|number|choice:a,b,c`, one per line."""
    fields: list[Field] = []
    for number, raw in enumerate(lines, 2):
        parts = [clean(p) for p in raw.split("|")]
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise FormSyntaxError("bad_field_line", raw, number)
        label, spec = parts
        if len(label) > MAX_LABEL:
            raise FormSyntaxError("label_too_long", label, number)
        if any(fold(f.label) == fold(label) for f in fields):
            raise FormSyntaxError("duplicate_label", label, number)
        name, _colon, opts = spec.partition(":")
        type_ = FIELD_TYPES.get(fold(name))
        if type_ is None:
            raise FormSyntaxError("bad_field_type", name, number)
        options: tuple[str, ...] = ()
        if type_ == "choice":
            try:
                options = parse_options(_SPLIT.split(opts))
            except FormSyntaxError as exc:  # every option sits on this field's line
                reason = "choice_needs_options" if exc.reason == "no_options" else exc.reason
                raise FormSyntaxError(reason, exc.detail or label, number) from exc
            if len(options) < 2:
                raise FormSyntaxError("choice_needs_options", label, number)
        elif opts.strip():
            raise FormSyntaxError("bad_field_type", spec, number)
        fields.append(Field(f"f{len(fields) + 1}", label, type_, options))
    if not fields:
        raise FormSyntaxError("no_fields")
    if len(fields) > MAX_FIELDS:
        raise FormSyntaxError("too_many_fields", str(len(fields)))
    return tuple(fields)


def standard_fields(kind: Kind, labels: dict[str, str], options: tuple[str, ...] = ()) -> tuple[Field, ...]:
    """The fields of a pledge, titles or attend form, with labels in the bloc's language."""
    if kind == "pledge":
        return (Field("pledge", labels["pledge"], "text"),)
    if kind == "titles":
        return (Field("titles", labels["titles"], "multi", options),)
    if kind == "attend":
        return (
            Field("attending", labels["attending"], "yesno"),
            Field("delegates", labels["delegates"], "text", only_if="attending"),
            Field("count", labels["count"], "number", only_if="attending"),
        )
    raise ValueError(f"custom forms list their own fields, not {kind!r}")
