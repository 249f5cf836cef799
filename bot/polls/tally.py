"""Award review (bình xét) vote count: quorum, thresholds, overflow, ties, rounds, ranked order.

The bloc only proposes (đề nghị); nothing here awards anything. Ballots carry no voter: secrecy
is structural, and the self-vote rule is applied when a ballot is offered (``candidates_for``).

Rules as counted here (where DOMAIN.md is silent, the choice is marked *):
- Pass/fail uses exact integers: a candidate passes with ``votes >= votes_needed(base, threshold)``
  (majority: more than half; two_thirds: at least 2/3; eighty: at least 4/5), and never with 0.
- Base ``members`` is every member unit; base ``ballots`` is every ballot returned, valid or
  not (*: DOMAIN says "ballots cast"; an invalid ballot then weighs like a "no").
- Quorum: ballots returned >= quorum x members, rounded up. Without it every category is
  ``void``: votes are reported, nothing new is proposed.
- Validity (*): a ballot is judged whole. It is invalid if, in any category, it ticks more than
  the seats open, ticks a non-candidate or the same unit twice, answers a pick category with a
  confirmation (or the reverse), or names a category not being counted. An invalid ballot counts
  for quorum and for the ``ballots`` base but for no candidate. A category left empty is blank.
- Seats: a category's seats open are its quota minus the units already proposed in it.
- Overflow: more passing than seats -> the most votes take the seats.
- Tie at the cut-off: units with strictly more votes than the last seat are proposed; round 2
  is among the tied units for the seats still open.
- Too few passing: the passing units are proposed; round 2 is among all remaining eligible
  candidates for the seats left. If no candidate remains, the seats stay unfilled (*: the quota
  is a ceiling). A confirmation that does not pass is decided as not confirmed, with no second
  round (*: the same yes/no question would be asked again).
- Round 2 (a separate call with ``round_no=2``) applies the same threshold (*). Whatever it
  leaves open goes to the chair and vice chair (``chair_decides``); there is no round 3.
- Ranked exclusivity: categories are processed by index (0 highest); a unit proposed in a higher
  category (in this call or in ``already_proposed``) is excluded from lower ones, its votes there
  ignored. While a higher category is not decided, every lower category is *held* (*): in round
  1 its count is not used and it is voted again in full in the round-2 ballot (that vote is its
  last); in round 2 it goes to the chair and vice chair with the higher one, its round-2 votes
  for guidance. So a bloc never votes more than twice.
- Order of equal votes, where it only affects display, follows the candidate list.
- Publication (``withheld_reason``): a round's counts are published only when the quorum is
  met and more than one ballot came back; otherwise the round is not valid, and its result
  (``withheld_round``) says how many ballots came back and nothing else: one ballot's count
  would show how its unit voted, and a missed quorum makes the count mean nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from math import ceil, floor
from types import MappingProxyType
from typing import Literal

Threshold = Literal["majority", "two_thirds", "eighty"]
Base = Literal["members", "ballots"]
Kind = Literal["pick", "confirm"]
Answer = Literal["yes", "no", "blank"]
Status = Literal["decided", "round2", "held", "chair_decides", "void"]
Withheld = Literal["quorum", "single"]  # why a round's counts are not published
NoteKind = Literal[
    "quorum_missed",
    "invalid_ballots",
    "excluded_higher",
    "overflow",
    "tie_at_cutoff",
    "too_few_passed",
    "unfilled",
    "not_confirmed",
    "held",
    "chair_decides",
]

ANSWERS: tuple[Answer, ...] = ("yes", "no", "blank")
# threshold -> (share of the base, whether the share itself is enough)
_SHARES: dict[Threshold, tuple[Fraction, bool]] = {
    "majority": (Fraction(1, 2), False),
    "two_thirds": (Fraction(2, 3), True),
    "eighty": (Fraction(4, 5), True),
}
_OPEN: tuple[Status, ...] = ("round2", "held")
MIN_PUBLISHED = 2  # ballots a published count needs: one ballot's count is that unit's vote
_NOTHING: Mapping[int, tuple[int, ...]] = MappingProxyType({})


def fraction_of(votes: int, base: int) -> Fraction:
    """Exact share of the base (0 when the base is 0), for percentages."""
    return Fraction(votes, base) if base else Fraction(0)


def votes_needed(base: int, threshold: Threshold) -> int:
    """Fewest votes that pass the threshold over base (at least 1)."""
    share, inclusive = _SHARES[threshold]
    edge = share * base
    return max(1, ceil(edge) if inclusive else floor(edge) + 1)


def passes(votes: int, base: int, threshold: Threshold) -> bool:
    """Whether votes reach the threshold over base."""
    return votes >= votes_needed(base, threshold)


@dataclass(frozen=True)
class Rules:
    """How a bloc counts an award poll."""

    threshold: Threshold = "majority"
    base: Base = "members"
    quorum: Fraction = Fraction(2, 3)
    self_vote: bool = True
    exclusive: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.quorum <= 1:
            raise ValueError(f"quorum must be in (0, 1], got {self.quorum}")


@dataclass(frozen=True)
class Category:
    """An award category: rank (0 highest), quota, candidates, and an optional own threshold."""

    index: int
    name: str
    quota: int
    candidates: tuple[int, ...]
    kind: Kind = "pick"
    threshold: Threshold | None = None

    def __post_init__(self) -> None:
        if self.quota < 1:
            raise ValueError(f"category {self.index}: quota must be at least 1")
        if len(set(self.candidates)) != len(self.candidates):
            raise ValueError(f"category {self.index}: duplicate candidates")
        if self.kind == "confirm" and (self.quota != 1 or len(self.candidates) != 1):
            raise ValueError(f"category {self.index}: a confirmation has one candidate, quota 1")


@dataclass(frozen=True)
class Ballot:
    """One unit's anonymous ballot: ticks per pick category, an answer per confirm category."""

    choices: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    confirms: Mapping[int, Answer] = field(default_factory=dict)


