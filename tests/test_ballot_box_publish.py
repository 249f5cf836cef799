"""Publishing only what exposes no unit: per-candidate counts only with the quorum met and more
than one ballot; otherwise the round is not valid, says why, shows no count, and its ballots are
destroyed unopened (no committee is asked). Ballot pages lose their ticks and buttons once the
ballot is cast or the round closed."""

from __future__ import annotations

import re

from tests.conftest import CHAIR, GROUP
from tests.harness import BotHarness
from tests.test_polls_e2e import (
    VOTERS,
    buttons,
    close_poll,
    committee_opens,
    docx_text,
    link_voters,
    mark,
    minutes_of,
    press_label,
    vote_by_text,
)

COUNTS = (" phiếu (", "đồng ý ", "hợp lệ:")  # what a published count shows, and a withheld one never


def asked_to_open(h: BotHarness) -> bool:
    return any("/kiemphieu <mã>" in t for uid in VOTERS for t in h.texts(uid))


async def test_a_round_without_the_quorum_publishes_no_count(bloc: BotHarness) -> None:
    h = bloc
    await link_voters(h)
    await h.send(CHAIR, GROUP, "/poll Bình xét\nCờ thi đua của UBND tỉnh | 1")
    await h.send(CHAIR, GROUP, "/poll 1 open")
    for uid, pick in zip(VOTERS[:4], ["2", "2", "2", "5"], strict=True):  # 4 of 8: 6 needed
        await vote_by_text(h, uid, f"1 1: {pick}")
    photos = sum(m.photo is not None for m in h.emu.messages(GROUP))
    await close_poll(h, 1)
    text = h.last_text(GROUP)
    assert "Không đủ số đơn vị tham gia (cần 6 đơn vị)" in text and "không hợp lệ" in text
    assert "thu về: 4" in text and not any(c in text for c in COUNTS)
    assert "Công an tỉnh" not in text  # no candidate is named with a count, not even 0
    assert sum(m.photo is not None for m in h.emu.messages(GROUP)) == photos  # no chart
    assert not asked_to_open(h)  # never opened: no committee is asked
    assert h.db_rows("SELECT count(*) FROM poll_ballots") == [(0,)]  # destroyed unopened
    assert h.db_rows("SELECT returned, withheld FROM poll_counts") == [(4, "quorum")]
    assert h.db_rows("SELECT count(*) FROM poll_boxes") == [(0,)]
    await h.send(CHAIR, GROUP, "/poll 1 minutes")
    doc = docx_text(minutes_of(h))
    assert "không có giá trị" in doc and "4/8 đơn vị" in doc  # turnout is public, no count is
    assert not re.search(r"\d+ phiếu \(|\d+ phiếu, đạt|\| \d+,\d%", doc) and "STT |" not in doc
    assert "Ban kiểm phiếu gồm:" in doc  # the committee named in the minutes


async def test_a_single_ballot_is_never_counted_even_with_the_quorum(bloc: BotHarness) -> None:
    h = bloc
    await link_voters(h)
    await h.send(CHAIR, GROUP, "/poll Bình xét\nCờ thi đua của UBND tỉnh | 1\nrules: quorum=1/8")
    await h.send(CHAIR, GROUP, "/poll 1 open")
    await vote_by_text(h, VOTERS[5], "1 1: 6")
    await close_poll(h, 1)
    text = h.last_text(GROUP)
    assert "Chỉ thu về một phiếu" in text and not any(c in text for c in COUNTS)
    assert "Tòa án nhân dân tỉnh" not in text
    assert h.db_rows("SELECT returned, withheld FROM poll_counts") == [(1, "single")]
    assert h.db_rows("SELECT count(*) FROM poll_ballots") == [(0,)]


async def test_a_round_two_that_one_unit_answered_goes_to_the_chair_uncounted(bloc: BotHarness) -> None:
    h = bloc
    await link_voters(h)
    await h.send(CHAIR, GROUP, "/poll Bình xét cờ tỉnh\nCờ thi đua của UBND tỉnh | 1")
    await h.send(CHAIR, GROUP, "/poll 1 open")
    for uid, pick in zip(VOTERS, ["1"] * 4 + ["2"] * 4, strict=True):  # a tie
        await vote_by_text(h, uid, f"1 1: {pick}")
    await close_poll(h, 1)
    await committee_opens(h, 1)
    await h.send(CHAIR, GROUP, "/poll 1 round2")
    await vote_by_text(h, VOTERS[0], "1 1: 1")  # one unit answers round 2
    await close_poll(h, 1)
    text = h.last_text(GROUP)
    assert "vòng 2" in text and "vòng này không hợp lệ" in text
    assert "Bộ Chỉ huy Quân sự tỉnh: 1 phiếu" not in text and not re.search(r"\d+ phiếu \(", text)
    assert "/binhxet 1 quyetdinh" in text  # the Vietnamese hint names the Vietnamese alias
    await h.send(CHAIR, GROUP, "/poll 1 decide 1: #2")
    assert h.db_rows("SELECT idx, unit_id FROM poll_decisions") == [(0, 2)]


async def test_ticks_and_buttons_come_off_every_ballot_page(bloc: BotHarness) -> None:
    h = bloc
    await link_voters(h)
    await h.send(CHAIR, GROUP, "/poll Bình xét\nCờ thi đua | 1\nBằng khen | 2")
    await h.send(CHAIR, GROUP, "/poll 1 open")
    pages = {uid: h.emu.last(uid) for uid in VOTERS}
    assert all(p is not None and p.buttons for p in pages.values())
    # VOTERS[0] ticks and sends with the buttons; VOTERS[1] ticks, then sends by text;
    # VOTERS[2] ticks and leaves it; the others never touch their ballot
    for uid in VOTERS[:3]:
        message_id, data = press_label(h, uid, mark(3))
        await h.press(uid, uid, message_id, data)
        assert "☑" in str(buttons(h.emu.last(uid)))
    for part in ("▶", mark(4), "▶", "✅"):
        message_id, data = press_label(h, VOTERS[0], part)
        await h.press(VOTERS[0], VOTERS[0], message_id, data)
    await vote_by_text(h, VOTERS[1], "1 1: 3; 2: 4, 5")
    for uid in VOTERS[:2]:
        page = next(m for m in h.emu.messages(uid) if m.message_id == pages[uid].message_id)
        assert not page.buttons and "☑" not in (page.text or "")
    assert h.db_rows("SELECT count(*) FROM conversations WHERE slot = 'ballot:1:1'") == [(6,)]
    await close_poll(h, 1)
    for uid in VOTERS[2:]:
        page = next(m for m in h.emu.messages(uid) if m.message_id == pages[uid].message_id)
        assert not page.buttons and "☑" not in (page.text or "") and "đã kết thúc" in (page.text or "")
    assert h.db_rows("SELECT count(*) FROM conversations WHERE slot LIKE 'ballot:%'") == [(0,)]
