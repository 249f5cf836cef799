"""Ballots, pure: what a unit's ballot offers, ticks in progress, /vote text, the stored forms.

Candidate numbers on a ballot are positions in the category's candidate list of the round
(1-based), the same for every voter; a unit barred from self-voting just does not see its own.
People read and write a position as a letter (``position_label``: 1 -> A, 2 -> B, …, 27 -> AA),
so that it cannot be taken for a unit's number in /units (``#3``), which is another list: a
round 2 or a chosen candidate list numbers its units otherwise. A /vote text names a candidate
by its letter, by its unit's name, or (the older form, kept) by its position as a number.
A ballot stores its ticks sorted, so the order a voter ticked in is not kept. A cast ballot is
packed over the round's candidates (``pack_ballot``) to be sealed in the ballot box
(bot/polls/box.py); once counted it is stored opened as ``encode_ballot``'s text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.core.names import Named, clean, fold, resolve
from bot.polls.model import PollProblem
from bot.polls.tally import ANSWERS, Answer, Ballot, Kind

_ANSWER_WORDS: dict[str, Answer] = {
    "yes": "yes",
    "dong y": "yes",
    "y": "yes",
    "co": "yes",
    "no": "no",
    "khong dong y": "no",
    "khong": "no",
    "n": "no",
    "blank": "blank",
    "trang": "blank",
    "phieu trang": "blank",
}


@dataclass(frozen=True)
class BallotCategory:
    """One category as a ballot offers it in a round."""

    index: int
    name: str
    kind: Kind
    seats: int  # ticks allowed: the quota minus units already proposed in round 1
    candidates: tuple[int, ...]  # the round's list; numbers on the ballot are positions + 1

    def number_of(self, unit: int) -> int:
        """The candidate's number on the ballot."""
        return self.candidates.index(unit) + 1

    def label_of(self, unit: int) -> str:
        """The candidate's letter on the ballot: 'A', 'B', …"""
        return position_label(self.number_of(unit))


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LABEL = re.compile(r"^[A-Za-z]{1,2}$")


def position_label(position: int) -> str:
    """A ballot position as people read it: 1 -> 'A', 26 -> 'Z', 27 -> 'AA' (as spreadsheet columns)."""
    if position < 1:
        raise ValueError("positions start at 1")
    label = ""
    while position:
        position, rest = divmod(position - 1, 26)
        label = _LETTERS[rest] + label
    return label


def label_position(label: str) -> int | None:
    """A letter label back to its position ('b' -> 2); None if it is not one."""
    if not _LABEL.match(label):
        return None
    position = 0
    for char in label.upper():
        position = position * 26 + _LETTERS.index(char) + 1
    return position


@dataclass(frozen=True)
class BallotForm:
    """What one unit's ballot offers: categories, its own unit, whether it may tick itself."""

    poll_id: int
    round_no: int
    unit: int
    self_vote: bool
    categories: tuple[BallotCategory, ...]

    def shown(self, category: BallotCategory) -> tuple[int, ...]:
        """Candidates this unit sees: itself hidden when self-voting is barred."""
        if self.self_vote or category.kind == "confirm":
            return category.candidates
        return tuple(u for u in category.candidates if u != self.unit)

    def category(self, index: int) -> BallotCategory:
        """A category by index, or PollProblem."""
        for cat in self.categories:
            if cat.index == index:
                return cat
        raise PollProblem("unknown_category", "", index + 1)


@dataclass
class Draft:
    """Ticks in progress (stored only encrypted: handlers/polls/drafts.py)."""

    choices: dict[int, tuple[int, ...]] = field(default_factory=dict)
    confirms: dict[int, Answer] = field(default_factory=dict)

    def ballot(self) -> Ballot:
        """The draft as an anonymous ballot (ticks sorted)."""
        choices = {i: tuple(sorted(p)) for i, p in self.choices.items() if p}
        return Ballot(choices=choices, confirms=dict(self.confirms))


def toggle(form: BallotForm, draft: Draft, index: int, unit: int) -> str | None:
    """Tick or untick a candidate; return a problem code ('full', 'not_shown') or None."""
    cat = form.category(index)
    if cat.kind != "pick" or unit not in form.shown(cat):
        return "not_shown"
    ticked = draft.choices.get(index, ())
    if unit in ticked:
        draft.choices[index] = tuple(u for u in ticked if u != unit)
        return None
    if len(ticked) >= cat.seats:
        return "full"
    draft.choices[index] = (*ticked, unit)
    return None


def answer(form: BallotForm, draft: Draft, index: int, said: Answer) -> str | None:
    """Answer a confirmation (pressing the same answer again clears it)."""
    cat = form.category(index)
    if cat.kind != "confirm" or said not in ANSWERS:
        return "not_shown"
    if draft.confirms.get(index) == said:
        del draft.confirms[index]
    else:
        draft.confirms[index] = said
    return None


