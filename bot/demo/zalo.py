"""`blocbot demo --channel zalo`: the same bloc year told through the Zalo emulators, offline.

The bloc's home is a Zalo Official Account's group; each representative writes to the OA one to
one. Joins are typed codes, every choice is a numbered reply (RSVP, a form, a secret ballot
category by category), files arrive as signed links that the demo downloads, and a reminder
names the units that have not answered. Zalo's OA events carry no names, so the bot calls
people "Zalo" and the end of their id; the transcript shows who they are.
"""

from __future__ import annotations

import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from babel.numbers import format_decimal

from bot.core.i18n import translator
from bot.demo.roster import PEOPLE, UNITS
from bot.demo.zalo_harness import ZaloHarness

__all__ = ["run_zalo_demo"]

GROUP = "g-khoi-3"
MEETING = datetime(2026, 12, 16, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
JOIN = re.compile(r"/(?:thamgia|join) ([0-9A-Z]{4}-[0-9A-Z]{4})")
SHARE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){7}\b")
LINK = re.compile(r"📎 (\S+): (https?://\S+)")
# Ballots typed in one line (candidate numbers are roster numbers); Hùng and Thu use numbers.
# by the letters on the ballot (A = the first candidate): shown back by name, then sent with "1"
TEXT_VOTES = {"tham": "1: B; 2: E, F", "ha": "1: B; 2: E, G", "son": "1: B; 2: E, F", "binh": "1: F; 2: E, G"}


class DemoHarness(ZaloHarness):
    """The Zalo harness on the demo's database file, without flood limits (the demo's people
    type faster than its clock moves); its send budgets run a thousand times faster than Zalo's
    (zalo_harness.SEND_SCALE: at 1 a second per chat the OA group's ~40 posts took 40 of the
    demo's 43 s)."""

    def __init__(self, out: Path, lang: str) -> None:
        super().__init__(out, bot=False, oa=True, language=lang)
        self.database = (out / "blocbot-demo-zalo.sqlite3").resolve()

    def config_data(self) -> dict[str, Any]:
        data = super().config_data()
        data["database"] = {"path": str(self.database)}
        data["access"] |= {"per_person_per_minute": 0, "per_chat_per_minute": 0}
        return data


class ZaloStory:
    """Who says what where, and a transcript printed as the people would read it."""

    def __init__(self, z: ZaloHarness, lang: str, out: Path) -> None:
        self.z = z
        self.lang = lang
        self.out = out
        self._ = translator(lang).gettext
        self.ids = {key: f"84{uid}" for key, uid, _name, _unit in PEOPLE}  # OA user ids
        self.names = {self.ids[key]: name for key, _uid, name, _unit in PEOPLE}
        self.files: list[Path] = []
        self._seen = 0

    @property
    def oa(self) -> Any:
        assert self.z.oa_emu is not None
        return self.z.oa_emu

    def heading(self, text: str) -> None:
        self.flush()
        print(f"\n━━ {text} ━━")

    def note(self, text: str) -> None:
        self.flush()
        print(f"   ({text})")

    async def group(self, who: str, text: str) -> None:
        """Someone writes in the OA's group."""
        uid = self.ids[who]
        await self.z.group_say(GROUP, uid, text, display_name=self.names[uid])
        self.flush()

    async def private(self, who: str, text: str) -> None:
        """Someone writes to the OA one to one."""
        uid = self.ids[who]
        await self.z.oa_say(uid, text, display_name=self.names[uid])
        self.flush()

    def said_to(self, who: str) -> list[str]:
        """What the OA wrote to someone privately."""
        return self.z.oa_texts(self.ids[who])

    def flush(self) -> None:
        """Print every line of the group and the private chats since the last flush."""
        for entry in self.oa.log[self._seen :]:
            if entry.conversation_id == GROUP:
                where = self._("Zalo group")
            else:
                name = self.names.get(entry.conversation_id, entry.conversation_id)
                where = self._("private chat with %(name)s", name=name)
            text = str(entry).replace("\n", "\n      ")
            print(f"[{where}] {text}")
        self._seen = len(self.oa.log)

    async def download(self, text: str) -> None:
        """Fetch each signed link in a message, as a phone would, and keep the file."""
        async with httpx.AsyncClient(timeout=10.0) as client:
            for name, url in LINK.findall(text):
                got = await client.get(url)
                if got.status_code == 200:
                    path = self.out / Path(name).name
                    path.write_bytes(got.content)
                    self.files.append(path)
                    self.note(self._("Downloaded by its link: %(path)s", path=str(path)))

    async def run_due(self) -> None:
        """The scheduler's timers that are due now (the demo moves the clock)."""
        assert self.z.services is not None and self.z.services.scheduler is not None
        await self.z.services.scheduler.run_due(self.z.clock.now())
        await self.z.services.drain()
        self.flush()


