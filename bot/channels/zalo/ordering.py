"""Messages of one chat are handled one after another, in the order they came; different chats
run side by side (at most ``limit`` at once). asyncio's Lock wakes its waiters in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["ChatOrder"]

T = TypeVar("T")


class ChatOrder:
    """One lock per chat (dropped when nobody holds or waits for it), one limit for all."""

    def __init__(self, limit: int = 8) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}
        self._limit = asyncio.Semaphore(limit)

    async def run(self, key: str, work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work`` after every earlier work of the same key."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock, self._limit:
                return await work()
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key]
                del self._locks[key]
