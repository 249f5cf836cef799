"""The words people read, through the conversation (issue 14, items 5, 6, 7, 9): anh/chị, hints
in the chat's own vocabulary that the bot then accepts, forms that are "phiếu đăng ký", and a
mistyped command answered with ours when it is close (and only then, in a group)."""

from __future__ import annotations

import re

from tests.conftest import CHAIR, GROUP, MEMBER, VICE
from tests.harness import BOT_USERNAME, BotHarness

OTHER_BOT = "/ban @spammer"


def say_ban(text: str) -> bool:
    return re.search(r"(?<!\w)bạn(?!\w)", text, re.IGNORECASE) is not None


async def test_a_new_representative_is_welcomed_as_anh_chi(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/moi")
    await bloc.send(CHAIR, CHAIR, "/start")
    await bloc.send(CHAIR, GROUP, "/moi")
    links = re.findall(rf"https://t\.me/{BOT_USERNAME}\?start=(join_[\w-]+)", bloc.last_text(CHAIR))
    await bloc.send(VICE, VICE, f"/start {links[1]}")
    assert bloc.last_text(VICE) == (
        "Chào mừng anh/chị! Từ nay anh/chị là đại diện của Công an tỉnh trong Khối thi đua số 3."
    )
    await bloc.send(VICE, VICE, f"/start {links[1]}")
    assert bloc.last_text(VICE) == "Anh/chị hiện đã là đại diện của Công an tỉnh trong Khối thi đua số 3."
    await bloc.send(VICE, VICE, "/nop")
    await bloc.send(VICE, VICE, "/trogiup")
    await bloc.send(MEMBER, MEMBER, "/nop 7")
    await bloc.send(MEMBER, MEMBER, "xin chào")
    await bloc.send(CHAIR, GROUP, "/donvi xoa")
    await bloc.send(CHAIR, GROUP, "/khoitruong bo chi huy")
    for chat in (GROUP, CHAIR, VICE, MEMBER):
        said = [t for t in bloc.texts(chat) if say_ban(t)]
        assert said == [], said
    assert bloc.texts(VICE)[-2] == "Hiện không có phiếu đăng ký nào đang mở cho đơn vị của anh/chị."
    assert bloc.texts(MEMBER)[-2].startswith("Anh/chị không thể trả lời phiếu đăng ký số 7:")
    assert bloc.last_text(MEMBER).startswith("Tôi làm việc theo lệnh: gõ /trogiup để xem các lệnh anh/chị")


async def test_form_hints_are_vietnamese_and_the_bot_takes_them(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/dangky")
    usage = bloc.last_text(GROUP)
    assert "/dangky camket <tiêu đề> | <hạn>" in usage and "pledge" not in usage
    assert "/dangky <số> dong | molai [<hạn>] | xuat [csv]" in usage
    await bloc.send(CHAIR, GROUP, "/trogiup")
    assert "/dangky camket|danhhieu|thamdu|tuychon <tiêu đề> | <hạn>" in bloc.last_text(GROUP)
    await bloc.send(CHAIR, GROUP, "/dangky pledge2 Đăng ký | 31/12/2026")
    assert bloc.last_text(GROUP).startswith(
        'Không có loại phiếu đăng ký "pledge2". Vui lòng dùng camket, danhhieu, thamdu hoặc tuychon.'
    )
    # what the hints show is what the bot takes
    await bloc.send(CHAIR, GROUP, "/dangky camket Đăng ký thi đua năm 2027 | 31/12/2026")
    await bloc.send(
        CHAIR,
        GROUP,
        "/dangky tuychon Hội thao | 20/12/2026\nMôn thi đấu | chọn:Bóng đá,Cầu lông\nSố vận động viên | số",
    )
    assert bloc.db_rows("SELECT id, kind FROM forms ORDER BY id") == [(1, "pledge"), (2, "custom")]
    await bloc.send(CHAIR, GROUP, "/dangky 1 dong")
    assert "Gõ /dangky 1 molai để mở lại." in bloc.last_text(GROUP)
    await bloc.send(CHAIR, GROUP, "/dangky 1 molai")
    assert bloc.last_text(GROUP).startswith("Đã mở lại phiếu đăng ký số 1.")
    await bloc.send(CHAIR, GROUP, "/dangky 99")
    assert bloc.last_text(GROUP) == (
        "Khối không có phiếu đăng ký số 99. Gõ /forms để xem các phiếu đăng ký đang mở."
    )


async def test_event_hints_are_vietnamese_and_the_bot_takes_them(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/hop 8h 16/12/2026 | Hội nghị tổng kết")
    await bloc.send(CHAIR, GROUP, "/sukien")
    usage = bloc.last_text(GROUP)
    assert "/sukien 12 doi 8h00 20/7 (dời lịch) · /sukien 12 huy (hủy)" in usage and "move" not in usage
    await bloc.send(CHAIR, GROUP, "/sukien 1 dời")
    assert bloc.last_text(GROUP) == "Ghi thời gian mới: /sukien 1 doi 8h00 20/7/2026"
    await bloc.send(CHAIR, GROUP, "/sukien 1 doi 8h00 17/12/2026")
    assert "được dời từ" in bloc.last_text(GROUP)
    await bloc.send(CHAIR, GROUP, "/sukien 1 nhac sai")
    assert '"tat" (tắt nhắc), hoặc "macdinh" (mặc định)' in bloc.last_text(GROUP)
    await bloc.send(CHAIR, GROUP, "/sukien 1 nhac tat")
    assert bloc.last_text(GROUP) == "#1 hiện không có lịch nhắc."
    await bloc.send(CHAIR, GROUP, "/sukien 1 xyz")
    assert "/sukien 1 doi <thời gian> · huy · nhac 7d, 1d, 2h · dangcai <đơn vị> · diadiem" in bloc.last_text(
        GROUP
    )
    await bloc.send(CHAIR, GROUP, "/sukien 1 diadiem Hội trường Sở Tư pháp")
    assert bloc.last_text(GROUP) == "Địa điểm #1: Hội trường Sở Tư pháp."
    await bloc.send(CHAIR, GROUP, "/sukien 99")
    assert bloc.last_text(GROUP) == "Khối không có sự kiện #99. Gõ /lich để xem danh sách sự kiện kèm số."
    await bloc.send(CHAIR, GROUP, "/export")
    assert bloc.last_text(GROUP).endswith("/export danhsach")
    await bloc.send(CHAIR, GROUP, "/export danhsach")
    assert bloc.emu.last(GROUP).document is not None


async def test_english_hints_stay_english(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/lang en")
    await bloc.send(CHAIR, GROUP, "/form")
    usage = bloc.last_text(GROUP)
    assert "/form pledge <title> | <deadline>" in usage and "camket" not in usage
    await bloc.send(CHAIR, GROUP, "/form pledge Emulation pledge 2027 | 31/12/2026")
    await bloc.send(CHAIR, GROUP, "/form 1 close")
    assert "/form 1 reopen opens it again." in bloc.last_text(GROUP)
    await bloc.send(CHAIR, GROUP, "/meeting 9am 16/12/2026 | Review")
    await bloc.send(CHAIR, GROUP, "/event 1 xyz")
    assert "/event 1 move <when> · cancel · remind 7d, 1d, 2h · host <unit>" in bloc.last_text(GROUP)


async def test_a_mistyped_command_in_a_group_gets_ours_only_when_close(bloc: BotHarness) -> None:
    posts = len(bloc.texts(GROUP))
    await bloc.send(CHAIR, GROUP, "/hopp 8h 16/12/2026 | Họp")
    assert bloc.last_text(GROUP) == "Ý anh/chị là /hop? Gõ /trogiup để xem các lệnh."
    await bloc.send(MEMBER, GROUP, "/binhxét 1")
    assert bloc.last_text(GROUP) == "Ý anh/chị là /binhxet? Gõ /trogiup để xem các lệnh."
    await bloc.send(MEMBER, GROUP, "/LICHH")
    assert bloc.last_text(GROUP).startswith("Ý anh/chị là /lich?")
    assert bloc.db_rows("SELECT count(*) FROM events") == [(0,)]  # suggested, not run
    posts = len(bloc.texts(GROUP))
    for other in (OTHER_BOT, "/top", "/roll 2d6", "/shop", "/weather Hà Nội", "/x"):
        await bloc.send(MEMBER, GROUP, other)
    assert len(bloc.texts(GROUP)) == posts  # another bot's commands: no noise
    await bloc.send(MEMBER, GROUP, f"/shop@{BOT_USERNAME}")  # addressed to us: answered
    assert "Tôi không có lệnh /shop" in bloc.last_text(GROUP)


async def test_a_mistyped_command_in_private_gets_the_answer_and_ours(bloc: BotHarness) -> None:
    await bloc.send(MEMBER, MEMBER, "/trogiupp")
    assert bloc.last_text(MEMBER) == (
        "Ý anh/chị là /trogiup?\nTôi không có lệnh /trogiupp. Gõ /trogiup để xem các lệnh anh/chị dùng được ở đây."
    )
    await bloc.send(MEMBER, MEMBER, "/xyzzy")
    assert bloc.last_text(MEMBER).startswith("Tôi không có lệnh /xyzzy.")
