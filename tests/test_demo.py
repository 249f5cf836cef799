"""The offline demo runs end to end and prints the conversation in the chosen language."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.demo import run_demo


@pytest.mark.parametrize(("lang", "expect"), [("vi", "Đã thêm 8 đơn vị"), ("en", "Added 8 units")])
async def test_demo_prints_the_roster_scene(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, expect: str
) -> None:
    assert await run_demo(lang=lang, out=tmp_path) == 0
    printed = capsys.readouterr().out
    assert expect in printed
    assert "Traceback" not in printed
    sheets = list(tmp_path.glob("*.xlsx"))
    assert sheets, "the roster spreadsheet is written"
    rows = list(load_workbook(sheets[0]).active.iter_rows(values_only=True))
    assert any(row[1] == "Thanh tra tỉnh" for row in rows[2:])
