"""Reminders with an injected clock: each offset once, restarts, downtime, crashes, time zones."""

from __future__ import annotations

import os
import time as systime
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

import bot.channels.telegram.request
from bot.channels.telegram.request import RETRIES
from tests.conftest import CHAIR, GROUP, MEMBER
from tests.harness import BotHarness
from tests.schedule_helpers import (
    MEETING,
    MEETING_AT,
    link,
    reminders,
    run_due,
    scheduler,
    statuses,
)

D, H = timedelta(days=1), timedelta(hours=1)
SEVEN, ONE, TWO = MEETING_AT - 7 * D, MEETING_AT - D, MEETING_AT - 2 * H


async def test_each_offset_reminds_exactly_once(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, MEETING)
    await link(bloc, MEMBER, 2)
    await bloc.press(MEMBER, GROUP, bloc.emu.last(GROUP).message_id, "rv:1:y")
    assert (await run_due(bloc)).sent == 0
    assert (await run_due(bloc, SEVEN - timedelta(seconds=1))).sent == 0
    report = await run_due(bloc, SEVEN)
    assert (report.sent, report.late) == (1, 0)
    text = reminders(bloc)[0]
    assert text.startswith("🔔 Nhắc lịch họp #1: Hội nghị tổng kết công tác thi đua năm 2026")
    assert "Thứ Tư, 16/12/2026 lúc 08:00 (còn 1 tuần)" in text
    assert "Địa điểm: Hội trường Công an tỉnh" in text
    missing = next(line for line in text.split("\n") if line.startswith("Đơn vị chưa xác nhận"))
    assert missing.startswith("Đơn vị chưa xác nhận tham dự (7): Bộ Chỉ huy Quân sự tỉnh, Bộ Chỉ")
    assert "Công an tỉnh" not in missing.replace("Bộ Chỉ huy", "")
    for at in (SEVEN, SEVEN + H, ONE - timedelta(seconds=1)):
        assert (await run_due(bloc, at)).sent == 0  # again: nothing new
    assert (await run_due(bloc, ONE)).sent == 1
    assert "(còn 1 ngày)" in reminders(bloc)[-1]
    assert (await run_due(bloc, TWO + timedelta(minutes=1))).sent == 1
    assert "(còn 2 giờ)" in reminders(bloc)[-1]
    assert (await run_due(bloc, MEETING_AT + H)).sent == 0
    assert (await run_due(bloc, SEVEN)).sent == 0  # the wall clock set back: nothing repeats
    assert len(reminders(bloc)) == 3
    assert bloc.db_rows("SELECT status, late, message_id IS NOT NULL FROM reminders") == [("sent", 0, 1)] * 3


async def test_clean_restart_with_reminders_pending(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, MEETING)
    await run_due(bloc, SEVEN)
    await bloc.restart()
    await run_due(bloc, SEVEN + H)
    assert len(reminders(bloc)) == 1
    await run_due(bloc, ONE)
    await bloc.restart()
    await run_due(bloc, ONE + timedelta(minutes=5))
    assert len(reminders(bloc)) == 2
    await run_due(bloc, TWO)
    assert len(reminders(bloc)) == 3
    assert [s for _, s in statuses(bloc)] == ["sent"] * 3


async def test_downtime_shorter_than_grace_sends_late(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, MEETING)
    await run_due(bloc, SEVEN)
    await bloc.stop_bot()
    bloc.clock.set(ONE + 5 * H)  # down when the 1-day reminder was due, back 5 h later
    await bloc.start_bot()
    await run_due(bloc)
    assert len(reminders(bloc)) == 2
    assert "(Nhắc muộn: đến giờ nhắc, bot đang tạm ngừng hoạt động.)" in reminders(bloc)[-1]
    assert bloc.db_rows("SELECT status, late FROM reminders WHERE offset_s = 86400") == [("sent", 1)]


async def test_downtime_longer_than_grace_skips_and_records(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, MEETING)
    await bloc.stop_bot()
    bloc.clock.set(ONE + 7 * H)  # both the 7-day and the 1-day reminder missed by > 6 h
    await bloc.start_bot()
    await run_due(bloc)
    assert reminders(bloc) == []
    assert bloc.db_rows("SELECT offset_s, status, note FROM reminders ORDER BY due_at") == [
        (604800, "skipped", "missed: more than grace late"),
        (86400, "skipped", "missed: more than grace late"),
        (7200, "pending", ""),
    ]
    await run_due(bloc, TWO)
    assert len(reminders(bloc)) == 1 and "(còn 2 giờ)" in reminders(bloc)[0]