def check_ballot(form: BallotForm, ballot: Ballot) -> PollProblem | None:
    """Why a ballot may not be cast, or None: the same checks the buttons make, for text."""
    for index, picks in ballot.choices.items():
        cat = form.category(index)
        if cat.kind != "pick":
            return PollProblem("wrong_kind", cat.name, index + 1)
        if len(set(picks)) != len(picks):
            return PollProblem("duplicate_pick", cat.name, index + 1)
        if not set(picks) <= set(form.shown(cat)):
            own = form.unit in picks and form.unit in cat.candidates
            return PollProblem("self_vote" if own else "not_candidate", cat.name, index + 1)
        if len(picks) > cat.seats:
            return PollProblem("too_many", cat.name, cat.seats)
    for index, said in ballot.confirms.items():
        cat = form.category(index)
        if cat.kind != "confirm" or said not in ANSWERS:
            return PollProblem("wrong_kind", cat.name, index + 1)
    return None


_VOTE_PART = re.compile(r"^\s*(\d{1,2})\s*[:.)]\s*(.*)$")


def parse_vote(text: str) -> tuple[int, dict[int, str]]:
    """Read '<poll id> <cat no>: <cand no>, …; <cat no>: …' into (poll id, raw answer per category).

    Category numbers are 1-based as on the ballot; the returned keys are 0-based indexes.
    """
    head = text.strip().split(None, 1)
    if not head or not head[0].lstrip("#").isdigit() or len(head[0]) > 10:
        raise PollProblem("vote_syntax")
    poll_id = int(head[0].lstrip("#"))
    rest = head[1] if len(head) > 1 else ""
    parts: dict[int, str] = {}
    for chunk in (c for c in rest.replace("\n", ";").split(";") if c.strip()):
        match = _VOTE_PART.match(chunk)
        if match is None:
            raise PollProblem("vote_syntax", clean(chunk))
        number = int(match.group(1))
        if number < 1 or number - 1 in parts:
            raise PollProblem("vote_syntax", clean(chunk))
        parts[number - 1] = clean(match.group(2))
    return poll_id, parts


@dataclass(frozen=True)
class TextBallot:
    """A /vote text read over a form: the ballot, and each candidate written as a number with
    the unit it stands for (to warn when that number is not the unit's number in /units)."""

    ballot: Ballot
    numbers: tuple[tuple[int, int, int], ...] = ()  # (category index, number written, its unit)


def read_ballot(
    form: BallotForm, parts: Mapping[int, str], names: Mapping[int, str] | None = None
) -> TextBallot:
    """Turn the parsed /vote text into a ballot over this form; PollProblem if it cannot be.

    A candidate is its letter on the ballot ('B'), its unit's name when ``names`` are given
    (diacritic- and case-insensitive, a unique part of the name will do; a name may hold
    commas), or its position as a number ('2', the older form).
    """
    choices: dict[int, tuple[int, ...]] = {}
    confirms: dict[int, Answer] = {}
    numbers: list[tuple[int, int, int]] = []
    for index, raw in parts.items():
        cat = form.category(index)
        if cat.kind == "confirm":
            said = _ANSWER_WORDS.get(fold(raw))
            if said is None:
                raise PollProblem("bad_answer", raw, index + 1)
            confirms[index] = said
            continue
        picks: list[int] = []
        tokens = [t.strip() for t in raw.split(",") if t.strip()]
        at = 0
        while at < len(tokens):
            unit, used, number = _candidate(form, cat, tokens, at, names)
            picks.append(unit)
            if number is not None:
                numbers.append((index, number, unit))
            at += used
        choices[index] = tuple(picks)
    ballot = Ballot(choices={i: p for i, p in choices.items() if p}, confirms=confirms)
    problem = check_ballot(form, ballot)
    if problem is not None:
        raise problem
    sorted_ballot = Ballot(
        choices={i: tuple(sorted(p)) for i, p in ballot.choices.items()}, confirms=ballot.confirms
    )
    return TextBallot(sorted_ballot, tuple(numbers))


def _candidate(
    form: BallotForm,
    cat: BallotCategory,
    tokens: Sequence[str],
    at: int,
    names: Mapping[int, str] | None,
) -> tuple[int, int, int | None]:
    """(unit, tokens used, number written or None) of the candidate written at tokens[at]."""
    token = tokens[at]
    digits = token.lstrip("#").strip()
    if digits.isdigit():
        if not 1 <= int(digits) <= len(cat.candidates):
            raise PollProblem("not_candidate", token, cat.index + 1)
        return cat.candidates[int(digits) - 1], 1, int(digits)
    position = label_position(token)
    if position is not None:
        if not 1 <= position <= len(cat.candidates):
            raise PollProblem("not_candidate", token, cat.index + 1)
        return cat.candidates[position - 1], 1, None
    if names:
        # Candidates the voter may not tick (their own unit, when barred) are matched too, so
        # that they are told why rather than that there is no such unit.
        items = [Named(u, names.get(u, "")) for u in cat.candidates]
        for end in range(len(tokens), at + 1, -1):  # a name with commas: its whole name only
            joined = fold(", ".join(tokens[at:end]))
            exact = [i for i in items if fold(i.name) == joined]
            if len(exact) == 1:
                return exact[0].id, end - at, None
        match = resolve(token, items)
        if match.found is not None:
            return match.found.id, 1, None
        near = [f"{cat.label_of(i.id)}. {i.name}" for i in match.suggestions[:2]]
        raise PollProblem("not_candidate", token, cat.index + 1, hint="; ".join(near))
    raise PollProblem("not_candidate", token, cat.index + 1)


