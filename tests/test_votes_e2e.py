"""What chairs and members found when they tried the votes (issue 14, Votes 1-4), end to end
through the channel-neutral conversation: on Telegram (the Bot API emulator: buttons, edits)
and on the console (numbered choices, no edits).

1. A ballot written as text is shown back by name, with warnings for a category left empty or
   short, and is cast only on Send; ballot positions are letters, never roster numbers.
2. Closing early asks the admin who asked, saying the turnout and whether the quorum is met.
3. The election speaks of bầu, đơn vị được giới thiệu, kết quả bầu, trúng cử (English: elect,
   nominated units, election result, elected), never of proposals.
4. What is finished is closed: a ballot cast by text takes the buttons off its page and off the
   messages that offered it; after the close no ballot message has buttons; a press on a stale
   ballot is answered and the receipt stays.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.app import run_console
from bot.cli import console_config
from bot.core.clock import FakeClock
from tests.conftest import CHAIR, GROUP, OUTSIDER
from tests.harness import START, BotHarness
from tests.test_polls_e2e import (
    AWARD_POLL,
    POLL_TABLES,
    VOTERS,
    buttons,
    close_poll,
    committee_opens,
    last,
    link_some,
    link_voters,
    press_label,
    vote_by_text,
)


def message(bot: BotHarness, chat: int, message_id: int) -> Any:
    """A bot message of a chat as it is now."""
    return next(m for m in bot.emu.messages(chat) if m.message_id == message_id)


def alerts_since(bot: BotHarness, user: int, seen: int) -> list[str]:
    """The texts of the press answers (alerts, toasts) a person got after the first `seen`."""
    return [a.text or "" for a in bot.emu.callback_answers[seen:] if a.user_id == user]


async def press(bot: BotHarness, user: int, chat: int, part: str) -> int:
    """Press the button whose label has `part` on the chat's latest message; its message id."""
    message_id, data = press_label(bot, chat, part)
    await bot.press(user, chat, message_id, data)
    return int(message_id)


# ---- 1. a ballot written as text ----------------------------------------------------------------


