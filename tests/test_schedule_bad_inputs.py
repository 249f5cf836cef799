"""Every bad date, bad command, forged button and refusal gets one clear reply; nothing changes."""

from __future__ import annotations

import pytest

from tests.conftest import CHAIR, GROUP, MEMBER, OUTSIDER
from tests.harness import BotHarness
from tests.schedule_helpers import MEETING, SCHEDULE_TABLES

FORMS = "16/07/2026 08:00"  # one of the accepted forms every date error lists

BAD = [
    ("/meeting 31/6/2027 | Họp", "tồn tại"),
    ("/meeting 29/2/2027 8h | Họp", "tồn tại"),
    ("/meeting 25h 16/12/2026 | Họp", "tồn tại"),
    ("/meeting 1/1/2020 | Họp", "đã qua"),
    ("/meeting 21/11/2026 8h | Họp", "đã qua"),  # earlier today
    ("/meeting mai | Họp", "Không đọc được"),
    ("/meeting 16/12/2030 | Họp", "ba năm"),
    ("/meeting 16/12/2026", "Cú pháp"),
    ("/meeting 16/12/2026 | ", "Cú pháp"),
    ("/meeting 16/12/2026 | A | B | C | D", "Cú pháp"),
    ("/meeting 16/12/2026 | Họp | Hội trường | Ngân hàng nhà nước", "Ngân hàng nhà nước"),
    ("/meeting 16/12/2026 | " + "x" * 201, "200"),
    ("/meeting 16/12/2026 | Họp | " + "y" * 201, "200"),
    ("/meeting 16/12/2026 | Họp\n" + "z" * 2001, "2000"),
    ("/deadline 10/12/2026", "Cú pháp"),
    ("/deadline 30/2 | Báo cáo", "tồn tại"),
    ("/deadline hôm qua | Báo cáo", "Không đọc được"),
    ("/event", "/sukien 12"),
    ("/event abc", "không có sự kiện"),
    ("/event 999", "#999"),
    ("/event 1 frobnicate", "Không hiểu"),
    ("/event 1 move", "thời gian mới"),
    ("/event 1 move 31/6", "tồn tại"),
    ("/event 1 move 1/1/2020", "đã qua"),
    ("/event 1 move 8h00 16/12/2026", "đúng thời gian"),
    ("/event 1 remind 1d2h", "7d, 1d, 2h"),
    ("/event 1 remind 400d", "365"),
    ("/event 1 remind", "7d, 1d, 2h"),
    ("/event 1 host Ngân hàng nhà nước", "Ngân hàng nhà nước"),
    ("/event 1 host", "dangcai <đơn vị>"),  # the Vietnamese sub-command in a Vietnamese hint
    ("/event 1 place", "địa điểm"),
    ("/event 2 host #1", "cuộc họp"),
    ("/rsvp 999", "#999"),
    ("/rsvp 2", "hạn chót"),
    ("/ics 999", "#999"),
    ("/cycle", "/chuky 2027"),
    ("/cycle 1999", "/chuky 2027"),
    ("/cycle 2031", "/chuky 2027"),
    ("/cycle 2027\n9 | 1/1", "Không hiểu dòng"),
    ("/cycle 2027\n3 | 31/6", "tồn tại"),
    ("/cycle 2027\n3 12/7", "Không hiểu dòng"),
    ("/rotation #99", "không phải một đơn vị"),
    ("/rotation #1, #1", "hai lần"),
]


@pytest.fixture
async def scheduled(bloc: BotHarness) -> BotHarness:
    """The bloc with meeting #1 and deadline #2."""
    await bloc.send(CHAIR, GROUP, MEETING)
    await bloc.send(CHAIR, GROUP, "/deadline 10/12/2026 | Gửi hồ sơ")
    return bloc


async def test_bad_commands_get_one_clear_reply_and_change_nothing(scheduled: BotHarness) -> None:
    bot = scheduled
    before = bot.snapshot(*SCHEDULE_TABLES)
    for text, expected in BAD:
        count = len(bot.texts(GROUP))
        await bot.send(CHAIR, GROUP, text)
        assert len(bot.texts(GROUP)) == count + 1, text
        reply = bot.last_text(GROUP)
        assert expected.lower() in reply.lower(), (text, reply)
        if expected in ("tồn tại", "đã qua", "Không đọc được"):
            assert FORMS in reply, (text, reply)
    assert bot.snapshot(*SCHEDULE_TABLES) == before


async def test_members_may_look_but_not_change(scheduled: BotHarness) -> None:
    bot = scheduled
    before = bot.snapshot(*SCHEDULE_TABLES)
    for text in [
        "/meeting 8h 17/12/2026 | Họp",
        "/hop",
        "/deadline 17/12/2026 | Hạn",
        "/event 1 move 8h 18/12/2026",
        "/event 1 cancel",
        "/event 1 remind 1d",
        "/event 1 host #3",
        "/cycle 2027",
        "/chuky 2027",
        "/rotation #2, #1",
    ]:
        await bot.send(OUTSIDER, GROUP, text)
        assert "Khối trưởng" in bot.last_text(GROUP), text
    for text in ["/schedule", "/event 1", "/rsvp 1", "/ics", "/rotation"]:
        count = len(bot.texts(GROUP))
        await bot.send(MEMBER, GROUP, text)
        assert len(bot.texts(GROUP)) == count + 1, text
        assert "Khối trưởng" not in bot.last_text(GROUP), text
    await bot.send(MEMBER, MEMBER, "/schedule")  # a group command in a private chat
    assert "nhóm" in bot.last_text(MEMBER)
    assert bot.snapshot(*SCHEDULE_TABLES) == before


async def test_forged_and_stale_buttons_are_refused(scheduled: BotHarness) -> None:
    bot = scheduled
    card = bot.emu.messages(GROUP)[-2]
    before = bot.snapshot(*SCHEDULE_TABLES)
    answers = len(bot.emu.callback_answers)
    for data in [
        "rv:999:y",
        "rv:1:x",
        "rv:2:y",
        "rv:1",
        "mh:999:1",
        "mh:1:abc",
        "cy:ok:999",
        "cy:zz:1",
        "cy:ed",
        "rv:1:y:extra:;;",
    ]:
        await bot.press(MEMBER, GROUP, card.message_id, data)
    assert len(bot.emu.callback_answers) == answers + 10
    assert all(a.show_alert for a in bot.emu.callback_answers[answers:])
    assert bot.snapshot(*SCHEDULE_TABLES) == before


async def test_a_bloc_cannot_reach_another_blocs_event(scheduled: BotHarness) -> None:
    bot = scheduled
    other = -1009999
    bot.group(other, "Khối thi đua số 5", admins=[OUTSIDER])
    await bot.send(OUTSIDER, other, "/setup Khối thi đua số 5")
    before = bot.snapshot(*SCHEDULE_TABLES)
    for text in ["/event 1", "/event 1 cancel", "/rsvp 1", "/ics 1"]:
        await bot.send(OUTSIDER, other, text)
        assert "#1" in bot.last_text(other), text
    await bot.press(OUTSIDER, other, bot.emu.messages(GROUP)[-2].message_id, "rv:1:y")
    assert bot.snapshot(*SCHEDULE_TABLES) == before
    await bot.send(OUTSIDER, other, "/schedule")
    assert "Chưa có lịch" in bot.last_text(other)
