"""The demo's registration scene: pledge form, answers, the reminder, the spreadsheet."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.demo import run_demo


async def test_demo_pledge_scene(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_demo(lang="vi", out=tmp_path) == 0
    printed = capsys.readouterr().out
    assert "Cảnh — đăng ký thi đua năm" in printed and "Traceback" not in printed
    reminder = next(line for line in printed.splitlines() if "Đơn vị chưa" in line)
    assert "Thanh tra tỉnh" in reminder and "Công an tỉnh" not in reminder
    book = load_workbook(tmp_path / "dang-ky-thi-dua.xlsx")
    rows = list(book["Nội dung đăng ký"].iter_rows(values_only=True))
    assert rows[1][:3] == ("STT", "Đơn vị", "Chỉ tiêu, nội dung đăng ký thi đua trong năm")
    police = rows[3]
    assert police[1] == "Công an tỉnh" and police[3] == "Nguyễn Thị Lan" and police[5] == 2
    assert rows[9][1] == "Thanh tra tỉnh" and rows[9][2] is None
