"""Yearly rotation of chair and vice chair."""

from __future__ import annotations

import pytest

from bot.roster.rotation import next_in_rotation, suggest_chair_and_vice

ORDER = (30, 10, 20, 40)


@pytest.mark.parametrize(
    ("last", "skip", "expected"),
    [
        (None, (), 30),
        (30, (), 10),
        (20, (), 40),
        (40, (), 30),  # wraps round
        (99, (), 30),  # a unit no longer in the bloc: start from the top
        (30, {10}, 20),
        (40, {30, 10}, 20),
        (10, {30, 20, 40}, 10),  # everyone else skipped: back to itself
        (10, set(ORDER), None),
        (None, {30}, 10),
    ],
)
def test_next_in_rotation(last: int | None, skip: set[int], expected: int | None) -> None:
    assert next_in_rotation(ORDER, last, skip=skip) == expected


def test_next_in_rotation_empty_and_duplicates() -> None:
    assert next_in_rotation((), None) is None
    assert next_in_rotation((), 5) is None
    with pytest.raises(ValueError):
        next_in_rotation((1, 2, 1), 1)


@pytest.mark.parametrize(
    ("order", "chair", "vice", "expected"),
    [
        (ORDER, 30, 10, (10, 20)),  # the vice chair moves up
        (ORDER, 20, 40, (40, 30)),  # wraps round
        (ORDER, 30, 40, (10, 20)),  # an out-of-order vice chair does not change it
        (ORDER, None, 20, (20, 40)),  # no chair known: the vice chair moves up
        (ORDER, 99, 20, (20, 40)),  # chair left the bloc
        (ORDER, None, None, (30, 10)),  # first year: the top of the order
        (ORDER, 99, 98, (30, 10)),
        ((7, 8), 7, 8, (8, 7)),  # two units swap
        ((7,), 7, None, (7, None)),  # one unit chairs alone
        ((), None, None, (None, None)),
        ((), 3, 4, (None, None)),
    ],
)
def test_suggest_chair_and_vice(
    order: tuple[int, ...],
    chair: int | None,
    vice: int | None,
    expected: tuple[int | None, int | None],
) -> None:
    assert suggest_chair_and_vice(order, chair, vice) == expected


def test_suggestions_cycle_through_every_unit() -> None:
    chair, vice = suggest_chair_and_vice(ORDER, None, None)
    chairs = []
    for _ in ORDER:
        chairs.append(chair)
        chair, vice = suggest_chair_and_vice(ORDER, chair, vice)
    assert sorted(c for c in chairs if c is not None) == sorted(ORDER)
