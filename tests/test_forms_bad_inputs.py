"""Every bad input to the registration commands gets a clear reply, and nothing stored changes."""

from __future__ import annotations

import unicodedata

from tests.conftest import CHAIR, GROUP, OUTSIDER
from tests.forms_helpers import REPS, link_representatives, press_label
from tests.harness import BotHarness

FORM_TABLES = ("forms", "form_responses", "form_amendments", "conversations")


async def open_three_forms(bloc: BotHarness) -> None:
    """#1 custom (choice, number, text), #2 titles, #3 pledge."""
    await link_representatives(bloc)
    await bloc.send(
        CHAIR,
        GROUP,
        "/form custom Hội thao | 10/12/2026\n"
        "Môn thi đấu | choice:Bóng đá,Cầu lông\n"
        "Số vận động viên | number\nGhi chú | text",
    )
    await bloc.send(
        CHAIR, GROUP, "/form titles Danh hiệu 2027 | 10/12/2026\n1. Cờ thi đua của Chính phủ\n2. Bằng khen"
    )
    await bloc.send(CHAIR, GROUP, "/form pledge Chỉ tiêu 2027 | 10/12/2026")


async def test_bad_form_commands(bloc: BotHarness) -> None:
    await open_three_forms(bloc)
    before = bloc.snapshot(*FORM_TABLES)
    cases = {
        "/form": "Vui lòng viết như sau",
        "/form frobnicate Hội thao | 10/12/2026": 'Không có loại phiếu đăng ký "frobnicate"',
        "/form pledge | 10/12/2026": "cần có tiêu đề",
        "/form pledge Chỉ tiêu 2027": "cần có hạn",
        "/form pledge Chỉ tiêu | 1/1/2020": "đã qua",
        "/form pledge Chỉ tiêu | 31/2/2027": "không tồn tại",
        "/form pledge Chỉ tiêu | tuần sau": "không đọc được hạn",  # which day of it?
        "/form pledge A | B | 10/12/2026": 'một dấu " | "',
        "/form pledge " + "x" * 201 + " | 10/12/2026": "tối đa 200 ký tự",
        "/form pledge Chỉ tiêu | 10/12/2026\nmột dòng thừa": "không nhận nội dung",
        "/form titles Danh hiệu | 10/12/2026": "liệt kê các danh hiệu",
        "/form titles Danh hiệu | 10/12/2026\nBằng khen\nBANG KHEN": 'Dòng 3: "BANG KHEN"',
        "/form titles Danh hiệu | 10/12/2026\n" + "y" * 61: "Dòng 2: mỗi lựa chọn",
        "/form titles Danh hiệu | 10/12/2026\n"
        + "\n".join(f"Danh hiệu {i}" for i in range(21)): "Tối đa 20 lựa chọn",
        "/form custom Hội thao | 10/12/2026": "liệt kê các mục",
        "/form custom Hội thao | 10/12/2026\nMôn thi đấu": "Dòng 2 cần viết dạng",
        "/form custom Hội thao | 10/12/2026\nMôn | text\nNgày | date": 'Dòng 3: "date"',
        "/form custom Hội thao | 10/12/2026\nMôn | choice:Bóng đá": "ít nhất hai phương án",
        "/form custom Hội thao | 10/12/2026\nMôn | text\nmôn | number": "bị ghi hai lần",
        "/form custom Hội thao | 10/12/2026\n" + "z" * 101 + " | text": "tên mục dài tối đa",
        "/form attend | 10/12/2026": "ghi số của cuộc họp",
        "/form attend 99 | 10/12/2026": "không có cuộc họp số 99",
        "/form 99": "không có phiếu đăng ký số 99",
        "/form 1 frobnicate": 'Tôi chưa hiểu "frobnicate"',
        "/form 1 reopen": "đang mở",
        "/form 1 reopen 1/1/2020": "đã qua",
    }
    for text, expected in cases.items():
        count = len(bloc.texts(GROUP))
        await bloc.send(CHAIR, GROUP, text)
        assert len(bloc.texts(GROUP)) == count + 1, text
        assert expected.lower() in bloc.last_text(GROUP).lower(), (text, bloc.last_text(GROUP))
    assert bloc.snapshot(*FORM_TABLES) == before


async def test_who_may_do_what(bloc: BotHarness) -> None:
    await open_three_forms(bloc)
    before = bloc.snapshot(*FORM_TABLES)
    for text in [
        "/form pledge Chỉ tiêu | 10/12/2026",
        "/dangky 1 close",
        "/form 1 reopen",
        "/form 1 export",
        "/form 2 export csv",
    ]:
        await bloc.send(REPS[3], GROUP, text)
        assert "Khối trưởng" in bloc.last_text(GROUP), text
    await bloc.send(CHAIR, GROUP, "/submit 1")
    assert "trò chuyện riêng" in bloc.last_text(GROUP)
    await bloc.send(CHAIR, CHAIR, "/form 1")
    assert "nhóm" in bloc.last_text(CHAIR)
    await bloc.send(OUTSIDER, OUTSIDER, "/submit")
    assert "chưa là đại diện" in bloc.last_text(OUTSIDER)
    await bloc.send(OUTSIDER, OUTSIDER, "/submit 1 Bóng đá")
    assert "không thể trả lời phiếu đăng ký số 1" in bloc.last_text(OUTSIDER)
    assert bloc.snapshot(*FORM_TABLES) == before


