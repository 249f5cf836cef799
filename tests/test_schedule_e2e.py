"""Schedule commands end to end through the emulator: create, card, RSVP, move, cancel, ics."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from tests.conftest import CHAIR, GROUP, MEMBER, OUTSIDER, VICE
from tests.harness import BotHarness
from tests.schedule_helpers import MEETING, MEETING_AT, card_of, link, statuses


def buttons(message: object) -> list[str]:
    return [b["callback_data"] for row in message.buttons for b in row]  # type: ignore[attr-defined]


async def test_meeting_in_one_line_posts_a_card_and_plans_reminders(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, MEETING)
    rows = bloc.db_rows(
        "SELECT kind, title, starts_at, place, host_unit_id, host_proposed, agenda FROM events"
    )
    assert rows == [
        (
            "meeting",
            "Hội nghị tổng kết công tác thi đua năm 2026",
            "2026-12-16T01:00:00+00:00",
            "Hội trường Công an tỉnh",
            2,
            0,
            "Báo cáo tổng kết\nBình xét thi đua",
        )
    ]
    card = card_of(bloc, 1)
    assert card.text is not None
    assert "Thứ Tư, 16/12/2026 lúc 08:00" in card.text
    assert "Đơn vị đăng cai: Công an tỉnh" in card.text and "2. Bình xét thi đua" in card.text
    assert "Chưa trả lời (8)" in card.text
    assert buttons(card) == ["rv:1:y", "rv:1:n"]
    assert bloc.db_rows("SELECT offset_s, due_at, status FROM reminders ORDER BY due_at") == [
        (604800, "2026-12-09T01:00:00+00:00", "pending"),
        (86400, "2026-12-15T01:00:00+00:00", "pending"),
        (7200, "2026-12-15T23:00:00+00:00", "pending"),
    ]
    await bloc.send(MEMBER, GROUP, "/lich")
    assert "#1 · Thứ Tư, 16/12/2026 lúc 08:00 · Họp: Hội nghị tổng kết" in bloc.last_text(GROUP)


async def test_rsvp_one_answer_per_unit_any_representative_edits_in_place(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, MEETING)
    await link(bloc, MEMBER, 2)
    await link(bloc, OUTSIDER, 2)  # a second person of Công an tỉnh
    await link(bloc, VICE, 4)
    card = card_of(bloc, 1)
    count = len(bloc.texts(GROUP))
    await bloc.press(MEMBER, GROUP, card.message_id, "rv:1:y")
    assert "Tham dự (1): Công an tỉnh" in card_of(bloc, 1).text
    assert bloc.emu.callback_answers[-1].text == "Đã ghi nhận: Công an tỉnh tham dự."
    await bloc.press(OUTSIDER, GROUP, card.message_id, "rv:1:n")
    await bloc.press(VICE, GROUP, card.message_id, "rv:1:y")
    assert bloc.db_rows("SELECT unit_id, answer, user_id FROM rsvps ORDER BY unit_id") == [
        (2, "no", OUTSIDER),
        (4, "yes", VICE),
    ]
    text = card_of(bloc, 1).text
    assert "Tham dự (1): Sở Tư pháp tỉnh" in text and "Vắng mặt (1): Công an tỉnh" in text
    assert "Chưa trả lời (6)" in text
    assert len(bloc.texts(GROUP)) == count  # edited in place, never re-posted
    assert card_of(bloc, 1).edited == 3
    # someone linked to no unit, and the chair (admin, but not a unit's representative)
    before = bloc.snapshot("rsvps")
    await bloc.press(CHAIR, GROUP, card.message_id, "rv:1:y")
    assert bloc.emu.callback_answers[-1].show_alert
    assert "đại diện" in (bloc.emu.callback_answers[-1].text or "")
    assert bloc.snapshot("rsvps") == before
    await bloc.send(CHAIR, GROUP, "/rsvp 1")
    listing = bloc.last_text(GROUP)
    assert "Tham dự (1):\n    • Sở Tư pháp tỉnh" in listing
    assert "Vắng mặt (1):\n    • Công an tỉnh" in listing
    assert "Chưa trả lời (6):" in listing and "• Thanh tra tỉnh" in listing
    await bloc.send(CHAIR, GROUP, "/thamdu")  # the next meeting by default
    assert bloc.last_text(GROUP) == listing


async def test_move_and_cancel_edit_the_card_and_tell_the_group_once(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, MEETING)
    count = len(bloc.texts(GROUP))
    await bloc.send(CHAIR, GROUP, "/event 1 move 14h00 18/12")
    assert len(bloc.texts(GROUP)) == count + 1
    assert "được dời từ Thứ Tư, 16/12/2026 lúc 08:00 sang Thứ Sáu, 18/12/2026 lúc 14:00" in bloc.last_text(
        GROUP
    )
    assert "Thứ Sáu, 18/12/2026 lúc 14:00" in card_of(bloc, 1).text
    assert bloc.db_rows("SELECT due_at FROM reminders WHERE status = 'pending' ORDER BY due_at") == [
        ("2026-12-11T07:00:00+00:00",),
        ("2026-12-17T07:00:00+00:00",),
        ("2026-12-18T05:00:00+00:00",),
    ]
    assert [s for _, s in statuses(bloc)].count("cancelled") == 3
    await bloc.send(CHAIR, GROUP, "/sukien 1 cancel")
    assert len(bloc.texts(GROUP)) == count + 2
    assert "đã bị hủy" in bloc.last_text(GROUP)
    card = card_of(bloc, 1)
    assert card.text.startswith("❌ ĐÃ HỦY") and card.buttons == []
    assert bloc.db_rows("SELECT count(*) FROM reminders WHERE status = 'pending'") == [(0,)]
    await bloc.press(MEMBER, GROUP, card.message_id, "rv:1:y")  # an old button after the cancel
    assert bloc.emu.callback_answers[-1].text == "Cuộc họp này đã bị hủy."
    await bloc.send(CHAIR, GROUP, "/event 1 move 8h 20/12")
    assert "đã bị hủy" in bloc.last_text(GROUP)


async def test_remind_offsets_host_place_and_show(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/meeting 8h00 16/12/2026 | Giao ban")
    assert "(đề xuất theo luân phiên): Bộ Chỉ huy Quân sự tỉnh" in card_of(bloc, 1).text
    await bloc.send(CHAIR, GROUP, "/event 1 remind 30d, 3d, 2h")
    assert "trước 30d, 3d, 2h" in bloc.last_text(GROUP)
    assert "Các mốc đã qua được bỏ qua." in bloc.last_text(GROUP)  # 30 days before is past
    assert [s for s in statuses(bloc) if s[1] == "pending"] == [(259200, "pending"), (7200, "pending")]
    await bloc.send(CHAIR, GROUP, "/event 1 host thanh tra")
    assert "Đơn vị đăng cai: Thanh tra tỉnh" in card_of(bloc, 1).text
    await bloc.send(CHAIR, GROUP, "/event 1 place Hội trường Thanh tra tỉnh")
    assert "Địa điểm: Hội trường Thanh tra tỉnh" in card_of(bloc, 1).text
    await bloc.send(MEMBER, GROUP, "/event 1")
    shown = bloc.last_text(GROUP)
    assert "Nhắc lịch (trước 30d, 3d, 2h)" in shown and "chờ gửi" in shown
    assert bloc.emu.last(GROUP).reply_to == card_of(bloc, 1).message_id
    await bloc.send(CHAIR, GROUP, "/event 1 remind off")
    assert bloc.db_rows("SELECT count(*) FROM reminders WHERE status = 'pending'") == [(0,)]
    await bloc.send(CHAIR, GROUP, "/event 1 remind default")
    assert bloc.db_rows("SELECT count(*) FROM reminders WHERE status = 'pending'") == [(3,)]
    # the next meeting without a host gets the unit after Thanh tra tỉnh (#8): back to #1
    await bloc.send(CHAIR, GROUP, "/hop 8h 20/12/2026 | Họp giao ban")
    assert bloc.db_rows("SELECT host_unit_id, host_proposed FROM events WHERE id = 2") == [(1, 1)]


async def test_deadline_and_rotation_order(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/han 10/12/2026 | Gửi hồ sơ đề nghị khen thưởng")
    assert bloc.db_rows("SELECT kind, starts_at FROM events") == [
        ("deadline", "2026-12-10T10:00:00+00:00")
    ]  # no hour: 17:00
    assert "Hạn chót #1" in bloc.last_text(GROUP) and bloc.emu.last(GROUP).buttons == []
    assert [o for o, _ in statuses(bloc)] == [259200, 86400]
    await bloc.send(MEMBER, GROUP, "/rotation")
    assert "1. Bộ Chỉ huy Quân sự tỉnh ⭐" in bloc.last_text(GROUP)
    await bloc.send(MEMBER, GROUP, "/rotation #3")
    assert "Khối trưởng" in bloc.last_text(GROUP)  # only admins change it
    await bloc.send(CHAIR, GROUP, "/luanphien #6, cong an tinh")
    order = bloc.last_text(GROUP)
    assert "1. Tòa án nhân dân tỉnh ⭐\n2. Công an tỉnh\n3. Bộ Chỉ huy Quân sự tỉnh" in order
    await bloc.send(CHAIR, GROUP, "/meeting 8h 20/12/2026 | Họp")
    await bloc.send(CHAIR, GROUP, "/meeting 8h 22/12/2026 | Họp")
    assert bloc.db_rows("SELECT host_unit_id FROM events WHERE kind = 'meeting' ORDER BY id") == [(6,), (2,)]


async def test_guided_meeting_with_buttons(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/meeting")
    question = bloc.emu.last(GROUP)
    assert "khi nào" in question.text
    await bloc.send(CHAIR, GROUP, "31/6", reply_to=question.message_id)
    question = bloc.emu.last(GROUP)
    assert "31/6" in question.text and "16/07/2026 08:00" in question.text
    await bloc.send(CHAIR, GROUP, "8h00 16/12", reply_to=question.message_id)
    await bloc.send(CHAIR, GROUP, "Hội nghị tổng kết", reply_to=bloc.emu.last(GROUP).message_id)
    await bloc.send(CHAIR, GROUP, "-", reply_to=bloc.emu.last(GROUP).message_id)
    picker = bloc.emu.last(GROUP)
    assert "luân phiên là Bộ Chỉ huy Quân sự tỉnh" in picker.text
    data = buttons(picker)
    assert picker.button_texts[0].startswith("⭐ #1") and len(data) == 9
    assert bloc.db_rows("SELECT count(*) FROM events") == [(0,)]
    await bloc.press(OUTSIDER, GROUP, picker.message_id, data[1])  # not an admin
    assert bloc.db_rows("SELECT count(*) FROM events") == [(0,)]
    await bloc.press(CHAIR, GROUP, picker.message_id, data[1])
    assert bloc.db_rows("SELECT title, starts_at, place, host_unit_id, host_proposed FROM events") == [
        ("Hội nghị tổng kết", "2026-12-16T01:00:00+00:00", "", 2, 0)
    ]
    assert "Cuộc họp #1" in card_of(bloc, 1).text
    assert picker.text == "Đơn vị đăng cai: Công an tỉnh" and picker.buttons == []
    await bloc.press(CHAIR, GROUP, picker.message_id, data[2])  # pressed again
    assert bloc.db_rows("SELECT count(*) FROM events") == [(1,)]
    assert bloc.emu.callback_answers[-1].show_alert


async def test_ics_of_one_event_and_of_the_schedule(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, MEETING)
    await bloc.send(CHAIR, GROUP, "/deadline 10/12/2026 | Gửi hồ sơ")
    await bloc.send(MEMBER, GROUP, "/ics")
    sent = bloc.emu.last(GROUP)
    assert sent.document is not None and sent.document.filename == "khoi-thi-dua-so-3.ics"
    cal = Calendar.from_ical(sent.document.data)
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"event-1@blocbot", "event-2@blocbot"}
    meeting = events["event-1@blocbot"]
    assert meeting.decoded("dtstart") == MEETING_AT
    assert str(meeting["location"]) == "Hội trường Công an tỉnh"
    assert len(list(meeting.walk("VALARM"))) == 3
    assert events["event-2@blocbot"].decoded("dtstart") == datetime(2026, 12, 10, 10, tzinfo=UTC)
    await bloc.send(MEMBER, GROUP, "/ics 2")
    one = Calendar.from_ical(bloc.emu.last(GROUP).document.data)
    assert [str(e["summary"]) for e in one.walk("VEVENT")] == ["Gửi hồ sơ"]


async def test_a_meeting_sent_twice_is_created_once(bloc) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import CHAIR, GROUP

    text = "/hop 8h 28/12/2026 | Họp chuẩn bị tổng kết | Hội trường Sở Tư pháp"
    await bloc.send(CHAIR, GROUP, text)
    await bloc.send(CHAIR, GROUP, text)
    assert bloc.db_rows("SELECT count(*) FROM events WHERE status = 'scheduled'") == [(1,)]
    assert "#1" in bloc.last_text(GROUP)