async def test_a_text_ballot_is_reviewed_by_name_and_cast_only_on_send(bloc: BotHarness) -> None:
    h = bloc
    await link_voters(h)
    await h.send(CHAIR, GROUP, AWARD_POLL)
    # candidates #3-#8 of /units: on the ballot they are A-F, so a number is no roster number
    await h.send(CHAIR, GROUP, "/poll 1 candidates #3, #4, #5, #6, #7, #8")
    await h.send(CHAIR, GROUP, "/poll 1 open")
    card = h.last_text(GROUP)
    assert "A. Bộ Chỉ huy Bộ đội Biên phòng tỉnh, B. Sở Tư pháp tỉnh" in card and "#3 " not in card
    page = last(h, VOTERS[0])
    labels = [label for label, _d in buttons(page)]
    assert "▫️ A. Bộ Chỉ huy Bộ đội Biên phòng tỉnh" in labels and not any("#" in lb for lb in labels)

    before = h.snapshot(*POLL_TABLES)
    await h.send(VOTERS[0], VOTERS[0], "/bophieu 1 1: b; 3: Tòa án, E")
    review = last(h, VOTERS[0])
    assert review.text is not None
    for line in (
        "🗳 Kiểm tra phiếu trước khi gửi",
        "Đơn vị bỏ phiếu: Bộ Chỉ huy Quân sự tỉnh",
        "1. Cờ thi đua của Chính phủ (đã chọn 1/1):\n   ☑ B. Sở Tư pháp tỉnh",
        "2. Cờ thi đua của UBND tỉnh (đã chọn 0/2):\n   (để trống)",
        "3. Bằng khen của Chủ tịch UBND tỉnh (đã chọn 2/3):\n   ☑ D. Tòa án nhân dân tỉnh\n"
        "   ☑ E. Cục Thi hành án dân sự tỉnh",
        "⚠️ 2. Cờ thi đua của UBND tỉnh: để trống, phiếu của đơn vị không chọn đơn vị nào",
        "⚠️ 3. Bằng khen của Chủ tịch UBND tỉnh: anh/chị mới chọn 2 trên tối đa 3 đơn vị.",
        "Phiếu chưa được bỏ vào hòm phiếu.",
    ):
        assert line in review.text, line
    assert [label for label, _d in buttons(review)] == ["✅ Gửi phiếu", "✏️ Sửa lại"]
    assert h.snapshot(*POLL_TABLES) == before  # nothing is sealed before Send
    old = message(h, VOTERS[0], page.message_id)  # the page it replaces has no buttons left
    assert not old.buttons and "thay bằng trang mới" in (old.text or "")

    # the older form: a number is the place on the ballot, and the review says whom it means
    await h.send(VOTERS[1], VOTERS[1], "/vote 1 1: 2")
    said = h.last_text(VOTERS[1])
    assert "☑ B. Sở Tư pháp tỉnh" in said and "2 = B. Sở Tư pháp tỉnh" in said and "/donvi" in said
    # Change shows the ballot's page with the ticks the text made, in the same message
    changed = await press(h, VOTERS[1], VOTERS[1], "✏️")
    assert changed == last(h, VOTERS[1]).message_id
    assert "☑ B. Sở Tư pháp tỉnh" in [label for label, _d in buttons(last(h, VOTERS[1]))]
    # written again: the newer review replaces the older one
    await h.send(VOTERS[1], VOTERS[1], "/vote 1 1: C; 2: C, D; 3: C, D, E")
    assert not message(h, VOTERS[1], changed).buttons
    assert "⚠️" not in h.last_text(VOTERS[1])  # every category full: no warning

    for text in (
        "/vote 1 1: Z",
        "/vote 1 1: Ngân hàng",
        "/vote 1 2: B, b",
        "/vote 1 1: #1",
        "/vote 1 1: tu phap tinh so",
    ):
        count = len(h.texts(VOTERS[2]))
        await h.send(VOTERS[2], VOTERS[2], text)
        assert len(h.texts(VOTERS[2])) == count + 1 and h.last_text(VOTERS[2]).startswith("🗳"), text
        assert "Gửi phiếu" not in h.last_text(VOTERS[2]), text
    assert "không có trên phiếu ở nội dung 1" in h.texts(VOTERS[2])[-5]
    assert "Có phải anh/chị muốn chọn B. Sở Tư pháp tỉnh" in h.last_text(VOTERS[2])  # a typo: the nearest
    assert h.snapshot(*POLL_TABLES) == before

    await h.press(VOTERS[0], VOTERS[0], review.message_id, "bv:1:1:c")
    receipt = message(h, VOTERS[0], review.message_id)
    assert (receipt.text or "").startswith("🗳 Đã nhận phiếu của Bộ Chỉ huy Quân sự tỉnh")
    assert not receipt.buttons and "Sở Tư pháp" not in (receipt.text or "")
    assert h.db_rows("SELECT unit_id FROM poll_turnout") == [(1,)]

    # what was reviewed is what is counted
    for uid in VOTERS[2:7]:
        await vote_by_text(h, uid, "1 1: A")
    await close_poll(h, 1)
    unsent = message(h, VOTERS[1], last(h, VOTERS[1]).message_id)  # VOTERS[1] never pressed Send
    assert not unsent.buttons
    await committee_opens(h, 1)
    results = next(t for t in reversed(h.texts(GROUP)) if t.startswith("📊"))
    assert "Bộ Chỉ huy Bộ đội Biên phòng tỉnh: 5 phiếu" in results and "Sở Tư pháp tỉnh: 1 phiếu" in results
    assert "thu về: 6" in results


