"""Shared steps of the schedule and reminder tests."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.emulators.telegram import SentMessage
from bot.schedule.scheduler import DueReport, Scheduler
from tests.conftest import GROUP
from tests.harness import BotHarness

SCHEDULE_TABLES = ("events", "rsvps", "reminders", "timers", "schedule_drafts", "host_rotation")
MEETING_AT = datetime(2026, 12, 16, 1, 0, tzinfo=UTC)  # 08:00 on Wednesday 16/12/2026 in Hà Nội
MEETING = (
    "/meeting 8h00 16/12/2026 | Hội nghị tổng kết công tác thi đua năm 2026 | "
    "Hội trường Công an tỉnh | Công an tỉnh\nBáo cáo tổng kết\nBình xét thi đua"
)


def scheduler(bot: BotHarness) -> Scheduler:
    """The running app's scheduler."""
    found = bot.services.scheduler
    assert found is not None
    return found


async def run_due(bot: BotHarness, at: datetime | None = None) -> DueReport:
    """Move the clock (if asked) and run the scheduler's due work to the end."""
    if at is not None:
        bot.clock.set(at)
    report = await scheduler(bot).run_due(bot.clock.now())
    await bot.services.drain()
    return report


def reminders(bot: BotHarness, chat: int = GROUP) -> list[str]:
    """The reminder messages in a chat."""
    return [t for t in bot.texts(chat) if t.startswith("🔔")]


def card_of(bot: BotHarness, event_id: int) -> SentMessage:
    """The event's card message as it is now in the emulator."""
    rows = bot.db_rows("SELECT card_chat_id, card_message_id FROM events WHERE id = ?", (event_id,))
    chat_id, message_id = rows[0]
    return next(m for m in bot.emu.messages(chat_id) if m.message_id == message_id)


def statuses(bot: BotHarness, event_id: int = 1) -> list[tuple[int, str]]:
    """(offset in seconds, status) of an event's reminders, by due time."""
    return [
        (int(r[0]), str(r[1]))
        for r in bot.db_rows(
            "SELECT offset_s, status FROM reminders WHERE event_id = ? ORDER BY due_at, id", (event_id,)
        )
    ]


async def link(bot: BotHarness, user_id: int, unit_id: int, name: str = "Cán bộ") -> None:
    """Make someone a representative of a unit of the test bloc (as a join link would)."""
    async with bot.services.db.transaction() as uow:
        await uow.people.upsert(user_id, name, None)
        await uow.units.link(1, unit_id, user_id)
