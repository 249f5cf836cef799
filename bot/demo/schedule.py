"""Demo scene: the year's schedule, a meeting card with RSVPs, reminders through a restart."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.demo.runner import Demo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


async def run_reminders(demo: Demo) -> None:
    """Let the scheduler do what its timer would do at the demo clock's time."""
    scheduler = demo.h.services.scheduler
    if scheduler is not None:
        await scheduler.run_due()
        await demo.h.services.drain()
    demo.flush()


def buttons(message: object) -> list[str]:
    """Callback data of a message's buttons."""
    rows = getattr(message, "buttons", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


async def scene(demo: Demo) -> None:
    """Propose the year, schedule the year-end review, answer, move, remind, restart, export."""
    _ = demo._
    today = demo.clock.now().astimezone(TZ)
    day = (today + timedelta(days=20)).date()
    meeting_at = datetime.combine(day, time(8, 0), tzinfo=TZ)
    when = f"8h00 {day:%d/%m/%Y}"

    demo.heading(_("Scene — the year's schedule: proposed, confirmed with one button"))
    await demo.say("tham", f"/chuky {today.year + 1}")
    proposal = demo.last()
    await demo.press("tham", proposal, "✅")

    demo.heading(_("Scene — a meeting card collects the units' answers, edited in place"))
    await demo.say(
        "tham",
        f"/hop {when} | Hội nghị tổng kết công tác thi đua năm {today.year} | "
        "Hội trường Công an tỉnh\nBáo cáo tổng kết công tác thi đua\n"
        "Bình xét, suy tôn các danh hiệu thi đua\nBầu Khối trưởng, Khối phó",
    )
    card = demo.last()
    event_id = buttons(card)[0].split(":")[1] if buttons(card) else "1"
    await demo.press("hung", card, "✅")
    await demo.press("mai", card, "❌")
    await demo.press("ha", card, "✅")
    demo.note(_("A date that does not exist is refused with the forms the bot reads."))
    await demo.say("tham", f"/sukien {event_id} move 8h00 31/6")
    await demo.say("tham", f"/sukien {event_id} move 14h00 {day + timedelta(days=1):%d/%m/%Y}")
    await demo.say("ha", f"/thamdu {event_id}")

    demo.heading(_("Scene — reminders: on time, once, and late after the bot was down"))
    start = meeting_at + timedelta(days=1, hours=6)
    demo.clock.set(start - timedelta(days=7))
    await run_reminders(demo)
    await run_reminders(demo)  # run again at the same moment: nothing is sent twice
    demo.note(_("The bot stops for three hours around the one-day reminder, then starts again."))
    await demo.h.stop_bot()
    demo.clock.set(start - timedelta(days=1) + timedelta(hours=3))
    await demo.h.start_bot()
    await run_reminders(demo)
    await demo.say("son", "/lich")
    await demo.say("son", "/ics")
    sent = demo.last()
    if sent.document is not None:
        path = demo.save("lich-khoi.ics" if demo.lang == "vi" else "bloc-schedule.ics", sent.document.data)
        demo.note(_("Calendar saved: %(path)s", path=str(path)))