def ballot_from_text(
    form: BallotForm, parts: Mapping[int, str], names: Mapping[int, str] | None = None
) -> Ballot:
    """The ballot of a parsed /vote text (read_ballot without the numbers written)."""
    return read_ballot(form, parts, names).ballot


def encode_ballot(ballot: Ballot) -> str:
    """A ballot as stored: choices only, ticks sorted, keys sorted (no unit, no time)."""
    body = {
        "c": {str(i): sorted(p) for i, p in sorted(ballot.choices.items()) if p},
        "y": {str(i): a for i, a in sorted(ballot.confirms.items())},
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def decode_ballot(text: str) -> Ballot:
    """A stored ballot back (anything malformed reads as an empty, i.e. blank, ballot)."""
    try:
        body = json.loads(text)
        choices = {int(i): tuple(int(u) for u in p) for i, p in body.get("c", {}).items()}
        confirms: dict[int, Answer] = {}
        for i, said in body.get("y", {}).items():
            if said in ANSWERS:
                confirms[int(i)] = said
    except (ValueError, TypeError, AttributeError):
        return Ballot()
    return Ballot(choices=choices, confirms=confirms)


class Offered(Protocol):
    """A category as a round offers it (``tally.Category`` or ``BallotCategory``)."""

    @property
    def index(self) -> int: ...
    @property
    def kind(self) -> Kind: ...
    @property
    def candidates(self) -> tuple[int, ...]: ...


_POSITIONS = ord("P")  # one bit per candidate position (pick), one byte per confirmation
_JSON = ord("J")  # encode_ballot's text: any ballot, also one no button could make
_ANSWER_BYTES: dict[Answer, int] = {"yes": 1, "no": 2, "blank": 3}
_BYTE_ANSWERS: dict[int, Answer] = {v: k for k, v in _ANSWER_BYTES.items()}


def _positional(ballot: Ballot, categories: Sequence[Offered]) -> bool:
    """Whether the ballot says nothing a bitmap over the round's candidates cannot say."""
    by_index = {c.index: c for c in categories}
    for index, picks in ballot.choices.items():
        cat = by_index.get(index)
        if cat is None or cat.kind != "pick" or len(set(picks)) != len(picks):
            return False
        if not set(picks) <= set(cat.candidates):
            return False
    for index, said in ballot.confirms.items():
        cat = by_index.get(index)
        if cat is None or cat.kind != "confirm" or said not in _ANSWER_BYTES:
            return False
    return True


def pack_ballot(ballot: Ballot, categories: Sequence[Offered]) -> bytes:
    """A ballot as it is sealed in the box: candidate positions over the round's categories.

    Every ballot the buttons or /vote can make packs to the same few bytes for a round (a bitmap
    per pick category, a byte per confirmation), far below the box's padded size whatever the
    unit ids. Any other ballot (e.g. a test's invalid one) is packed as encode_ballot's text, so
    that counting it gives what counting the plain ballot gives.
    """
    if not _positional(ballot, categories):
        return bytes([_JSON]) + encode_ballot(ballot).encode()
    out = bytearray([_POSITIONS])
    for cat in categories:
        if cat.kind == "confirm":
            said = ballot.confirms.get(cat.index)
            out.append(0 if said is None else _ANSWER_BYTES[said])
            continue
        bits = 0
        for unit in ballot.choices.get(cat.index, ()):
            bits |= 1 << cat.candidates.index(unit)
        out += bits.to_bytes((len(cat.candidates) + 7) // 8, "big")
    return bytes(out)


def unpack_ballot(data: bytes, categories: Sequence[Offered]) -> Ballot:
    """A packed ballot back; ValueError if it is not one packed over these categories."""
    if data[:1] == bytes([_JSON]):
        return decode_ballot(data[1:].decode("utf-8", errors="replace"))
    if data[:1] != bytes([_POSITIONS]):
        raise ValueError("not a packed ballot")
    choices: dict[int, tuple[int, ...]] = {}
    confirms: dict[int, Answer] = {}
    at = 1
    for cat in categories:
        if cat.kind == "confirm":
            if at >= len(data):
                raise ValueError("packed ballot too short")
            code = data[at]
            at += 1
            if code:
                if code not in _BYTE_ANSWERS:
                    raise ValueError("unknown answer")
                confirms[cat.index] = _BYTE_ANSWERS[code]
            continue
        size = (len(cat.candidates) + 7) // 8
        if at + size > len(data):
            raise ValueError("packed ballot too short")
        bits = int.from_bytes(data[at : at + size], "big")
        at += size
        if bits >> len(cat.candidates):
            raise ValueError("a tick beyond the candidates")
        picks = tuple(u for n, u in enumerate(cat.candidates) if bits >> n & 1)
        if picks:
            choices[cat.index] = picks
    if at != len(data):
        raise ValueError("packed ballot too long")
    return Ballot(choices=choices, confirms=confirms)
