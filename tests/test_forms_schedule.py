"""A form's deadline is a deadline event of the schedule: reminders name the missing units."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.core.config import ConfigError
from tests.conftest import CHAIR, GROUP, MEMBER, OUTSIDER, SEED_UNITS, VICE
from tests.forms_helpers import REPS, card_text, link_representatives, press_label
from tests.harness import BotHarness, make_config

PLEDGE = "/form pledge Đăng ký thi đua năm 2027 | 17h00 30/11/2026"  # now: 21/11/2026 09:00
DEADLINE = datetime.fromisoformat("2026-11-30T10:00:00+00:00")


@pytest.fixture
async def nudging(tmp_path: Path) -> AsyncIterator[BotHarness]:
    """Like `bloc`, with [forms] nudge_privately = true and eight linked representatives."""
    async with BotHarness(tmp_path, forms={"nudge_privately": True}) as bot:
        for uid, name in [
            (CHAIR, "Đỗ Quang Thấm"),
            (VICE, "Đỗ Đức Hà"),
            (MEMBER, "Nguyễn Thị Lan"),
            (OUTSIDER, "Trần Văn Minh"),
        ]:
            bot.person(uid, name)
        bot.group(GROUP, "Khối thi đua số 3", admins=[CHAIR], members=[VICE, MEMBER, OUTSIDER])
        await bot.send(CHAIR, GROUP, "/setup Khối thi đua số 3")
        await bot.send(CHAIR, GROUP, "/units add\n" + "\n".join(SEED_UNITS))
        await link_representatives(bot)
        yield bot


async def run_due(bot: BotHarness, at: datetime) -> None:
    """Move the clock and run what the scheduler has due, as its timer would."""
    bot.clock.set(at)
    assert bot.services.scheduler is not None
    await bot.services.scheduler.run_due(at)
    await bot.services.drain()


async def test_deadline_event_and_reminders_name_the_missing(bloc: BotHarness) -> None:
    await link_representatives(bloc)
    await bloc.send(CHAIR, GROUP, PLEDGE)
    [(event_id, kind, title, source, starts)] = bloc.db_rows(
        "SELECT id, kind, title, source, starts_at FROM events"
    )
    assert (kind, source) == ("deadline", "form:1")
    assert title == "Đăng ký thi đua năm 2027 (phiếu đăng ký số 1: /nop 1)"
    assert bloc.db_rows("SELECT deadline_event_id FROM forms") == [(event_id,)]
    assert datetime.fromisoformat(starts) == DEADLINE
    due = [
        datetime.fromisoformat(r[0])
        for r in bloc.db_rows(
            "SELECT due_at FROM reminders WHERE event_id = ? AND status = 'pending' ORDER BY due_at",
            (event_id,),
        )
    ]
    assert due == [DEADLINE - timedelta(days=3), DEADLINE - timedelta(days=1)]
    await bloc.send(CHAIR, GROUP, "/schedule")
    assert "Đăng ký thi đua năm 2027 (phiếu đăng ký số 1: /nop 1)" in bloc.last_text(GROUP)

    for user in REPS[:5]:
        await bloc.send(user, user, "/submit 1 Hoàn thành xuất sắc nhiệm vụ")
    await run_due(bloc, due[0])
    reminder = bloc.last_text(GROUP)
    assert "Đăng ký thi đua năm 2027" in reminder
    assert all(name in reminder for name in SEED_UNITS[5:])
    assert not any(name in reminder for name in SEED_UNITS[:5])
    assert not any("phiếu đăng ký số 1" in t for t in bloc.texts(REPS[6]))  # no nudges by default

    for user in REPS[5:]:
        await bloc.send(user, user, "/submit 1 Hoàn thành nhiệm vụ")
    count = len(bloc.texts(GROUP))
    await run_due(bloc, due[1])
    assert len(bloc.texts(GROUP)) == count  # everyone answered: the reminder is skipped
    assert bloc.db_rows("SELECT status FROM reminders ORDER BY due_at") == [("sent",), ("skipped",)]


async def test_the_card_locks_itself_at_the_deadline(bloc: BotHarness) -> None:
    await link_representatives(bloc)
    await bloc.send(CHAIR, GROUP, PLEDGE)
    await bloc.send(REPS[0], REPS[0], "/submit 1")  # a draft in progress
    before = card_text(bloc, 1)
    assert "Hạn: Thứ Hai, 30/11/2026 lúc 17:00" in before
    await run_due(bloc, DEADLINE)
    locked = card_text(bloc, 1)
    assert "Đã quá hạn Thứ Hai, 30/11/2026 lúc 17:00: nội dung đăng ký đã khóa." in locked
    assert "Đã gửi: 0/8 đơn vị" in locked and "/submit" not in locked
    card = next(m for m in bloc.emu.messages(GROUP) if m.text == locked)
    assert card.buttons == []
    said = len(bloc.texts(REPS[0]))
    await bloc.send(REPS[0], REPS[0], "Chào anh")  # an old draft of a locked form takes nothing
    assert len(bloc.texts(REPS[0])) == said + 1 and "/trogiup" in bloc.last_text(REPS[0])
    await bloc.send(REPS[0], REPS[0], "/submit 1")
    assert "đã khóa" in bloc.last_text(REPS[0])


async def test_close_cancels_and_reopen_replans(bloc: BotHarness) -> None:
    await link_representatives(bloc)
    await bloc.send(CHAIR, GROUP, PLEDGE)
    await bloc.send(CHAIR, GROUP, "/form 1 close")
    assert bloc.db_rows("SELECT status FROM events") == [("cancelled",)]
    assert bloc.db_rows("SELECT DISTINCT status FROM reminders") == [("cancelled",)]
    assert bloc.db_rows("SELECT kind, status FROM timers ORDER BY id") == [("form_lock", "cancelled")]
    await bloc.send(CHAIR, GROUP, "/form 1 reopen")  # closed early: the deadline comes back
    assert "Hạn: Thứ Hai, 30/11/2026 lúc 17:00" in card_text(bloc, 1)
    [(event_id,)] = bloc.db_rows("SELECT deadline_event_id FROM forms")
    assert bloc.db_rows("SELECT status, source FROM events WHERE id = ?", (event_id,)) == [
        ("scheduled", "form:1")
    ]
    assert (
        len(bloc.db_rows("SELECT * FROM reminders WHERE event_id = ? AND status = 'pending'", (event_id,)))
        == 2
    )
    await bloc.send(CHAIR, GROUP, "/form 1 reopen 17h00 10/12/2026")
    [(starts,)] = bloc.db_rows("SELECT starts_at FROM events WHERE id = ?", (event_id,))
    assert datetime.fromisoformat(starts) == DEADLINE + timedelta(days=10)
    lock = bloc.db_rows("SELECT due_at FROM timers WHERE kind = 'form_lock' AND status = 'pending'")
    assert [datetime.fromisoformat(r[0]) for r in lock] == [DEADLINE + timedelta(days=10)]


async def test_private_nudges_go_to_the_missing_units_once(nudging: BotHarness) -> None:
    bot = nudging
    await bot.send(CHAIR, GROUP, PLEDGE)
    for user in REPS[:6]:
        await bot.send(user, user, "/submit 1 Hoàn thành nhiệm vụ")
    first = DEADLINE - timedelta(days=3)
    await run_due(bot, first)
    for user in REPS[6:]:
        texts = [t for t in bot.texts(user) if t.startswith("Nhắc:")]
        assert len(texts) == 1 and "/nop 1" in texts[0] and SEED_UNITS[REPS.index(user)] in texts[0]
    for user in REPS[:6]:
        assert not any(t.startswith("Nhắc:") for t in bot.texts(user))
    await run_due(bot, first + timedelta(minutes=1))  # nothing new is due: no second nudge
    assert sum(t.startswith("Nhắc:") for t in bot.texts(REPS[7])) == 1
    await bot.send(REPS[6], REPS[6], "/submit 1 Hoàn thành nhiệm vụ")
    await run_due(bot, DEADLINE - timedelta(days=1))
    assert sum(t.startswith("Nhắc:") for t in bot.texts(REPS[6])) == 1
    assert sum(t.startswith("Nhắc:") for t in bot.texts(REPS[7])) == 2
    assert len(bot.db_rows("SELECT * FROM form_nudges")) == 3


async def test_attend_form_for_a_meeting(bloc: BotHarness) -> None:
    await link_representatives(bloc)
    await bloc.send(
        CHAIR, GROUP, "/meeting 8h00 15/12/2026 | Hội nghị tổng kết năm 2026 | Hội trường Công an tỉnh"
    )
    [(meeting_id,)] = bloc.db_rows("SELECT id FROM events WHERE kind = 'meeting'")
    await bloc.send(CHAIR, GROUP, f"/form attend {meeting_id} | 10/12/2026")
    assert bloc.db_rows("SELECT kind, title, event_id FROM forms") == [
        ("attend", "Hội nghị tổng kết năm 2026", meeting_id)
    ]
    user = REPS[1]
    await bloc.send(user, user, "/submit 1")
    await press_label(bloc, user, "Có")
    await bloc.send(user, user, "Đại tá Phạm Văn Bình, Giám đốc; Trung tá Lê Thị Hà, Trưởng phòng")
    await bloc.send(user, user, "2")
    await bloc.send(REPS[2], REPS[2], "/submit 1")
    await bloc.send(REPS[2], REPS[2], "không")
    assert bloc.db_rows("SELECT unit_id, answers FROM form_responses ORDER BY unit_id") == [
        (
            2,
            '{"attending": "yes", "count": "2", "delegates": "Đại tá Phạm Văn Bình, Giám đốc; '
            'Trung tá Lê Thị Hà, Trưởng phòng"}',
        ),
        (3, '{"attending": "no"}'),
    ]
    assert "Đơn vị có tham dự không?: Không" in bloc.last_text(REPS[2])


def test_nudge_setting_is_checked_at_start(tmp_path: Path) -> None:
    from bot.app import build_application
    from bot.emulators.telegram import BotApiEmulator

    emu = BotApiEmulator(token="1:x", bot_username="b")
    with pytest.raises(ConfigError, match=r"forms\.nudge_privately"):
        build_application(make_config(tmp_path, emu, forms={"nudge_privately": "yes"}))