async def test_a_text_ballot_is_reviewed_and_sent_with_numbers_on_the_console(tmp_path: Path) -> None:
    text = await console(tmp_path, SETUP)
    joins = [
        m[1] for line in text.splitlines() if (m := re.search(r"/thamgia ([0-9A-Z]{4}-[0-9A-Z]{4})", line))
    ]
    assert len(joins) == 3
    text = await console(tmp_path, VOTE.format(lan=joins[0], minh=joins[1], hoa=joins[2]))
    review, _sep, after = text.partition("/bophieu 1 1: thanh tra; 2: A")[2].partition("Đã nhận phiếu")
    assert "☑ C. Thanh tra tỉnh" in review and "☑ A. Sở Tư pháp" in review
    assert "⚠️ 2. Giấy khen: anh/chị mới chọn 1 trên tối đa 2 đơn vị." in review
    assert "1. ✅ Gửi phiếu\n2. ✏️ Sửa lại" in review
    assert "Nội dung 1/2: Bằng khen" in review  # "2" (Sửa lại) showed the ballot's page
    assert text.count("Đã nhận phiếu") == 1  # Minh's "2" then "1": one ballot, sent after the review
    # the early close asks, with numbers; "2" keeps voting open, "1" closes
    assert "Đã có 1/3 đơn vị bỏ phiếu; chưa bỏ phiếu: Sở Tư pháp tỉnh, Thanh tra tỉnh." in after
    assert "1. ✅ Kết thúc bỏ phiếu ngay\n2. ↩️ Chưa, tiếp tục bỏ phiếu" in after
    assert "Cuộc bỏ phiếu #1 vẫn tiếp tục; chưa kết thúc." in after
    assert "Đã kết thúc sớm cuộc bỏ phiếu #1 theo xác nhận của quản trị viên: 1/3" in after
    assert "Không đủ số đơn vị tham gia (cần 2 đơn vị)" in after  # one ballot of three: withheld


SETUP = r"""
:as Lan
/taokhoi Khối thi đua số 5
/donvi them \
Sở Tư pháp tỉnh\
Công an tỉnh\
Thanh tra tỉnh
/khoitruong
1
:private
/start
:group
/moi
:quit
"""

VOTE = r"""
:as Lan
:private
/thamgia {lan}
:as Minh
:private
/thamgia {minh}
:as Hoa
:private
/thamgia {hoa}
:as Lan
:group
/binhxet Bình xét thi đua \
Bằng khen | 1\
Giấy khen | 2
/binhxet 1 mo
:as Minh
:private
/bophieu 1 1: thanh tra; 2: A
2
/bophieu 1 1: thanh tra; 2: A
1
:as Lan
:group
/binhxet 1 dong
2
/binhxet 1 dong
1
:quit
"""


async def console(folder: Path, script: str) -> str:
    """Run a console script on the folder's database; everything printed, lines unindented."""
    out: list[str] = []
    config = console_config(folder, "vi")
    await run_console(
        config, lang="vi", out=folder, stream=io.StringIO(script), write=out.append, clock=FakeClock(START)
    )
    return "\n".join(line.strip() for line in "\n".join(out).splitlines())


# ---- 2. closing early ---------------------------------------------------------------------------


