"""Long loops on the event loop give other chats their turn.

The writer's statements run on the loop's own thread (storage/db.py) and do not yield, so a
loop of a thousand of them, or a thousand ballots opened, would hold every other chat for its
whole length (a 1,000-unit poll: ~100 ms). `breathe` lets the loop run what waits, every few
items; readers see only committed data, other writers wait for the lock as before.
"""

from __future__ import annotations

import asyncio

STRIDE = 50


async def breathe(index: int, every: int = STRIDE) -> None:
    """Once every `every` items of a long loop, let the event loop run other work."""
    if index % every == every - 1:
        await asyncio.sleep(0)
