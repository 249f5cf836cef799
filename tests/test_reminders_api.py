"""The scheduler's API for other features: deadline events by source, timers, fan-out, limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.core.sending import Limits
from bot.emulators.telegram import FloodControl, FloodLimits
from bot.schedule.events import Event, NewEvent
from storage.unit_of_work import UnitOfWork
from tests.conftest import CHAIR, GROUP, MEMBER
from tests.harness import BotHarness
from tests.schedule_helpers import MEETING, reminders, run_due, scheduler

DEADLINE_AT = datetime(2026, 12, 10, 10, 0, tzinfo=UTC)  # 17:00 on 10/12/2026 in Hà Nội
D = timedelta(days=1)


async def test_deadline_from_another_feature_names_units_that_have_not_answered(bloc: BotHarness) -> None:
    missing: list[int] = [5, 3, 99]  # 99: not a unit of the bloc (ignored)
    seen: list[tuple[str | None, int]] = []

    async def not_answered(uow: UnitOfWork, event: Event) -> Sequence[int] | None:
        seen.append((event.source, len(await uow.units.active(event.bloc_id))))
        return list(missing)

    sched = scheduler(bloc)
    sched.register_answers("form", not_answered)
    event = await sched.add_event(
        NewEvent(
            bloc_id=1,
            kind="deadline",
            title="Đăng ký thi đua",
            starts_at=DEADLINE_AT,
            created_by=CHAIR,
            source="form:12",
        )
    )
    assert bloc.db_rows("SELECT offset_s FROM reminders ORDER BY due_at") == [(259200,), (86400,)]
    await run_due(bloc, DEADLINE_AT - 3 * D)
    text = reminders(bloc)[-1]
    assert text.startswith("🔔 Nhắc hạn chót #1: Đăng ký thi đua")
    assert (
        "Đơn vị chưa thực hiện (2): Bộ Chỉ huy Bộ đội Biên phòng tỉnh, Viện Kiểm sát nhân dân tỉnh"
    ) in text
    assert seen == [("form:12", 8)]
    missing.clear()  # everyone answered: the last reminder is not needed
    report = await run_due(bloc, DEADLINE_AT - D)
    assert (report.sent, report.skipped) == (0, 1)
    assert bloc.db_rows("SELECT status, note FROM reminders WHERE offset_s = 86400") == [
        ("skipped", "every unit answered")
    ]
    await bloc.send(CHAIR, GROUP, f"/event {event.id} move 8h 20/12/2026")
    assert "hạn của phiếu đăng ký số 12" in bloc.last_text(GROUP)  # owned by the form: moved there, not here
    moved = await sched.move_event(event.id, DEADLINE_AT + 5 * D)
    assert moved.starts_at == DEADLINE_AT + 5 * D
    assert bloc.db_rows("SELECT count(*) FROM reminders WHERE status = 'pending'") == [(2,)]
    await sched.cancel_event(event.id)
    assert bloc.db_rows("SELECT status FROM events") == [("cancelled",)]
    assert bloc.db_rows("SELECT count(*) FROM reminders WHERE status = 'pending'") == [(0,)]


async def test_plain_deadline_lists_nobody(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/deadline 10/12/2026 | Gửi báo cáo")
    await run_due(bloc, DEADLINE_AT - 3 * D)
    assert "Đơn vị" not in reminders(bloc)[-1] and "(còn 3 ngày)" in reminders(bloc)[-1]


async def test_timers_run_once_retry_and_survive_restart(bloc: BotHarness) -> None:
    ran: list[tuple[str, datetime]] = []
    failing = {"n": 0}

    async def close_poll(ref: str, due_at: datetime) -> None:
        ran.append((ref, due_at))

    async def broken(ref: str, due_at: datetime) -> None:
        failing["n"] += 1
        raise RuntimeError("poll engine bug")

    sched = scheduler(bloc)
    sched.register_timer("poll_close", close_poll)
    sched.register_timer("broken", broken)
    at = bloc.clock.now() + timedelta(hours=3)
    await sched.set_timer("poll_close", "7", at - timedelta(hours=1))
    await sched.set_timer("poll_close", "7", at)  # replaces the first
    await sched.set_timer("poll_close", "8", at)
    await sched.cancel_timer("poll_close", "8")
    await sched.set_timer("broken", "1", at)
    assert (await run_due(bloc, at - timedelta(minutes=1))).timers == 0
    assert (await run_due(bloc, at)).timers == 1
    assert ran == [("7", at)]
    for minutes in (1, 2, 3):
        await run_due(bloc, at + timedelta(minutes=minutes))
    assert ran == [("7", at)]
    assert failing["n"] == 3  # tried three times, 30 s apart, then given up
    assert bloc.db_rows("SELECT kind, ref, status FROM timers ORDER BY id") == [
        ("poll_close", "7", "cancelled"),
        ("poll_close", "7", "done"),
        ("poll_close", "8", "cancelled"),
        ("broken", "1", "failed"),
    ]
    # a timer left running by a crash runs again at start-up (jobs are idempotent)
    await bloc.stop_bot()
    bloc.db_rows("UPDATE timers SET status = 'running' WHERE status = 'done'")
    # Restarted a minute before the timer is due (else its own wake-up at start-up would run it
    # before this test registers the job, as features do before the start): it is pending again.
    bloc.clock.set(at - timedelta(minutes=1))
    await bloc.start_bot()
    scheduler(bloc).register_timer("poll_close", close_poll)
    assert bloc.db_rows(
        "SELECT status FROM timers WHERE kind = 'poll_close' AND ref = '7' AND note != ''"
    ) == [("pending",)]
    await run_due(bloc, at)
    assert ran == [("7", at), ("7", at)]


async def test_two_overlapping_runs_send_each_reminder_once(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, MEETING)
    await bloc.send(CHAIR, GROUP, "/meeting 8h00 16/12/2026 | Họp giao ban")
    bloc.clock.set(datetime(2026, 12, 9, 1, 0, tzinfo=UTC))
    sched = scheduler(bloc)
    reports = await asyncio.gather(*(sched.run_due(bloc.clock.now()) for _ in range(4)))
    await bloc.services.drain()
    assert sum(r.sent for r in reports) == 2
    assert len(reminders(bloc)) == 2


async def seed_blocs(bot: BotHarness, count: int, at: datetime) -> None:
    """count blocs in their own groups, each with a meeting whose 2-hour reminder is due at `at`."""
    sched = scheduler(bot)
    async with bot.services.db.transaction() as uow:
        for n in range(count):
            chat_id = -1002000000000 - n
            bot.emu.add_group(chat_id, f"Khối thi đua số {n + 1}")
            bloc = await uow.blocs.create(
                chat_id, f"Khối thi đua số {n + 1}", "vi", "Asia/Ho_Chi_Minh", CHAIR
            )
            for name in ("Công an tỉnh", "Sở Tư pháp tỉnh", "Thanh tra tỉnh"):
                await uow.units.add(bloc.id, name)
            await sched.create_in(
                uow,
                NewEvent(
                    bloc_id=bloc.id,
                    kind="meeting",
                    title="Hội nghị sơ kết",
                    created_by=CHAIR,
                    starts_at=at + timedelta(hours=2),
                    offsets=(timedelta(hours=2),),
                ),
            )


async def test_fan_out_under_telegram_limits_keeps_answering_people(tmp_path: object) -> None:
    async with BotHarness(tmp_path, rate_limit=True) as bot:  # type: ignore[arg-type]
        bot.person(CHAIR, "Đỗ Quang Thấm")
        bot.person(MEMBER, "Nguyễn Thị Lan")
        bot.group(GROUP, "Khối thi đua số 3", admins=[CHAIR], members=[MEMBER])
        await bot.send(CHAIR, GROUP, "/setup Khối thi đua số 3")
        at = bot.clock.now() + timedelta(days=2)
        await seed_blocs(bot, 40, at)
        bot.emu.flood = FloodControl(FloodLimits())  # Telegram's limits, in real time
        bot.clock.set(at)
        started = time.monotonic()
        run = asyncio.create_task(scheduler(bot).run_due(bot.clock.now()))
        await asyncio.sleep(0.2)
        asked = len(bot.texts(GROUP))
        bot.emu.post_message(MEMBER, GROUP, "/lich")  # someone asks while the reminders go out
        await bot.emu.wait_until(lambda: len(bot.texts(GROUP)) > asked)
        answered = time.monotonic() - started
        delivered_then = sum(len(reminders(bot, -1002000000000 - n)) for n in range(40))
        report = await run
        elapsed = time.monotonic() - started
        assert report.sent == 40 and bot.emu.count_429 == 0
        assert answered < 1.0 and delivered_then < 40  # the reply did not wait for the fan-out
        assert elapsed >= 39 * Limits.telegram().gap  # spaced at 30 a second, never a burst
        assert "Chưa có lịch" in bot.last_text(GROUP)


async def test_clean_stop_in_the_middle_of_a_fan_out_repeats_nothing(bloc: BotHarness) -> None:
    at = bloc.clock.now() + timedelta(days=2)
    # 45: more than Telegram's 30 a second, so some still wait in the send budget when the stop
    # comes (with 30, a fast enough bot had all of them on the wire before the updater stopped)
    await seed_blocs(bloc, 45, at)
    bloc.clock.set(at)
    run = asyncio.create_task(scheduler(bloc).run_due(bloc.clock.now()))
    await bloc.emu.wait_until(
        lambda: bloc.db_rows("SELECT count(*) FROM reminders WHERE status = 'sent'")[0][0] >= 5,
        what="5 reminders sent",
    )
    await bloc.restart()  # post_stop: in-flight sends finish, the queued ones go back
    report = await run
    assert 5 <= report.sent < 45
    assert bloc.db_rows("SELECT status, count(*) FROM reminders GROUP BY status") == [
        ("pending", 45 - report.sent),
        ("sent", report.sent),
    ]
    await run_due(bloc, at + timedelta(minutes=1))
    delivered = [len(reminders(bloc, -1002000000000 - n)) for n in range(45)]
    assert delivered == [1] * 45
