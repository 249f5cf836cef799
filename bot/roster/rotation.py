"""Yearly rotation of the chair (Khối trưởng) and vice chair (Khối phó) along the bloc's order.

The usual rotation: next year's chair is the unit after this year's chair in the rotation
order, and next year's vice chair the unit after that, so this year's vice chair normally moves
up to chair. With no (known) current chair, the current vice chair moves up; with neither, the
first unit chairs. A current vice chair that is not next in order does not change the
suggestion: the order rules. A bloc of one unit gets that unit as chair and no vice chair.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence


def next_in_rotation(order: Sequence[int], last: int | None, *, skip: Collection[int] = ()) -> int | None:
    """The first unit after last in order, wrapping round and passing over skip.

    Starts from the top when last is None or not in order; may return last itself when every
    other unit is skipped; None when every unit is skipped.
    """
    if len(set(order)) != len(order):
        raise ValueError("rotation order has duplicate units")
    start = order.index(last) + 1 if last is not None and last in order else 0
    for step in range(len(order)):
        unit = order[(start + step) % len(order)]
        if unit not in skip:
            return unit
    return None


def suggest_chair_and_vice(
    order: Sequence[int], current_chair: int | None, current_vice: int | None
) -> tuple[int | None, int | None]:
    """Suggest next year's (chair, vice chair) from the rotation order."""
    if current_chair is not None and current_chair in order:
        chair = next_in_rotation(order, current_chair)
    elif current_vice is not None and current_vice in order:
        chair = current_vice
    else:
        chair = next_in_rotation(order, None)
    if chair is None:
        return None, None
    return chair, next_in_rotation(order, chair, skip={chair})
