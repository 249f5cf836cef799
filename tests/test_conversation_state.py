"""Conversation state is rows keyed by (chat, person): two people never share one, /cancel
touches only the sender's, and a restart goes on where the person was (issue "One core")."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CHAIR, GROUP, MEMBER, SEED_UNITS, VICE
from tests.harness import BotHarness


async def two_admins(tmp_path: Path) -> BotHarness:
    harness = BotHarness(tmp_path, operators=[CHAIR, VICE])
    await harness.__aenter__()
    harness.person(CHAIR, "Đỗ Quang Thấm")
    harness.person(VICE, "Đỗ Đức Hà")
    harness.person(MEMBER, "Nguyễn Thị Lan")
    harness.group(GROUP, "Khối thi đua số 3", admins=[CHAIR], members=[VICE, MEMBER])
    await harness.send(CHAIR, GROUP, "/setup Khối thi đua số 3")
    await harness.send(CHAIR, GROUP, "/units add\n" + "\n".join(SEED_UNITS[:4]))
    return harness


def units(h: BotHarness) -> list[str]:
    return [r[0] for r in h.db_rows("SELECT name FROM units WHERE removed_at IS NULL ORDER BY position")]


async def test_two_admins_answer_different_questions_at_once(tmp_path: Path) -> None:
    h = await two_admins(tmp_path)
    try:
        await h.send(CHAIR, GROUP, "/units add")
        units_question = h.emu.last(GROUP).message_id
        await h.send(VICE, GROUP, "/meeting")
        when_question = h.emu.last(GROUP).message_id
        # Before: one pending question per chat, so the vice chair's overwrote the chair's.
        await h.send(CHAIR, GROUP, "Sở Y tế\nSở Xây dựng", reply_to=units_question)
        assert units(h)[-2:] == ["Sở Y tế", "Sở Xây dựng"]
        await h.send(VICE, GROUP, "8h00 16/12/2026", reply_to=when_question)
        assert "16/12" in h.last_text(GROUP) or "?" in h.last_text(GROUP)  # asks for the title next
        rows = h.db_rows("SELECT person_id, kind FROM conversations WHERE slot = 'question'")
        assert rows == [(VICE, "meeting_title")]
    finally:
        await h.__aexit__(None, None, None)


async def test_a_member_cancel_leaves_the_admins_question(tmp_path: Path) -> None:
    h = await two_admins(tmp_path)
    try:
        await h.send(CHAIR, GROUP, "/units add")
        question = h.emu.last(GROUP).message_id
        await h.send(MEMBER, GROUP, "/cancel")
        assert h.last_text(GROUP) == "Không có thao tác nào để hủy."
        # The member's reply to someone else's question is not taken as its answer either.
        await h.send(MEMBER, GROUP, "Sở Nội vụ", reply_to=question)
        assert "Sở Nội vụ" not in units(h)
        await h.send(CHAIR, GROUP, "Sở Y tế", reply_to=question)
        assert units(h)[-1] == "Sở Y tế"
        # The chair's own /cancel drops only his question.
        await h.send(CHAIR, GROUP, "/units add")
        await h.send(CHAIR, GROUP, "/cancel")
        assert h.db_rows("SELECT count(*) FROM conversations WHERE slot = 'question'") == [(0,)]
    finally:
        await h.__aexit__(None, None, None)


async def test_a_restart_in_the_middle_of_a_guided_dialog_goes_on(tmp_path: Path) -> None:
    h = await two_admins(tmp_path)
    try:
        await h.send(CHAIR, GROUP, "/units add")
        question = h.emu.last(GROUP).message_id
        await h.restart()
        await h.send(CHAIR, GROUP, "Sở Y tế\nSở Xây dựng", reply_to=question)
        assert units(h)[-2:] == ["Sở Y tế", "Sở Xây dựng"]
    finally:
        await h.__aexit__(None, None, None)


async def test_an_expired_question_is_not_answered(tmp_path: Path) -> None:
    from datetime import timedelta

    h = await two_admins(tmp_path)
    try:
        await h.send(CHAIR, GROUP, "/units add")
        question = h.emu.last(GROUP).message_id
        h.clock.set(h.clock.now() + timedelta(hours=3))
        await h.send(CHAIR, GROUP, "Sở Y tế", reply_to=question)
        assert "Sở Y tế" not in units(h)
    finally:
        await h.__aexit__(None, None, None)
