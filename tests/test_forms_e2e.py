"""Registrations end to end: a sports-day form and a titles form, eight units answering privately."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

from openpyxl import load_workbook

from tests.conftest import CHAIR, GROUP, MEMBER, OUTSIDER, SEED_UNITS
from tests.forms_helpers import (
    REP_NAMES,
    REPS,
    card_text,
    link_representatives,
    missing_in_card,
    press_label,
)
from tests.harness import BOT_USERNAME, BotHarness

SPORTS = (
    "/form custom Hội thao khối thi đua 2026 | 17h00 10/12/2026\n"
    "Môn thi đấu | choice:Bóng đá,Cầu lông,Kéo co\n"
    "Số vận động viên | number\n"
    "Trưởng đoàn | text"
)
TITLES = (
    "/dangky titles Đăng ký danh hiệu thi đua năm 2027 | 12/12/2026\n"
    "Cờ thi đua của Chính phủ\n"
    "Cờ thi đua của UBND tỉnh\n"
    "Bằng khen của Chủ tịch UBND tỉnh\n"
    "Tập thể lao động xuất sắc"
)
SPORTS_ANSWERS = [  # (sport, athletes as typed, stored number, team leader)
    ("Bóng đá", "12", 12, "Đại tá Lê Văn An, Phó Chỉ huy trưởng"),
    ("Cầu lông", "4", 4, "Thượng tá Phạm Thị Bình"),
    ("Kéo co", "10", 10, "Trung tá Hoàng Văn Cường"),
    ("Bóng đá", "11", 11, "Bà Vũ Thị Dung, Phó Giám đốc"),
    ("Cầu lông", "2", 2, "Ông Đặng Văn Em"),
    ("Kéo co", "8", 8, "Bà Bùi Thị Giang"),
    ("Bóng đá", "1.000", 1000, "Ông Ngô Văn Hải"),  # Vietnamese thousands: 1.000 = 1000
]


async def answer_sports(bot: BotHarness, user: int, sport: str, count: str, leader: str) -> None:
    """Answer form #1 through the guided dialog: a button, then two typed answers."""
    await bot.send(user, user, "/submit 1")
    await press_label(bot, user, sport)
    await bot.send(user, user, count)
    await bot.send(user, user, leader)


