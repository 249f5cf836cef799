"""A bloc year through the Zalo emulators, end to end: the bloc's home is the OA's group, its
eight units join from their one-to-one chats with the OA, a meeting is answered by number in
the group (a stale number too) and reminded naming the silent units, a form is answered by
a number and text (a wrong answer asked again), the roster is downloaded by its signed link and
read, and a reminder that meets a used-up quota reaches the group once the quota allows.
The real application, loopback HTTP, a real SQLite file, an injected clock."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from openpyxl import load_workbook

from bot.channels.zalo.oa_outbox import ROUND
from tests.conftest import SEED_UNITS
from tests.zalo_harness import ZaloHarness

GROUP = "g-khoi-3"
CHAIR = "u-9000"
REPS = [f"u-{9001 + i}" for i in range(8)]  # REPS[0] represents #1, and so on
MEETING_AT = datetime(2026, 12, 16, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội


async def join_units(z: ZaloHarness) -> None:
    """The chair sets the bloc up; each unit's representative joins with its typed code."""
    await z.oa_say(CHAIR, "/start")
    await z.group_say(GROUP, CHAIR, "/taokhoi Khối thi đua số 3")
    await z.group_say(GROUP, CHAIR, "/donvi them\n" + "\n".join(SEED_UNITS))
    await z.group_say(GROUP, CHAIR, "/moi")
    codes = re.findall(r"/thamgia ([0-9A-Z]{4}-[0-9A-Z]{4})", "\n".join(z.oa_texts(CHAIR)))
    assert len(codes) == 8
    for rep, code in zip(REPS, codes, strict=True):
        await z.oa_say(rep, f"thamgia {code}")  # typed as people write it, without the slash
        assert "Chào mừng" in z.oa_texts(rep)[-1]
    assert z.rows("SELECT COUNT(*) FROM representatives") == [(8,)]


async def test_a_bloc_year_in_an_oa_group(tmp_path: Path) -> None:
    async with ZaloHarness(tmp_path, bot=False, oa=True) as z:
        await join_units(z)

        # A meeting: the card is numbered; representatives answer with a bare number.
        await z.group_say(GROUP, CHAIR, "/hop 8h00 16/12/2026 | Hội nghị tổng kết năm 2026 | Hội trường A")
        card = z.group_texts(GROUP)[-1]
        assert "1. ✅ Tham dự" in card and "2. ❌ Vắng mặt" in card
        for rep in REPS[:5]:
            await z.group_say(GROUP, rep, "1")
        await z.group_say(GROUP, REPS[5], "2")
        await z.group_say(GROUP, REPS[6], "9")
        assert "không có lựa chọn số 9" in z.group_texts(GROUP)[-1]
        assert z.rows("SELECT COUNT(*) FROM rsvps") == [(6,)]

        # A week before: one reminder in the group, naming the two silent units.
        assert z.services is not None and z.services.scheduler is not None
        z.clock.set(MEETING_AT - timedelta(days=7))
        await z.services.scheduler.run_due(z.clock.now())
        await z.services.drain()
        (reminder,) = [t for t in z.group_texts(GROUP) if t.startswith("🔔")]
        (silent,) = [line for line in reminder.split("\n") if "chưa xác nhận" in line]
        assert silent.endswith(f"(2): {SEED_UNITS[6]}, {SEED_UNITS[7]}")

        # A form answered privately: a number picks the choice; a wrong answer is asked again.
        await z.group_say(
            GROUP,
            CHAIR,
            "/dangky custom Hội thao | 15/12/2026\nMôn thi đấu | choice:Bóng đá,Cầu lông\nTrưởng đoàn | text",
        )
        rep = REPS[0]
        await z.oa_say(rep, "/nop 1")
        assert "Bóng đá" in z.oa_texts(rep)[-1] and "Cầu lông" in z.oa_texts(rep)[-1]
        await z.oa_say(rep, "Bơi lội")  # not one of the choices: asked again
        assert "không nằm trong các lựa chọn" in z.oa_texts(rep)[-1] and "Câu 1/2" in z.oa_texts(rep)[-1]
        await z.oa_say(rep, "2")
        assert "Câu 2/2: Trưởng đoàn" in z.oa_texts(rep)[-1]
        await z.oa_say(rep, "Ông Lê Văn An")
        assert z.rows("SELECT answers FROM form_responses") == [
            ('{"f1": "Cầu lông", "f2": "Ông Lê Văn An"}',)
        ]

        # The roster, by signed link, read back.
        await z.group_say(GROUP, CHAIR, "/export roster")
        (line,) = [t for t in z.group_texts(GROUP) if "📎" in t and ".xlsx" in t]
        url = re.findall(r"https?://\S+", line)[0]
        async with httpx.AsyncClient() as client:
            got = await client.get(url)
        assert got.status_code == 200
        sheet = load_workbook(io.BytesIO(got.content)).active
        assert sheet is not None
        cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
        assert set(SEED_UNITS) <= cells

        # The quota runs out before the day-before reminder: it is kept, then posted.
        assert z.oa_emu is not None and z.zalo is not None and z.zalo.oa_outbox is not None
        z.oa_emu.exhaust_quota()
        z.clock.set(MEETING_AT - timedelta(days=1))
        await z.services.scheduler.run_due(z.clock.now())
        await z.services.drain()
        assert len([t for t in z.group_texts(GROUP) if t.startswith("🔔")]) == 1
        z.oa_emu.exhaust_quota(False)
        z.clock.advance(ROUND)
        assert await z.zalo.oa_outbox.send_kept() >= 1
        reminders = [t for t in z.group_texts(GROUP) if t.startswith("🔔")]
        assert len(reminders) == 2 and SEED_UNITS[7] in reminders[1]


async def test_long_lists_are_split_and_forged_events_change_nothing(tmp_path: Path) -> None:
    async with ZaloHarness(tmp_path, bot=False, oa=True) as z:
        assert z.oa_emu is not None
        names = [f"Phòng nghiệp vụ số {i} thuộc Sở Kế hoạch và Đầu tư tỉnh" for i in range(1, 91)]
        await z.group_say(GROUP, CHAIR, "/taokhoi Khối thi đua số 9")
        await z.group_say(GROUP, CHAIR, "/donvi them\n" + "\n".join(names))
        before = len(z.group_texts(GROUP))
        await z.group_say(GROUP, CHAIR, "/donvi")
        pieces = z.group_texts(GROUP)[before:]
        assert len(pieces) >= 3 and all(len(p) <= 2000 for p in pieces)
        assert all(f"#{i} {name}" in "\n".join(pieces) for i, name in enumerate(names, start=1))
        snapshot = z.rows("SELECT COUNT(*) FROM units WHERE removed_at IS NULL")
        forged = {"app_id": z.oa_emu.app_id, "event_name": "user_send_group_text", "timestamp": "0",
                  "sender": {"id": CHAIR}, "recipient": {"id": GROUP},
                  "message": {"text": "/donvi xoa #1", "msg_id": "forged"}}  # fmt: skip
        refused = await z.oa_emu.post_raw(forged, {"X-ZEvent-Signature": "mac=" + "ab" * 32})
        assert refused.status == 401
        assert z.rows("SELECT COUNT(*) FROM units WHERE removed_at IS NULL") == snapshot
        assert len(z.group_texts(GROUP)) == before + len(pieces)
