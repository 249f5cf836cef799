"""A bloc with no home chat, end to end through the Zalo Bot Platform emulator: an operator
sets it up in a private chat, adds units and hands out join codes there; each unit's
representative joins by code privately; a meeting is created privately and its card and
reminder reach every representative privately, once each; RSVP by number in one's own chat; a
poll's ballots, committee codes and results reach people privately. Bad inputs: a
non-operator's private /setup, a private /setup without a name, group commands from someone in
no bloc, and from someone in two blocs without a group. The real application, loopback HTTP, a
real SQLite file, an injected clock."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import SEED_UNITS
from tests.zalo_harness import ZaloHarness

OPERATOR = "8866"  # access.operators = ["zalo:8866"]
REPS = [str(7001 + i) for i in range(8)]  # REPS[0] represents unit #1, and so on
EVERYONE = [OPERATOR, *REPS]
JOIN = re.compile(r"/thamgia ([0-9A-Z]{4}-[0-9A-Z]{4})")
SHARE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){7}\b")
MEETING_AT = datetime(2026, 12, 16, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
POLL = "/binhxet Bình xét thi đua năm 2026\nCờ thi đua của UBND tỉnh | 1\nBằng khen | 2"
# Each unit's voter, by numbers: category 1's tick, 9 (next), category 2's ticks, 10 (review), 1 (send).
TICKS = {0: (2, (5, 6)), 1: (2, (5, 6)), 2: (2, (5, 6)), 3: (2, (5, 7)), 4: (6, (5, 6)), 5: (2, (6, 7))}


@pytest.fixture
async def z(tmp_path: Path) -> AsyncIterator[ZaloHarness]:
    async with ZaloHarness(tmp_path, operators=[f"zalo:{OPERATOR}"]) as harness:
        yield harness


async def say(z: ZaloHarness, who: str, text: str) -> str:
    """A person writes to the Zalo bot privately; the bot's last message to them."""
    await z.say(who, text, name="Nguyễn Văn Vận Hành" if who == OPERATOR else f"Đại diện {who}")
    return z.bot_texts(who)[-1]


def got(z: ZaloHarness, who: str, start: str) -> list[str]:
    return [t for t in z.bot_texts(who) if t.startswith(start)]


async def homeless_bloc(z: ZaloHarness) -> None:
    """The operator sets the bloc up privately; the eight units join by typed codes."""
    await say(z, OPERATOR, "/start")
    made = await say(z, OPERATOR, "/taokhoi Khối thi đua số 5")
    assert made.startswith('Đã thiết lập "Khối thi đua số 5" (Khối không có nhóm chat)')
    assert z.rows(
        "SELECT i.channel, i.kind FROM blocs b JOIN identities i ON b.chat_id = i.id + ?", (1 << 53,)
    ) == [("none", "chat")]
    assert "Đã thêm 8 đơn vị" in await say(z, OPERATOR, "/donvi them\n" + "\n".join(SEED_UNITS))
    await say(z, OPERATOR, "/moi")
    codes = JOIN.findall("\n".join(z.bot_texts(OPERATOR)))
    assert len(codes) == 8
    for rep, code in zip(REPS, codes, strict=True):
        assert "Chào mừng" in (await say(z, rep, f"/thamgia {code}")) or any(
            "Chào mừng" in t for t in z.bot_texts(rep)
        )
    assert z.rows("SELECT COUNT(*) FROM representatives") == [(8,)]
    assert "là đơn vị Khối trưởng năm 2026" in await say(z, OPERATOR, "/khoitruong #1")
    assert "là đơn vị Khối phó năm 2026" in await say(z, OPERATOR, "/khoipho #2")