async def setup_and_join(s: ZaloStory) -> None:
    _ = s._
    s.heading(_("Zalo 1 — the bloc in its Zalo group; each unit joins by a typed code"))
    await s.private("tham", "/start")
    await s.group("tham", "/taokhoi Khối thi đua số 3")
    await s.group("tham", "/donvi them\n" + "\n".join(UNITS))
    await s.group("tham", "/khoitruong #3")
    await s.group("tham", "/khoipho #4")
    await s.group("tham", "/moi")
    codes = JOIN.findall(s.said_to("tham")[-1])
    s.note(_("Zalo has no deep links: the chair forwards each unit its code, which is typed on a phone."))
    number = {key: unit for key, _uid, _name, unit in PEOPLE}
    await s.private("tham", f"/thamgia {codes[number['tham'] - 1]}")
    s.note(_("Hùng types the example code instead of his own; the bot says so, and how many tries are left."))
    await s.private("hung", "thamgia K7QX-M2PD")
    for key, _uid, _name, unit in PEOPLE[1:]:
        code = codes[unit - 1]
        typed = code.lower().replace("-", " ") if key in ("hung", "thu") else code
        await s.private(key, f"thamgia {typed}")
    s.note(_("A code works once: Sơn tries Thanh tra tỉnh's code."))
    await s.private("son", f"/thamgia {codes[7]}")


async def meeting_and_form(s: ZaloStory) -> None:
    _ = s._
    s.heading(_("Zalo 2 — a meeting answered by number in the group; a form answered privately"))
    await s.group("tham", "/hop 8h00 16/12/2026 | Hội nghị tổng kết năm 2026 | Hội trường Sở Tư pháp tỉnh")
    for key in ("ha", "hung", "son", "thu", "binh"):
        await s.group(key, "1")
    await s.group("mai", "2")
    await s.group("yen", "5")
    await s.group(
        "tham",
        "/dangky tuychon Hội thao khối 2026 | 10/12/2026\n"
        "Môn thi đấu | chọn:Bóng đá,Cầu lông,Kéo co\nTrưởng đoàn | chữ",
    )
    await s.private("hung", "/nop")
    await s.private("hung", "1")
    await s.private("hung", "Bơi lội")
    await s.private("hung", "3")
    await s.private("hung", "Thiếu tá Lê Văn Hùng")


async def vote_by_numbers(s: ZaloStory, who: str, first: int, second: tuple[int, ...]) -> None:
    for number in (first, 9, *second, 10, 1):  # 9: next; 10: review; 1: send
        await s.private(who, str(number))


async def ballot(s: ZaloStory) -> None:
    _ = s._
    s.heading(_("Zalo 3 — the award review by secret ballot, by numbered replies"))
    await s.group("tham", "/binhxet Bình xét thi đua năm 2026\nCờ thi đua của UBND tỉnh | 1\nBằng khen | 2")
    await s.group("tham", "/binhxet 1 mo")
    s.note(_("Hùng ticks by numbers, category by category, reviews and sends."))
    await vote_by_numbers(s, "hung", 2, (5, 6))
    await vote_by_numbers(s, "thu", 2, (6, 7))
    s.note(_("Others type the whole ballot in one line; the bot shows it back by name, and 1 sends it."))
    for key, text in TEXT_VOTES.items():
        await s.private(key, f"/bophieu 1 {text}")
        await s.private(key, "1")
    await s.group("tham", "/binhxet 1 dong")
    s.note(_("Two of the three committee members send their codes; the box opens."))
    for key in ("tham", "ha"):
        code = [c for t in s.said_to(key) for c in SHARE.findall(t)][-1]
        await s.private(key, f"/kiemphieu {code}")
    await s.group("tham", "/binhxet 1 bienban Hội trường Sở Tư pháp tỉnh | Đỗ Đức Hà")
    for text in s.z.group_texts(GROUP)[-3:]:
        await s.download(text)


async def files_and_reminder(s: ZaloStory) -> None:
    _ = s._
    s.heading(_("Zalo 4 — the roster by signed link; a reminder names who has not answered"))
    await s.group("ha", "/export roster")
    await s.download(s.z.group_texts(GROUP)[-1])
    s.z.clock.set(MEETING - timedelta(days=7))
    s.note(_("A week before the meeting:"))
    await s.run_due()


async def run_zalo_demo(*, lang: str, out: Path) -> int:
    """Tell the story through the Zalo emulators; print it; the files go to `out`."""
    out.mkdir(parents=True, exist_ok=True)
    harness = DemoHarness(out, lang)
    for leftover in out.glob(harness.database.name + "*"):
        leftover.unlink()
    started = time.perf_counter()
    _ = translator(lang).gettext
    print(_("blocbot demo on Zalo — offline, through local Zalo emulators. Nothing leaves this machine."))
    async with harness as z:
        story = ZaloStory(z, lang, out)
        for scene in (setup_and_join, meeting_and_form, ballot, files_and_reminder):
            await scene(story)
        story.flush()
    print()
    print(_("Files written:"))
    for path in [*story.files, harness.database]:
        print(f"  {path}")
    elapsed = time.perf_counter() - started
    print(_("Demo finished in %(seconds)s s.", seconds=format_decimal(elapsed, "0.0", locale=lang)))
    sys.stdout.flush()
    return 0
