"""Demo scene: Khối thi đua số 3 (seed 004) sets itself up in its group chat."""

from __future__ import annotations

import re

from bot.demo.runner import Demo

UNITS = [
    "Bộ Chỉ huy Quân sự tỉnh",
    "Công an tỉnh",
    "Bộ Chỉ huy Bộ đội Biên phòng tỉnh",
    "Sở Tư pháp tỉnh",
    "Viện Kiểm sát nhân dân tỉnh",
    "Tòa án nhân dân tỉnh",
    "Cục Thi hành án dân sự tỉnh",
    "Thanh tra tỉnh",
]

# (key, Telegram id, name, roster number of the unit they represent)
PEOPLE = [
    ("tham", 9001, "Đỗ Quang Thấm", 3),
    ("ha", 9002, "Đỗ Đức Hà", 4),
    ("hung", 9003, "Lê Văn Hùng", 2),
    ("mai", 9004, "Phạm Thị Mai", 8),
    ("son", 9005, "Nguyễn Văn Sơn", 1),
    ("thu", 9006, "Trần Thị Thu", 5),
    ("binh", 9007, "Hoàng Văn Bình", 6),
    ("yen", 9008, "Vũ Thị Yến", 7),
]


async def scene(demo: Demo) -> None:
    """Set up the bloc, add units, fix a mistaken command, invite, join, show, export."""
    _ = demo._
    for key, uid, name, _unit in PEOPLE:
        demo.person(key, uid, name)
    demo.h.group(
        demo.GROUP,
        "Khối thi đua số 3 - UBND tỉnh Đắk Lắk",
        admins=[9001],
        members=[uid for _k, uid, _n, _u in PEOPLE[1:]],
    )

    demo.heading(_("Scene 1 — the bloc moves into its group chat"))
    await demo.say("tham", "/taokhoi Khối thi đua số 3")
    await demo.say("tham", "/donvi them\n" + "\n".join(UNITS))

    demo.note(_('A mistaken command: two units start with "Bộ Chỉ huy"; the bot asks which.'))
    await demo.say("tham", "/khoitruong bo chi huy")
    await demo.say("tham", "/khoitruong #3")
    await demo.say("tham", "/khoipho so tu phap")

    demo.heading(_("Scene 2 — every unit gets its own join link"))
    await demo.say("tham", "/moi")
    await demo.say("tham", "/start", private=True)
    await demo.say("tham", "/moi")
    links = re.findall(r"start=(join_[\w-]+)", demo.last(demo.people["tham"]).text)
    await demo.say("tham", f"/start {links[2]}", private=True)
    for key, _uid, _name, number in PEOPLE[1:]:
        await demo.say(key, f"/start {links[number - 1]}", private=True)
    demo.note(_("A link works once: a second person opening Thanh tra tỉnh's link is refused."))
    await demo.say("son", f"/start {links[7]}", private=True)
    await demo.say("son", f"/start {links[0]}", private=True)

    demo.heading(_("Scene 3 — the roster, a refusal, the spreadsheet"))
    await demo.say("hung", "/danhsach")
    await demo.say("hung", "/donvi xoa #1")
    await demo.say("ha", "/khoi")
    await demo.say("ha", "/export roster")
    sent = demo.last()
    if sent.document is not None:
        path = demo.save("danh-sach-khoi.xlsx" if demo.lang == "vi" else "roster.xlsx", sent.document.data)
        demo.note(_("Spreadsheet saved: %(path)s", path=str(path)))
