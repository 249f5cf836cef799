"""The offline demo runs end to end and prints the conversation in the chosen language."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.demo import run_demo

REVIEW = {  # the text ballot's review, its warning for a category left short, the Send press
    "vi": ("Kiểm tra phiếu trước khi gửi", "mới chọn 2 trên tối đa 3 đơn vị", "(pressed): [✅ Gửi phiếu]"),
    "en": (
        "Check your ballot before sending it",
        "you chose 2 units, fewer than the 3",
        "(pressed): [✅ Send",
    ),
}


@pytest.mark.parametrize(("lang", "expect"), [("vi", "Đã thêm 8 đơn vị"), ("en", "Added 8 units")])
async def test_demo_prints_the_roster_scene(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, expect: str
) -> None:
    assert await run_demo(lang=lang, out=tmp_path) == 0
    printed = capsys.readouterr().out
    assert expect in printed
    assert "Traceback" not in printed
    # A ballot written in one line is shown back by name, warned about, and cast only on Send.
    review, short, sent = REVIEW[lang]
    typed = printed.index("Đỗ Quang Thấm: /bophieu 1 1: Công an tỉnh; 2: C, D; 3: E, F")
    shown = printed[typed : printed.index("Đỗ Quang Thấm " + sent, typed)]
    assert review in shown and short in shown and "☑ B. Công an tỉnh" in shown
    sheets = list(tmp_path.glob("*.xlsx"))
    assert sheets, "the roster spreadsheet is written"
    rows = list(load_workbook(sheets[0]).active.iter_rows(values_only=True))
    assert any(row[1] == "Thanh tra tỉnh" for row in rows[2:])