@dataclass(frozen=True)
class ConfirmCount:
    """Answers to a confirmation: Đồng ý / Không đồng ý / Phiếu trắng."""

    yes: int
    no: int
    blank: int


@dataclass(frozen=True)
class Note:
    """A fact for the minutes; the renderer words it in the bloc's language."""

    kind: NoteKind
    category: int | None = None
    units: tuple[int, ...] = ()
    count: int = 0


@dataclass(frozen=True)
class CategoryResult:
    """The count of one category in one round."""

    index: int
    name: str
    kind: Kind
    quota: int
    threshold: Threshold
    base: int
    needed: int
    votes: Mapping[int, int]
    answers: ConfirmCount | None
    excluded: tuple[int, ...]
    passed: tuple[int, ...]
    proposed: tuple[int, ...]
    status: Status
    open_candidates: tuple[int, ...]
    seats_left: int

    def share(self, unit: int) -> Fraction:
        """A candidate's votes as an exact share of the base."""
        return fraction_of(self.votes[unit], self.base)


@dataclass(frozen=True)
class TallyResult:
    """The count of one round, with what the minutes need."""

    round_no: int
    members: int
    returned: int
    valid: int
    invalid: int
    quorum_needed: int
    quorum_met: bool
    categories: tuple[CategoryResult, ...]
    notes: tuple[Note, ...]
    withheld: Withheld | None = None  # not valid, counts not published (withheld_round)

    @property
    def issued(self) -> int:
        """Ballots issued: one per member unit."""
        return self.members

    @property
    def needs_round2(self) -> bool:
        """Whether some category must be voted again."""
        return any(c.status in _OPEN for c in self.categories)

    def proposals(self) -> dict[int, tuple[int, ...]]:
        """Units proposed so far per category, to pass on as ``already_proposed``."""
        return {c.index: c.proposed for c in self.categories if c.proposed}

    def next_round(self) -> tuple[Category, ...]:
        """The categories of the round-2 ballot, each among its open candidates in list order."""
        return tuple(
            Category(
                c.index,
                c.name,
                c.quota,
                tuple(u for u in c.votes if u in c.open_candidates),
                c.kind,
                c.threshold,
            )
            for c in self.categories
            if c.status in _OPEN
        )


