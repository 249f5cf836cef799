"""The ballot box on the console (no buttons, no edits): codes given privately, the vote, the
close, and after a restart the committee pasting its codes (one alone, one after /kiemphieu)."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bot.app import run_console
from bot.cli import console_config
from bot.core.clock import FakeClock
from tests.harness import START

CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){7}\b")

SETUP = r"""
:as Lan
/taokhoi Khối thi đua số 5
/donvi them \
Sở Tư pháp\
Công an tỉnh\
Thanh tra tỉnh
/khoitruong
1
:private
/start
:group
/moi
:quit
"""

VOTE = r"""
:as Lan
:private
/thamgia {lan}
:as Minh
:private
/thamgia {minh}
:as Hoa
:private
/thamgia {hoa}
:as Lan
:group
/binhxet Bình xét thi đua \
Bằng khen | 1
/binhxet 1 mo
:private
/bophieu 1 1: 2
1
:as Minh
:private
/bophieu 1 1: B
1
:as Hoa
:private
/bophieu 1 1: Thanh tra
1
:as Lan
:group
/binhxet 1 dong
1
:quit
"""

COUNT = r"""
:as Minh
:private
{minh}
:as Hoa
:private
/kiemphieu {hoa}
:quit
"""


async def drive(folder: Path, script: str) -> str:
    out: list[str] = []
    config = console_config(folder, "vi")
    await run_console(
        config, lang="vi", out=folder, stream=io.StringIO(script), write=out.append, clock=FakeClock(START)
    )
    return "\n".join(out)


async def test_the_committee_opens_the_box_on_the_console(tmp_path: Path) -> None:
    text = await drive(tmp_path, SETUP)
    joins = re.findall(r"/thamgia ([0-9A-Z]{4}-[0-9A-Z]{4})", text)
    assert len(joins) == 3
    text = await drive(tmp_path, VOTE.format(lan=joins[0], minh=joins[1], hoa=joins[2]))
    assert text.count("Đã nhận phiếu") == 3
    assert "Ban kiểm phiếu mở hòm phiếu" in text and "phiếu (66" not in text
    codes = {code[3]: code for code in CODE.findall(text)}  # the share's number is the 4th character
    assert set(codes) == {"1", "2", "3"}  # Lan (the chair unit), then Minh and Hoa by the roster
    text = await drive(tmp_path, COUNT.format(minh=codes["2"], hoa=codes["3"]))
    assert "Công an tỉnh: 2 phiếu (66,7%)" in text and "Thanh tra tỉnh: 1 phiếu (33,3%)" in text
    assert "Ban kiểm phiếu đã mở hòm phiếu" in text
