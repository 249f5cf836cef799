"""Concurrent updates (telegram.concurrent_updates > 1): chats side by side, one chat in order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from bot.channels.telegram.concurrency import PerChatUpdateProcessor


def update(update_id: int, chat_id: int) -> Update:
    """A text message in a chat (a group when the id is negative)."""
    chat = Chat(chat_id, "group" if chat_id < 0 else "private")
    user = User(7, "An", False)
    return Update(
        update_id,
        message=Message(update_id, datetime(2026, 1, 1, tzinfo=UTC), chat, from_user=user, text="/units"),
    )


async def test_one_chat_stays_in_order_while_others_go_on() -> None:
    processor = PerChatUpdateProcessor(4)
    await processor.initialize()
    log: list[str] = []
    release = asyncio.Event()

    async def work(name: str, hold: bool) -> None:
        log.append(f"start {name}")
        if hold:
            await release.wait()
        log.append(f"end {name}")

    first = asyncio.create_task(processor.process_update(update(1, -100), work("A1", True)))
    second = asyncio.create_task(processor.process_update(update(2, -100), work("A2", False)))
    other = asyncio.create_task(processor.process_update(update(3, -200), work("B1", False)))
    await other  # another group is not held up by A1
    assert log == ["start A1", "start B1", "end B1"]
    release.set()
    await asyncio.gather(first, second)
    assert log[3:] == ["end A1", "start A2", "end A2"]  # A2 only after A1, never beside it
    assert processor._locks == {} and processor._users == {}  # idle chats are forgotten
    await processor.shutdown()


async def test_at_most_n_at_once() -> None:
    processor = PerChatUpdateProcessor(2)
    running, most = 0, 0

    async def work() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        running -= 1

    await asyncio.gather(*(processor.process_update(update(i, -i), work()) for i in range(1, 9)))
    assert most == 2
