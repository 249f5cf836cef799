"""`blocbot demo --channel zalo` tells the bloc year through the Zalo emulators, offline: joins by
typed code, numbered replies, a secret ballot counted by the committee, files by signed link
(downloaded and read back), a reminder naming the silent units."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.cli import main
from bot.demo.roster import UNITS


def test_the_zalo_demo_runs_offline_in_vietnamese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--channel", "zalo", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "Traceback" not in printed and "Lỗi" not in printed
    assert printed.count("Chào mừng anh/chị!") == 8  # eight units joined by typed codes
    assert "Không có mã tham gia K7QX-M2PD" in printed and "Mã tham gia này đã được sử dụng" in printed
    assert "Đã ghi nhận: Thanh tra tỉnh vắng mặt." in printed  # RSVP by number in the OA group
    assert "• Môn thi đấu: Kéo co" in printed  # a form answered by number
    assert "📊 Kết quả bỏ phiếu kín #1" in printed and "Công an tỉnh: 5 phiếu (62,5%) ✅" in printed
    assert "Đơn vị chưa xác nhận tham dự (2)" in printed
    assert "1. 1." not in printed

    rows = list(load_workbook(tmp_path / "roster-1-2026.xlsx").active.iter_rows(values_only=True))
    assert {str(cell) for row in rows for cell in row if cell} >= set(UNITS)
    minutes = "\n".join(p.text for p in Document(str(tmp_path / "bien-ban-kiem-phieu-1.docx")).paragraphs)
    assert "Công an tỉnh" in minutes
    assert (tmp_path / "blocbot-demo-zalo.sqlite3").exists()


def test_the_zalo_demo_speaks_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--channel", "zalo", "--lang", "en", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "Traceback" not in printed
    assert "blocbot demo on Zalo" in printed and printed.count("Welcome") >= 8
    assert "[Zalo group]" in printed
