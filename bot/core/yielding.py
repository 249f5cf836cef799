"""Long loops of pure work on the event loop give other chats their turn.

The writer's statements give the loop back every 2 ms by themselves (storage/db.py
`LoopWriter._breathe`); a loop that runs no statement does not: opening the 1,000 sealed
ballots of a big box held every other chat for its whole length. `breathe` lets the loop run
what waits, every few items.
"""

from __future__ import annotations

import asyncio

STRIDE = 50


async def breathe(index: int, every: int = STRIDE) -> None:
    """Once every `every` items of a long loop, let the event loop run other work."""
    if index % every == every - 1:
        await asyncio.sleep(0)
