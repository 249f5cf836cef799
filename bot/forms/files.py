"""Form exports: one row per unit, one column per field, as XLSX or CSV bytes (pure).

What people typed is written as text, never as a formula (OWASP "CSV injection"), and without
control characters, which XML cannot hold and an old database may still have.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlsxCell
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from bot.core.names import FORMULA_START, drop_controls
from bot.forms.model import Field, Value

Cell = str | int | float | datetime | None
DATE_FORMAT = "DD/MM/YYYY HH:MM"
CSV_DATE = "%d/%m/%Y %H:%M"


@dataclass(frozen=True)
class Sheet:
    """A titled table: the sheet's name, a title line, headers and rows."""

    name: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def field_cell(spec: Field, value: Value | None, yes_no: Mapping[str, str]) -> Cell:
    """A stored answer as a spreadsheet cell: numbers as numbers, ticks joined with '; '."""
    if value is None:
        return None
    if isinstance(value, list):
        return "; ".join(value)
    if spec.type == "number":
        return float(value) if "." in value else int(value)
    if spec.type == "yesno":
        return yes_no.get(value, value)
    return value


def build_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one worksheet per sheet: title in A1, headers in row 2, data below."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for sheet in sheets:
        ws = book.create_sheet(sheet.name[:31])
        put_row(ws, 1, [sheet.title])
        ws["A1"].font = Font(bold=True, size=13)
        for cell in put_row(ws, 2, sheet.headers):
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for number, row in enumerate(sheet.rows, 3):
            for cell in put_row(ws, number, row):
                if isinstance(cell.value, datetime):
                    cell.number_format = DATE_FORMAT
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, header in enumerate(sheet.headers, 1):
            longest = max(
                [len(str(header))] + [_width(r[index - 1]) for r in sheet.rows if index - 1 < len(r)]
            )
            letter = ws.cell(row=2, column=index).column_letter
            ws.column_dimensions[letter].width = min(max(longest + 2, 6), 60)
        ws.freeze_panes = "C3"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def put_row(ws: Worksheet, number: int, values: Sequence[Cell]) -> list[XlsxCell]:
    """Write one row of values, strings as plain text; return its cells."""
    # openpyxl refuses control characters (IllegalCharacterError), and so would Excel.
    cells = [
        ws.cell(row=number, column=column, value=drop_controls(v) if isinstance(v, str) else v)
        for column, v in enumerate(values, 1)
    ]
    for cell in cells:
        as_text(cell)
    return cells


def as_text(cell: XlsxCell) -> None:
    """Keep a string cell a string: openpyxl makes '=...' a formula, Excel re-reads '+1' on edit."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_START):
            cell.quotePrefix = True  # what Excel sets when one types a leading apostrophe


def csv_text(text: str) -> str:
    """A CSV field that a spreadsheet shows as typed: a leading apostrophe before a formula."""
    text = drop_controls(text)
    return "'" + text if text.startswith(FORMULA_START) else text


def _width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    return max((len(line) for line in str(value).split("\n")), default=0)


def build_csv(sheet: Sheet) -> bytes:
    """The sheet's headers and rows as UTF-8 CSV with a BOM, so Excel shows Vietnamese right.

    Fields with a comma, quote or line break are quoted (RFC 4180); text that a spreadsheet
    would run as a formula gets a leading apostrophe; numbers and dates are written bare.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([csv_text(h) for h in sheet.headers])
    for row in sheet.rows:
        writer.writerow([_csv_cell(c) for c in row])
    return buf.getvalue().encode("utf-8-sig")


def _csv_cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(CSV_DATE)
    if isinstance(value, str):
        return csv_text(value)
    return value
