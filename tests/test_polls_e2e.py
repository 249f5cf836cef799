"""Award polls end to end: 8 units, quotas 1, 2 and 3, buttons and text ballots, the counting
committee opening the ballot box, results, minutes."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

from docx import Document

from bot.emulators.telegram.records import SentMessage
from bot.polls.ballots import position_label
from tests.conftest import CHAIR, GROUP, MEMBER, OUTSIDER, SEED_UNITS
from tests.harness import BOT_USERNAME, BotHarness

VOTERS = list(range(201, 209))  # VOTERS[i] casts the ballots of unit #i+1
POLL_TABLES = (
    "polls",
    "poll_categories",
    "poll_candidates",
    "poll_rounds",
    "poll_electorate",
    "poll_turnout",
    "poll_ballots",
    "poll_decisions",
    "roles",
)
AWARD_POLL = (
    "/poll Bình xét thi đua năm 2026\n"
    "Cờ thi đua của Chính phủ | 1\n"
    "Cờ thi đua của UBND tỉnh | 2\n"
    "Bằng khen của Chủ tịch UBND tỉnh | 3\n"
    "rules: threshold=majority base=members quorum=2/3 self=yes deadline=16/12/2026 17:00"
)
# Ballots by text, per voter index (the older form: a number is the candidate's place on the
# ballot, here also its roster number, every unit being a candidate). Voter 8 abstains.
TEXT_BALLOTS = {
    1: "1: 2; 2: 3, 4; 3: 5, 6, 7",
    2: "1: 2; 2: 3, 4; 3: 5, 6, 1",
    3: "1: 2; 2: 3, 4; 3: 5, 6, 7",
    4: "1: 2; 2: 3, 2; 3: 5, 7, 1",
    5: "1: 2; 2: 3, 4; 3: 5, 6, 7",
    6: "1: 5; 2: 4, 8; 3: 5, 6",
}
# Voter 1 (index 0) votes with the buttons: 1: #2; 2: #3, #4; 3: #5, #6, #7.
BUTTON_TICKS = [[2], [3, 4], [5, 6, 7]]


# A share code as the bot shows it (bot.polls.box.Share.code): 8 groups of 4.
CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){7}\b")


def codes_of(bot: BotHarness, poll_id: int) -> list[tuple[int, str]]:
    """(holder, code) for the poll's box waiting to be opened, as each holder reads it in their
    private chat (the codes are nowhere else: the database has the box id and who holds what)."""
    rows = bot.db_rows(
        "SELECT h.person_id, b.box_id FROM poll_box_holders h JOIN poll_boxes b "
        "ON b.poll_id = h.poll_id AND b.round = h.round WHERE b.poll_id = ? ORDER BY h.share",
        (poll_id,),
    )
    found = []
    for person, box_id in rows:
        codes = [c for t in bot.texts(person) for c in CODE.findall(t) if c.startswith(box_id)]
        assert codes, f"no code of box {box_id} in {person}'s chat"
        found.append((int(person), codes[-1]))
    return found


async def committee_opens(bot: BotHarness, poll_id: int, holders: int = 2) -> list[tuple[int, str]]:
    """The first `holders` members of the counting committee each send their code privately,
    as a person pastes it: '/kiemphieu <code>'. Returns who sent which."""
    sent = codes_of(bot, poll_id)[:holders]
    for person, code in sent:
        await bot.send(person, person, f"/kiemphieu {code}")
    return sent


def last(bot: BotHarness, chat: int) -> SentMessage:
    """The bot's newest visible message in a chat (there must be one)."""
    message = bot.emu.last(chat)
    assert message is not None
    return message


def buttons(message: Any) -> list[tuple[str, str]]:
    """(label, callback data) of a message's inline buttons."""
    return [(b["text"], b.get("callback_data", "")) for row in message.buttons for b in row]


def mark(number: int) -> str:
    """The start of the label of the candidate in that place on a ballot: 'B. ' for 2."""
    return f"{position_label(number)}. "


