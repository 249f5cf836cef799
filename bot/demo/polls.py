"""Demo scene: the year-end award review by secret ballot, the counting committee opening the
ballot box, then next year's chair and vice chair."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.demo.runner import Demo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Text ballots: who votes what, by the letters on the ballot (A = the first unit) or a unit's
# name. Thắm's is shown being reviewed (category 3 short of its quota) and confirmed; Mai
# (Thanh tra) abstains.
TEXT_VOTES = {
    "tham": "1: Công an tỉnh; 2: C, D; 3: E, F",
    "ha": "1: B; 2: C, D; 3: E, F, A",
    "son": "1: B; 2: D, H; 3: E, F, G",
    "thu": "1: B; 2: C, D; 3: F, G, A",
    "binh": "1: E; 2: C, D; 3: E, F, G",
}


PLACE = "Hội trường Bộ Chỉ huy Bộ đội Biên phòng tỉnh, Đắk Lắk"  # seed 004's bloc
SECRETARY = "Nguyễn Thị Hồng Nhung"  # typed by the chair: a staff member of the chair unit
CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){7}\b")  # a counting committee member's code


async def _open_box(demo: Demo, poll: int, *who: str) -> None:
    """Members of the counting committee each paste the code the bot gave them privately."""
    [(box_id,)] = demo.h.db_rows("SELECT box_id FROM poll_boxes WHERE poll_id = ?", (poll,))
    for key in who:
        texts = demo.h.emu.bot_texts(demo.people[key])
        code = [c for t in texts for c in CODE.findall(t) if c.startswith(box_id)][-1]
        await demo.say(key, f"/kiemphieu {code}", private=True)


async def _vote_by_text(demo: Demo, who: str, poll: int, text: str) -> None:
    """A ballot written in one line; the bot shows it back by name; the voter presses Send."""
    await demo.say(who, f"/bophieu {poll} {text}", private=True)
    await demo.press(who, demo.last(demo.people[who]), "✅", private=True)


async def _save_minutes(demo: Demo, name: str) -> None:
    """Keep the DOCX the bot just sent to the group in the demo's folder."""
    minutes = next((m for m in reversed(demo.h.emu.messages(demo.GROUP)) if m.document), None)
    if minutes is not None and minutes.document is not None:
        path = demo.save(name, minutes.document.data)
        demo.note(demo._("Minutes saved: %(path)s", path=str(path)))


async def _poll_id(demo: Demo) -> int:
    [(poll_id,)] = demo.h.db_rows("SELECT MAX(id) FROM polls")
    return int(poll_id)


async def _run_timers(demo: Demo) -> None:
    scheduler = demo.h.services.scheduler
    if scheduler is not None:
        await scheduler.run_due()
        await demo.h.services.drain()
    demo.flush()


async def scene(demo: Demo) -> None:
    """Draft, open, vote by buttons and by text, remind, close at the deadline, minutes, elect."""
    _ = demo._
    deadline = (demo.clock.now() + timedelta(days=2)).astimezone(TZ).strftime("%d/%m/%Y")
    year = demo.clock.now().astimezone(TZ).year

    demo.heading(_("Scene — the year-end award review by secret ballot"))
    await demo.say(
        "tham",
        f"/binhxet Bình xét thi đua năm {year}\n"
        "Cờ thi đua của Chính phủ | 1\nCờ thi đua của UBND tỉnh | 2\n"
        "Bằng khen của Chủ tịch UBND tỉnh | 3\n"
        f"rules: threshold=majority base=members quorum=2/3 deadline=17h00 {deadline}",
    )
    poll = await _poll_id(demo)
    demo.note(
        _(
            "The counting committee (Ban kiểm phiếu): the chair and vice chair units, and Thanh tra "
            "tỉnh, whom the chair names. Each member gets a code privately when voting opens; any "
            "two codes open the ballot box."
        )
    )
    await demo.say("tham", f"/binhxet {poll} bankiemphieu Thanh tra tỉnh")
    await demo.say("tham", f"/binhxet {poll} mo")

    demo.note(
        _(
            "Each unit's voter got the ballot privately. Hùng (Công an tỉnh) ticks with the "
            "buttons, reviews and sends."
        )
    )
    hung = demo.people["hung"]
    for ticks in (["C. "], ["D. ", "E. "], ["F. ", "G. ", "A. "]):
        for tick in ticks:
            await demo.press("hung", demo.last(hung), tick, private=True)
        await demo.press("hung", demo.last(hung), "▶", private=True)
    await demo.press("hung", demo.last(hung), "✅", private=True)

    demo.note(
        _(
            "Others write their ballot in one line, with the letters on the ballot or a unit's name. "
            "The bot shows it back by name, warns of a category left short, and casts it only when "
            "they press Send. The group card only counts who has voted."
        )
    )
    for who, text in TEXT_VOTES.items():
        demo.clock.advance(timedelta(minutes=7))
        await _vote_by_text(demo, who, poll, text)
    demo.note(_("Yến (Thi hành án dân sự) votes, then tries to vote again: refused."))
    await _vote_by_text(demo, "yen", poll, "1: B; 2: C, D; 3: E, F, G")
    await demo.say("yen", f"/bophieu {poll} 1: G", private=True)
    await demo.say("ha", f"/binhxet {poll}")

    demo.heading(_("A day before the deadline: the unit that has not voted is reminded privately"))
    demo.clock.set(
        (demo.clock.now() + timedelta(days=2)).astimezone(TZ).replace(hour=17, minute=0, second=0)
        - timedelta(days=1)
    )
    await _run_timers(demo)

    demo.heading(_("The deadline passes: the poll closes itself; the ballots stay sealed"))
    demo.clock.advance(timedelta(days=1, minutes=1))
    await _run_timers(demo)
    demo.heading(_("The counting committee opens the ballot box together: the totals appear"))
    await _open_box(demo, poll, "tham", "mai")
    chart = demo.last()
    if chart.photo is not None:
        path = demo.save(
            "ket-qua-binh-xet.png" if demo.lang == "vi" else "award-results.png", chart.photo.data
        )
        demo.note(_("Chart saved: %(path)s", path=str(path)))
    demo.note(
        _(
            "The minutes: the place of the count (its part after the last comma heads the "
            "document: 'Đắk Lắk, ngày …'), then the secretary; the chair unit's voter presides."
        )
    )
    await demo.say("tham", f"/binhxet {poll} bienban {PLACE} | {SECRETARY}")
    await _save_minutes(demo, "bien-ban-kiem-phieu.docx" if demo.lang == "vi" else "vote-count-minutes.docx")

    demo.heading(_("Electing next year's chair and vice chair; the rotation suggests"))
    await demo.say("tham", f"/bau {year + 1}")
    election = await _poll_id(demo)
    await demo.say("tham", f"/binhxet {election} mo")
    for who in ("tham", "ha", "hung", "son", "thu", "binh", "yen"):
        await _vote_by_text(demo, who, election, "1: D; 2: E")
    await demo.say("tham", f"/binhxet {election} dong")
    await _open_box(demo, election, "tham", "ha")
    results = next((m for m in reversed(demo.h.emu.messages(demo.GROUP)) if m.buttons), None)
    if results is not None:
        await demo.press("tham", results, "✅")
    demo.note(_("The election's minutes say bầu, đơn vị được giới thiệu, kết quả bầu, trúng cử."))
    await demo.say("tham", f"/binhxet {election} bienban {PLACE} | {SECRETARY}")
    await _save_minutes(
        demo, "bien-ban-bau-khoi-truong.docx" if demo.lang == "vi" else "election-minutes.docx"
    )
