"""A secret ballot cast by numbered replies over Zalo, end to end: the bloc's group is the OA's,
the chair writes to the OA, seven representatives write to the Zalo Bot Platform. Each voter
gets the ballot privately, ticks by number category by category (a number beyond the list and a
second tick over the quota answered, the list still open after), reviews, confirms and gets the
receipt; after the close two of the three committee members send their codes and the results
are posted in the group. The real application, loopback HTTP, a real SQLite file, a fake clock."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
from docx import Document

from tests.conftest import SEED_UNITS
from tests.test_polls_e2e import mark
from tests.zalo_harness import ZaloHarness

OA_GROUP, CHAIR = "g-khoi-3", "oa-9000"  # the chair writes in the OA group and to the OA
REPS = [f"zb-{8002 + i}" for i in range(7)]  # units #2..#8, on the Zalo Bot Platform
JOIN = re.compile(r"/thamgia ([0-9A-Z]{4}-[0-9A-Z]{4})")
SHARE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){7}\b")
POLL = "/binhxet Bình xét thi đua năm 2026\nCờ thi đua của UBND tỉnh | 1\nBằng khen | 2"
# The numbers each unit's voter sends on the ballot of 8 candidates: 1-8 tick a unit, then
# 9 = next (category 1) / 10 = review (category 2, after 9 = back), and 1 = send on the review.
CATEGORY_1 = {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 4, 7: 2}  # roster number of the voting unit -> tick
CATEGORY_2 = {1: (5, 6), 2: (5, 6), 3: (5, 6), 4: (5, 7), 5: (6, 7), 6: (5, 6), 7: (3,)}


def all_texts(z: ZaloHarness, who: str) -> list[str]:
    return z.oa_texts(who) if who == CHAIR else z.bot_texts(who)


async def say(z: ZaloHarness, who: str, text: str) -> str:
    """A person writes privately (the chair to the OA, the others to the Bot Platform); the
    bot's last message to them."""
    if who == CHAIR:
        await z.oa_say(CHAIR, text)
    else:
        await z.say(who, text)
    return all_texts(z, who)[-1]


async def bloc_with_voters(z: ZaloHarness) -> None:
    """The bloc in the OA group; the chair unit #1 on the OA, units #2-#8 on the Bot Platform."""
    await z.oa_say(CHAIR, "/start")
    await z.group_say(OA_GROUP, CHAIR, "/taokhoi Khối thi đua số 3")
    await z.group_say(OA_GROUP, CHAIR, "/donvi them\n" + "\n".join(SEED_UNITS))
    await z.group_say(OA_GROUP, CHAIR, "/moi")
    codes = JOIN.findall(z.oa_texts(CHAIR)[-1])
    assert len(codes) == 8
    assert "Chào mừng" in await say(z, CHAIR, f"/thamgia {codes[0]}")
    for rep, code in zip(REPS, codes[1:], strict=True):
        assert "Chào mừng" in await say(z, rep, f"/thamgia {code}")
    await z.group_say(OA_GROUP, CHAIR, "/khoitruong #1")
    await z.group_say(OA_GROUP, CHAIR, "/khoipho #2")


async def vote_by_numbers(z: ZaloHarness, who: str, unit: int) -> str:
    """Tick by numbers on the ballot the voter already has; review; confirm. The receipt."""
    ballot = await say(z, who, str(CATEGORY_1[unit]))
    assert "Nội dung 1/2: Cờ thi đua của UBND tỉnh" in ballot and "Đã chọn: 1/1" in ballot
    ballot = await say(z, who, "9")  # next
    assert "Nội dung 2/2: Bằng khen" in ballot
    for tick in CATEGORY_2[unit]:
        ballot = await say(z, who, str(tick))
    assert f"Đã chọn: {len(CATEGORY_2[unit])}/2" in ballot
    review = await say(z, who, "10")  # review
    assert review.startswith("🗳 Kiểm tra phiếu trước khi gửi")
    assert (
        f"1. Cờ thi đua của UBND tỉnh (đã chọn 1/1):\n   ☑ {mark(CATEGORY_1[unit])}{SEED_UNITS[CATEGORY_1[unit] - 1]}"
        in review
    )
    assert "1. ✅ Gửi phiếu" in review and "2. ✏️ Sửa lại" in review
    return await say(z, who, "1")  # send