async def test_sports_day_and_titles_end_to_end(bloc: BotHarness) -> None:
    await link_representatives(bloc)
    await bloc.send(CHAIR, GROUP, SPORTS)
    await bloc.send(CHAIR, GROUP, TITLES)
    assert bloc.db_rows("SELECT id, kind, title FROM forms ORDER BY id") == [
        (1, "custom", "Hội thao khối thi đua 2026"),
        (2, "titles", "Đăng ký danh hiệu thi đua năm 2027"),
    ]
    card = card_text(bloc, 1)
    assert "Đã gửi: 0/8 đơn vị" in card and "Thứ Năm, 10/12/2026 lúc 17:00" in card
    assert missing_in_card(card) == SEED_UNITS
    card_message = next(m for m in bloc.emu.messages(GROUP) if m.text == card)
    assert card_message.buttons[0][0]["url"] == f"https://t.me/{BOT_USERNAME}?start=form_1"

    # Seven units answer the sports-day form; the card is edited in place after each.
    for number, (sport, typed, _stored, leader) in enumerate(SPORTS_ANSWERS, 1):
        await answer_sports(bloc, REPS[number - 1], sport, typed, leader)
        assert "Đã ghi nhận" in bloc.last_text(REPS[number - 1])
        card = card_text(bloc, 1)
        assert f"Đã gửi: {number}/8 đơn vị" in card
        assert missing_in_card(card) == SEED_UNITS[number:]
    assert (
        sum(
            1 for m in bloc.emu.messages(GROUP) if m.text and "Hội thao" in m.text and m.text.startswith("📋")
        )
        == 1
    )  # one card, never a second one

    # Titles: some answer in one line (numbers or names), others tick buttons.
    await bloc.send(REPS[0], REPS[0], "/nop 2 1, 3")
    await bloc.send(REPS[1], REPS[1], "/submit 2 co thi dua cua ubnd tinh; tap the lao dong")
    for user in REPS[2:]:
        await bloc.send(user, user, "/submit 2")
        await press_label(bloc, user, "Bằng khen")
        await press_label(bloc, user, "Tập thể")
        await press_label(bloc, user, "Tập thể")  # untick
        await press_label(bloc, user, "Xong")
    assert "Tất cả đơn vị đã gửi" in card_text(bloc, 2)
    assert missing_in_card(card_text(bloc, 2)) == []

    # A second representative of Công an tỉnh amends its sports-day answer.
    await bloc.send(CHAIR, GROUP, "/invite #2")
    link = re.findall(r"start=(join_[\w-]+)", bloc.last_text(CHAIR))[0]
    await bloc.send(MEMBER, MEMBER, f"/start {link}")
    await bloc.send(MEMBER, MEMBER, "/submit 1")
    assert "Nội dung hiện tại: Cầu lông" in bloc.last_text(MEMBER)
    await press_label(bloc, MEMBER, "Giữ nội dung hiện tại")
    await bloc.send(MEMBER, MEMBER, "6")
    await press_label(bloc, MEMBER, "Giữ nội dung hiện tại")
    assert "lần gửi thứ 2" in bloc.last_text(MEMBER)
    assert bloc.db_rows(
        "SELECT version, user_id, answers FROM form_amendments WHERE form_id = 1 AND unit_id = 2 "
        "ORDER BY version"
    ) == [
        (1, REPS[1], '{"f1": "Cầu lông", "f2": "4", "f3": "Thượng tá Phạm Thị Bình"}'),
        (2, MEMBER, '{"f1": "Cầu lông", "f2": "6", "f3": "Thượng tá Phạm Thị Bình"}'),
    ]
    assert "Đã gửi: 7/8 đơn vị" in card_text(bloc, 1)

    # After the deadline the last unit is refused and nothing is stored.
    bloc.clock.set(datetime.fromisoformat("2026-12-10T10:00:01+00:00"))  # 17:00:01 in Hà Nội
    before = bloc.snapshot("form_responses", "form_amendments")
    await bloc.send(REPS[7], REPS[7], "/submit 1")
    assert "đã khóa" in bloc.last_text(REPS[7])
    assert bloc.snapshot("form_responses", "form_amendments") == before
    await bloc.send(CHAIR, GROUP, "/form 1")
    assert "Đã quá hạn" in bloc.last_text(GROUP) and "⏳ #8 Thanh tra tỉnh" in bloc.last_text(GROUP)

    # A member may not reopen; the chair reopens until a new deadline; the last unit answers.
    await bloc.send(REPS[4], GROUP, "/form 1 reopen 15/12/2026")
    assert "Khối trưởng" in bloc.last_text(GROUP)
    await bloc.send(CHAIR, GROUP, "/form 1 reopen 15/12/2026")
    assert "Đã mở lại phiếu đăng ký số 1" in bloc.last_text(GROUP)
    card = card_text(bloc, 1)
    assert "Hạn: Thứ Ba, 15/12/2026 lúc 17:00" in card and missing_in_card(card) == [SEED_UNITS[7]]
    await answer_sports(bloc, REPS[7], "Kéo co", "9", "Ông Trịnh Văn Hòa")
    card = card_text(bloc, 1)
    assert "Đã gửi: 8/8 đơn vị" in card and "Tất cả đơn vị đã gửi" in card

    # The chair closes it; the card says so and answers are refused again.
    await bloc.send(CHAIR, GROUP, "/form 1 close")
    assert "Khối trưởng đã đóng phiếu" in card_text(bloc, 1)
    await bloc.send(REPS[0], REPS[0], "/submit 1")
    assert "đã đóng" in bloc.last_text(REPS[0])

    # The XLSX, parsed back, holds every unit's answers cell by cell.
    await bloc.send(CHAIR, GROUP, "/form 1 export")
    sent = bloc.emu.last(GROUP)
    assert sent is not None and sent.document is not None
    assert sent.document.filename == "form-1-hoi-thao-khoi-thi-dua-2026.xlsx"
    book = load_workbook(io.BytesIO(sent.document.data))
    sheet = book["Nội dung đăng ký"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Đăng ký số 1: Hội thao khối thi đua 2026 — Khối thi đua số 3"
    assert rows[1] == (
        "STT",
        "Đơn vị",
        "Môn thi đấu",
        "Số vận động viên",
        "Trưởng đoàn",
        "Người gửi",
        "Thời gian gửi",
        "Lần gửi",
    )
    expected = [(s, n, leader) for s, _t, n, leader in SPORTS_ANSWERS]
    expected[1] = ("Cầu lông", 6, "Thượng tá Phạm Thị Bình")
    expected.append(("Kéo co", 9, "Ông Trịnh Văn Hòa"))
    senders = [*REP_NAMES[:1], "Nguyễn Thị Lan", *REP_NAMES[2:]]
    for index, row in enumerate(rows[2:]):
        assert row[:6] == (index + 1, SEED_UNITS[index], *expected[index], senders[index])
        assert isinstance(row[6], datetime)
        assert row[7] == (2 if index == 1 else 1)
    assert len(rows) == 10
    assert rows[9][6] == datetime(2026, 12, 10, 17, 0, 1)  # local time of the late answer
    history = list(book["Lịch sử"].iter_rows(values_only=True))
    assert len(history) == 2 + 9  # title, headers, eight first answers and one amendment
    assert ("Công an tỉnh", 2, "Nguyễn Thị Lan") == history[-2][:3] or any(
        r[:3] == ("Công an tỉnh", 2, "Nguyễn Thị Lan") for r in history[2:]
    )

    await bloc.send(CHAIR, GROUP, "/form 2 export csv")
    sent = bloc.emu.last(GROUP)
    assert sent is not None and sent.document is not None
    text = sent.document.data.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "STT,Đơn vị,Danh hiệu đơn vị đăng ký,Người gửi,Thời gian gửi,Lần gửi"
    assert lines[1].startswith(
        "1,Bộ Chỉ huy Quân sự tỉnh,Cờ thi đua của Chính phủ; Bằng khen của Chủ tịch UBND tỉnh,Lê Văn An,"
    )
    assert lines[2].startswith(
        "2,Công an tỉnh,Cờ thi đua của UBND tỉnh; Tập thể lao động xuất sắc,Phạm Thị Bình,"
    )
    assert all(",Bằng khen của Chủ tịch UBND tỉnh," in line for line in lines[3:])


async def test_forms_list_and_status_for_everyone(bloc: BotHarness) -> None:
    await link_representatives(bloc)
    await bloc.send(CHAIR, GROUP, SPORTS)
    await bloc.send(CHAIR, GROUP, "/form pledge Đăng ký thi đua năm 2027 | 31/12/2026")
    await bloc.send(
        REPS[2], REPS[2], "/submit 2 Hoàn thành 100% chỉ tiêu được giao;\nKhông có cán bộ vi phạm kỷ luật."
    )
    assert bloc.db_rows("SELECT answers FROM form_responses") == [
        ('{"pledge": "Hoàn thành 100% chỉ tiêu được giao;\\nKhông có cán bộ vi phạm kỷ luật."}',)
    ]
    await bloc.send(OUTSIDER, GROUP, "/forms")
    listing = bloc.last_text(GROUP)
    assert "#1 Hội thao khối thi đua 2026 — 0/8 đơn vị đã gửi" in listing
    assert "#2 Đăng ký thi đua năm 2027 — 1/8 đơn vị đã gửi" in listing
    await bloc.send(OUTSIDER, GROUP, "/form 2")
    status = bloc.last_text(GROUP)
    assert "✅ #3 Bộ Chỉ huy Bộ đội Biên phòng tỉnh — Hoàng Văn Cường, 21/11 09:00" in status
    assert status.count("⏳") == 7
    await bloc.send(CHAIR, GROUP, "/form 2 close")
    await bloc.send(OUTSIDER, GROUP, "/forms")
    assert "Đăng ký thi đua năm 2027" not in bloc.last_text(GROUP)


async def test_deadline_passes_during_the_dialog(bloc: BotHarness) -> None:
    await link_representatives(bloc)
    await bloc.send(CHAIR, GROUP, SPORTS.replace("17h00 10/12/2026", "18h00 21/11/2026"))
    user = REPS[0]
    await bloc.send(user, user, "/submit 1")
    await press_label(bloc, user, "Bóng đá")
    await bloc.send(user, user, "12")
    bloc.clock.advance(timedelta(hours=9))  # 18:00 in Hà Nội: the deadline
    await bloc.send(user, user, "Ông Lê Văn An")
    assert "đã khóa" in bloc.last_text(user)
    assert bloc.db_rows("SELECT count(*) FROM form_responses") == [(0,)]
    assert bloc.db_rows(
        "SELECT json_extract(payload, '$.answers') FROM conversations WHERE kind = 'form_draft'"
    ) == [('{"f1":"Bóng đá","f2":"12"}',)]  # kept: the chair may reopen
    await bloc.send(CHAIR, GROUP, "/form 1 reopen")
    assert "nhận đăng ký đến khi đóng" in card_text(bloc, 1)
    await bloc.send(user, user, "/submit 1")
    assert "Tiếp tục từ chỗ anh/chị dừng" in bloc.last_text(user)
    assert "Câu 3/3: Trưởng đoàn" in bloc.last_text(user)
    await bloc.send(user, user, "Ông Lê Văn An")
    assert bloc.db_rows("SELECT answers FROM form_responses") == [
        ('{"f1": "Bóng đá", "f2": "12", "f3": "Ông Lê Văn An"}',)
    ]


async def test_an_old_draft_asks_before_taking_text(bloc: BotHarness) -> None:
    await link_representatives(bloc)
    await bloc.send(CHAIR, GROUP, SPORTS)
    user = REPS[0]
    await bloc.send(user, user, "/submit 1")
    await press_label(bloc, user, "Bóng đá")
    bloc.clock.advance(timedelta(days=3))
    await bloc.send(user, user, "Chào anh")
    assert "chưa hoàn thành" in bloc.last_text(user)
    assert bloc.db_rows(
        "SELECT json_extract(payload, '$.answers') FROM conversations WHERE kind = 'form_draft'"
    ) == [('{"f1":"Bóng đá"}',)]
    await bloc.send(user, user, "15")  # now taken as the answer
    assert "Câu 3/3" in bloc.last_text(user)
    await bloc.send(user, user, "/cancel")
    assert "Đã dừng trả lời phiếu đăng ký số 1" in bloc.last_text(user)
    assert bloc.db_rows("SELECT count(*) FROM conversations WHERE kind = 'form_draft'") == [(0,)]
    await bloc.send(user, user, "Chào anh")  # no draft: the forms feature takes nothing
    assert "/trogiup" in bloc.last_text(user)  # and the bot points at /help, never silent
    assert bloc.db_rows("SELECT count(*) FROM conversations WHERE kind = 'form_draft'") == [(0,)]
