"""Roster spreadsheets: export shape and the import reader's tolerance."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from bot.roster.files import ImportError_, RosterRow, build_xlsx, parse_import


def test_one_column_csv_and_semicolons() -> None:
    rows = parse_import("Đơn vị\nCông an tỉnh\nSở Tư pháp\n".encode(), "a.csv")
    assert [r.unit for r in rows] == ["Công an tỉnh", "Sở Tư pháp"]
    rows = parse_import("STT;Đơn vị;Vai trò;Telegram ID\n1;Công an tỉnh;Khối trưởng;42\n".encode(), "b.csv")
    assert rows[0].role == "chair" and rows[0].telegram_id == 42


def test_xlsx_with_title_row_and_bom_csv() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Danh sách Khối thi đua số 3"])
    sheet.append(["STT", "Don vi", "Vai tro"])
    sheet.append([1, "Thanh tra tỉnh", "Khối phó"])
    buf = io.BytesIO()
    book.save(buf)
    rows = parse_import(buf.getvalue(), "ds.xlsx")
    assert rows[0].unit == "Thanh tra tỉnh" and rows[0].role == "vice"
    assert parse_import("\ufeffUnit\nSở Y tế\n".encode(), "c.csv")[0].unit == "Sở Y tế"


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"whatever", "x.pdf", "format"),
        (b"\x00garbage", "x.xlsx", "unreadable"),
        (b"Ten\nA\n", "x.csv", "no_header"),
        (b"Don vi\n\n", "x.csv", "empty"),
    ],
)
def test_bad_files_say_why(data: bytes, name: str, reason: str) -> None:
    with pytest.raises(ImportError_) as caught:
        parse_import(data, name)
    assert caught.value.reason == reason


def test_export_round_trips_through_import() -> None:
    data = build_xlsx(
        "Danh sách",
        ["STT", "Đơn vị", "Vai trò", "Người đại diện", "Telegram ID", "", ""],
        [RosterRow(1, "Công an tỉnh", "Khối trưởng", "Lan", 42, "lan", True)],
    )
    rows = parse_import(data, "r.xlsx")
    assert (rows[0].unit, rows[0].role, rows[0].telegram_id) == ("Công an tỉnh", "chair", 42)
