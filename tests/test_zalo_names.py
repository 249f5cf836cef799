"""OA events carry no names: the bot asks Zalo's user/detail once for a person it knows only by a
label, so the group, the committee's notices and the minutes name people ("Zalo 9001" before)."""

from __future__ import annotations

from pathlib import Path

from tests.zalo_harness import ZaloHarness

GROUP, CHAIR, OTHER = "g-khoi-9", "u-9100", "u-9101"


async def test_oa_people_are_named_from_their_zalo_profile(tmp_path: Path) -> None:
    async with ZaloHarness(tmp_path, bot=False, oa=True) as z:
        assert z.oa_emu is not None
        await z.oa_say(CHAIR, "/start", display_name="Đỗ Quang Thấm")
        await z.group_say(GROUP, CHAIR, "/taokhoi Khối thi đua số 9")
        assert "Đỗ Quang Thấm là quản trị viên" in z.group_texts(GROUP)[-1]
        assert z.rows("SELECT full_name FROM people") == [("Đỗ Quang Thấm",)]
        # someone whose profile Zalo does not give keeps a label, and still gets an answer
        await z.group_say(GROUP, OTHER, "/khoi")
        assert "Khối thi đua số 9" in z.group_texts(GROUP)[-1]
        assert ("Zalo 9101",) in z.rows("SELECT full_name FROM people")