async def test_closing_early_asks_the_admin_who_asked(bloc: BotHarness) -> None:
    h = bloc
    await link_voters(h)
    await h.send(CHAIR, GROUP, AWARD_POLL)  # deadline 16/12/2026 17:00
    await h.send(CHAIR, GROUP, "/poll 1 open")
    for uid in VOTERS[:5]:
        await vote_by_text(h, uid, "1 1: 2")
    open_state = h.snapshot(*POLL_TABLES)

    await h.send(OUTSIDER, GROUP, "/poll 1 close")  # no admin: refused, nothing asked
    assert "Chỉ quản trị viên của Khối" in h.last_text(GROUP) and not last(h, GROUP).buttons
    await h.send(CHAIR, GROUP, "/poll 1 close")
    question = last(h, GROUP)
    assert question.text is not None
    assert "Kết thúc sớm cuộc bỏ phiếu #1 Bình xét thi đua năm 2026?" in question.text
    assert "Đã có 5/8 đơn vị bỏ phiếu; chưa bỏ phiếu: Tòa án nhân dân tỉnh" in question.text
    assert "Chưa đủ số đơn vị tham gia tối thiểu (2/3 số đơn vị thành viên, tức 6 đơn vị)" in question.text
    assert "Hạn bỏ phiếu: Thứ Tư, 16/12/2026 lúc 17:00." in question.text
    assert [label for label, _d in buttons(question)] == [
        "✅ Kết thúc bỏ phiếu ngay",
        "↩️ Chưa, tiếp tục bỏ phiếu",
    ]
    yes = next(d for label, d in buttons(question) if "✅" in label)
    assert h.snapshot(*POLL_TABLES) == open_state  # asking closes nothing

    seen = len(h.emu.callback_answers)
    await h.press(OUTSIDER, GROUP, question.message_id, yes)  # not the one who asked
    await h.press(VOTERS[2], GROUP, question.message_id, yes)  # an admin, but not the one who asked
    forged = yes.rsplit(":", 2)[0] + ":0badc0de:y"
    await h.press(CHAIR, GROUP, question.message_id, forged)  # the asker, a made-up token
    said = [a.text or "" for a in h.emu.callback_answers[seen:]]
    assert all(a.show_alert for a in h.emu.callback_answers[seen:])
    assert "Câu hỏi này dành cho Đỗ Quang Thấm" in said[0] and "Câu hỏi này dành cho" in said[1]
    assert "đã hết hạn" in said[2]
    assert h.snapshot(*POLL_TABLES) == open_state

    await h.send(CHAIR, GROUP, "/poll 1 close")  # asked again; then "keep voting open"
    await press(h, CHAIR, GROUP, "↩️")
    assert (
        h.last_text(GROUP) == "Cuộc bỏ phiếu #1 vẫn tiếp tục; chưa kết thúc." and not last(h, GROUP).buttons
    )
    await h.press(CHAIR, GROUP, last(h, GROUP).message_id, yes)  # the first question's button: stale
    assert "đã hết hạn" in (h.emu.callback_answers[-1].text or "")

    await h.send(CHAIR, GROUP, "/poll 1 close")
    h.clock.advance(timedelta(minutes=16))  # the question expires
    seen = len(h.emu.callback_answers)
    await press(h, CHAIR, GROUP, "✅")
    assert "đã hết hạn" in " ".join(alerts_since(h, CHAIR, seen))
    assert h.snapshot(*POLL_TABLES) == open_state

    await vote_by_text(h, VOTERS[5], "1 1: 2")  # six of eight: the quorum is met
    await h.send(CHAIR, GROUP, "/binhxet 1 dong")
    asked = h.last_text(GROUP)
    assert "Đã có 6/8 đơn vị bỏ phiếu" in asked and "Đã đủ số đơn vị tham gia tối thiểu" in asked
    asked_id = await press(h, CHAIR, GROUP, "✅")
    assert h.db_rows("SELECT status FROM polls") == [("closed",)]
    assert h.db_rows("SELECT closed_by FROM poll_rounds") == [(CHAIR,)]
    done = message(h, GROUP, asked_id)
    assert (
        not done.buttons
        and "Đã kết thúc sớm cuộc bỏ phiếu #1" in (done.text or "")
        and "6/8" in (done.text or "")
    )
    assert "Ban kiểm phiếu" in h.last_text(GROUP)  # the committee is asked to open the box


async def test_closing_when_every_unit_has_voted_asks_nothing(bloc: BotHarness) -> None:
    h = bloc
    await link_voters(h)
    await h.send(CHAIR, GROUP, "/poll Bình xét\nBằng khen | 1\nrules: deadline=16/12/2026 17:00")
    await h.send(CHAIR, GROUP, "/poll 1 open")
    for uid in VOTERS:
        await vote_by_text(h, uid, "1 1: 2")
    await h.send(CHAIR, GROUP, "/poll 1 close")
    assert h.db_rows("SELECT status FROM polls") == [("closed",)]
    assert not any("Kết thúc sớm" in t for t in h.texts(GROUP))


# ---- 3. the election's words --------------------------------------------------------------------

AWARD_WORDS = ("đề nghị", "bình xét", "Danh sách đề nghị", "cấp có thẩm quyền", "propose")


async def election(h: BotHarness, command: str) -> dict[str, str]:
    """An election run to its result: the draft, a ballot page, the card, the results."""
    await link_voters(h)
    await h.send(CHAIR, GROUP, command)
    draft = h.last_text(GROUP)
    await h.send(CHAIR, GROUP, "/poll 1 open")
    card = h.last_text(GROUP)
    page = h.last_text(VOTERS[0])
    for uid in VOTERS[:7]:
        await vote_by_text(h, uid, "1 1: D; 2: E")
    await close_poll(h, 1)
    await committee_opens(h, 1)
    results = next(t for t in reversed(h.texts(GROUP)) if t.startswith("📊"))
    return {"draft": draft, "card": card, "page": page, "results": results}


