"""Roster end to end: a group, three people and their private chats, through the emulator."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import timedelta

from openpyxl import load_workbook

from tests.conftest import CHAIR, GROUP, MEMBER, OUTSIDER, SEED_UNITS, VICE
from tests.harness import BOT_USERNAME, BotHarness

ROSTER_TABLES = ("blocs", "units", "representatives", "roles", "bloc_admins", "invites")


def unit_names(bot: BotHarness) -> list[str]:
    return [r[0] for r in bot.db_rows("SELECT name FROM units WHERE removed_at IS NULL ORDER BY position")]


async def test_setup_needs_a_group_admin_and_happens_once(bot: BotHarness) -> None:
    await bot.send(VICE, GROUP, "/setup Khối thi đua số 3")
    assert "quản trị" in bot.last_text(GROUP) or "administrator" in bot.last_text(GROUP)
    assert bot.db_rows("SELECT count(*) FROM blocs") == [(0,)]
    await bot.send(CHAIR, GROUP, f"/taokhoi@{BOT_USERNAME} Khối thi đua số 3")
    assert "Khối thi đua số 3" in bot.last_text(GROUP)
    assert bot.db_rows("SELECT name, created_by FROM blocs") == [("Khối thi đua số 3", CHAIR)]
    await bot.send(CHAIR, GROUP, "/setup Khối khác")
    assert bot.db_rows("SELECT name FROM blocs") == [("Khối thi đua số 3",)]


async def test_setup_without_name_asks_and_takes_the_reply(bot: BotHarness) -> None:
    await bot.send(CHAIR, GROUP, "/setup")
    question = bot.emu.last(GROUP)
    await bot.send(CHAIR, GROUP, "Khối thi đua số 3", reply_to=question.message_id)
    assert bot.db_rows("SELECT name FROM blocs") == [("Khối thi đua số 3",)]


async def test_units_added_in_one_message_nfc_and_duplicates(bot: BotHarness) -> None:
    await bot.send(CHAIR, GROUP, "/setup Khối thi đua số 3")
    nfd = [unicodedata.normalize("NFD", n) for n in SEED_UNITS]
    await bot.send(CHAIR, GROUP, "/units add\n" + "\n".join(nfd) + "\nCÔNG AN TỈNH")
    assert unit_names(bot) == SEED_UNITS
    reply = bot.last_text(GROUP)
    assert "CÔNG AN TỈNH" in reply  # named as skipped
    await bot.send(MEMBER, GROUP, "/donvi")
    listing = bot.last_text(GROUP)
    assert "#1 Bộ Chỉ huy Quân sự tỉnh" in listing and "#8 Thanh tra tỉnh" in listing


async def test_non_admin_is_refused_and_nothing_changes(bloc: BotHarness) -> None:
    before = bloc.snapshot(*ROSTER_TABLES)
    for text in [
        "/units add\nSở Y tế",
        "/units remove #2",
        "/units rename #2 | Công an",
        "/chair #2",
        "/vicechair #3",
        "/invite",
        "/export roster",
    ]:
        await bloc.send(OUTSIDER, GROUP, text)
        refusal = bloc.last_text(GROUP)
        assert "Khối trưởng" in refusal or "khối trưởng" in refusal, (text, refusal)
    assert bloc.snapshot(*ROSTER_TABLES) == before


async def test_bad_inputs_get_clear_replies_and_change_nothing(bloc: BotHarness) -> None:
    before = bloc.snapshot(*ROSTER_TABLES)
    cases = [
        "/units rename #2",  # no new name
        "/units rename Ngân hàng | X",  # unknown unit
        "/units rename #2 | Thanh tra tỉnh",  # duplicate name
        "/units remove Ngân hàng nhà nước",  # unknown
        "/units frobnicate",  # unknown sub-command
        "/chair bo chi huy",  # ambiguous
        "/chair #99",  # no such number
        "/chair #2 1999",  # year out of range
        "/units rename #2 | " + "x" * 300,  # too long
        "/export bananas",
        "/import",  # not a reply to a file
    ]
    for text in cases:
        count = len(bloc.texts(GROUP))
        await bloc.send(CHAIR, GROUP, text)
        assert len(bloc.texts(GROUP)) == count + 1, text
        assert "Traceback" not in bloc.last_text(GROUP)
    assert bloc.snapshot(*ROSTER_TABLES) == before
    await bloc.send(CHAIR, GROUP, "/chair bo chi huy")
    assert "#1 Bộ Chỉ huy Quân sự tỉnh" in bloc.last_text(GROUP)
    assert "#3 Bộ Chỉ huy Bộ đội Biên phòng tỉnh" in bloc.last_text(GROUP)


async def test_roles_rename_remove(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/khoitruong bien phong")
    await bloc.send(CHAIR, GROUP, "/vicechair so tu phap 2026")
    assert bloc.db_rows("SELECT year, role, unit_id FROM roles ORDER BY role") == [
        (2026, "chair", 3),
        (2026, "vice", 4),
    ]
    await bloc.send(CHAIR, GROUP, "/units rename #8 | Thanh tra tỉnh Đắk Lắk")
    assert unit_names(bloc)[-1] == "Thanh tra tỉnh Đắk Lắk"
    await bloc.send(CHAIR, GROUP, "/units remove")
    picker = bloc.emu.last(GROUP)
    data = [b["callback_data"] for row in picker.reply_markup["inline_keyboard"] for b in row]
    assert len(data) == 8
    await bloc.press(CHAIR, GROUP, picker.message_id, data[0])
    confirm = bloc.emu.last(GROUP)
    assert "Bộ Chỉ huy Quân sự tỉnh" in unit_names(bloc)  # nothing removed before confirming
    buttons = [b["callback_data"] for row in confirm.reply_markup["inline_keyboard"] for b in row]
    await bloc.press(OUTSIDER, GROUP, confirm.message_id, buttons[0])  # not an admin
    assert "Bộ Chỉ huy Quân sự tỉnh" in unit_names(bloc)
    await bloc.press(CHAIR, GROUP, confirm.message_id, buttons[0])
    assert "Bộ Chỉ huy Quân sự tỉnh" not in unit_names(bloc)
    # a fragment never removes; the full name asks first; "keep" keeps
    await bloc.send(CHAIR, GROUP, "/units remove tu phap")
    assert "Sở Tư pháp tỉnh" in unit_names(bloc)
    number = unit_names(bloc).index("Sở Tư pháp tỉnh") + 1
    assert f"#{number} Sở Tư pháp tỉnh" in bloc.last_text(GROUP)  # the unit it came close to, by number
    assert f"/donvi xoa #{number}" in bloc.last_text(GROUP)  # and how to remove it
    await bloc.send(CHAIR, GROUP, "/units remove Qwerty zzz")  # no unit comes close
    assert 'Khối không có đơn vị "Qwerty zzz"' in bloc.last_text(GROUP)
    await bloc.send(CHAIR, GROUP, "/units remove so tu phap tinh")
    keep = bloc.emu.last(GROUP)
    keep_it = keep.reply_markup["inline_keyboard"][0][1]["callback_data"]
    await bloc.press(CHAIR, GROUP, keep.message_id, keep_it)
    assert "Sở Tư pháp tỉnh" in unit_names(bloc)
    # a forged button: unit of no bloc; and a non-admin pressing a real one
    before = bloc.snapshot(*ROSTER_TABLES)
    await bloc.press(CHAIR, GROUP, picker.message_id, "ro:rm:99999")
    await bloc.press(OUTSIDER, GROUP, picker.message_id, data[1])
    await bloc.press(CHAIR, GROUP, picker.message_id, "ro:rm:abc:;;")
    assert bloc.snapshot(*ROSTER_TABLES) == before
    assert len(bloc.emu.callback_answers) >= 3


async def test_one_unit_cannot_be_chair_and_vice(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/khoitruong Bộ Chỉ huy Bộ đội Biên phòng tỉnh năm 2026")
    await bloc.send(CHAIR, GROUP, "/khoipho #3")
    assert bloc.db_rows("SELECT role, unit_id FROM roles") == [("chair", 3)]
    assert "Khối trưởng" in bloc.last_text(GROUP)


async def test_invites_joins_roster_voter(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/chair #3")
    await bloc.send(CHAIR, GROUP, "/invite")
    assert "Start" in bloc.last_text(GROUP)  # must open a private chat first
    await bloc.send(CHAIR, CHAIR, "/start")
    await bloc.send(CHAIR, GROUP, "/moi")
    links = re.findall(rf"https://t\.me/{BOT_USERNAME}\?start=(join_[\w-]+)", bloc.last_text(CHAIR))
    assert len(links) == 8 and len(set(links)) == 8
    assert all(len(code) <= 64 for code in links)

    await bloc.send(VICE, VICE, f"/start {links[3]}")  # Sở Tư pháp tỉnh
    assert "Sở Tư pháp tỉnh" in bloc.last_text(VICE)
    assert "Sở Tư pháp tỉnh" in bloc.last_text(GROUP)
    group_posts = len(bloc.texts(GROUP))
    await bloc.send(VICE, VICE, f"/start {links[3]}")  # opened again by the same person
    assert len(bloc.texts(GROUP)) == group_posts
    await bloc.send(MEMBER, MEMBER, f"/start {links[3]}")  # single use
    assert bloc.db_rows("SELECT user_id FROM representatives") == [(VICE,)]
    await bloc.send(MEMBER, MEMBER, "/start join_notarealcode123")
    assert bloc.db_rows("SELECT count(*) FROM representatives") == [(1,)]

    bloc.clock.advance(timedelta(days=8))  # links expire after 7 days
    await bloc.send(MEMBER, MEMBER, f"/start {links[1]}")
    assert bloc.db_rows("SELECT count(*) FROM representatives") == [(1,)]
    bloc.clock.advance(timedelta(days=-8))
    await bloc.send(MEMBER, MEMBER, f"/start {links[1]}")  # Công an tỉnh
    assert sorted(bloc.db_rows("SELECT user_id, unit_id FROM representatives")) == [(VICE, 4), (MEMBER, 2)]

    # the vice chair's representative becomes an admin once their unit is vice chair
    await bloc.send(VICE, GROUP, "/vicechair #4")
    assert bloc.db_rows("SELECT count(*) FROM roles") == [(1,)]
    await bloc.send(CHAIR, GROUP, "/vicechair #4")
    await bloc.send(VICE, GROUP, "/units add\nSở Nội vụ")
    assert "Sở Nội vụ" in unit_names(bloc)

    # /voter as a reply to a member's message
    said = await bloc.send(OUTSIDER, GROUP, "Tôi là cán bộ thi đua của Công an tỉnh")
    await bloc.send(CHAIR, GROUP, "/voter cong an", reply_to=said.message["message_id"])
    assert sorted(bloc.db_rows("SELECT user_id, unit_id, is_voter FROM representatives")) == [
        (VICE, 4, 0),
        (MEMBER, 2, 0),
        (OUTSIDER, 2, 1),
    ]
    await bloc.send(MEMBER, GROUP, "/danhsach")
    roster = bloc.last_text(GROUP)
    assert "Nguyễn Thị Lan" in roster and "Trần Văn Minh" in roster and "Đỗ Đức Hà" in roster


async def test_export_and_import_round_trip(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/chair #3")
    await bloc.send(CHAIR, GROUP, "/export roster")
    sent = bloc.emu.last(GROUP)
    assert sent.document is not None
    book = load_workbook(io.BytesIO(sent.document.data))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert "Khối thi đua số 3" in rows[0][0]
    assert rows[1][:3] == ("STT", "Đơn vị", "Vai trò")
    assert [r[1] for r in rows[2:]] == SEED_UNITS
    assert rows[4][2] == "Khối trưởng"

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Đơn vị", "Vai trò"])
    writer.writerow(["Sở Nội vụ", "Khối phó"])
    writer.writerow(["cong an tinh", ""])  # already there
    posted = await bloc.send(CHAIR, GROUP, "", document=(out.getvalue().encode(), "ds.csv", "text/csv"))
    await bloc.send(CHAIR, GROUP, "/import", reply_to=posted.message["message_id"])
    assert unit_names(bloc) == [*SEED_UNITS, "Sở Nội vụ"]
    assert bloc.db_rows("SELECT role, unit_id FROM roles ORDER BY role") == [("chair", 3), ("vice", 9)]

    bad = await bloc.send(CHAIR, GROUP, "", document=(b"\x00\x01garbage", "x.xlsx", "application/zip"))
    before = bloc.snapshot(*ROSTER_TABLES)
    await bloc.send(CHAIR, GROUP, "/import", reply_to=bad.message["message_id"])
    assert "Chưa có thay đổi nào" in bloc.last_text(GROUP)
    assert bloc.snapshot(*ROSTER_TABLES) == before


async def test_help_shows_only_what_the_caller_may_use(bloc: BotHarness) -> None:
    await bloc.send(OUTSIDER, GROUP, "/help")
    member_help = bloc.last_text(GROUP)
    await bloc.send(CHAIR, GROUP, "/trogiup")
    admin_help = bloc.last_text(GROUP)
    assert "/chair" not in member_help and "/chair" in admin_help
    assert "/roster" in member_help
    # the group is a bloc already: setting it up is nobody's command here any more
    assert "/taokhoi" not in member_help and "/taokhoi" not in admin_help


async def test_language_switch_and_menus(bloc: BotHarness) -> None:
    await bloc.send(CHAIR, GROUP, "/lang en")
    await bloc.send(MEMBER, GROUP, "/bloc")
    assert "member units" in bloc.last_text(GROUP)
    await bloc.send(MEMBER, GROUP, "/lang vi")  # not an admin
    assert bloc.db_rows("SELECT language FROM blocs") == [("en",)]
    await bloc.send(MEMBER, MEMBER, "/lang xx")
    assert "/ngonngu vi" in bloc.last_text(MEMBER)
    codes = {key for key in bloc.emu.my_commands}
    assert codes, "menus must be published"
    assert any("en" in str(key) for key in codes) and any("vi" in str(key) for key in codes)