def candidate_labels(labels: list[str]) -> list[str]:
    """The candidates' buttons among a ballot page's labels ('▫️ B. Công an tỉnh')."""
    return [lb for lb in labels if re.match(r"^\S+ [A-Z]{1,2}\. ", lb)]


def press_label(bot: BotHarness, user: int, part: str) -> Any:
    """Data of the button whose label contains part, on the user's latest bot message."""
    message = last(bot, user)
    for label, data in buttons(message):
        if part in label:
            return message.message_id, data
    raise LookupError(f"no button {part!r} in {buttons(message)}")


async def link_voters(bloc: BotHarness) -> None:
    """Eight people, each linked to one unit through its join link."""
    for i, uid in enumerate(VOTERS, 1):
        bloc.person(uid, f"Người bỏ phiếu {i}")
    await bloc.send(CHAIR, CHAIR, "/start")
    await bloc.send(CHAIR, GROUP, "/invite")
    links = re.findall(rf"https://t\.me/{BOT_USERNAME}\?start=(join_[\w-]+)", bloc.last_text(CHAIR))
    for uid, link in zip(VOTERS, links, strict=True):
        await bloc.send(uid, uid, f"/start {link}")
    await bloc.send(CHAIR, GROUP, "/chair #3")
    await bloc.send(CHAIR, GROUP, "/vicechair #4")


async def vote_by_text(bot: BotHarness, user: int, text: str, command: str = "/vote") -> None:
    """A ballot written in one line, then Send on its review, as a person would."""
    await bot.send(user, user, f"{command} {text}")
    assert "✅" in "".join(label for label, _d in buttons(last(bot, user))), bot.last_text(user)
    message_id, data = press_label(bot, user, "✅")
    await bot.press(user, user, message_id, data)


async def close_poll(bot: BotHarness, poll_id: int, user: int = CHAIR, chat: int = GROUP) -> None:
    """'/poll <id> close', confirmed when the bot asks (the close is early: before the deadline,
    or the quorum not met)."""
    await bot.send(user, chat, f"/poll {poll_id} close")
    if any(data.startswith("pcl:") for _label, data in buttons(last(bot, chat))):
        message_id, data = press_label(bot, chat, "✅")
        await bot.press(user, chat, message_id, data)


async def vote_with_buttons(bot: BotHarness, user: int, ticks: list[list[int]]) -> None:
    """Tick, page on, review and send, as a person would."""
    for numbers in ticks:
        for number in numbers:
            message_id, data = press_label(bot, user, mark(number))
            await bot.press(user, user, message_id, data)
        message_id, data = press_label(bot, user, "▶")
        await bot.press(user, user, message_id, data)
    message_id, data = press_label(bot, user, "✅")
    await bot.press(user, user, message_id, data)


