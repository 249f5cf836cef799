"""Award review (bình xét) counting: hand-worked cases from DOMAIN.md, then properties.

Every tally in this file is also counted from the same ballots sealed in a ballot box and
opened again (``through_the_box``): the two counts must be equal, as the count of the real
poll is made from ballots that were sealed (handlers/polls/counting.py).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.formatting import format_percent
from bot.polls.ballots import pack_ballot, unpack_ballot
from bot.polls.box import make_box, open_box, parse_share, seal
from bot.polls.tally import (
    ANSWERS,
    Answer,
    Ballot,
    Category,
    Note,
    Rules,
    TallyResult,
    Threshold,
    candidates_for,
    fraction_of,
    passes,
    tally_round,
    votes_needed,
)

UNITS = tuple(range(1, 13))  # a bloc of 12 member units
FLAG_GOV, FLAG_PROV, MERIT = 0, 1, 2

BOX, CODES = make_box(2, 3)
OPENER = open_box(BOX, [parse_share(c) for c in CODES[1:]])
PLAIN_TALLY = tally_round
THROUGH_THE_BOX: list[int] = []  # ballots of each tally that was also counted sealed and opened


def through_the_box(categories: Sequence[Category], ballots: Collection[Ballot], **rules: Any) -> TallyResult:
    """tally_round, checked against the tally of the same ballots sealed and opened again."""
    plain = PLAIN_TALLY(categories, ballots, **rules)
    sealed = [seal(BOX.public_key, pack_ballot(b, categories)) for b in ballots]
    opened = [unpack_ballot(OPENER.open(s), categories) for s in sealed]
    assert PLAIN_TALLY(categories, opened, **rules) == plain
    THROUGH_THE_BOX.append(len(ballots))
    return plain


@pytest.fixture(autouse=True, scope="module")
def _tallies_through_the_box() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(f"{__name__}.tally_round", through_the_box)
        yield


def ballots_with(category: int, votes: Mapping[int, int], returned: int, quota: int) -> list[Ballot]:
    """Ballots for one pick category that give each unit exactly the votes asked for."""
    ticks: list[list[int]] = [[] for _ in range(returned)]
    for unit, count in votes.items():
        for ballot in sorted(range(returned), key=lambda i: (len(ticks[i]), i))[:count]:
            ticks[ballot].append(unit)
    assert all(len(t) <= quota for t in ticks), "asked for more ticks than the quota allows"
    return [Ballot(choices={category: tuple(t)}) for t in ticks]


def merge(*per_category: list[Ballot]) -> list[Ballot]:
    """Combine per-category ballot lists (same length) into one ballot per unit."""
    merged = []
    for parts in zip(*per_category, strict=True):
        choices = {k: v for p in parts for k, v in p.choices.items()}
        confirms = {k: v for p in parts for k, v in p.confirms.items()}
        merged.append(Ballot(choices=choices, confirms=confirms))
    return merged


def one(
    votes: Mapping[int, int],
    *,
    quota: int = 1,
    returned: int = 12,
    rules: Rules | None = None,
    members: int = 12,
) -> TallyResult:
    """Tally one pick category over all 12 units."""
    cat = Category(FLAG_GOV, "Cờ thi đua của Chính phủ", quota, UNITS)
    ballots = ballots_with(FLAG_GOV, votes, returned, quota)
    return tally_round([cat], ballots, members=members, rules=rules or Rules())


# ---- thresholds and bases ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "threshold", "needed"),
    [
        (12, "majority", 7),
        (12, "two_thirds", 8),
        (12, "eighty", 10),
        (9, "majority", 5),
        (9, "two_thirds", 6),
        (9, "eighty", 8),
        (10, "majority", 6),
        (10, "eighty", 8),
        (15, "two_thirds", 10),
        (4, "majority", 3),
        (0, "majority", 1),
        (0, "eighty", 1),
    ],
)
def test_votes_needed(base: int, threshold: Threshold, needed: int) -> None:
    assert votes_needed(base, threshold) == needed
    assert passes(needed, base, threshold)
    assert not passes(needed - 1, base, threshold)


@pytest.mark.parametrize(
    ("rules", "votes", "returned", "passed"),
    [
        # 12 units, eighty: 8 votes = 66,7% -> not passed; 10 = 83,3% -> passed.
        (Rules(threshold="eighty"), 8, 12, False),
        (Rules(threshold="eighty"), 9, 12, False),
        (Rules(threshold="eighty"), 10, 12, True),
        # majority of 12 members needs 7 (6 is exactly half: not more than half).
        (Rules(), 6, 12, False),
        (Rules(), 7, 12, True),
        # two thirds of 12 needs 8.
        (Rules(threshold="two_thirds"), 7, 12, False),
        (Rules(threshold="two_thirds"), 8, 12, True),
        # base = ballots, 9 returned: majority needs 5, two thirds 6, eighty 8.
        (Rules(base="ballots"), 5, 9, True),
        (Rules(base="ballots"), 4, 9, False),
        (Rules(base="ballots", threshold="two_thirds"), 6, 9, True),
        (Rules(base="ballots", threshold="eighty"), 7, 9, False),
        (Rules(base="ballots", threshold="eighty"), 8, 9, True),
        # same 5 votes against the members base of 12 fail.
        (Rules(base="members"), 5, 9, False),
    ],
)
def test_threshold_times_base(rules: Rules, votes: int, returned: int, passed: bool) -> None:
    result = one({4: votes}, returned=returned, rules=rules)
    (cat,) = result.categories
    assert (4 in cat.passed) is passed
    assert cat.proposed == ((4,) if passed else ())
    assert cat.base == (returned if rules.base == "ballots" else 12)


def test_eighty_percent_case_reads_as_in_the_minutes() -> None:
    (cat,) = one({4: 8}, rules=Rules(threshold="eighty")).categories
    assert cat.share(4) == Fraction(2, 3)
    assert format_percent(cat.votes[4], cat.base, "vi") == "66,7%"
    assert cat.needed == 10
    assert cat.status == "round2"  # nobody passed: round 2 among all candidates


def test_fraction_of() -> None:
    assert fraction_of(8, 12) == Fraction(2, 3)
    assert fraction_of(0, 0) == 0


# ---- quorum and ballot validity --------------------------------------------------------


@pytest.mark.parametrize(
    ("returned", "quorum", "met"),
    [(7, Fraction(2, 3), False), (8, Fraction(2, 3), True), (6, Fraction(1, 2), True)],
)
def test_quorum(returned: int, quorum: Fraction, met: bool) -> None:
    rules = Rules(quorum=quorum, base="ballots")
    result = one({4: returned}, returned=returned, rules=rules)
    assert result.quorum_met is met
    (cat,) = result.categories
    if met:
        assert cat.proposed == (4,) and cat.status == "decided"
    else:
        assert cat.status == "void" and cat.proposed == ()
        assert cat.votes[4] == returned  # the count is still reported
        assert Note("quorum_missed", count=8) in result.notes
        assert result.proposals() == {}


def test_invalid_ballots_are_counted_and_ignored_whole() -> None:
    gov = Category(FLAG_GOV, "Cờ Chính phủ", 1, (1, 2, 3))
    prov = Category(FLAG_PROV, "Cờ UBND tỉnh", 2, (1, 2, 3, 4, 5))
    good = [Ballot(choices={FLAG_GOV: (1,), FLAG_PROV: (2, 3)})] * 7
    bad = [
        Ballot(choices={FLAG_GOV: (1,), FLAG_PROV: (2, 3, 4)}),  # more ticks than the quota
        Ballot(choices={FLAG_GOV: (9,)}),  # not a candidate
        Ballot(choices={FLAG_PROV: (4, 4)}),  # the same unit twice
        Ballot(confirms={FLAG_GOV: "yes"}),  # a confirmation on a pick category
        Ballot(choices={7: (1,)}),  # a category not being counted
    ]
    result = tally_round([gov, prov], good + bad, members=12, rules=Rules())
    assert (result.returned, result.valid, result.invalid) == (12, 7, 5)
    assert Note("invalid_ballots", count=5) in result.notes
    gov_result, prov_result = result.categories
    assert gov_result.votes[1] == 7  # the invalid ballot's tick for 1 in FLAG_GOV is not counted
    assert prov_result.votes == {1: 0, 2: 7, 3: 7, 4: 0, 5: 0}
    assert result.proposals() == {FLAG_GOV: (1,), FLAG_PROV: (2, 3)}


def test_invalid_ballots_weigh_in_the_ballots_base() -> None:
    cat = Category(0, "Bằng khen", 1, (1, 2))
    ballots = [Ballot(choices={0: (1,)})] * 5 + [Ballot(choices={0: (1, 2)})] * 4
    result = tally_round([cat], ballots, members=12, rules=Rules(base="ballots"))
    (counted,) = result.categories
    assert (counted.base, counted.votes[1], counted.needed) == (9, 5, 5)
    assert counted.proposed == (1,)


def test_empty_ballot_is_a_valid_blank() -> None:
    result = one({}, returned=9)
    assert (result.valid, result.invalid) == (9, 0)


# ---- overflow, ties, too few, rounds ---------------------------------------------------


def test_overflow_takes_the_most_votes() -> None:
    result = one({1: 9, 2: 8, 3: 7}, quota=2)
    (cat,) = result.categories
    assert cat.passed == (1, 2, 3)
    assert (cat.status, cat.proposed) == ("decided", (1, 2))
    assert Note("overflow", FLAG_GOV, (3,), 2) in result.notes


def test_tie_at_the_cut_off_goes_to_round_2_among_the_tied_only() -> None:
    result = one({1: 10, 2: 7, 3: 7}, quota=2)
    (cat,) = result.categories
    assert cat.proposed == (1,)
    assert (cat.status, cat.open_candidates, cat.seats_left) == ("round2", (2, 3), 1)
    assert Note("tie_at_cutoff", FLAG_GOV, (2, 3), 1) in result.notes
    assert result.needs_round2
    (again,) = result.next_round()
    assert (again.candidates, again.quota) == ((2, 3), 2)


def test_tie_for_every_seat() -> None:
    (cat,) = one({1: 8, 2: 8, 3: 8}, quota=2).categories
    assert (cat.proposed, cat.open_candidates, cat.seats_left) == ((), (1, 2, 3), 2)


def test_tie_below_the_cut_off_is_harmless() -> None:
    # Five units over half of 15 need 43 ticks: a bloc of 15 with a quota of 3 has 45.
    votes = {1: 9, 2: 9, 3: 9, 4: 8, 5: 8}
    result = one(votes, quota=3, returned=15, members=15)
    (cat,) = result.categories
    assert (cat.status, cat.proposed, cat.passed) == ("decided", (1, 2, 3), (1, 2, 3, 4, 5))
    assert Note("overflow", FLAG_GOV, (4, 5), 3) in result.notes


def test_too_few_passing_goes_to_round_2_among_the_remaining() -> None:
    result = one({1: 10, 2: 8, 3: 5, 4: 4, 5: 1}, quota=3)
    (cat,) = result.categories
    assert cat.proposed == (1, 2)
    assert cat.status == "round2" and cat.seats_left == 1
    assert cat.open_candidates[:3] == (3, 4, 5)  # by votes, then the rest of the list
    assert set(cat.open_candidates) == set(UNITS) - {1, 2}
    assert Note("too_few_passed", FLAG_GOV, cat.open_candidates, 1) in result.notes


def test_round_2_decides() -> None:
    first = one({1: 10, 2: 7, 3: 7}, quota=2)
    ballots = ballots_with(FLAG_GOV, {2: 8, 3: 4}, 12, 1)
    second = tally_round(
        first.next_round(), ballots, members=12, rules=Rules(), round_no=2,
        already_proposed=first.proposals(),
    )  # fmt: skip
    (cat,) = second.categories
    assert (cat.status, cat.proposed) == ("decided", (1, 2))
    assert not second.needs_round2


def test_round_2_ballot_may_tick_only_the_seats_left() -> None:
    first = one({1: 10, 2: 7, 3: 7}, quota=2)
    ballots = [Ballot(choices={FLAG_GOV: (2, 3)})] * 12
    second = tally_round(
        first.next_round(), ballots, members=12, rules=Rules(), round_no=2,
        already_proposed=first.proposals(),
    )  # fmt: skip
    assert second.invalid == 12


def test_round_2_still_tied_goes_to_the_chair_and_vice_chair() -> None:
    first = one({1: 10, 2: 7, 3: 7}, quota=2)
    ballots = ballots_with(FLAG_GOV, {2: 6, 3: 6}, 12, 1)
    second = tally_round(
        first.next_round(), ballots, members=12, rules=Rules(), round_no=2,
        already_proposed=first.proposals(),
    )  # fmt: skip
    (cat,) = second.categories
    assert (cat.status, cat.proposed, cat.open_candidates) == ("chair_decides", (1,), (2, 3))
    assert Note("chair_decides", FLAG_GOV, (2, 3), 1) in second.notes
    assert second.next_round() == ()


def test_round_2_still_short_goes_to_the_chair() -> None:
    first = one({1: 10}, quota=2)
    ballots = ballots_with(FLAG_GOV, {2: 5, 3: 4}, 12, 1)
    second = tally_round(
        first.next_round(), ballots, members=12, rules=Rules(), round_no=2,
        already_proposed=first.proposals(),
    )  # fmt: skip
    (cat,) = second.categories
    assert cat.status == "chair_decides" and cat.proposed == (1,) and cat.seats_left == 1


def test_there_is_no_round_3() -> None:
    with pytest.raises(ValueError):
        tally_round([], [], members=12, rules=Rules(), round_no=3)


# ---- ranked categories -----------------------------------------------------------------


def seed_categories() -> list[Category]:
    """The seed example: 1 Government flag, 2 provincial flags, 3 certificates of merit."""
    return [
        Category(FLAG_GOV, "Cờ thi đua của Chính phủ", 1, UNITS),
        Category(FLAG_PROV, "Cờ thi đua của UBND tỉnh", 2, UNITS),
        Category(MERIT, "Bằng khen của Chủ tịch UBND tỉnh", 3, UNITS),
    ]


def seed_ballots() -> list[Ballot]:
    """Units 1 and 2 are ticked in lower categories too (12 ballots: 12, 24, 36 ticks at most)."""
    return merge(
        ballots_with(FLAG_GOV, {1: 12}, 12, 1),
        ballots_with(FLAG_PROV, {1: 9, 2: 8, 3: 7}, 12, 2),
        ballots_with(MERIT, {2: 8, 4: 8, 5: 7, 6: 7, 7: 6}, 12, 3),
    )


def test_exclusive_ranked_categories() -> None:
    result = tally_round(seed_categories(), seed_ballots(), members=12, rules=Rules())
    assert result.proposals() == {FLAG_GOV: (1,), FLAG_PROV: (2, 3), MERIT: (4, 5, 6)}
    _, prov, merit = result.categories
    assert prov.excluded == (1,) and merit.excluded == (1, 2, 3)
    assert merit.votes[2] == 8  # reported, but not counted for the proposal
    assert Note("excluded_higher", MERIT, (1, 2, 3)) in result.notes
    assert all(c.status == "decided" for c in result.categories)


def test_without_exclusivity_a_unit_may_be_proposed_twice() -> None:
    rules = Rules(exclusive=False)
    result = tally_round(seed_categories(), seed_ballots(), members=12, rules=rules)
    assert result.proposals() == {FLAG_GOV: (1,), FLAG_PROV: (1, 2), MERIT: (2, 4)}
    merit = result.categories[MERIT]
    assert (merit.status, merit.open_candidates, merit.seats_left) == ("round2", (5, 6), 1)


def test_lower_categories_are_held_while_a_higher_one_goes_to_round_2() -> None:
    ballots = merge(
        ballots_with(FLAG_GOV, {1: 6, 2: 6}, 12, 1),  # nobody passes: round 2
        ballots_with(FLAG_PROV, {3: 12, 4: 12}, 12, 2),
        ballots_with(MERIT, {5: 12, 6: 12, 7: 12}, 12, 3),
    )
    first = tally_round(seed_categories(), ballots, members=12, rules=Rules())
    assert [c.status for c in first.categories] == ["round2", "held", "held"]
    assert first.proposals() == {}
    assert Note("held", FLAG_PROV) in first.notes
    # Round 2: the Government flag among all candidates, the held categories in full.
    again = first.next_round()
    assert [c.candidates for c in again] == [UNITS, UNITS, UNITS]
    ballots = merge(
        ballots_with(FLAG_GOV, {2: 9, 1: 3}, 12, 1),
        ballots_with(FLAG_PROV, {2: 8, 3: 9, 4: 7}, 12, 2),
        ballots_with(MERIT, {5: 12, 6: 12, 7: 12}, 12, 3),
    )
    second = tally_round(again, ballots, members=12, rules=Rules(), round_no=2)
    assert [c.status for c in second.categories] == ["decided"] * 3
    assert second.proposals() == {FLAG_GOV: (2,), FLAG_PROV: (3, 4), MERIT: (5, 6, 7)}


def test_held_in_round_2_goes_to_the_chair_with_the_higher_one() -> None:
    ballots = merge(
        ballots_with(FLAG_GOV, {1: 6, 2: 6}, 12, 1),  # nobody passes, twice
        ballots_with(FLAG_PROV, {3: 12, 4: 12}, 12, 2),
    )
    cats = seed_categories()[:2]
    first = tally_round(cats, ballots, members=12, rules=Rules())
    assert [c.status for c in first.categories] == ["round2", "held"]
    second = tally_round(first.next_round(), ballots, members=12, rules=Rules(), round_no=2)
    gov, prov = second.categories
    assert (gov.status, gov.open_candidates[:2], gov.seats_left) == ("chair_decides", (1, 2), 1)
    assert (prov.status, prov.proposed, prov.votes[3]) == ("chair_decides", (), 12)


def test_election_of_chair_and_vice_chair() -> None:
    chair = Category(0, "Khối trưởng", 1, (3, 5, 8))
    vice = Category(1, "Khối phó", 1, (3, 5, 8))
    ballots = merge(
        ballots_with(0, {5: 10, 3: 2}, 12, 1),
        ballots_with(1, {5: 8, 8: 4}, 12, 1),
    )
    result = tally_round([chair, vice], ballots, members=12, rules=Rules())
    # 5 is proposed as chair; its 8 votes for vice are ignored, and 8 falls short (4 of 12).
    assert result.proposals() == {0: (5,)}
    assert result.categories[1].status == "round2"
    assert result.categories[1].open_candidates == (8, 3)


# ---- confirmations ---------------------------------------------------------------------


def confirmations(yes: int, no: int, blank: int) -> list[Ballot]:
    """Ballots answering one confirmation."""
    counts: tuple[tuple[Answer, int], ...] = (("yes", yes), ("no", no), ("blank", blank))
    return [Ballot(confirms={0: answer}) for answer, n in counts for _ in range(n)]


@pytest.mark.parametrize(
    ("threshold", "yes", "no", "blank", "proposed"),
    [
        (None, 7, 3, 2, True),
        (None, 6, 4, 2, False),
        ("two_thirds", 7, 5, 0, False),
        ("two_thirds", 8, 0, 4, True),
        ("eighty", 10, 1, 1, True),
    ],
)
def test_confirmation(threshold: Threshold | None, yes: int, no: int, blank: int, proposed: bool) -> None:
    cat = Category(0, "Sở Xây dựng làm Khối trưởng", 1, (9,), kind="confirm", threshold=threshold)
    result = tally_round([cat], confirmations(yes, no, blank), members=12, rules=Rules())
    (counted,) = result.categories
    assert counted.answers is not None
    assert (counted.answers.yes, counted.answers.no, counted.answers.blank) == (yes, no, blank)
    assert counted.status == "decided"
    assert counted.proposed == ((9,) if proposed else ())
    if not proposed:
        assert Note("not_confirmed", 0, (9,)) in result.notes


def test_missing_confirmation_answer_is_blank() -> None:
    cat = Category(0, "Xác nhận", 1, (9,), kind="confirm")
    result = tally_round([cat], [Ballot()] * 9, members=12, rules=Rules())
    assert result.categories[0].answers is not None
    assert result.categories[0].answers.blank == 9


# ---- inputs ----------------------------------------------------------------------------


def test_bad_inputs() -> None:
    cat = Category(0, "Cờ", 1, (1, 2))
    with pytest.raises(ValueError):
        tally_round([cat], [Ballot()] * 13, members=12, rules=Rules())
    with pytest.raises(ValueError):
        tally_round([cat, cat], [], members=12, rules=Rules())
    with pytest.raises(ValueError):
        tally_round([cat], [], members=12, rules=Rules(), already_proposed={0: (3, 4)})
    with pytest.raises(ValueError):
        tally_round([cat], [], members=12, rules=Rules(), already_proposed={0: (1,)})
    with pytest.raises(ValueError):
        Category(0, "Cờ", 0, (1,))
    with pytest.raises(ValueError):
        Category(0, "Cờ", 1, (1, 1))
    with pytest.raises(ValueError):
        Category(0, "Xác nhận", 1, (1, 2), kind="confirm")
    with pytest.raises(ValueError):
        Rules(quorum=Fraction(0))


def test_self_vote_hides_the_voter_when_forbidden() -> None:
    cat = Category(0, "Cờ", 2, (1, 2, 3))
    assert candidates_for(cat, 2, Rules()) == (1, 2, 3)
    assert candidates_for(cat, 2, Rules(self_vote=False)) == (1, 3)


# ---- properties ------------------------------------------------------------------------

THRESHOLDS: tuple[Threshold, ...] = ("majority", "two_thirds", "eighty")


@st.composite
def polls(draw: st.DrawFn) -> tuple[list[Category], list[Ballot], int, Rules]:
    """A random poll: 4–15 units, 1–3 ranked categories, mostly valid ballots."""
    members = draw(st.integers(4, 15))
    units = list(range(1, members + 1))
    categories = []
    for index in range(draw(st.integers(1, 3))):
        candidates = tuple(draw(st.lists(st.sampled_from(units), min_size=1, unique=True)))
        own = draw(st.sampled_from((None, None, *THRESHOLDS)))
        if draw(st.integers(0, 4)) == 0:
            categories.append(Category(index, f"c{index}", 1, candidates[:1], "confirm", own))
        else:
            quota = draw(st.integers(1, 3))
            categories.append(Category(index, f"c{index}", quota, candidates, threshold=own))
    ballots: list[Ballot] = []
    spoiled = draw(st.integers(0, 4)) == 4
    spread = {cat.index: draw(st.sampled_from([1, 1, 2])) for cat in categories}
    for _ in range(draw(st.just(members) | st.integers(0, members))):
        choices: dict[int, tuple[int, ...]] = {}
        confirms: dict[int, Answer] = {}
        for cat in categories:
            if cat.kind == "confirm":
                confirms[cat.index] = draw(st.sampled_from(ANSWERS))
                continue
            # Ticks gather on a few favourites, so that passes, overflows and ties happen.
            favourites = cat.candidates[: cat.quota + spread[cat.index]]
            skip = favourites[draw(st.integers(0, len(favourites) - 1))]
            picks = [u for u in favourites if u != skip][: cat.quota]
            choices[cat.index] = tuple(picks[: len(picks) - draw(st.sampled_from([0, 0, 0, 1]))])
        if spoiled and not ballots:
            choices = {cat.index: cat.candidates * 2 for cat in categories}  # invalid
        ballots.append(Ballot(choices=choices, confirms=confirms))
    rules = Rules(
        threshold=draw(st.sampled_from(("majority", *THRESHOLDS))),
        base=draw(st.sampled_from(["members", "ballots"])),
        quorum=draw(st.sampled_from([Fraction(1, 2), Fraction(2, 3)])),
        exclusive=draw(st.booleans()),
    )
    return categories, ballots, members, rules


def check_invariants(
    result: TallyResult,
    categories: Sequence[Category],
    rules: Rules,
    fixed: Mapping[int, tuple[int, ...]],
) -> None:
    """What must hold for every count, whatever the ballots."""
    quotas = {c.index: c.quota for c in categories}
    for cat in result.categories:
        earlier = fixed.get(cat.index, ())
        assert cat.proposed[: len(earlier)] == earlier
        new = cat.proposed[len(earlier) :]
        assert len(cat.proposed) <= quotas[cat.index]
        assert len(set(cat.proposed)) == len(cat.proposed)
        assert set(cat.proposed).isdisjoint(cat.open_candidates)
        votes = [cat.votes[u] for u in new]
        assert votes == sorted(votes, reverse=True)
        for unit in new:
            assert unit in cat.passed and cat.votes[unit] >= cat.needed
        eligible = set(cat.votes) - set(cat.excluded)
        for unit in eligible - set(new):
            if new:
                assert cat.votes[unit] < min(votes)
        if cat.status == "decided":
            assert cat.open_candidates == () and cat.seats_left == 0
        else:
            assert cat.seats_left <= quotas[cat.index] - len(cat.proposed)
    if rules.exclusive:
        seen: set[int] = set()
        for cat in result.categories:
            assert seen.isdisjoint(cat.proposed)
            seen |= set(cat.proposed)
    assert result.valid + result.invalid == result.returned


@settings(max_examples=200, deadline=None)
@given(polls(), st.data())
def test_properties_of_a_round(
    poll: tuple[list[Category], list[Ballot], int, Rules], data: st.DataObject
) -> None:
    categories, ballots, members, rules = poll
    result = tally_round(categories, ballots, members=members, rules=rules)
    check_invariants(result, categories, rules, {})
    if not result.quorum_met:
        assert all(c.status == "void" and not c.proposed for c in result.categories)
    shuffled = data.draw(st.permutations(ballots))
    assert tally_round(categories, shuffled, members=members, rules=rules) == result


@settings(max_examples=200, deadline=None)
@given(polls(), st.data())
def test_properties_after_round_2(
    poll: tuple[list[Category], list[Ballot], int, Rules], data: st.DataObject
) -> None:
    categories, ballots, members, rules = poll
    first = tally_round(categories, ballots, members=members, rules=rules)
    if not first.needs_round2:
        return
    again = first.next_round()
    ballots2 = []
    for _ in range(data.draw(st.just(members) | st.integers(0, members))):
        choices: dict[int, tuple[int, ...]] = {}
        confirms: dict[int, Answer] = {}
        for cat in again:
            if cat.kind == "confirm":
                confirms[cat.index] = data.draw(st.sampled_from(ANSWERS))
                continue
            seats = cat.quota - len(first.proposals().get(cat.index, ()))
            favourites = cat.candidates[: seats + 1]
            skip = favourites[data.draw(st.integers(0, len(favourites) - 1))]
            picks = [u for u in favourites if u != skip][:seats]
            choices[cat.index] = tuple(picks[: len(picks) - data.draw(st.sampled_from([0, 0, 1]))])
        ballots2.append(Ballot(choices=choices, confirms=confirms))
    second = tally_round(
        again, ballots2, members=members, rules=rules, round_no=2,
        already_proposed=first.proposals(),
    )  # fmt: skip
    check_invariants(second, again, rules, first.proposals())
    assert not second.needs_round2
    assert all(c.status != "held" for c in second.categories)
    if rules.exclusive:
        final = first.proposals() | second.proposals()
        everyone = [u for units in final.values() for u in units]
        assert len(everyone) == len(set(everyone))


@st.composite
def counted_polls(draw: st.DrawFn) -> tuple[list[Category], list[Ballot], int, Rules]:
    """One pick category with vote counts drawn at the threshold: ties and overflows abound.

    More passing units than seats needs a majority threshold and a quota of 2 or more: with a
    quota of 1, or 2/3 of every ballot, the ticks cannot go round.
    """
    members = draw(st.integers(4, 15))
    returned = draw(st.integers(members * 2 // 3 + 1, members))
    quota = draw(st.integers(2, 3))
    candidates = tuple(range(1, draw(st.integers(1, members)) + 1))
    rules = Rules(base=draw(st.sampled_from(["members", "ballots"])))
    needed = votes_needed(returned if rules.base == "ballots" else members, rules.threshold)
    near = st.integers(min(returned, needed), min(returned, needed + 1))
    room = returned * quota
    votes: dict[int, int] = {}
    for unit in candidates:
        votes[unit] = min(draw(near | st.integers(0, returned)), room)
        room -= votes[unit]
    category = Category(0, "Bằng khen", quota, candidates)
    return [category], ballots_with(0, votes, returned, quota), members, rules


@settings(max_examples=200, deadline=None)
@given(counted_polls(), st.data())
def test_properties_of_one_category(
    poll: tuple[list[Category], list[Ballot], int, Rules], data: st.DataObject
) -> None:
    categories, ballots, members, rules = poll
    result = tally_round(categories, ballots, members=members, rules=rules)
    check_invariants(result, categories, rules, {})
    shuffled = data.draw(st.permutations(ballots))
    assert tally_round(categories, shuffled, members=members, rules=rules) == result


# ---- more properties (issue 5) -------------------------------------------------------------


def valid_ballot(categories: Sequence[Category], ballot: Ballot) -> bool:
    """Ticks only candidates, within quotas, once each, with the right kind of answer."""
    by_index = {c.index: c for c in categories}
    return all(
        i in by_index
        and by_index[i].kind == "pick"
        and len(p) <= by_index[i].quota
        and len(set(p)) == len(p)
        and set(p) <= set(by_index[i].candidates)
        for i, p in ballot.choices.items()
    ) and all(i in by_index and by_index[i].kind == "confirm" for i in ballot.confirms)


@settings(max_examples=200, deadline=None)
@given(polls())
def test_every_valid_tick_is_counted_once(poll: tuple[list[Category], list[Ballot], int, Rules]) -> None:
    categories, ballots, members, rules = poll
    result = tally_round(categories, ballots, members=members, rules=rules)
    valid = [b for b in ballots if valid_ballot(categories, b)]
    assert result.valid == len(valid)
    for cat in result.categories:
        if cat.kind == "pick":
            assert sum(cat.votes.values()) == sum(len(b.choices.get(cat.index, ())) for b in valid)
        else:
            assert cat.answers is not None
            assert cat.answers.yes + cat.answers.no + cat.answers.blank == result.valid


@settings(max_examples=200, deadline=None)
@given(polls(), st.data())
def test_renaming_units_renames_the_result(
    poll: tuple[list[Category], list[Ballot], int, Rules], data: st.DataObject
) -> None:
    """Only votes decide, never which ids the units have (candidate list order kept)."""
    categories, ballots, members, rules = poll
    ids = list(range(1, members + 1))
    new = dict(zip(ids, data.draw(st.permutations([u + 100 for u in ids])), strict=True))
    renamed_categories = [
        Category(c.index, c.name, c.quota, tuple(new[u] for u in c.candidates), c.kind, c.threshold)
        for c in categories
    ]
    renamed_ballots = [
        Ballot(
            choices={i: tuple(new.get(u, u) for u in p) for i, p in b.choices.items()}, confirms=b.confirms
        )
        for b in ballots
    ]
    before = tally_round(categories, ballots, members=members, rules=rules)
    after = tally_round(renamed_categories, renamed_ballots, members=members, rules=rules)
    for old, fresh in zip(before.categories, after.categories, strict=True):
        assert tuple(new[u] for u in old.proposed) == fresh.proposed
        assert tuple(new[u] for u in old.open_candidates) == fresh.open_candidates
        assert {new[u]: v for u, v in old.votes.items()} == dict(fresh.votes)
        assert (old.status, old.seats_left, old.needed) == (fresh.status, fresh.seats_left, fresh.needed)
    assert (before.valid, before.quorum_met) == (after.valid, after.quorum_met)


@settings(max_examples=200, deadline=None)
@given(polls())
def test_a_blank_ballot_more_changes_nothing_once_quorate(
    poll: tuple[list[Category], list[Ballot], int, Rules],
) -> None:
    """Over all member units, an extra blank ballot moves no threshold and no proposal."""
    categories, ballots, members, rules = poll
    members_rules = Rules(rules.threshold, "members", rules.quorum, rules.self_vote, rules.exclusive)
    if len(ballots) >= members:
        return
    before = tally_round(categories, ballots, members=members, rules=members_rules)
    after = tally_round(categories, [*ballots, Ballot()], members=members, rules=members_rules)
    assert after.returned == before.returned + 1 and after.quorum_met >= before.quorum_met
    if before.quorum_met:
        assert after.proposals() == before.proposals()
        assert [c.status for c in after.categories] == [c.status for c in before.categories]


def test_every_tally_here_was_also_counted_from_sealed_ballots() -> None:
    """The check above ran for the tallies of this file (it runs last)."""
    assert len(THROUGH_THE_BOX) >= 40 and sum(THROUGH_THE_BOX) > 500
