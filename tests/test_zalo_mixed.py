"""A mixed bloc casting one poll: the bloc's group is on Telegram, four units' representatives
are on Telegram and four on the Zalo Bot Platform, all in one bot process. Joins by Telegram
link and by typed code; each voter gets the ballot on their own channel (buttons on Telegram,
numbers on Zalo); the counting committee spans both channels; one tally of eight ballots."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import SEED_UNITS
from tests.harness import BOT_USERNAME
from tests.mixed_harness import MixedHarness

GROUP, CHAIR = -1001000000077, 401  # the chair represents unit #1 on Telegram
TG = [CHAIR, 402, 403, 404]  # units #1-#4 on Telegram
ZL = ["z-505", "z-506", "z-507", "z-508"]  # units #5-#8 on Zalo
SHARE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){7}\b")
POLL = "/poll Bình xét thi đua năm 2026\nCờ thi đua của UBND tỉnh | 1\nBằng khen | 2"
TG_BALLOTS = {CHAIR: "1: 2; 2: 5, 7", 402: "1: 2; 2: 5, 7", 403: "1: 2; 2: 5, 7", 404: "1: 6; 2: 5, 7"}
# On Zalo, by numbers: category 1's tick, then 9 (next), category 2's ticks, 10 (review), 1 (send).
ZL_TICKS = {"z-505": (2, (5, 7)), "z-506": (2, (5, 7)), "z-507": (6, (7, 8)), "z-508": (6, (3,))}


async def mixed_bloc(m: MixedHarness) -> None:
    """The group on Telegram; units #1-#4 join by link there, #5-#8 by typed code on Zalo."""
    for uid in TG:
        m.tg_person(uid, f"Đại diện {uid}")
    m.tg_group(GROUP, "Khối thi đua số 3", admins=[CHAIR], members=TG[1:])
    await m.tg_send(CHAIR, GROUP, "/taokhoi Khối thi đua số 3")
    await m.tg_send(CHAIR, GROUP, "/donvi them\n" + "\n".join(SEED_UNITS))
    await m.tg_send(CHAIR, CHAIR, "/start")
    await m.tg_send(CHAIR, GROUP, "/moi")
    sent = m.tg_texts(CHAIR)[-1]
    links = re.findall(rf"https://t\.me/{BOT_USERNAME}\?start=(join_[0-9A-Z]{{8}})", sent)
    codes = re.findall(r"/thamgia ([0-9A-Z]{4}-[0-9A-Z]{4})", sent)
    assert len(links) == len(codes) == 8
    for uid, link in zip(TG, links[:4], strict=True):
        await m.tg_send(uid, uid, f"/start {link}")
        assert "Chào mừng" in m.tg_texts(uid)[-1]
    for who, code in zip(ZL, codes[4:], strict=True):
        await m.say(who, f"/thamgia {code}", name=f"Đại diện {who}")
        assert "Chào mừng" in m.bot_texts(who)[-1]
    joined = [t for t in m.tg_texts(GROUP) if "đã tham gia với tư cách đại diện" in t]
    assert len(joined) == 8  # the Zalo joins are told in the Telegram group too
    await m.tg_send(CHAIR, GROUP, "/khoitruong #1")
    await m.tg_send(CHAIR, GROUP, "/khoipho #5")  # the vice chair unit is on Zalo


async def zalo_votes(m: MixedHarness, who: str) -> str:
    first, second = ZL_TICKS[who]
    for number in (first, 9, *second, 10, 1):
        await m.say(who, str(number))
    return m.bot_texts(who)[-1]


async def test_a_mixed_bloc_casts_one_poll(tmp_path: Path) -> None:
    async with MixedHarness(tmp_path, bot=True) as m:
        await mixed_bloc(m)
        await m.tg_send(CHAIR, GROUP, POLL)
        await m.tg_send(CHAIR, GROUP, "/poll 1 open")

        # Each voter's ballot went to their own channel: buttons on Telegram, numbers on Zalo.
        for number, uid in enumerate(TG, start=1):
            message = m.tg.last(uid)
            assert message is not None and message.text is not None
            assert (
                message.text.startswith("🗳") and f"Đơn vị bỏ phiếu: {SEED_UNITS[number - 1]}" in message.text
            )
            assert message.reply_markup is not None and message.reply_markup["inline_keyboard"]
        for number, who in enumerate(ZL, start=5):
            (ballot,) = [t for t in m.bot_texts(who) if t.startswith("🗳 Phiếu bầu kín")]
            assert f"Đơn vị bỏ phiếu: {SEED_UNITS[number - 1]}" in ballot and "9. Tiếp ▶" in ballot
        # Telegram was asked to write only to Telegram chats (a Zalo person's id is no chat there).
        addressed = {int(c["chat_id"]) for c in m.tg.calls_to("sendMessage")}
        assert addressed <= {GROUP, *TG}
        holders = {who: SHARE.findall("\n".join(m.tg_texts(who))) for who in TG}
        holders |= {who: SHARE.findall("\n".join(m.bot_texts(who))) for who in ZL}
        assert sorted(str(w) for w, found in holders.items() if found) == sorted(
            map(str, [CHAIR, 402, "z-505"])
        )

        for uid, text in TG_BALLOTS.items():
            await m.tg_send(uid, uid, f"/vote 1 {text}")
            assert m.tg_texts(uid)[-1].startswith("🗳 Kiểm tra phiếu trước khi gửi")  # shown back first
            await m.tg_press(uid, uid, "✅ Gửi phiếu")
            assert "Đã nhận phiếu" in m.tg_texts(uid)[-1]
        for who in ZL:
            assert (await zalo_votes(m, who)).startswith("🗳 Đã nhận phiếu")
        assert m.rows("SELECT COUNT(*) FROM poll_turnout") == [(8,)]
        assert m.rows("SELECT COUNT(*) FROM poll_ballots WHERE sealed IS NOT NULL") == [(8,)]

        # One count: a Zalo code and a Telegram code open the one box; the results post once.
        await m.tg_send(CHAIR, GROUP, "/poll 1 close")
        await m.say("z-505", f"/kiemphieu {holders['z-505'][0]}")
        await m.tg_send(CHAIR, CHAIR, f"/kiemphieu {holders[CHAIR][0]}")
        (results,) = [t for t in m.tg_texts(GROUP) if t.startswith("📊")]
        assert (
            f"{SEED_UNITS[1]}: 5 phiếu (62,5%)" in results and f"{SEED_UNITS[5]}: 3 phiếu (37,5%)" in results
        )
        assert (
            f"{SEED_UNITS[4]}: 6 phiếu (75,0%)" in results and f"{SEED_UNITS[6]}: 7 phiếu (87,5%)" in results
        )
        assert (
            f"{SEED_UNITS[7]}: 1 phiếu (12,5%)" in results and f"{SEED_UNITS[2]}: 1 phiếu (12,5%)" in results
        )
        assert "Số phiếu phát ra: 8; thu về: 8; hợp lệ: 8" in results  # four ballots from each channel
        assert not [t for who in ZL for t in m.bot_texts(who) if t.startswith("📊")]  # posted in the group