def candidates_for(category: Category, voter: int, rules: Rules) -> tuple[int, ...]:
    """Candidates a unit's ballot offers in a category: itself hidden when self-vote is off."""
    if rules.self_vote:
        return category.candidates
    return tuple(u for u in category.candidates if u != voter)


def _is_valid(ballot: Ballot, categories: Mapping[int, Category], seats: Mapping[int, int]) -> bool:
    """Whether a ballot is valid as a whole."""
    for index, picks in ballot.choices.items():
        cat = categories.get(index)
        if cat is None or cat.kind != "pick" or len(picks) > seats[index]:
            return False
        if len(set(picks)) != len(picks) or not set(picks) <= set(cat.candidates):
            return False
    for index, answer in ballot.confirms.items():
        cat = categories.get(index)
        if cat is None or cat.kind != "confirm" or answer not in ANSWERS:
            return False
    return True


def _count(cat: Category, valid: Sequence[Ballot]) -> tuple[dict[int, int], ConfirmCount | None]:
    """Votes per candidate (for a confirmation, the yes answers) and the answers if any."""
    if cat.kind == "confirm":
        said = Counter(b.confirms.get(cat.index, "blank") for b in valid)
        answers = ConfirmCount(said["yes"], said["no"], said["blank"])
        return {cat.candidates[0]: answers.yes}, answers
    ticks = Counter(u for b in valid for u in b.choices.get(cat.index, ()))
    return {u: ticks[u] for u in cat.candidates}, None


def _split(
    rank: tuple[int, ...], passed: tuple[int, ...], votes: Mapping[int, int], seats: int
) -> tuple[tuple[int, ...], tuple[int, ...], NoteKind | None]:
    """Proposed units, units left open for another vote, and what happened, for one category."""
    if len(passed) > seats > 0:
        cut = votes[passed[seats - 1]]
        if votes[passed[seats]] == cut:
            above = tuple(u for u in passed if votes[u] > cut)
            return above, tuple(u for u in passed if votes[u] == cut), "tie_at_cutoff"
        return passed[:seats], (), "overflow"
    if len(passed) < seats:
        remaining = tuple(u for u in rank if u not in passed)
        return passed, remaining, "too_few_passed" if remaining else "unfilled"
    return passed[:seats], (), None