async def test_a_bloc_without_a_home_chat_meets_and_votes_privately(z: ZaloHarness) -> None:
    await homeless_bloc(z)
    # Each join is told to the operator who set the bloc up, privately, and to no one else.
    assert len([t for t in z.bot_texts(OPERATOR) if "đã tham gia với tư cách đại diện" in t]) == 8
    assert not [t for rep in REPS for t in z.bot_texts(rep) if "đã tham gia với tư cách đại diện" in t]

    # The chair unit's representative creates a meeting privately: one card to each person.
    await say(z, REPS[0], "/hop 8h00 16/12/2026 | Hội nghị tổng kết năm 2026 | Hội trường A")
    for who in EVERYONE:
        (card,) = got(z, who, "📅 Cuộc họp #1")
        assert "1. ✅ Tham dự" in card and "2. ❌ Vắng mặt" in card
    # RSVP by number, each in their own chat: the numbers are that person's.
    for rep in REPS[1:6]:
        assert (await say(z, rep, "1")).startswith("Đã ghi nhận")
    assert (await say(z, REPS[6], "2")).startswith("Đã ghi nhận")
    assert "không có lựa chọn số 7" in await say(z, REPS[7], "7")
    assert z.rows("SELECT COUNT(*) FROM rsvps") == [(6,)]
    # The card is not posted again; anyone of the bloc asks for the answers privately.
    assert all(len(got(z, who, "📅 Cuộc họp #1")) == 1 for who in EVERYONE)
    assert "✅ Tham dự (5):" in await say(z, REPS[7], "/thamdu")

    # A week before: one reminder to each person, naming the silent units.
    assert z.services is not None and z.services.scheduler is not None
    z.clock.set(MEETING_AT - timedelta(days=7))
    await z.services.scheduler.run_due(z.clock.now())
    await z.services.drain()
    for who in EVERYONE:
        (reminder,) = got(z, who, "🔔")
        (silent,) = [line for line in reminder.split("\n") if "chưa xác nhận" in line]
        assert silent.endswith(f"(2): {SEED_UNITS[0]}, {SEED_UNITS[7]}")

    # A form, created privately: its card reaches each person once, and is not posted again
    # at each answer (a copy in every chat per answer would flood them; /dangky shows it).
    await say(
        z,
        OPERATOR,
        "/dangky custom Hội thao | 15/12/2026\nMôn thi đấu | choice:Bóng đá,Cầu lông\nTrưởng đoàn | text",
    )
    assert "Câu 1/2" in await say(z, REPS[3], "/nop 1")
    assert "Câu 2/2: Trưởng đoàn" in await say(z, REPS[3], "2")
    await say(z, REPS[3], "Ông Lê Văn An")
    assert z.rows("SELECT answers FROM form_responses") == [('{"f1": "Cầu lông", "f2": "Ông Lê Văn An"}',)]
    for who in EVERYONE:
        assert len([t for t in z.bot_texts(who) if "Hội thao" in t and "/start form_1" in t]) == 1

    # A poll, set up and opened privately: each voter's ballot privately, numbered.
    await say(z, REPS[0], POLL)
    await say(z, REPS[0], "/binhxet 1 mo")
    for number, rep in enumerate(REPS, start=1):
        (ballot,) = got(z, rep, "🗳 Phiếu bầu kín")
        assert f"Đơn vị bỏ phiếu: {SEED_UNITS[number - 1]}" in ballot and "9. Tiếp ▶" in ballot
    holders = {who: SHARE.findall("\n".join(z.bot_texts(who))) for who in EVERYONE}
    committee = [who for who, found in holders.items() if found]
    assert committee == REPS[:3]  # the chair unit, the vice chair unit, then #3

    for index, (first, second) in TICKS.items():
        rep = REPS[index]
        if index == 5:  # one asks for the ballot again: /bophieu 1 gives it
            assert "Phiếu bầu kín" in await say(z, rep, "/bophieu 1")
        for number in (first, 9, *second, 10):
            await say(z, rep, str(number))
        assert (await say(z, rep, "1")).startswith(f"🗳 Đã nhận phiếu của {SEED_UNITS[index]}")
    assert z.rows("SELECT COUNT(*) FROM poll_ballots WHERE sealed IS NOT NULL") == [(6,)]
    assert len(got(z, OPERATOR, "🔒 Bỏ phiếu kín #1")) == 1  # the card once, as the round opened
    shown = await say(z, OPERATOR, "/binhxet 1")  # the turnout, asked for privately
    assert "Đã bỏ phiếu: 6/8 đơn vị." in shown and f"Chưa bỏ phiếu: {SEED_UNITS[6]}, {SEED_UNITS[7]}" in shown

    # The close and two committee codes, privately; the results reach each person once.
    await say(z, REPS[0], "/binhxet 1 dong")
    await say(z, REPS[1], f"/kiemphieu {holders[REPS[1]][0]}")
    assert not got(z, OPERATOR, "📊")  # one code is not enough
    await say(z, REPS[2], f"/kiemphieu {holders[REPS[2]][0]}")
    for who in EVERYONE:
        (results,) = got(z, who, "📊")
        assert "Kết quả bỏ phiếu kín #1" in results
        assert f"{SEED_UNITS[1]}: 5 phiếu (62,5%)" in results  # 5 of 8 member units
        assert "Số phiếu phát ra: 8; thu về: 6; hợp lệ: 6" in results
    assert all(len(t) <= 2000 for who in EVERYONE for t in z.bot_texts(who))


