"""Award polls, pure: reading `/poll` definitions and rules lines, and the results model.

Nothing here talks to Telegram or the database, and nothing here is worded: problems carry a
code the handlers put into the chat's language. Counting itself is ``bot.polls.tally``; ballots are
``bot.polls.ballots``.

Choices made here (DOMAIN.md is silent):
- A category line is ``<award> | <quota>`` with an optional ``| <threshold>``; a single
  confirmation is ``<question> | confirm <unit>`` (Đồng ý / Không đồng ý / Phiếu trắng).
- After round 2, the chair and vice chair choose among its open candidates; if round 2 itself
  missed the quorum, among all its candidates.
- The counting committee (Ban kiểm phiếu) is ``committee=<k>/<n>`` in the rules line: n members
  hold a share of the ballot box's key each, any k of them open it (default 2 of 3).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Literal
from zoneinfo import ZoneInfo

from bot.core.dates import WhenError, parse_when
from bot.core.names import MAX_NAME, clean, fold
from bot.polls.tally import (
    Base,
    CategoryResult,
    Kind,
    Rules,
    TallyResult,
    Threshold,
)

MAX_TITLE = 200
MAX_CATEGORIES = 10
MAX_QUOTA = 30
MAX_CANDIDATES = 60  # buttons on one ballot page; blocs have 4-15 units

THRESHOLDS: dict[str, Threshold] = {
    "majority": "majority",
    "quaban": "majority",
    "qua_ban": "majority",
    "quanua": "majority",
    "1/2": "majority",
    "two_thirds": "two_thirds",
    "2/3": "two_thirds",
    "haiphanba": "two_thirds",
    "eighty": "eighty",
    "80%": "eighty",
    "80": "eighty",
}
BASES: dict[str, Base] = {
    "members": "members",
    "thanhvien": "members",
    "donvi": "members",
    "ballots": "ballots",
    "phieu": "ballots",
    "phieuthuve": "ballots",
}
YES_NO = {"yes": True, "co": True, "y": True, "no": False, "khong": False, "n": False}
# The keys of a rules line, English and Vietnamese ('rules: threshold=two_thirds' is
# 'quytac: nguong=2/3'); a hint shows the words of its chat's language (tests/test_words.py).
RULE_KEYS = {
    "threshold": "threshold",
    "nguong": "threshold",
    "base": "base",
    "tinhtren": "base",
    "quorum": "quorum",
    "thamgia": "quorum",
    "self": "self",
    "tubau": "self",
    "exclusive": "exclusive",
    "loaitru": "exclusive",
    "deadline": "deadline",
    "han": "deadline",
    "committee": "committee",
    "kiemphieu": "committee",
}
_RULES = re.compile(r"^\s*(?:rules|quy\s*tac|quytac)\s*:\s*(.*)$")
_KEY = re.compile(r"(?<![^\s])(" + "|".join(RULE_KEYS) + r")\s*=\s*", re.I)
_COMMITTEE = re.compile(r"^(\d{1,2})\s*/\s*(\d{1,2})$")
MAX_COMMITTEE = 15  # shares of one ballot box (bot.polls.box.MAX_SHARES)
_QUORUM = re.compile(r"^(\d{1,3})\s*/\s*(\d{1,3})$|^(\d{1,3})\s*%$")
_BULLET = re.compile(r"^\s*(?:\d{1,2}[.)]|[-•*])\s+")


class PollProblem(ValueError):
    """A /poll definition or /vote text that cannot be read; `code` says what, `detail` where."""

    def __init__(self, code: str, detail: str = "", number: int = 0, *, hint: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.number = number
        self.hint = hint  # what the person may have meant (a candidate near a mistyped name)


# ---- /poll definitions ---------------------------------------------------------------------


@dataclass(frozen=True)
class CategorySpec:
    """One line of a /poll definition, before units are resolved."""

    name: str
    quota: int
    kind: Kind = "pick"
    threshold: Threshold | None = None
    confirm_unit: str = ""  # the unit asked about, as written, for a confirmation


@dataclass(frozen=True)
class Committee:
    """The counting committee's size: n members hold a code each, any k of them open the box."""

    k: int = 2
    n: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.k <= self.n <= MAX_COMMITTEE:
            raise ValueError(f"need 1 <= k <= n <= {MAX_COMMITTEE}, got {self.k}/{self.n}")


DEFAULT_COMMITTEE = Committee()


@dataclass(frozen=True)
class RulesLine:
    """A parsed rules line: the counting rules, the deadline, the counting committee."""

    rules: Rules
    deadline: datetime | None
    committee: Committee


@dataclass(frozen=True)
class PollSpec:
    """A parsed /poll definition."""

    title: str
    categories: tuple[CategorySpec, ...]
    rules: Rules
    deadline: datetime | None
    committee: Committee = DEFAULT_COMMITTEE


