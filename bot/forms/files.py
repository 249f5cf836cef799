"""Form exports: one row per unit, one column per field, as XLSX or CSV bytes (pure)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

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
        ws.append([sheet.title])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(list(sheet.headers))
        for cell in ws[2]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in sheet.rows:
            ws.append(list(row))
        for row_cells in ws.iter_rows(min_row=3):
            for cell in row_cells:
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


def _width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    return max((len(line) for line in str(value).split("\n")), default=0)


def build_csv(sheet: Sheet) -> bytes:
    """The sheet's headers and rows as UTF-8 CSV with a BOM, so Excel shows Vietnamese right."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(sheet.headers)
    for row in sheet.rows:
        writer.writerow(
            ["" if c is None else c.strftime(CSV_DATE) if isinstance(c, datetime) else c for c in row]
        )
    return buf.getvalue().encode("utf-8-sig")
