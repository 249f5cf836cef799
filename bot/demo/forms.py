"""Demo scene: the yearly pledge — units answer privately, the missing ones are reminded."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.core.clock import from_db
from bot.demo.runner import Demo


async def scene(demo: Demo) -> None:
    """Open the pledge form, answer it three ways, amend, remind the missing, export."""
    _ = demo._
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    deadline = (demo.clock.now() + timedelta(days=9)).astimezone(tz).strftime("%d/%m/%Y")

    demo.heading(_("Scene — the yearly pledge: every unit answers, the chair sees who has not"))
    await demo.say("tham", f"/dangky pledge Đăng ký thi đua năm 2027 | 17h00 {deadline}")
    [(form_id,)] = demo.h.db_rows("SELECT MAX(id) FROM forms")

    demo.note(
        _(
            "Representatives answer in their private chat with the bot: in one line, "
            "guided, or from the card's button."
        )
    )
    await demo.say(
        "hung",
        f"/nop {form_id} Hoàn thành 100% chỉ tiêu được giao; không có cán bộ vi phạm kỷ luật",
        private=True,
    )
    demo.clock.advance(timedelta(hours=3))
    await demo.say("thu", f"/nop {form_id}", private=True)
    await demo.say("thu", "Giải quyết 100% đơn thư đúng hạn;\nTổ chức 2 hội nghị chuyên đề", private=True)
    demo.clock.advance(timedelta(days=1, hours=2))
    await demo.say("son", f"/start form_{form_id}", private=True)
    await demo.say("son", "Hoàn thành xuất sắc nhiệm vụ quân sự, quốc phòng địa phương", private=True)
    demo.note(_("Someone else from Công an tỉnh amends the unit's answer; every version is kept."))
    demo.clock.advance(timedelta(hours=20))
    await demo.say("tham", "/invite #2")
    link = re.findall(r"start=(join_[\w-]+)", demo.last(demo.people["tham"]).text or "")
    demo.person("lan", 9010, "Nguyễn Thị Lan")
    if link:
        await demo.say("lan", f"/start {link[0]}", private=True)
    await demo.say(
        "lan", f"/nop {form_id} Hoàn thành 100% chỉ tiêu; phấn đấu Cờ thi đua của UBND tỉnh", private=True
    )

    demo.heading(_("Three days before the deadline: the reminder names the units still missing"))
    [(first,)] = demo.h.db_rows(
        "SELECT MIN(r.due_at) FROM reminders r JOIN forms f ON f.deadline_event_id = r.event_id "
        "WHERE f.id = ? AND r.status = 'pending'",
        (form_id,),
    )
    if first is not None:
        demo.clock.set(from_db(first))
        scheduler = demo.h.services.scheduler
        if scheduler is not None:
            await scheduler.run_due()
            await demo.h.services.drain()
        demo.flush()
    demo.clock.advance(timedelta(hours=1, minutes=15))
    await demo.say("binh", f"/nop {form_id} Hoàn thành 100% chỉ tiêu xét xử", private=True)
    await demo.say("tham", f"/dangky {form_id}")
    await demo.say("tham", f"/dangky {form_id} export")
    sent = demo.last()
    if sent.document is not None:
        path = demo.save(
            "dang-ky-thi-dua.xlsx" if demo.lang == "vi" else "pledge-form.xlsx", sent.document.data
        )
        demo.note(_("Spreadsheet saved: %(path)s", path=str(path)))