def parse_category(line: str) -> CategorySpec:
    """Read '<award> | <quota> [| <threshold>]' or '<question> | confirm <unit>'."""
    parts = [clean(p) for p in _BULLET.sub("", line).split("|")]
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise PollProblem("bad_category", line)
    name, amount = parts[0], parts[1]
    if len(name) > MAX_NAME:
        raise PollProblem("name_too_long", name[:40])
    threshold = None
    if len(parts) == 3:
        threshold = THRESHOLDS.get(fold(parts[2]).replace(" ", "_"))
        if threshold is None:
            raise PollProblem("bad_threshold", parts[2])
    words = amount.split()
    keyword = 1 if fold(words[0]) in ("confirm", "xacnhan") else 0
    if not keyword and len(words) > 1 and fold(" ".join(words[:2])) == "xac nhan":
        keyword = 2
    if keyword:
        unit = clean(" ".join(words[keyword:]))
        if not unit:
            raise PollProblem("bad_category", line)
        return CategorySpec(name, 1, "confirm", threshold, unit)
    if not amount.isdigit():
        raise PollProblem("bad_quota", line)
    quota = int(amount)
    if not 1 <= quota <= MAX_QUOTA:
        raise PollProblem("bad_quota", line)
    return CategorySpec(name, quota, "pick", threshold)


def parse_rules(text: str, *, now: datetime, tz: ZoneInfo) -> tuple[Rules, datetime | None]:
    """Read 'threshold=… base=… quorum=2/3 self=yes|no exclusive=yes|no deadline=<when>'
    (or its Vietnamese keys, RULE_KEYS: 'nguong=… tinhtren=… thamgia=2/3 tubau=co han=…')."""
    line = parse_rules_line(text, now=now, tz=tz)
    return line.rules, line.deadline


def parse_rules_line(text: str, *, now: datetime, tz: ZoneInfo) -> RulesLine:
    """parse_rules, and the counting committee: 'committee=2/3' (kiemphieu=2/3)."""
    keys = list(_KEY.finditer(text))
    if not keys:
        if clean(text):
            raise PollProblem("bad_rules", clean(text))
        return RulesLine(Rules(), None, DEFAULT_COMMITTEE)
    if clean(text[: keys[0].start()]):
        raise PollProblem("bad_rules", clean(text[: keys[0].start()]))
    values: dict[str, str] = {}
    for i, key in enumerate(keys):
        end = keys[i + 1].start() if i + 1 < len(keys) else len(text)
        name = RULE_KEYS[key.group(1).lower()]
        if name in values:
            raise PollProblem("bad_rules", key.group(0).strip())
        values[name] = clean(text[key.end() : end])
    rules = Rules()
    threshold, base, quorum = rules.threshold, rules.base, rules.quorum
    self_vote, exclusive = rules.self_vote, rules.exclusive
    if "threshold" in values:
        found = THRESHOLDS.get(fold(values["threshold"]))
        if found is None:
            raise PollProblem("bad_threshold", values["threshold"])
        threshold = found
    if "base" in values:
        found_base = BASES.get(fold(values["base"]))
        if found_base is None:
            raise PollProblem("bad_base", values["base"])
        base = found_base
    if "quorum" in values:
        quorum = parse_quorum(values["quorum"])
    for flag in ("self", "exclusive"):
        if flag in values:
            said = YES_NO.get(fold(values[flag]))
            if said is None:
                raise PollProblem("bad_yes_no", f"{flag}={values[flag]}")
            if flag == "self":
                self_vote = said
            else:
                exclusive = said
    deadline = None
    if "deadline" in values:
        try:
            deadline = parse_when(values["deadline"], now=now, tz=tz).at
        except WhenError as exc:
            raise PollProblem(
                "past_deadline" if exc.reason == "past" else "bad_deadline", values["deadline"]
            ) from exc
    committee = parse_committee(values["committee"]) if "committee" in values else DEFAULT_COMMITTEE
    return RulesLine(Rules(threshold, base, quorum, self_vote, exclusive), deadline, committee)


def parse_committee(text: str) -> Committee:
    """'2/3': any 2 of 3 committee members open the ballot box."""
    match = _COMMITTEE.match(clean(text))
    if match is None:
        raise PollProblem("bad_committee", text)
    k, n = int(match.group(1)), int(match.group(2))
    if not 1 <= k <= n <= MAX_COMMITTEE:
        raise PollProblem("bad_committee", text)
    return Committee(k, n)


def parse_quorum(text: str) -> Fraction:
    """'2/3' or '67%' as a fraction in (0, 1]."""
    match = _QUORUM.match(clean(text))
    if match is None:
        raise PollProblem("bad_quorum", text)
    if match.group(3) is not None:
        value = Fraction(int(match.group(3)), 100)
    else:
        if int(match.group(2)) == 0:
            raise PollProblem("bad_quorum", text)
        value = Fraction(int(match.group(1)), int(match.group(2)))
    if not 0 < value <= 1:
        raise PollProblem("bad_quorum", text)
    return value