async def test_a_secret_ballot_by_numbered_replies_over_zalo(tmp_path: Path) -> None:
    async with ZaloHarness(tmp_path, bot=True, oa=True) as z:
        await bloc_with_voters(z)
        await z.group_say(OA_GROUP, CHAIR, POLL)
        await z.group_say(OA_GROUP, CHAIR, "/binhxet 1 mo")
        assert "🔒 Bỏ phiếu kín #1" in "\n".join(z.group_texts(OA_GROUP)[-3:])

        # Each voter got the ballot privately, on the channel they write from, numbered.
        voters = [CHAIR, *REPS]
        for number, who in enumerate(voters, start=1):
            (ballot,) = [t for t in all_texts(z, who) if t.startswith("🗳 Phiếu bầu kín")]
            assert f"Đơn vị bỏ phiếu: {SEED_UNITS[number - 1]}" in ballot
            assert "1. ▫️ A. Bộ Chỉ huy Quân sự tỉnh" in ballot and "9. Tiếp ▶" in ballot
        holders = {who: SHARE.findall("\n".join(all_texts(z, who))) for who in voters}
        committee = [who for who, found in holders.items() if found]
        assert committee == [CHAIR, REPS[0], REPS[1]]  # the chair unit, the vice chair unit, then #3

        # Wrong numbers are answered and leave the ballot's numbers open.
        hung = REPS[0]
        assert "không có lựa chọn số 12" in await say(z, hung, "12")
        await say(z, hung, "3")
        assert "tối đa 1 đơn vị" in await say(z, hung, "4")  # a second tick over the quota
        assert "Đã chọn: 0/1" in await say(z, hung, "3")  # the list is still open: untick

        # Seven of the eight units vote by numbers; one asks for the ballot again with /bophieu.
        late = REPS[5]
        listing = await say(z, late, "/bophieu")
        assert "1. 🗳 Bỏ phiếu: #1 Bình xét thi đua năm 2026" in listing
        assert "Phiếu bầu kín" in await say(z, late, "1")
        for unit, who in enumerate(voters[:7], start=1):
            receipt = await vote_by_numbers(z, who, unit)
            assert receipt.startswith(f"🗳 Đã nhận phiếu của {SEED_UNITS[unit - 1]}")
            picked = CATEGORY_1[unit]
            assert f"{mark(picked)}{SEED_UNITS[picked - 1]}" not in receipt and "☑" not in receipt  # sealed
        assert "Đã nhận phiếu" not in "\n".join(all_texts(z, voters[7]))
        assert z.rows("SELECT COUNT(*) FROM poll_ballots WHERE sealed IS NOT NULL") == [(7,)]

        # The close; two of the three committee codes open the box; the results post.
        await z.group_say(OA_GROUP, CHAIR, "/binhxet 1 dong")
        await say(z, REPS[1], f"/kiemphieu {holders[REPS[1]][0]}")
        assert not [t for t in z.group_texts(OA_GROUP) if t.startswith("📊")]  # one code is not enough
        await say(z, CHAIR, holders[CHAIR][0])  # pasted alone
        (results,) = [t for t in z.group_texts(OA_GROUP) if t.startswith("📊")]
        assert "Kết quả bỏ phiếu kín #1" in results
        assert f"{SEED_UNITS[1]}: 6 phiếu (75,0%)" in results  # 6 of 8 member units
        assert f"{SEED_UNITS[3]}: 1 phiếu (12,5%)" in results
        assert (
            f"{SEED_UNITS[4]}: 5 phiếu (62,5%)" in results and f"{SEED_UNITS[5]}: 5 phiếu (62,5%)" in results
        )
        assert all(len(t) <= 2000 for who in voters for t in all_texts(z, who))

        # The minutes, by signed link (no documents on Zalo), opened and read.
        place = "Hội trường Sở Tư pháp tỉnh, Đắk Lắk"
        await z.group_say(OA_GROUP, CHAIR, f"/binhxet 1 bienban {place} | Nguyễn Thị Hồng Nhung")
        (line,) = [t for t in z.group_texts(OA_GROUP) if "📎" in t and ".docx" in t]
        async with httpx.AsyncClient() as client:
            got = await client.get(re.findall(r"https?://\S+", line)[0])
        assert got.status_code == 200
        doc = Document(io.BytesIO(got.content))
        text = "\n".join(p.text for p in doc.paragraphs)
        assert "BIÊN BẢN KIỂM PHIẾU" in text and f"tại {place}" in text
        assert "Thư ký: Nguyễn Thị Hồng Nhung" in text
        rows = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
        assert [SEED_UNITS[1], "6", "75,0%"] in [r[1:4] for r in rows]