async def test_private_setup_and_group_commands_refused_clearly(z: ZaloHarness) -> None:
    # Someone who is no operator, privately: told who may, and how a group becomes a bloc.
    said = await say(z, "5550", "/taokhoi Khối của tôi")
    assert said.startswith("Trong cuộc trò chuyện riêng, chỉ bộ phận vận hành bot") and "/taokhoi" in said
    # The operator without a name: told how.
    assert (await say(z, OPERATOR, "/taokhoi")).startswith("Để thiết lập Khối không có nhóm chat")
    assert z.rows("SELECT COUNT(*) FROM blocs") == [(0,)]
    # A group command from someone in no bloc.
    assert (await say(z, "5550", "/hop 8h00 16/12/2026 | Họp")).startswith("Lệnh /hop chỉ dùng được")
    assert (await say(z, "5550", "/donvi")).startswith("Lệnh /donvi chỉ dùng được")

    # /help in the bloc's private chat lists its commands.
    await say(z, OPERATOR, "/taokhoi Khối thi đua số 5")
    before = len(z.bot_texts(OPERATOR))
    await say(z, OPERATOR, "/trogiup")
    helped = "\n".join(z.bot_texts(OPERATOR)[before:])  # long: in pieces
    assert 'Khối "Khối thi đua số 5" không có nhóm chat' in helped
    assert "/donvi" in helped and "/hop" in helped and "/bophieu" in helped and "/thamgia" in helped
    # A guided command asks privately, and the answer there acts on the bloc.
    assert "mỗi đơn vị một dòng" in await say(z, OPERATOR, "/donvi them")
    assert "Đã thêm 2 đơn vị" in await say(z, OPERATOR, "Công an tỉnh\nSở Tư pháp tỉnh")
    # Two blocs without a group: which one a command is for cannot be told; both are named.
    await say(z, OPERATOR, "/taokhoi Khối thi đua số 6")
    said = await say(z, OPERATOR, "/donvi")
    assert "nhiều Khối không có nhóm chat" in said and '"Khối thi đua số 5", "Khối thi đua số 6"' in said
    assert z.rows("SELECT COUNT(*) FROM units") == [(2,)]  # nothing added to either by the refusal


async def test_a_bloc_without_a_home_chat_across_telegram_and_zalo(tmp_path: Path) -> None:
    """The operator on Telegram sets the bloc up privately; unit #1 joins by link on Telegram,
    unit #2 by typed code on Zalo. The meeting card reaches each on their own channel: buttons
    on Telegram, numbers on Zalo; both answers count for their units."""
    from tests.harness import BOT_USERNAME
    from tests.mixed_harness import MixedHarness

    operator, tg_rep, zl_rep = 501, 502, "7101"
    async with MixedHarness(tmp_path, bot=True, operators=[operator]) as m:
        m.tg_person(operator, "Vận hành")
        m.tg_person(tg_rep, "Lan")
        await m.tg_send(operator, operator, "/start")
        await m.tg_send(operator, operator, "/taokhoi Khối thi đua số 7")
        assert m.tg_texts(operator)[-1].startswith('Đã thiết lập "Khối thi đua số 7"')
        await m.tg_send(operator, operator, "/donvi them\n" + "\n".join(SEED_UNITS[:2]))
        await m.tg_send(operator, operator, "/moi")
        sent = "\n".join(m.tg_texts(operator))
        links = re.findall(rf"https://t\.me/{BOT_USERNAME}\?start=(join_[0-9A-Z]{{8}})", sent)
        codes = JOIN.findall(sent)
        assert len(links) == len(codes) == 2
        await m.tg_send(tg_rep, tg_rep, f"/start {links[0]}")
        await m.say(zl_rep, f"/thamgia {codes[1]}", name="Bình")
        assert "Chào mừng" in "\n".join(m.bot_texts(zl_rep))

        await m.tg_send(operator, operator, "/hop 8h00 16/12/2026 | Hội nghị sơ kết | Hội trường B")
        card = m.tg.last(tg_rep)
        assert card is not None and card.text is not None and card.text.startswith("📅 Cuộc họp #1")
        assert card.reply_markup is not None and card.reply_markup["inline_keyboard"]
        assert [t for t in m.tg_texts(operator) if t.startswith("📅 Cuộc họp #1")]
        (zl_card,) = [t for t in m.bot_texts(zl_rep) if t.startswith("📅 Cuộc họp #1")]
        assert "1. ✅ Tham dự" in zl_card
        await m.tg_press(tg_rep, tg_rep, "✅ Tham dự")
        await m.say(zl_rep, "2")
        assert m.bot_texts(zl_rep)[-1].startswith("Đã ghi nhận")
        assert m.rows(
            "SELECT u.name, r.answer FROM rsvps r JOIN units u ON u.id = r.unit_id ORDER BY u.id"
        ) == [
            (SEED_UNITS[0], "yes"),
            (SEED_UNITS[1], "no"),
        ]
        # Telegram was asked to write only to Telegram people (the virtual chat is no chat there).
        assert {int(c["chat_id"]) for c in m.tg.calls_to("sendMessage")} <= {operator, tg_rep}
