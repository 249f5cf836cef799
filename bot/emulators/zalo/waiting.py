"""Waiting on an emulator's state: a change notifier and a predicate wait with a deadline.

Every HTTP call, posted update and webhook delivery calls `Notifier.notify()`; test helpers such
as ``wait_for_messages`` re-check their predicate on each change instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

__all__ = ["Notifier"]


class Notifier:
    """Wakes coroutines waiting for any change of the emulated world."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Signal a change to every current waiter."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float | None,  # noqa: ASYNC109 - the deadline is part of the predicate wait
        what: str = "condition",
    ) -> None:
        """Return once predicate() holds; TimeoutError after `timeout` seconds (None = never)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not predicate():
            event = self._event
            if deadline is None:
                await event.wait()
                continue
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def wait_any(self, events: list[asyncio.Event], timeout: float | None) -> None:  # noqa: ASYNC109
        """Return after the next notify(), when one of `events` is set, or after `timeout`."""
        waiters = [asyncio.ensure_future(e.wait()) for e in [self._event, *events]]
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
