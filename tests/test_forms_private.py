"""The private side of registrations: restarts mid-dialog, two blocs, the card's link, attend forms."""

from __future__ import annotations

import re

from tests.conftest import CHAIR, GROUP, SEED_UNITS
from tests.forms_helpers import REPS, card_text, link_representatives, press_label
from tests.harness import BotHarness

GROUP2 = -1001000000077


async def test_restart_mid_dialog_loses_nothing(bloc: BotHarness) -> None:
    await link_representatives(bloc)
    await bloc.send(
        CHAIR,
        GROUP,
        "/form custom Hội thao | 10/12/2026\n"
        "Môn thi đấu | choice:Bóng đá,Cầu lông\n"
        "Số vận động viên | number\nTrưởng đoàn | text",
    )
    await bloc.send(CHAIR, GROUP, "/form titles Danh hiệu | 10/12/2026\nCờ thi đua\nBằng khen\nGiấy khen")
    user = REPS[4]
    await bloc.send(user, user, "/submit 1")
    await press_label(bloc, user, "Cầu lông")
    await bloc.send(user, user, "5")
    await bloc.restart()
    await bloc.send(user, user, "Ông Đặng Văn Em")
    assert bloc.db_rows("SELECT unit_id, answers FROM form_responses") == [
        (5, '{"f1": "Cầu lông", "f2": "5", "f3": "Ông Đặng Văn Em"}')
    ]

    # Ticks survive a restart too; the old question's buttons still work.
    await bloc.send(user, user, "/submit 2")
    question = bloc.emu.last(user)
    assert question is not None
    await press_label(bloc, user, "Cờ thi đua")
    await bloc.restart()
    await press_label(bloc, user, "Giấy khen")
    assert bloc.emu.last(user).button_texts[:3] == ["☑ Cờ thi đua", "☐ Bằng khen", "☑ Giấy khen"]
    await press_label(bloc, user, "Xong")
    assert bloc.db_rows("SELECT answers FROM form_responses WHERE form_id = 2") == [
        ('{"titles": ["Cờ thi đua", "Giấy khen"]}',)
    ]
    assert bloc.db_rows("SELECT count(*) FROM conversations WHERE kind = 'form_draft'") == [(0,)]


async def test_a_person_in_two_blocs_picks_from_buttons(bloc: BotHarness) -> None:
    await link_representatives(bloc)
    bloc.group(GROUP2, "Khối thi đua số 5", admins=[CHAIR])
    await bloc.send(CHAIR, GROUP2, "/setup Khối thi đua số 5")
    await bloc.send(CHAIR, GROUP2, "/units add\nSở Tài chính\nSở Xây dựng")
    await bloc.send(CHAIR, GROUP2, "/invite #2")
    link = re.findall(r"start=(join_[\w-]+)", bloc.last_text(CHAIR))[0]
    user = REPS[0]
    await bloc.send(user, user, f"/start {link}")
    await bloc.send(CHAIR, GROUP, "/form pledge Chỉ tiêu khối 3 | 10/12/2026")
    await bloc.send(CHAIR, GROUP2, "/form pledge Chỉ tiêu khối 5 | 11/12/2026")
    await bloc.send(user, user, "/submit")
    listing = bloc.emu.last(user)
    assert listing is not None
    assert "#1 Chỉ tiêu khối 3 — Khối thi đua số 3, cho Bộ Chỉ huy Quân sự tỉnh" in listing.text
    assert "#2 Chỉ tiêu khối 5 — Khối thi đua số 5, cho Sở Xây dựng" in listing.text
    assert listing.button_texts == ["#1 Chỉ tiêu khối 3", "#2 Chỉ tiêu khối 5"]
    await press_label(bloc, user, "#2")
    assert "trả lời cho Sở Xây dựng" in bloc.last_text(user)
    await bloc.send(user, user, "Giải ngân 100% vốn đầu tư công")
    assert bloc.db_rows("SELECT form_id, unit_id FROM form_responses") == [(2, 10)]
    assert "Đã gửi: 1/2 đơn vị" in card_text(bloc, 2)
    assert "Đã gửi: 0/8 đơn vị" in card_text(bloc, 1)
    await bloc.send(user, user, "/submit")
    assert "đã gửi ✅" in bloc.last_text(user) and "chưa gửi" in bloc.last_text(user)


async def test_the_cards_link_opens_the_dialog(bloc: BotHarness) -> None:
    await link_representatives(bloc)
    await bloc.send(CHAIR, GROUP, "/form pledge Chỉ tiêu 2027 | 10/12/2026")
    user = REPS[6]
    await bloc.send(user, user, "/start form_1")
    assert "Câu 1/1: Chỉ tiêu, nội dung đăng ký thi đua trong năm" in bloc.last_text(user)
    await bloc.send(user, user, "Hoàn thành 100% chỉ tiêu được giao")
    assert SEED_UNITS[6] not in card_text(bloc, 1)
    await bloc.send(user, user, "/start form_99")
    assert "không thể trả lời phiếu đăng ký số 99" in bloc.last_text(user)


async def test_answers_arriving_together_leave_the_card_right(bloc: BotHarness) -> None:
    import asyncio

    from handlers.forms.card import refresh_card
    from storage.forms import FormRepo

    await link_representatives(bloc)
    await bloc.send(CHAIR, GROUP, "/form pledge Chỉ tiêu 2027 | 10/12/2026")
    services, app = bloc.services, bloc.app
    assert app is not None

    async def answer(unit_id: int, user_id: int) -> None:
        async with services.db.transaction() as uow:
            await uow.repo(FormRepo).save_response(1, unit_id, user_id, {"pledge": "Hoàn thành"})
        await refresh_card(services, 1)

    await asyncio.gather(*(answer(unit, REPS[unit - 1]) for unit in range(1, 9)))
    assert "Đã gửi: 8/8 đơn vị" in card_text(bloc, 1)


async def test_an_amendment_leaves_the_card_alone(bloc: BotHarness) -> None:
    await link_representatives(bloc)
    await bloc.send(CHAIR, GROUP, "/form pledge Chỉ tiêu 2027 | 10/12/2026")
    card = card_text(bloc, 1)
    edits = len(bloc.emu.calls_to("editMessageText"))
    await bloc.send(REPS[0], REPS[0], "/submit 1 Hoàn thành 100% chỉ tiêu")
    assert len(bloc.emu.calls_to("editMessageText")) == edits + 1  # a first answer: the count moves
    assert card_text(bloc, 1) != card and "Đã gửi: 1/8 đơn vị" in card_text(bloc, 1)
    card = card_text(bloc, 1)
    await bloc.send(REPS[0], REPS[0], "/submit 1 Hoàn thành 120% chỉ tiêu")
    assert "lần gửi thứ 2" in bloc.last_text(REPS[0])
    assert len(bloc.emu.calls_to("editMessageText")) == edits + 1  # nothing on the card changed
    assert card_text(bloc, 1) == card
    assert bloc.db_rows("SELECT version FROM form_responses") == [(2,)]
    assert bloc.db_rows("SELECT count(*) FROM conversations WHERE kind = 'form_draft'") == [(0,)]
