"""The schedule as chairs found it (issue 14, items 8, 10, 11), through the conversation: dates as
people write them, in both languages; a late reminder's real time left; the host rotation by
dates and by the place's hall; /cycle and what exists; /event on a channel without buttons;
/bloc <year>; /chair replacing a chair."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from bot.app import run_console
from bot.cli import console_config
from bot.core.clock import FakeClock
from tests.conftest import CHAIR, GROUP
from tests.harness import START, BotHarness
from tests.schedule_helpers import card_of, reminders, run_due

# START is 09:00 on Saturday 21/11/2026 in Hà Nội (UTC+7).


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def events(bot: BotHarness) -> list[tuple[str, str]]:
    return [(str(t), str(s)) for t, s in bot.db_rows("SELECT title, starts_at FROM events ORDER BY id")]


# -- item 8: dates ----------------------------------------------------------------------------------


async def test_parts_of_day_and_next_week_in_a_vietnamese_bloc(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/hop sáng 20/12/2026 | Họp giao ban")
    await bloc.send(CHAIR, GROUP, "/hop chiều 16/12 | Họp chuyên đề")
    await bloc.send(CHAIR, GROUP, "/hop 8h sáng thứ Hai tuần sau | Họp chuẩn bị tổng kết")
    await bloc.send(CHAIR, GROUP, "/han tối ngày mai | Gửi danh sách đại biểu")
    assert events(bloc) == [
        ("Họp giao ban", "2026-12-20T01:00:00+00:00"),  # sáng: 08:00
        ("Họp chuyên đề", "2026-12-16T07:00:00+00:00"),  # chiều: 14:00
        ("Họp chuẩn bị tổng kết", "2026-11-23T01:00:00+00:00"),  # Monday 23/11, 08:00
        ("Gửi danh sách đại biểu", "2026-11-22T12:00:00+00:00"),  # tomorrow 19:00
    ]
    assert "Thứ Hai, 23/11/2026 lúc 08:00" in card_of(bloc, 3).text


async def test_an_english_bloc_reads_english_dates_and_shows_english_examples(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/lang en")
    await bloc.send(CHAIR, GROUP, "/meeting 9am 2/8 | Mid-year review")  # day first: 2 August
    await bloc.send(CHAIR, GROUP, "/meeting 2 Aug 2027 2:30pm | Sports day")
    await bloc.send(CHAIR, GROUP, "/deadline next Monday 5pm | Reports")
    assert events(bloc) == [
        ("Mid-year review", "2027-08-02T02:00:00+00:00"),  # 2/8/2026 has passed: next year
        ("Sports day", "2027-08-02T07:30:00+00:00"),
        ("Reports", "2026-11-23T10:00:00+00:00"),
    ]
    await bloc.send(CHAIR, GROUP, "/meeting 31/6 | Wrong")
    refusal = bloc.last_text(GROUP)
    assert 'There is no such date or time: "31/6".' in refusal
    assert "• 9am 16/7" in refusal and "• tomorrow 3pm" in refusal
    for vietnamese in ("chiều", "sáng", "ngày", "14h30"):
        assert vietnamese not in refusal
    await bloc.send(CHAIR, GROUP, "/meeting")
    assert "e.g. 9am 16/7/2026" in bloc.last_text(GROUP)


async def test_a_vietnamese_refusal_shows_vietnamese_examples(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/hop 31/6 | Họp")
    refusal = bloc.last_text(GROUP)
    assert "• 8h sáng thứ Hai tuần sau" in refusal and "am" not in refusal.split("\n", 1)[1]


# -- item 10: the real time left ----------------------------------------------------------------------


async def test_a_late_reminder_says_the_real_time_left(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/hop 14h 16/12/2026 | Họp chuyên đề | Hội trường Công an tỉnh")
    await bloc.send(CHAIR, GROUP, "/sukien 1 nhac 2h")
    await run_due(bloc, utc(2026, 12, 16, 5, 30))  # 12:30: the 12:00 reminder goes out late
    [text] = reminders(bloc)
    assert "Thứ Tư, 16/12/2026 lúc 14:00 (còn 1 giờ 30 phút)" in text
    assert "Nhắc muộn" in text


async def test_an_on_time_reminder_keeps_its_round_words(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/lang en")
    await bloc.send(CHAIR, GROUP, "/meeting 14:00 16/12/2026 | Review")
    await bloc.send(CHAIR, GROUP, "/event 1 remind 1d, 2h")
    await run_due(bloc, utc(2026, 12, 15, 7, 0))
    await run_due(bloc, utc(2026, 12, 16, 5, 1))  # a minute late: still "2 hours"
    assert ["(in 1 day)" in reminders(bloc)[0], "(in 2 hours)" in reminders(bloc)[1]] == [True, True]


# -- item 11: rotation, /cycle, /event, /bloc, /chair -------------------------------------------------


async def test_rotation_hands_hosts_out_by_date_not_by_creation(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/hop 8h 20/12/2026 | Họp tháng Mười hai")
    await bloc.send(CHAIR, GROUP, "/hop 8h 10/12/2026 | Họp đầu tháng")  # created later, held earlier
    hosts = bloc.db_rows("SELECT starts_at, host_unit_id, host_proposed FROM events ORDER BY starts_at")
    assert hosts == [("2026-12-10T01:00:00+00:00", 1, 1), ("2026-12-20T01:00:00+00:00", 2, 1)]
    assert "(đề xuất theo luân phiên): Công an tỉnh" in card_of(bloc, 1).text  # edited in place
    await bloc.send(CHAIR, GROUP, "/sukien 2 dangcai #5")  # the chair's choice moves the later one on
    assert bloc.db_rows("SELECT host_unit_id, host_proposed FROM events WHERE id = 1") == [(6, 1)]
    await bloc.send(CHAIR, GROUP, "/hop 8h 28/12/2026 | Họp cuối năm")
    assert bloc.db_rows("SELECT host_unit_id FROM events WHERE id = 3") == [(7,)]


async def test_a_place_in_a_units_hall_makes_that_unit_the_host(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/hop 8h 16/12/2026 | Hội nghị tổng kết | Hội trường Thanh tra tỉnh")
    assert bloc.db_rows("SELECT host_unit_id, host_proposed FROM events") == [(8, 0)]
    card = card_of(bloc, 1).text
    assert "🏢 Đơn vị đăng cai: Thanh tra tỉnh" in card and "luân phiên" not in card
    await bloc.send(CHAIR, GROUP, "/hop 8h 18/12/2026 | Họp | Hội trường Sở Tư pháp")
    await bloc.send(CHAIR, GROUP, "/hop 8h 22/12/2026 | Họp giao ban")
    hosts = bloc.db_rows("SELECT host_unit_id, host_proposed FROM events ORDER BY id")
    assert hosts == [(8, 0), (4, 0), (5, 1)]  # rotation goes on after Sở Tư pháp tỉnh (#4)


async def test_cycle_does_not_propose_what_the_chair_scheduled_by_hand(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/hop 8h 21/7/2027 | Hội nghị sơ kết 6 tháng đầu năm 2027")
    await bloc.send(CHAIR, GROUP, "/han 9/7/2027 | Gửi báo cáo sơ kết và bảng tự chấm điểm")
    await bloc.send(CHAIR, GROUP, "/chuky 2027")
    proposal = bloc.emu.last(GROUP)
    assert "Hội nghị sơ kết công tác thi đua 6 tháng đầu năm 2027 (đã có trong lịch: #1)" in proposal.text
    assert "bảng tự chấm điểm về đơn vị Khối trưởng (đã có trong lịch: #2)" in proposal.text
    confirm = proposal.buttons[0][0]["callback_data"]
    await bloc.press(CHAIR, GROUP, proposal.message_id, confirm)
    assert "tạo 4 sự kiện" in proposal.text
    assert bloc.db_rows("SELECT count(*) FROM events WHERE title LIKE '%sơ kết%'") == [(2,)]


async def test_bloc_card_of_another_year(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/khoitruong #4 2027")
    await bloc.send(CHAIR, GROUP, "/khoi 2027")
    card = bloc.last_text(GROUP)
    assert "Năm: 2027" in card and "Đơn vị Khối trưởng: Sở Tư pháp tỉnh" in card
    await bloc.send(CHAIR, GROUP, "/khoi")
    assert "Năm: 2026" in bloc.last_text(GROUP) and "Sở Tư pháp" not in bloc.last_text(GROUP)
    await bloc.send(CHAIR, GROUP, "/khoi năm sau")
    assert "/khoi <năm>" in bloc.last_text(GROUP)


async def test_chair_replacing_a_chair_says_whom_it_replaced(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/khoitruong #1")
    assert bloc.last_text(GROUP) == "Bộ Chỉ huy Quân sự tỉnh là đơn vị Khối trưởng năm 2026."
    await bloc.send(CHAIR, GROUP, "/khoitruong cong an")
    assert bloc.last_text(GROUP) == (
        "Công an tỉnh là đơn vị Khối trưởng năm 2026, thay cho Bộ Chỉ huy Quân sự tỉnh."
    )
    await bloc.send(CHAIR, GROUP, "/khoipho #3")
    await bloc.send(CHAIR, GROUP, "/khoipho #5")
    assert "thay cho Bộ Chỉ huy Bộ đội Biên phòng tỉnh" in bloc.last_text(GROUP)


EVENT_ON_THE_CONSOLE = r"""
:as Lan
/taokhoi Khối thi đua số 5
/donvi them \
Sở Tư pháp\
Công an tỉnh
/hop 8h00 20/12/2026 | Hội nghị tổng kết | Hội trường Sở Tư pháp
/sukien 1
:quit
"""


async def test_event_shows_its_rsvp_choices_on_a_channel_without_buttons(tmp_path: Path) -> None:
    out: list[str] = []
    await run_console(
        console_config(tmp_path, "vi"),
        lang="vi",
        out=tmp_path,
        stream=io.StringIO(EVENT_ON_THE_CONSOLE),
        write=out.append,
        clock=FakeClock(START),
    )
    text = "\n".join(out)
    after = text.split("> /sukien 1", 1)[1]
    assert "📅 Cuộc họp #1: Hội nghị tổng kết" in after
    assert "1. ✅ Tham dự" in after and "2. ❌ Vắng mặt" in after