async def run_award_poll(bloc: BotHarness) -> dict[str, Any]:
    """The whole award poll of the issue, returning what the tests check afterwards."""
    await link_voters(bloc)
    await bloc.send(CHAIR, GROUP, AWARD_POLL)
    assert "#1" in bloc.last_text(GROUP)
    await bloc.send(CHAIR, GROUP, "/poll 1 open")
    card = last(bloc, GROUP)
    assert card.text is not None
    assert "0/8" in card.text or "0 trên 8" in card.text or "0 of 8" in card.text
    for uid in VOTERS:  # every voter got the first ballot page privately
        assert bloc.last_text(uid).startswith("🗳")

    await vote_with_buttons(bloc, VOTERS[0], BUTTON_TICKS)
    receipt = bloc.last_text(VOTERS[0])
    assert "🗳" in receipt and "Công an tỉnh" not in receipt  # the receipt repeats no choice

    # a forged button: a candidate number no ballot has; nothing is stored
    before = bloc.snapshot(*POLL_TABLES)
    message = last(bloc, VOTERS[2])
    await bloc.press(VOTERS[2], VOTERS[2], message.message_id, "bv:1:1:t:0:99")
    await bloc.press(VOTERS[2], VOTERS[2], message.message_id, "bv:1:1:c:;")
    await bloc.press(VOTERS[2], VOTERS[2], message.message_id, "bv:999:1:s")
    await bloc.press(VOTERS[2], VOTERS[2], message.message_id, "bv:1:1:a:0:y")  # not a confirmation
    assert bloc.snapshot(*POLL_TABLES) == before
    forged_alerts = [a for a in bloc.emu.callback_answers if a.user_id == VOTERS[2]]
    assert forged_alerts and all(a.show_alert for a in forged_alerts)

    first_page = next(m for m in bloc.emu.messages(VOTERS[1]) if m.buttons)
    data = next(d for label, d in buttons(first_page) if mark(5) in label)  # kept, as an old copy would
    for index, text in TEXT_BALLOTS.items():
        await vote_by_text(bloc, VOTERS[index], f"1 {text}")
        assert bloc.last_text(VOTERS[index]).startswith("🗳")
    # a ballot cast by text takes the ticks and buttons off its page
    page = next(m for m in bloc.emu.messages(VOTERS[1]) if m.message_id == first_page.message_id)
    assert not page.buttons and "☑" not in (page.text or "")

    # unit #2 tries to vote again, by text and with its old ballot buttons: refused, unchanged
    before = bloc.snapshot(*POLL_TABLES)
    await bloc.send(VOTERS[1], VOTERS[1], "/vote 1 1: 5; 2: 5, 6; 3: 1")
    again = bloc.last_text(VOTERS[1])
    await bloc.press(VOTERS[1], VOTERS[1], first_page.message_id, data)
    assert bloc.snapshot(*POLL_TABLES) == before
    assert bloc.db_rows("SELECT count(*) FROM poll_ballots") == [(7,)]

    card = bloc.emu.messages(GROUP)[[m.message_id for m in bloc.emu.messages(GROUP)].index(card.message_id)]
    assert card.edited >= 7 and "7" in (card.text or "")
    texts_before_close = len(bloc.texts(GROUP))
    await close_poll(bloc, 1)
    waiting = bloc.last_text(GROUP)
    assert "Ban kiểm phiếu" in waiting and "phiếu (" not in waiting  # no count before the box opens
    await committee_opens(bloc, 1)
    results = [m for m in bloc.emu.messages(GROUP)[texts_before_close:] if m.text]
    chart = last(bloc, GROUP)
    await bloc.send(CHAIR, GROUP, "/poll 1 minutes Hội trường Bộ Chỉ huy Quân sự tỉnh | Lê Thị Thư ký")
    minutes = [m for m in bloc.emu.messages(GROUP) if m.document is not None][-1]
    return {"again": again, "results": results, "chart": chart, "minutes": minutes}