async def test_the_election_elects_in_vietnamese(bloc: BotHarness) -> None:
    said = await election(bloc, "/bau 2027")
    assert said["draft"].startswith("📝 Bản nháp cuộc bầu #1: Bầu Khối trưởng, Khối phó năm 2027")
    for text in (said["draft"], said["card"]):
        assert "1. Khối trưởng năm 2027 — bầu 1 đơn vị" in text
        assert "Đơn vị được giới thiệu: A. Bộ Chỉ huy Quân sự tỉnh, B. Công an tỉnh" in text
        assert "Đơn vị trúng cử khi số phiếu đạt quá nửa tổng số đơn vị thành viên" in text
        assert "đơn vị đã trúng cử Khối trưởng thì không bầu làm Khối phó" in text
    assert "Sửa danh sách đơn vị được giới thiệu bằng /binhxet 1 ungvien" in said["draft"]
    assert "/binhxet 1 mo" in said["draft"]
    assert "Bầu 1 đơn vị (chọn lại đơn vị đã chọn để bỏ)" in said["page"]
    results = said["results"]
    assert results.startswith("📊 Kết quả bầu #1: Bầu Khối trưởng, Khối phó năm 2027 — vòng 1")
    assert "1. Khối trưởng năm 2027 — bầu 1 đơn vị; cần 5 phiếu" in results
    assert "→ Trúng cử: Sở Tư pháp tỉnh" in results and "→ Trúng cử: Viện Kiểm sát nhân dân tỉnh" in results
    assert "Kết quả bầu:\n• Khối trưởng năm 2027: Sở Tư pháp tỉnh" in results
    assert "/binhxet 1 xacnhan" in results and "/binhxet 1 bienban" in results
    for text in said.values():
        assert not any(word in text for word in AWARD_WORDS), text
        assert "suất" not in text and "quá bán" not in text