async def test_downtime_over_two_reminders_sends_only_the_latest(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/event 1")  # nothing yet: a reply saying so
    await bloc.send(CHAIR, GROUP, MEETING)
    await bloc.send(CHAIR, GROUP, "/event 1 remind 1d, 20h")
    await bloc.stop_bot()
    bloc.clock.set(MEETING_AT - 19 * H)
    await bloc.start_bot()
    await run_due(bloc)
    assert len(reminders(bloc)) == 1 and "(còn 19 giờ)" in reminders(bloc)[0]
    assert [s for _, s in statuses(bloc) if s != "cancelled"] == ["skipped", "sent"]


async def test_crash_between_send_and_record_is_tried_three_times_then_given_up(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, MEETING)
    await run_due(bloc, SEVEN)
    assert len(reminders(bloc)) == 1

    async def crash_after_send() -> None:
        """What a kill -9 after Telegram accepted the message but before 'sent' was stored leaves."""
        await bloc.stop_bot()
        bloc.db_rows(
            "UPDATE reminders SET status = 'claimed', sending_at = claimed_at WHERE offset_s = 604800"
        )
        await bloc.start_bot()

    await crash_after_send()
    await run_due(bloc)
    assert len(reminders(bloc)) == 2  # the one duplicate
    assert bloc.db_rows("SELECT status, uncertain FROM reminders WHERE offset_s = 604800") == [("sent", 1)]
    await crash_after_send()
    await run_due(bloc)
    assert len(reminders(bloc)) == 3  # uncertain twice: tried once more (issue 13, item 7)
    assert bloc.db_rows("SELECT status, uncertain FROM reminders WHERE offset_s = 604800") == [("sent", 2)]
    await crash_after_send()
    await run_due(bloc)
    assert len(reminders(bloc)) == 3  # never a fourth time: given up, the chair told
    assert bloc.db_rows("SELECT status, uncertain, note FROM reminders WHERE offset_s = 604800") == [
        ("failed", 3, "delivery uncertain three times")
    ]


async def test_crash_after_claim_before_send_loses_nothing(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, MEETING)
    await bloc.stop_bot()
    bloc.db_rows("UPDATE reminders SET status = 'claimed', attempts = 1 WHERE offset_s = 604800")
    bloc.clock.set(SEVEN + timedelta(minutes=2))
    await bloc.start_bot()
    await run_due(bloc)
    assert len(reminders(bloc)) == 1
    assert bloc.db_rows("SELECT status FROM reminders WHERE offset_s = 604800") == [("sent",)]


async def test_transport_faults_retry_without_loss_or_repeat(
    bloc: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        bot.channels.telegram.request, "BASE_DELAY", 0.02
    )  # bot/channels/telegram/request.py's backoff, shortened
    await bloc.send(CHAIR, GROUP, MEETING)
    bloc.emu.inject_fault("sendMessage", "drop")  # connection closed after the request went out
    report = await run_due(bloc, SEVEN)
    assert (report.sent, report.retry) == (0, 1)
    assert bloc.db_rows("SELECT status, uncertain FROM reminders WHERE offset_s = 604800") == [("pending", 1)]
    assert (await run_due(bloc, SEVEN + timedelta(seconds=10))).sent == 0  # waits 30 s
    assert (await run_due(bloc, SEVEN + timedelta(seconds=30))).sent == 1
    # an answer: surely not delivered (bot/channels/telegram/request.py retries it RETRIES times first)
    bloc.emu.inject_fault("sendMessage", "502", times=1 + RETRIES)
    assert (await run_due(bloc, ONE)).retry == 1
    assert (await run_due(bloc, ONE + timedelta(minutes=1))).sent == 1
    assert bloc.db_rows("SELECT status, uncertain FROM reminders WHERE offset_s = 86400") == [("sent", 0)]
    assert len(reminders(bloc)) == 2


async def test_bot_removed_from_the_group_fails_the_reminder(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, MEETING)
    bloc.emu.set_member(GROUP, bloc.emu.bot.id, "kicked")
    report = await run_due(bloc, SEVEN)
    assert (report.sent, report.failed) == (0, 1)
    assert bloc.db_rows("SELECT status FROM reminders WHERE offset_s = 604800") == [("failed",)]


@pytest.fixture(params=["UTC", "America/Los_Angeles"])
def process_tz(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the process in another local time zone than the bloc's."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    systime.tzset()
    yield request.param
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    systime.tzset()


async def test_bloc_in_vietnam_with_the_process_elsewhere(process_tz: str, bloc: BotHarness) -> None:
    assert systime.strftime("%Z") in ("UTC", "PST", "PDT")
    await bloc.send(CHAIR, GROUP, "/meeting 0h30 1/1/2027 | Đón năm mới")
    assert bloc.db_rows("SELECT starts_at FROM events") == [("2026-12-31T17:30:00+00:00",)]
    assert "Thứ Sáu, 01/01/2027 lúc 00:30" in bloc.last_text(GROUP)
    await bloc.send(CHAIR, GROUP, "/meeting 14h30 ngày 20/12/2026 | Họp")
    await run_due(bloc, datetime(2026, 12, 20, 5, 30, tzinfo=UTC))  # 12:30 in Hà Nội
    assert "Chủ Nhật, 20/12/2026 lúc 14:30 (còn 2 giờ)" in reminders(bloc)[-1]


async def test_wake_up_is_rebuilt_from_the_rows_and_fires_by_itself(bloc: BotHarness) -> None:
    assert scheduler(bloc).next_wakeup is None  # nothing pending
    await bloc.send(CHAIR, GROUP, MEETING)
    armed = scheduler(bloc).next_wakeup
    assert armed is not None
    expected = datetime.now(UTC) + (SEVEN - bloc.clock.now())
    assert abs((armed - expected).total_seconds()) < 5
    await bloc.restart()
    rebuilt = scheduler(bloc).next_wakeup
    assert rebuilt is not None and abs((rebuilt - expected).total_seconds()) < 5
    await bloc.send(CHAIR, GROUP, "/event 1 cancel")
    assert scheduler(bloc).next_wakeup is None
    # a start-up with a reminder already due: APScheduler's wake-up sends it, no one calls run_due
    await bloc.send(CHAIR, GROUP, "/meeting 8h00 17/12/2026 | Họp giao ban")
    await bloc.stop_bot()
    bloc.clock.set(MEETING_AT - 6 * D + H)
    await bloc.start_bot()
    await bloc.emu.wait_until(lambda: len(reminders(bloc)) == 1, timeout=5, what="a reminder")
    await bloc.services.drain()
    assert bloc.db_rows("SELECT status FROM reminders WHERE event_id = 2 AND offset_s = 604800") == [
        ("sent",)
    ]
