"""Exports never crash on control characters and never turn what people typed into formulas."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.core.names import clean, drop_controls
from bot.forms.files import Sheet, build_csv
from bot.forms.files import build_xlsx as build_form_xlsx
from bot.polls.minutes import Item, Minutes, Section, Signatures, Signer, Table, render_minutes
from bot.roster.files import RosterRow
from bot.roster.files import build_xlsx as build_roster_xlsx

# What people may type (BEL, ESC, VT, FF, unit separator, DEL, C1 CSI and NEL, NUL) ...
DIRTY = "Sở\x07 Y\x1b[31m tế\x0b\x0c\x1f\x7f\x9b\x85\x00"
# ... and what an old database may hold, stored before clean() dropped them.
OLD = "Sở\x07 Y\x1b[31m tế\x00\x7f\x9b"
# Everything XML 1.0 (so XLSX and DOCX) cannot hold, plus DEL and the C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
FORMULAS = ('=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1", "＝1+1")


def _cells(sheet: Worksheet) -> list[Any]:
    return [cell for row in sheet.iter_rows() for cell in row]


def test_clean_drops_control_characters() -> None:
    assert clean(DIRTY) == "Sở Y[31m tế"
    assert clean("Công\x1b an\u2028tỉnh\x85") == "Công an tỉnh"
    assert clean("\ud800Sở\ufffe") == "Sở"  # lone surrogates and non-characters too


def test_multi_line_text_keeps_its_lines_and_tabs() -> None:
    assert drop_controls("Dòng 1\x07\r\nDòng\t2\x0bDòng 3\x1b") == "Dòng 1\r\nDòng\t2\nDòng 3"


def test_roster_export_survives_stored_control_characters() -> None:
    row = RosterRow(1, OLD, "Khối trưởng\x07", "Lan\x1b", 42, "lan\x00", True)
    book = load_workbook(io.BytesIO(build_roster_xlsx("Danh sách\x07", ["STT", "Đơn vị\x1b"], [row])))
    values = list(book.active.iter_rows(values_only=True))
    assert values[0][0] == "Danh sách" and values[1][:2] == ("STT", "Đơn vị")
    assert values[2][:6] == (1, "Sở Y[31m tế", "Khối trưởng", "Lan", 42, "lan")


def test_form_exports_survive_stored_control_characters() -> None:
    sheet = Sheet(
        "Trả lời",
        "Hội thao\x07",
        ("STT", "Đơn vị", "Ghi chú\x1b"),
        ((1, OLD, "Dòng 1\x07\nDòng 2\x1b[0m\tcột"),),
    )
    book = load_workbook(io.BytesIO(build_form_xlsx([sheet])))
    values = list(book["Trả lời"].iter_rows(values_only=True))
    assert values[0][0] == "Hội thao" and values[1][2] == "Ghi chú"
    assert values[2] == (1, "Sở Y[31m tế", "Dòng 1\nDòng 2[0m\tcột")
    text = build_csv(sheet).decode("utf-8-sig")
    assert not _CONTROL.search(text)
    assert list(csv.reader(io.StringIO(text)))[1] == ["1", "Sở Y[31m tế", "Dòng 1\nDòng 2[0m\tcột"]


def test_minutes_survive_stored_control_characters() -> None:
    minutes = Minutes(
        issuer="Khối\x07 thi đua",
        place_date="Buôn Ma Thuột\x1b",
        title="BIÊN BẢN\x07",
        subtitle="Bình xét\x00",
        opening=("Hôm nay\x07",),
        sections=(
            Section(
                "Kết quả\x1f",
                ("Phát ra\x07 8", Item("Thư ký\x1b"), Table(("Đơn vị\x1b",), ((OLD,),), "Cờ\x0c")),
            ),
        ),
        closing=("Kết thúc\x07",),
        signatures=(Signatures((Signer("Thư ký\x07", "Lê Thư\x1b", OLD),), "Ban\x07"),),
        sign_hint="(Ký\x07)",
        keywords=("phiếu\x07",),
    )
    doc = Document(io.BytesIO(render_minutes(minutes)))
    texts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "I. Kết quả" in texts and "Phát ra 8" in texts and "Sở Y[31m tế" in texts
    assert "- Thư ký" in texts and "Hôm nay" in texts and "Kết thúc" in texts
    assert not any(_CONTROL.search(t) for t in texts)
    assert doc.core_properties.title == "BIÊN BẢN — Bình xét"


def test_roster_export_writes_text_never_formulas() -> None:
    rows = [RosterRow(i, text, "", text, None, text, False) for i, text in enumerate(FORMULAS, 1)]
    book = load_workbook(io.BytesIO(build_roster_xlsx("=1+1", ["=STT", "Đơn vị"], rows)))
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    assert not [c.coordinate for c in _cells(sheet) if c.data_type == "f"]
    assert sheet["A1"].value == "=1+1" and sheet["A2"].value == "=STT"
    units = [sheet.cell(row=3 + i, column=2) for i in range(len(FORMULAS))]
    assert [c.value for c in units] == list(FORMULAS)
    assert all(c.quotePrefix for c in units)  # Excel keeps them text when someone edits the cell


def test_form_xlsx_writes_text_never_formulas() -> None:
    sheet = Sheet(
        "Trả lời", "=cmd|' /C calc'!A0", ("STT", "@label"), tuple((i, t) for i, t in enumerate(FORMULAS))
    )
    book = load_workbook(io.BytesIO(build_form_xlsx([sheet])))
    ws = book["Trả lời"]
    assert not [c.coordinate for c in _cells(ws) if c.data_type == "f"]
    assert ws["A1"].value == "=cmd|' /C calc'!A0" and ws["B2"].value == "@label"
    assert [ws.cell(row=3 + i, column=2).value for i in range(len(FORMULAS))] == list(FORMULAS)


@pytest.mark.parametrize("text", FORMULAS)
def test_form_csv_escapes_formulas(text: str) -> None:
    sheet = Sheet("Trả lời", "t", ("STT", "Trả lời"), ((-5, text), (2, 'a,"b";=1+1\nc')))
    rows = list(csv.reader(io.StringIO(build_csv(sheet).decode("utf-8-sig"))))
    assert rows[1] == ["-5", "'" + text]  # numbers stay numbers; text gets OWASP's apostrophe
    assert rows[2] == ["2", 'a,"b";=1+1\nc']  # quoted properly, read back whole