def minutes_of(bot: BotHarness) -> bytes:
    """The latest document the bot sent to the group (the minutes)."""
    sent = [m.document for m in bot.emu.messages(GROUP) if m.document is not None]
    assert sent
    return sent[-1].data


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a .docx, one per line."""
    doc = Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


async def test_award_poll_end_to_end(bloc: BotHarness) -> None:
    seen = await run_award_poll(bloc)
    assert "không sửa" in seen["again"] or "cannot be changed" in seen["again"]
    text = "\n".join(m.text for m in seen["results"])
    # per category: votes and Vietnamese percentages, and the proposed units
    assert "Công an tỉnh: 6 phiếu (75,0%)" in text
    assert "Viện Kiểm sát nhân dân tỉnh: 7 phiếu (87,5%)" in text
    assert "Cục Thi hành án dân sự tỉnh: 5 phiếu (62,5%)" in text
    assert "Bộ Chỉ huy Quân sự tỉnh: 2 phiếu (25,0%)" in text
    assert "đề nghị" in text.lower() and "tặng" not in text.lower()
    assert "thu về: 7" in text and "hợp lệ: 7" in text
    assert bloc.db_rows("SELECT status FROM polls") == [("closed",)]
    assert seen["chart"].photo is not None and seen["chart"].photo.data[:8] == b"\x89PNG\r\n\x1a\n"

    doc = docx_text(seen["minutes"].document.data)
    assert seen["minutes"].document.filename.endswith(".docx")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in doc and "Độc lập - Tự do - Hạnh phúc" in doc
    assert "BIÊN BẢN KIỂM PHIẾU" in doc
    assert "KHỐI THI ĐUA SỐ 3" in doc and "2026" in doc
    assert "Hội trường Bộ Chỉ huy Quân sự tỉnh" in doc and "Lê Thị Thư ký" in doc
    assert "Bộ Chỉ huy Bộ đội Biên phòng tỉnh" in doc  # presiding: the chair unit
    assert "phát ra: 8" in doc and "thu về: 7" in doc and "không hợp lệ: 0" in doc
    assert "không tham gia bỏ phiếu: Thanh tra tỉnh." in doc
    assert "1. Cờ thi đua của Chính phủ: Công an tỉnh (6 phiếu, đạt 75,0%)." in doc
    assert (
        "2. Cờ thi đua của UBND tỉnh: Bộ Chỉ huy Bộ đội Biên phòng tỉnh (6 phiếu, đạt 75,0%), "
        "Sở Tư pháp tỉnh (6 phiếu, đạt 75,0%)." in doc
    )
    assert (
        "3. Bằng khen của Chủ tịch UBND tỉnh: Viện Kiểm sát nhân dân tỉnh (7 phiếu, đạt 87,5%), "
        "Tòa án nhân dân tỉnh (6 phiếu, đạt 75,0%), Cục Thi hành án dân sự tỉnh (5 phiếu, đạt 62,5%)." in doc
    )
    assert "87,5%" in doc and "Đã tổ chức 1 vòng bỏ phiếu." in doc
    for name in SEED_UNITS:
        assert name in doc


async def test_bad_inputs_and_refusals_change_nothing(bloc: BotHarness) -> None:
    await link_voters(bloc)
    await bloc.send(CHAIR, GROUP, AWARD_POLL)
    before = bloc.snapshot(*POLL_TABLES)
    cases = [
        (CHAIR, GROUP, "/poll Bình xét"),  # no category
        (CHAIR, GROUP, "/poll Bình xét\nCờ thi đua | hai"),  # quota not a number
        (CHAIR, GROUP, "/poll Bình xét\nCờ thi đua | 9"),  # more than the units
        (CHAIR, GROUP, "/poll Bình xét\nCờ | 1\nrules: threshold=most"),
        (CHAIR, GROUP, "/poll Bình xét\nCờ | 1\nrules: quorum=5/3"),
        (CHAIR, GROUP, "/poll Bình xét\nCờ | 1\nrules: deadline=1/1/2020"),
        (CHAIR, GROUP, "/poll Bình xét\nCờ | 1\nCờ | 2"),  # duplicate category
        (CHAIR, GROUP, "/poll Bình xét\nXác nhận | confirm Ngân hàng"),  # unknown unit
        (CHAIR, GROUP, "/poll 1 candidates #2, Ngân hàng"),
        (CHAIR, GROUP, "/poll 1 candidates #2"),  # fewer than the quota 3
        (CHAIR, GROUP, "/poll 1 close"),  # not open
        (CHAIR, GROUP, "/poll 1 round2"),
        (CHAIR, GROUP, "/poll 1 minutes"),
        (CHAIR, GROUP, "/poll 1 confirm"),
        (CHAIR, GROUP, "/poll 9 open"),
        (CHAIR, GROUP, "/poll 1 frobnicate"),
        (CHAIR, GROUP, "/elect 1999"),
        (OUTSIDER, GROUP, "/poll 1 open"),
        (OUTSIDER, GROUP, "/poll Bình xét\nCờ | 1"),
        (OUTSIDER, GROUP, "/bau 2027"),
        (MEMBER, GROUP, "/vote 1 1: 2"),
        (VOTERS[0], VOTERS[0], "/vote 1 1: 2"),  # not open yet
        (VOTERS[0], VOTERS[0], "/vote abc"),
    ]
    for user, chat, text in cases:
        count = len(bloc.texts(chat))
        await bloc.send(user, chat, text)
        assert len(bloc.texts(chat)) == count + 1, text
        assert "Traceback" not in bloc.last_text(chat)
    assert bloc.snapshot(*POLL_TABLES) == before
    await bloc.send(OUTSIDER, GROUP, "/poll 1")  # anyone may look
    assert "#1" in bloc.last_text(GROUP)


async def test_self_vote_barred_hides_the_own_unit(bloc: BotHarness) -> None:
    await link_voters(bloc)
    await bloc.send(CHAIR, GROUP, "/binhxet Suy tôn\nCờ thi đua của UBND tỉnh | 2\nrules: self=no")
    await bloc.send(CHAIR, GROUP, "/binhxet 1 mo")
    page = last(bloc, VOTERS[1])  # unit #2
    labels = [label for label, _d in buttons(page)]
    assert not any(mark(2) in label for label in labels) and any(mark(3) in label for label in labels)
    before = bloc.snapshot(*POLL_TABLES)
    await bloc.send(VOTERS[1], VOTERS[1], "/bophieu 1 1: 2, 3")
    assert "tự bầu" in bloc.last_text(VOTERS[1]) or "itself" in bloc.last_text(VOTERS[1])
    await bloc.press(VOTERS[1], VOTERS[1], page.message_id, "bv:1:1:t:0:2")  # forged self-tick
    assert bloc.snapshot(*POLL_TABLES) == before
    await vote_by_text(bloc, VOTERS[1], "1 1: 3, 4", "/bophieu")
    assert bloc.db_rows("SELECT count(*) FROM poll_turnout") == [(1,)]


async def test_round_two_then_the_chair_decides(bloc: BotHarness) -> None:
    await link_voters(bloc)
    await bloc.send(CHAIR, GROUP, "/poll Bình xét cờ tỉnh\nCờ thi đua của UBND tỉnh | 2")
    await bloc.send(CHAIR, GROUP, "/poll 1 open")
    # A 6, B 5, C 5 with 2 seats: A is proposed, B and C tie at the last seat.
    for uid, picks in zip(VOTERS, ["1, 2"] * 3 + ["1, 3"] * 3 + ["2, 3"] * 2, strict=True):
        await vote_by_text(bloc, uid, f"1 1: {picks}")
    await close_poll(bloc, 1)
    await committee_opens(bloc, 1)
    text = "\n".join(bloc.texts(GROUP)[-2:])
    assert "vòng 2" in text and "/binhxet 1 vong2" in text  # the Vietnamese alias
    await bloc.send(CHAIR, GROUP, "/poll 1 round2")
    page = last(bloc, VOTERS[0])
    labels = [label for label, _d in buttons(page)]
    assert len(candidate_labels(labels)) == 2  # only the tied units
    assert "vòng 2" in (page.text or "") or "round 2" in (page.text or "")
    for uid, pick in zip(VOTERS, ["1"] * 4 + ["2"] * 4, strict=True):
        await vote_by_text(bloc, uid, f"1 1: {pick}")
    await close_poll(bloc, 1)
    await committee_opens(bloc, 1)
    assert "/binhxet 1 quyetdinh" in "\n".join(bloc.texts(GROUP)[-2:])
    await bloc.send(CHAIR, GROUP, "/poll 1 decide 1: Thanh tra tỉnh")  # not among the tied
    assert bloc.db_rows("SELECT count(*) FROM poll_decisions") == [(0,)]
    await bloc.send(OUTSIDER, GROUP, "/poll 1 decide 1: #3")
    assert bloc.db_rows("SELECT count(*) FROM poll_decisions") == [(0,)]
    await bloc.send(CHAIR, GROUP, "/poll 1 decide 1: #3")
    assert bloc.db_rows("SELECT idx, unit_id, decided_by FROM poll_decisions") == [(0, 3, CHAIR)]
    final = "\n".join(bloc.texts(GROUP)[-2:])
    assert "Bộ Chỉ huy Quân sự tỉnh, Bộ Chỉ huy Bộ đội Biên phòng tỉnh" in final
    await bloc.send(CHAIR, GROUP, "/poll 1 minutes")
    doc = docx_text(minutes_of(bloc))
    assert "Đã tổ chức 2 vòng bỏ phiếu." in doc and "KẾT QUẢ KIỂM PHIẾU VÒNG 2" in doc
    assert (
        "1. Cờ thi đua của UBND tỉnh: Bộ Chỉ huy Quân sự tỉnh (6 phiếu, đạt 75,0%), Bộ Chỉ huy Bộ đội "
        "Biên phòng tỉnh (do đơn vị Khối trưởng và đơn vị Khối phó quyết định)." in doc
    )


async def test_election_with_rotation_and_confirmation(bloc: BotHarness) -> None:
    await link_voters(bloc)
    await bloc.send(CHAIR, GROUP, "/chair #3 2026")
    await bloc.send(CHAIR, GROUP, "/vicechair #4 2026")
    await bloc.send(CHAIR, GROUP, "/bau 2027")
    draft = bloc.last_text(GROUP)
    assert "Sở Tư pháp tỉnh" in draft and "luân phiên" in draft  # #4 moves up
    await bloc.send(CHAIR, GROUP, "/poll 1 open")
    page = last(bloc, VOTERS[0])
    assert any("★" in label and mark(4) in label for label, _d in buttons(page))
    for uid in VOTERS[:6]:
        await vote_by_text(bloc, uid, "1 1: 4; 2: 5")
    await close_poll(bloc, 1)
    await committee_opens(bloc, 1)
    results = [m for m in bloc.emu.messages(GROUP) if m.text and m.buttons][-1]
    confirm = next(d for label, d in buttons(results) if "✅" in label)
    await bloc.press(OUTSIDER, GROUP, results.message_id, confirm)
    assert bloc.db_rows("SELECT count(*) FROM roles WHERE year = 2027") == [(0,)]
    await bloc.press(CHAIR, GROUP, results.message_id, confirm)
    assert sorted(bloc.db_rows("SELECT role, unit_id FROM roles WHERE year = 2027")) == [
        ("chair", 4),
        ("vice", 5),
    ]
    await bloc.send(CHAIR, GROUP, "/poll 1 confirm")
    assert bloc.db_rows("SELECT count(*) FROM roles WHERE year = 2027") == [(2,)]
    await bloc.send(CHAIR, GROUP, "/poll 1 minutes")
    doc = docx_text(minutes_of(bloc))
    assert (
        "KẾT QUẢ BẦU" in doc and "Sở Tư pháp tỉnh (6 phiếu, đạt 75,0%) trúng cử Khối trưởng năm 2027." in doc
    )


async def link_some(bloc: BotHarness, numbers: list[int]) -> None:
    """VOTERS of the given roster numbers linked to their units (they open a chat with the bot)."""
    await bloc.send(CHAIR, CHAIR, "/start")
    await bloc.send(CHAIR, GROUP, "/invite")
    links = re.findall(rf"https://t\.me/{BOT_USERNAME}\?start=(join_[\w-]+)", bloc.last_text(CHAIR))
    for number in numbers:
        bloc.person(VOTERS[number - 1], f"Người bỏ phiếu {number}")
        await bloc.send(VOTERS[number - 1], VOTERS[number - 1], f"/start {links[number - 1]}")


async def test_voter_who_never_started_gets_a_link_through_the_group(bloc: BotHarness) -> None:
    await link_some(bloc, [1, 3, 4])  # the counting committee needs two people to hold codes
    said = await bloc.send(OUTSIDER, GROUP, "Tôi bỏ phiếu cho Thanh tra tỉnh")
    await bloc.send(CHAIR, GROUP, "/voter #8", reply_to=said.message["message_id"])
    await bloc.send(CHAIR, GROUP, "/poll Bình xét\nBằng khen | 1")
    await bloc.send(CHAIR, GROUP, "/poll 1 open")
    notice = [m for m in bloc.emu.messages(GROUP) if m.text and "Trần Văn Minh" in m.text][-1]
    urls = [b.get("url", "") for row in notice.buttons for b in row]
    assert urls == [f"https://t.me/{BOT_USERNAME}?start=vote_1"]
    assert "/moi" in (notice.text or "")  # the four units nobody is linked to are named too
    await bloc.send(OUTSIDER, OUTSIDER, "/start vote_1")
    assert bloc.last_text(OUTSIDER).startswith("🗳") and "Thanh tra tỉnh" in bloc.last_text(OUTSIDER)
    await bloc.send(MEMBER, MEMBER, "/start vote_1")  # not a voter: told, not given a ballot
    assert not bloc.last_text(MEMBER).startswith("🗳 ")


async def test_deadline_reminds_then_closes(bloc: BotHarness) -> None:
    await link_voters(bloc)
    await bloc.send(CHAIR, GROUP, "/poll Bình xét\nBằng khen | 1\nrules: deadline=23/11/2026 17:00")
    await bloc.send(CHAIR, GROUP, "/poll 1 open")
    for uid in VOTERS[:6]:
        await vote_by_text(bloc, uid, "1 1: 2")
    scheduler = bloc.services.scheduler
    assert scheduler is not None
    bloc.clock.set(bloc.clock.now().replace(day=22, hour=10, minute=0))  # 17:00 on 22/11 in Hà Nội
    await scheduler.run_due()
    await bloc.services.drain()
    assert "Nhắc" in bloc.last_text(VOTERS[7]) or "Reminder" in bloc.last_text(VOTERS[7])
    assert not bloc.last_text(VOTERS[0]).startswith(("Nhắc", "Reminder"))
    assert (
        "6/8" in bloc.last_text(GROUP)
        or "6 trên 8" in bloc.last_text(GROUP)
        or "6 of 8" in bloc.last_text(GROUP)
    )
    bloc.clock.advance(timedelta(days=1))
    await scheduler.run_due()
    await bloc.services.drain()
    assert bloc.db_rows("SELECT status FROM polls") == [("closed",)]
    assert bloc.db_rows("SELECT closed_by FROM poll_rounds") == [(None,)]
    assert "/open" in bloc.last_text(VOTERS[2]) or "/kiemphieu" in bloc.last_text(VOTERS[2])
    await committee_opens(bloc, 1)
    assert any("Công an tỉnh: 6 phiếu (75,0%)" in t for t in bloc.texts(GROUP))
    await bloc.send(VOTERS[7], VOTERS[7], "/vote 1 1: 3")  # too late
    assert bloc.db_rows("SELECT count(*) FROM poll_ballots") == [(6,)]
    await scheduler.run_due()  # nothing more happens
    assert bloc.db_rows("SELECT count(*) FROM poll_rounds") == [(1,)]


async def test_confirmation_agree_disagree_blank(bloc: BotHarness) -> None:
    await link_voters(bloc)
    await bloc.send(
        CHAIR, GROUP, "/poll Xác nhận luân phiên\nSở Tư pháp tỉnh làm Khối trưởng 2027 | xác nhận #4"
    )
    await bloc.send(CHAIR, GROUP, "/poll 1 open")
    page = last(bloc, VOTERS[0])
    labels = [label for label, _d in buttons(page)]
    assert any("Đồng ý" in lb for lb in labels) and any("Phiếu trắng" in lb for lb in labels)
    message_id, data = press_label(bloc, VOTERS[0], "Không đồng ý")
    await bloc.press(VOTERS[0], VOTERS[0], message_id, data)
    message_id, data = press_label(bloc, VOTERS[0], "Đồng ý")  # changes the answer
    assert "Không" not in next(lb for lb, d in buttons(last(bloc, VOTERS[0])) if d == data)
    await bloc.press(VOTERS[0], VOTERS[0], message_id, data)
    for part in ("▶", "✅"):
        message_id, data = press_label(bloc, VOTERS[0], part)
        await bloc.press(VOTERS[0], VOTERS[0], message_id, data)
    for uid, said in zip(VOTERS[1:7], ["đồng ý"] * 4 + ["khong dong y", "trắng"], strict=True):
        await vote_by_text(bloc, uid, f"1 1: {said}")
    await close_poll(bloc, 1)
    await committee_opens(bloc, 1)
    text = "\n".join(bloc.texts(GROUP)[-2:])
    assert "đồng ý 5, không đồng ý 1, phiếu trắng 1" in text
    assert "→ Đề nghị: Sở Tư pháp tỉnh" in text