def parse_poll(title: str, lines: Sequence[str], *, now: datetime, tz: ZoneInfo) -> PollSpec:
    """Read '/poll <title>' and its following lines (categories, optional rules line)."""
    title = clean(title)
    if not title:
        raise PollProblem("no_title")
    if len(title) > MAX_TITLE:
        raise PollProblem("title_too_long", title[:40])
    categories: list[CategorySpec] = []
    found, seen_rules = RulesLine(Rules(), None, DEFAULT_COMMITTEE), False
    for line in lines:
        match = _RULES.match(fold(line))
        if match is not None:
            if seen_rules:
                raise PollProblem("bad_rules", line)
            found = parse_rules_line(line.split(":", 1)[1], now=now, tz=tz)
            seen_rules = True
            continue
        categories.append(parse_category(line))
    if not categories:
        raise PollProblem("no_categories")
    if len(categories) > MAX_CATEGORIES:
        raise PollProblem("too_many_categories")
    names = [fold(c.name) for c in categories]
    if len(set(names)) != len(names):
        raise PollProblem("duplicate_category")
    return PollSpec(title, tuple(categories), found.rules, found.deadline, found.committee)


def quorum_text(quorum: Fraction) -> str:
    """A quorum as written in a rules line: '2/3'."""
    return f"{quorum.numerator}/{quorum.denominator}"


# ---- results -------------------------------------------------------------------------------

Phase = Literal["round2", "decide", "final", "void"]


@dataclass(frozen=True)
class Row:
    """One candidate's line in a category's results."""

    unit: int
    votes: int
    share: Fraction
    proposed: bool
    excluded: bool


def result_rows(cat: CategoryResult) -> list[Row]:
    """A category's candidates, most votes first (ties in list order)."""
    order = list(cat.votes)
    ranked = sorted(order, key=lambda u: (-cat.votes[u], order.index(u)))
    return [Row(u, cat.votes[u], cat.share(u), u in cat.proposed, u in cat.excluded) for u in ranked]


@dataclass(frozen=True)
class Outcome:
    """Where a poll stands after its rounds and any decision by the chair and vice chair."""

    rounds: tuple[TallyResult, ...]
    decisions: Mapping[int, tuple[int, ...]]
    proposals: Mapping[int, tuple[int, ...]]
    undecided: tuple[int, ...]  # categories still waiting for the chair and vice chair
    phase: Phase

    @property
    def last(self) -> TallyResult:
        """The latest round's count."""
        return self.rounds[-1]


def outcome(rounds: Sequence[TallyResult], decisions: Mapping[int, tuple[int, ...]] | None = None) -> Outcome:
    """Combine round 1, round 2 (if held) and the chair's decisions into the proposal list."""
    if not 1 <= len(rounds) <= 2:
        raise ValueError("a poll has one or two rounds")
    decisions = dict(decisions or {})
    proposals: dict[int, tuple[int, ...]] = {}
    for result in rounds:
        for cat in result.categories:
            proposals[cat.index] = cat.proposed
    last = rounds[-1]
    undecided: list[int] = []
    for cat in last.categories:
        if cat.status == "chair_decides" or (cat.status == "void" and last.round_no == 2):
            if cat.index in decisions:
                proposals[cat.index] = (*cat.proposed, *decisions[cat.index])
            else:
                undecided.append(cat.index)
    phase: Phase
    if not rounds[0].quorum_met:
        phase = "void"
    elif last.needs_round2 and last.round_no == 1:
        phase = "round2"
    elif undecided:
        phase = "decide"
    else:
        phase = "final"
    final = {i: units for i, units in sorted(proposals.items()) if units}
    return Outcome(tuple(rounds), decisions, final, tuple(undecided), phase)


def check_decision(result: Outcome, index: int, units: Sequence[int], *, exclusive: bool) -> str | None:
    """Why the chair's choice for a category cannot be recorded, or None."""
    cat = next((c for c in result.last.categories if c.index == index), None)
    if cat is None or index not in result.undecided:
        return "not_undecided"
    if len(set(units)) != len(units) or not units:
        return "bad_units"
    pool, seats = decision_pool(cat)
    if not set(units) <= set(pool):
        return "not_open"
    if len(units) > seats:
        return "too_many"
    if exclusive:
        elsewhere = {u for i, us in result.proposals.items() if i != index for u in us}
        if elsewhere & set(units):
            return "proposed_elsewhere"
    return None


def decision_pool(cat: CategoryResult) -> tuple[tuple[int, ...], int]:
    """Units the chair and vice chair choose among, and how many seats are left to fill.

    After round 2 they choose among its open candidates; when round 2 itself missed the quorum
    (*), among all of its candidates not proposed higher up.
    """
    if cat.status == "void":
        pool = tuple(u for u in cat.votes if u not in cat.excluded and u not in cat.proposed)
        return pool, cat.quota - len(cat.proposed)
    return cat.open_candidates, cat.seats_left