def tally_round(
    categories: Sequence[Category],
    ballots: Collection[Ballot],
    *,
    members: int,
    rules: Rules,
    round_no: int = 1,
    already_proposed: Mapping[int, tuple[int, ...]] = _NOTHING,
) -> TallyResult:
    """Count one round of an award poll and say, per category, what is proposed or still open."""
    if round_no not in (1, 2):
        raise ValueError("an award poll has at most 2 rounds")
    if members < 1 or len(ballots) > members:
        raise ValueError("one ballot per member unit at most")
    by_index = {c.index: c for c in categories}
    if len(by_index) != len(categories):
        raise ValueError("duplicate category index")
    seats: dict[int, int] = {}
    for cat in categories:
        fixed = already_proposed.get(cat.index, ())
        seats[cat.index] = cat.quota - len(fixed)
        if seats[cat.index] < 0 or set(fixed) & set(cat.candidates):
            raise ValueError(f"category {cat.index}: already proposed units do not fit")

    valid = [b for b in ballots if _is_valid(b, by_index, seats)]
    returned = len(ballots)
    quorum_needed = ceil(rules.quorum * members)
    quorum_met = returned >= quorum_needed
    base = members if rules.base == "members" else returned
    notes: list[Note] = []
    if not quorum_met:
        notes.append(Note("quorum_missed", count=quorum_needed))
    if returned > len(valid):
        notes.append(Note("invalid_ballots", count=returned - len(valid)))

    proposed_in: dict[int, tuple[int, ...]] = dict(already_proposed)
    blocked = False
    results: list[CategoryResult] = []
    for cat in sorted(categories, key=lambda c: c.index):
        threshold = cat.threshold or rules.threshold
        needed = votes_needed(base, threshold)
        fixed = already_proposed.get(cat.index, ())
        open_seats = seats[cat.index]
        votes, answers = _count(cat, valid)
        higher = {u for i, us in proposed_in.items() if i < cat.index for u in us}
        excluded = tuple(u for u in cat.candidates if rules.exclusive and u in higher)
        if excluded:
            notes.append(Note("excluded_higher", cat.index, excluded))
        rank = tuple(
            sorted(
                (u for u in cat.candidates if u not in excluded),
                key=lambda u: (-votes[u], cat.candidates.index(u)),
            )
        )
        passed: tuple[int, ...] = ()
        winners: tuple[int, ...] = ()
        open_: tuple[int, ...] = ()
        status: Status
        if not quorum_met:
            status = "void"
        elif blocked and rank:
            status = "held" if round_no == 1 else "chair_decides"
            open_ = rank
            notes.append(Note("held", cat.index))
        else:
            passed = tuple(u for u in rank if votes[u] >= needed)
            winners, open_, note = _split(rank, passed, votes, open_seats)
            if cat.kind == "confirm" and rank and open_seats and not winners:
                # A confirmation is a yes/no question: asking it again would not change it.
                open_, note = (), "not_confirmed"
            if note == "not_confirmed":
                notes.append(Note(note, cat.index, rank))
            elif note == "overflow":
                left_out = tuple(u for u in passed if u not in winners)
                notes.append(Note(note, cat.index, left_out, open_seats))
            elif note is not None:
                notes.append(Note(note, cat.index, open_, open_seats - len(winners)))
            status = "decided" if not open_ else "round2" if round_no == 1 else "chair_decides"
        left = open_seats - len(winners) if status != "decided" else 0
        if status == "chair_decides":
            notes.append(Note("chair_decides", cat.index, open_, left))
        blocked = blocked or (rules.exclusive and status != "decided")
        proposed_in[cat.index] = (*fixed, *winners)
        results.append(
            CategoryResult(
                index=cat.index,
                name=cat.name,
                kind=cat.kind,
                quota=cat.quota,
                threshold=threshold,
                base=base,
                needed=needed,
                votes=MappingProxyType(votes),
                answers=answers,
                excluded=excluded,
                passed=passed,
                proposed=(*fixed, *winners),
                status=status,
                open_candidates=open_,
                seats_left=left,
            )
        )

    return TallyResult(
        round_no=round_no,
        members=members,
        returned=returned,
        valid=len(valid),
        invalid=returned - len(valid),
        quorum_needed=quorum_needed,
        quorum_met=quorum_met,
        categories=tuple(results),
        notes=tuple(notes),
    )


def withheld_reason(returned: int, members: int, rules: Rules) -> Withheld | None:
    """Why a round with this many ballots may not publish its counts, or None when it may."""
    if returned < ceil(rules.quorum * members):
        return "quorum"
    if returned < MIN_PUBLISHED:
        return "single"
    return None


def withheld_round(
    categories: Sequence[Category],
    *,
    returned: int,
    members: int,
    rules: Rules,
    reason: Withheld,
    round_no: int = 1,
    already_proposed: Mapping[int, tuple[int, ...]] = _NOTHING,
) -> TallyResult:
    """A round that is not valid, as published: ballots returned, every category void, no votes.

    Its ballots are never counted (they are destroyed unopened), so valid and invalid are 0
    and every candidate shows 0 votes; renderers show neither (``withheld`` is set).
    """
    if returned > members:
        raise ValueError("one ballot per member unit at most")
    empty = tally_round(
        categories,
        (),
        members=members,
        rules=rules,
        round_no=round_no,
        already_proposed=already_proposed,
    )
    return replace(empty, returned=returned, valid=0, invalid=0, withheld=reason)
