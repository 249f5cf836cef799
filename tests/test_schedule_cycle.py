"""/cycle: the standard year proposed, edited in place, confirmed once with one button."""

from __future__ import annotations

from tests.conftest import CHAIR, GROUP, OUTSIDER
from tests.harness import BotHarness


def data_of(message: object) -> list[str]:
    return [b["callback_data"] for row in message.buttons for b in row]  # type: ignore[attr-defined]


async def test_cycle_edit_then_confirm_once(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/chuky 2027\n1 | 9h 20/2")
    proposal = bloc.emu.last(GROUP)
    assert (
        "1. Thứ Bảy, 20/02/2027 lúc 09:00 — Họp: Hội nghị ký kết giao ước thi đua năm 2027" in proposal.text
    )
    assert (
        "6. Thứ Sáu, 10/12/2027 lúc 17:00 — Hạn: Gửi hồ sơ đề nghị khen thưởng năm 2027 về "
        "Sở Nội vụ" in proposal.text
    )
    confirm, edit = data_of(proposal)
    assert bloc.db_rows("SELECT count(*) FROM events") == [(0,)]
    await bloc.press(OUTSIDER, GROUP, proposal.message_id, edit)
    assert bloc.emu.callback_answers[-1].show_alert
    await bloc.press(CHAIR, GROUP, proposal.message_id, edit)
    question = bloc.emu.last(GROUP)
    await bloc.send(CHAIR, GROUP, "3 | 31/6", reply_to=question.message_id)
    assert "tồn tại" in bloc.last_text(GROUP) and "Chưa có thay đổi" in bloc.last_text(GROUP)
    await bloc.press(CHAIR, GROUP, proposal.message_id, edit)
    await bloc.send(CHAIR, GROUP, "3 | 12/7\n5 | -", reply_to=bloc.emu.last(GROUP).message_id)
    assert "Đã cập nhật đề xuất" in bloc.last_text(GROUP)
    assert proposal.edited == 1  # the same message, edited in place
    assert "3. Thứ Hai, 12/07/2027 lúc 17:00" in proposal.text and "(bỏ)" in proposal.text
    await bloc.press(CHAIR, GROUP, proposal.message_id, confirm)
    assert "Đã xác nhận lịch năm 2027: tạo 5 sự kiện." in proposal.text
    assert proposal.buttons == []
    rows = bloc.db_rows(
        "SELECT kind, starts_at, source, host_unit_id, host_proposed FROM events ORDER BY starts_at"
    )
    assert rows == [
        ("meeting", "2027-02-20T02:00:00+00:00", "cycle:2027:covenant", 1, 1),
        ("deadline", "2027-03-31T10:00:00+00:00", "cycle:2027:pledge", None, 0),
        ("deadline", "2027-07-12T10:00:00+00:00", "cycle:2027:midyear_report", None, 0),
        ("meeting", "2027-07-20T01:00:00+00:00", "cycle:2027:midyear_review", 2, 1),
        ("deadline", "2027-12-10T10:00:00+00:00", "cycle:2027:dossier", None, 0),
    ]
    assert bloc.db_rows("SELECT count(*) FROM reminders WHERE status = 'pending'") == [(12,)]
    await bloc.press(CHAIR, GROUP, proposal.message_id, confirm)  # an old button pressed again
    assert bloc.emu.callback_answers[-1].show_alert
    assert bloc.db_rows("SELECT count(*) FROM events") == [(5,)]
    # proposing the year again shows what exists and creates only what is missing
    await bloc.send(CHAIR, GROUP, "/cycle 2027")
    again = bloc.emu.last(GROUP)
    assert "(đã có trong lịch: #1)" in again.text
    await bloc.press(CHAIR, GROUP, again.message_id, data_of(again)[0])
    assert bloc.db_rows("SELECT count(*) FROM events") == [(6,)]
    # a cycle meeting has no card yet: /event posts it, with its RSVP buttons, once
    await bloc.send(CHAIR, GROUP, "/event 1")
    card = bloc.emu.last(GROUP)
    assert data_of(card) == ["rv:1:y", "rv:1:n"]
    await bloc.send(CHAIR, GROUP, "/event 1")
    assert bloc.emu.last(GROUP).reply_to == card.message_id and bloc.emu.last(GROUP).buttons == []


async def test_this_years_past_steps_are_not_created(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/cycle 2026")
    proposal = bloc.emu.last(GROUP)
    assert proposal.text.count("(đã qua: không tạo)") == 4  # 25/11 and 10/12 are still ahead
    await bloc.press(CHAIR, GROUP, proposal.message_id, data_of(proposal)[0])
    assert bloc.db_rows("SELECT source FROM events ORDER BY id") == [
        ("cycle:2026:yearend_review",),
        ("cycle:2026:dossier",),
    ]