async def test_bad_answers_are_explained_and_nothing_changes(bloc: BotHarness) -> None:
    await open_three_forms(bloc)
    user = REPS[0]
    before = bloc.snapshot(*FORM_TABLES)
    one_line = {
        "/submit abc": "/nop <số phiếu đăng ký>",
        "/submit 99": "không thể trả lời phiếu đăng ký số 99",
        "/submit 2 7": "không nằm trong các lựa chọn",
        "/submit 2 Huân chương Lao động": "không nằm trong các lựa chọn",
        "/submit 3 " + "x" * 2001: "dài 2001 ký tự",
    }
    for text, expected in one_line.items():
        await bloc.send(user, user, text)
        assert expected in bloc.last_text(user), (text, bloc.last_text(user))
    assert "Chưa lưu gì" in bloc.last_text(user)
    assert bloc.snapshot(*FORM_TABLES) == before

    # In the dialog: a wrong answer is explained, asked again, the draft unchanged.
    await bloc.send(user, user, "/submit 1")
    await bloc.send(user, user, "Bơi lội")
    assert "không nằm trong các lựa chọn" in bloc.last_text(user)
    assert "Câu 1/3: Môn thi đấu" in bloc.last_text(user)
    await press_label(bloc, user, "Cầu lông")
    draft = bloc.snapshot("conversations")
    for wrong, expected in [
        ("mười hai", "không phải là số"),
        ("12 người", "không phải là số"),
        ("1" * 13, "quá lớn"),
        ("  ", "để trống"),
    ]:
        await bloc.send(user, user, wrong)
        assert expected in bloc.last_text(user), (wrong, bloc.last_text(user))
        assert "vẫn được giữ" in bloc.last_text(user)
        assert "Câu 2/3: Số vận động viên" in bloc.last_text(user)
    drafts_now = bloc.snapshot("conversations")
    assert [r[:5] for r in drafts_now["conversations"] if r[3] == "form_draft"] == [
        r[:5] for r in draft["conversations"] if r[3] == "form_draft"
    ]
    await bloc.send(user, user, "12,5")
    nfd = unicodedata.normalize("NFD", "Đội tuyển gồm cán bộ trẻ")
    await bloc.send(user, user, nfd + "   \n\n  Trưởng đoàn:  Lê Văn An  ")
    [(answers,)] = bloc.db_rows("SELECT answers FROM form_responses")
    assert answers == (
        '{"f1": "Cầu lông", "f2": "12.5", "f3": "Đội tuyển gồm cán bộ trẻ\\n\\nTrưởng đoàn: Lê Văn An"}'
    )
    assert "• Số vận động viên: 12,5" in bloc.last_text(user)


async def test_forged_and_stale_buttons(bloc: BotHarness) -> None:
    await open_three_forms(bloc)
    user = REPS[0]
    await bloc.send(user, user, "/submit 2")
    titles_question = bloc.emu.last(user)
    assert titles_question is not None
    await press_label(bloc, user, "Xong")  # nothing ticked
    assert bloc.emu.callback_answers[-1].text == "Vui lòng đánh dấu ít nhất một mục."
    await bloc.send(user, user, "/submit 1")
    first = bloc.emu.last(user)
    assert first is not None
    await press_label(bloc, user, "Bóng đá")
    before = bloc.snapshot(*FORM_TABLES)
    answers = len(bloc.emu.callback_answers)
    for data in [
        "fm:o:1:0:1",  # the first question again (stale)
        "fm:o:1:1:0",  # a number question has no options
        "fm:o:1:9:0",  # no such field
        "fm:k:1:1",  # nothing to keep yet
        "fm:zz:1",
        "fm:o:abc",
        "fm:o:1:1:0:;;",
        "xx:1",
    ]:
        await bloc.press(user, user, first.message_id, data)
    assert len(bloc.emu.callback_answers) >= answers + 7
    assert all(a.text == "Nút này không còn hiệu lực." for a in bloc.emu.callback_answers[answers:])
    assert bloc.snapshot(*FORM_TABLES) == before


async def test_a_bloc_without_units_gets_no_form(bot: BotHarness) -> None:
    await bot.send(CHAIR, GROUP, "/setup Khối thi đua số 3")
    await bot.send(CHAIR, GROUP, "/form pledge Chỉ tiêu 2027 | 10/12/2026")
    assert "/donvi them" in bot.last_text(GROUP)
    assert bot.db_rows("SELECT count(*) FROM forms") == [(0,)]
    assert bot.db_rows("SELECT count(*) FROM events") == [(0,)]
