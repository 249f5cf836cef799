"""Update processing: chats run side by side, but one chat's updates stay in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Up to N updates at once, never two of the same chat.

    People expect their own messages answered in the order they sent them ("/units add" then
    "/units"), while another bloc's group should not wait behind a slow file export here.
    """

    __slots__ = ("_admit", "_locks", "_users", "_verdicts")

    def __init__(
        self, max_concurrent_updates: int, admit: Callable[[object], str | None] | None = None
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        # The flood limits, counted when an update arrives, not when its chat's turn comes: a
        # chat whose queue drains slowly (Telegram's 20 a minute per group) would otherwise
        # never reach them. "drop" skips the update here; "ok"/"warn" travel to the router.
        self._admit = admit
        self._verdicts: dict[int, str] = {}

    def verdict(self, update: object) -> str | None:
        """The flood verdict given on arrival (once; None when none was given)."""
        if isinstance(update, Update):
            return self._verdicts.pop(update.update_id, None)
        return None

    # PTB marks process_update final; its order (slot, then our chat lock) is the bug we fix.
    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        """Wait for the chat's turn first, then for a free slot: an update queued behind its own
        chat holds no slot, so one chat's flood (or a group drawing 429s) cannot take the slots
        every other chat needs (PTB's own order, slot then chat lock, let it)."""
        verdict = self._admit(update) if self._admit is not None else None
        if verdict == "drop":
            if isinstance(coroutine, Coroutine):
                coroutine.close()  # never run: told once already, a flood costs only its own chat
            return
        if verdict is not None and isinstance(update, Update):
            self._verdicts[update.update_id] = verdict
            if len(self._verdicts) > 10_000:  # an update PTB never ran: forget the oldest
                self._verdicts.pop(next(iter(self._verdicts)))
        key = _chat_key(update)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock, self._semaphore:
                await coroutine
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:  # forget idle chats so the dicts do not grow forever
                del self._users[key]
                del self._locks[key]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers (process_update has taken the chat's turn and a slot)."""
        await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _chat_key(update: object) -> int:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return 0