async def test_the_election_elects_in_english(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/lang en")
    said = await election(bloc, "/elect 2027")
    assert said["draft"].startswith("📝 Draft election #1: Election of the chair and vice chair for 2027")
    assert "1. Chair unit (Khối trưởng) 2027 — elect 1 unit" in said["draft"]
    assert "Nominated units: A. Bộ Chỉ huy Quân sự tỉnh" in said["draft"]
    assert "A unit is elected with votes from more than half of all member units" in said["draft"]
    assert "a unit elected chair is not also elected vice chair" in said["draft"]
    assert "Change the nominated units with /poll 1 candidates" in said["draft"]
    assert said["results"].startswith("📊 Election result #1:")
    assert "→ Elected: Sở Tư pháp tỉnh" in said["results"] and "Election result:\n•" in said["results"]
    for text in said.values():
        assert "propose" not in text.lower() and "award" not in text.lower(), text


async def test_an_award_poll_proposes_in_plain_words(bloc: BotHarness) -> None:
    h = bloc
    await link_voters(h)
    await h.send(CHAIR, GROUP, AWARD_POLL)
    draft = h.last_text(GROUP)
    assert "1. Cờ thi đua của Chính phủ — đề nghị tối đa 1 đơn vị" in draft
    assert "Đơn vị được đề nghị khi số phiếu đạt quá nửa tổng số đơn vị thành viên" in draft
    assert "quá bán" not in draft and "(trên 50%)" not in draft
    assert "/binhxet 1 ungvien" in draft and "candidates" not in draft
    await h.send(CHAIR, GROUP, "/poll 1 open")
    for uid in VOTERS[:6]:
        await vote_by_text(h, uid, "1 1: B; 2: C, D; 3: E, F, G")
    await close_poll(h, 1)
    await committee_opens(h, 1)
    results = next(t for t in reversed(h.texts(GROUP)) if t.startswith("📊"))
    assert "1. Cờ thi đua của Chính phủ — đề nghị tối đa 1 đơn vị; cần 5 phiếu" in results
    assert "suất" not in results
    assert "Danh sách đề nghị (Khối đề nghị; cấp có thẩm quyền xem xét, quyết định):" in results


async def test_the_english_receipt_says_on_not_at_at(bloc: BotHarness) -> None:
    h = bloc
    await link_voters(h)
    await h.send(CHAIR, GROUP, "/poll Bình xét\nBằng khen | 1")
    await h.send(CHAIR, GROUP, "/poll 1 open")
    await h.send(VOTERS[0], VOTERS[0], "/lang en")
    await vote_by_text(h, VOTERS[0], "1 1: B")
    receipt = h.last_text(VOTERS[0])
    assert "round 1, on Saturday, 21/11/2026 at 09:00." in receipt and "at Saturday" not in receipt


# ---- 4. what is finished is closed ---------------------------------------------------------------


async def test_finished_ballots_lose_their_buttons_and_stale_presses_keep_the_receipt(
    bloc: BotHarness,
) -> None:
    h = bloc
    await link_some(h, [1, 2, 3, 4])
    said = await h.send(OUTSIDER, GROUP, "Tôi bỏ phiếu cho Thanh tra tỉnh")
    await h.send(CHAIR, GROUP, "/voter #8", reply_to=said.message["message_id"])  # never started
    await h.send(CHAIR, GROUP, "/poll Bình xét\nBằng khen | 1\nrules: deadline=23/11/2026 17:00")
    await h.send(CHAIR, GROUP, "/poll 1 open")
    # "get my ballot privately", for the voter who never started
    notice = next(m for m in h.emu.messages(GROUP) if m.text and "Trần Văn Minh" in m.text and m.buttons)
    pages = {uid: last(h, uid).message_id for uid in VOTERS[:4]}
    # VOTERS[0] asks for the ballots waiting (a button), then votes by text
    await h.send(VOTERS[0], VOTERS[0], "/vote")
    offered = last(h, VOTERS[0])
    assert offered.buttons and (offered.text or "").startswith("🗳 Có phiếu đang chờ anh/chị")
    await vote_by_text(h, VOTERS[0], "1 1: B")
    receipt = last(h, VOTERS[0])
    receipt_text = receipt.text  # (the emulator's message objects change as they are edited)
    assert (receipt_text or "").startswith("🗳 Đã nhận phiếu")
    for message_id in (pages[VOTERS[0]], offered.message_id):
        assert not message(h, VOTERS[0], message_id).buttons
    # a press on any of them now: answered, and the receipt stays as it was
    seen = len(h.emu.callback_answers)
    for message_id, data in ((receipt.message_id, "bv:1:1:c"), (offered.message_id, "bv:1:1:s")):
        await h.press(VOTERS[0], VOTERS[0], message_id, data)
    assert (
        alerts_since(h, VOTERS[0], seen)
        == ["Đơn vị đã bỏ phiếu ở cuộc bỏ phiếu #1; phiếu đã gửi không sửa được."] * 2
    )
    assert message(h, VOTERS[0], receipt.message_id).text == receipt_text

    # the day before the deadline a reminder offers the ballot; VOTERS[2] opens it from there
    h.clock.set(h.clock.now().replace(day=22, hour=10))
    scheduler = h.services.scheduler
    assert scheduler is not None
    await scheduler.run_due()
    await h.services.drain()
    reminders = {uid: last(h, uid) for uid in VOTERS[1:4]}
    assert all(r.buttons and "Nhắc nhở" in (r.text or "") for r in reminders.values())
    await h.press(VOTERS[2], VOTERS[2], reminders[VOTERS[2]].message_id, "bv:1:1:s")
    assert not message(h, VOTERS[2], pages[VOTERS[2]]).buttons  # the ballot moved to the reminder

    await close_poll(h, 1)
    for uid in VOTERS[1:4]:
        assert not any(m.buttons for m in h.emu.messages(uid)), uid
    assert not message(h, GROUP, notice.message_id).buttons
    seen = len(h.emu.callback_answers)
    page_text = message(h, VOTERS[1], pages[VOTERS[1]]).text
    assert "đã kết thúc" in (page_text or "")
    await h.press(VOTERS[1], VOTERS[1], pages[VOTERS[1]], "bv:1:1:t:0:2")
    assert alerts_since(h, VOTERS[1], seen) == ["Cuộc bỏ phiếu #1 đã kết thúc."]
    assert message(h, VOTERS[1], pages[VOTERS[1]]).text == page_text
    assert h.db_rows("SELECT count(*) FROM conversations WHERE slot LIKE 'ballot%'") == [(0,)]
