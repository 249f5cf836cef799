"""`blocbot run` with the update order of before issue 13, for the flood benchmark only.

PTB's own ``BaseUpdateProcessor.process_update`` takes one of the processing slots first and
our per-chat lock only inside it, so one chat's queued updates sit on slots while they wait for
their chat. The product takes the chat's turn first (bot/channels/telegram/concurrency.py); this
entry point puts the old order back in this process only, to show what it did:
``python -m tests.bench.flood_old_order --config … run``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable
from typing import Any

from telegram.ext import BaseUpdateProcessor

import bot.channels.telegram.app
from bot.channels.telegram.concurrency import PerChatUpdateProcessor, _chat_key
from bot.cli import main


class SlotFirst(PerChatUpdateProcessor):
    """The processor as it was (git 51fa37f): a slot, then the chat lock."""

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        """PTB's order: the semaphore (a slot), then do_process_update."""
        await BaseUpdateProcessor.process_update(self, update, coroutine)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update once no other update of its chat runs (holding its slot meanwhile)."""
        key = _chat_key(update)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key]
                del self._locks[key]


if __name__ == "__main__":
    bot.channels.telegram.app.PerChatUpdateProcessor = SlotFirst  # type: ignore[attr-defined]
    sys.exit(main(sys.argv[1:]))
