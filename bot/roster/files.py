"""Roster spreadsheets: build the XLSX export, read a CSV/XLSX import (pure, bytes in/out)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from bot.core.names import clean, fold

MAX_IMPORT_BYTES = 2_000_000
MAX_IMPORT_ROWS = 500


@dataclass(frozen=True)
class RosterRow:
    """One line of the roster sheet: a unit, possibly with one representative."""

    number: int
    unit: str
    role: str
    person: str
    telegram_id: int | None
    username: str
    voter: bool


class ImportError_(ValueError):
    """A file we cannot read as a roster; the message says why (in English, for the log)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def build_xlsx(
    title: str, headers: Sequence[str], rows: Sequence[RosterRow], sheet_name: str = "Roster"
) -> bytes:
    """The roster as an XLSX workbook."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_name[:31]
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(list(headers))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    for row in rows:
        sheet.append(
            [
                row.number,
                row.unit,
                row.role,
                row.person,
                row.telegram_id,
                row.username,
                "x" if row.voter else "",
            ]
        )
    for column, width in zip("ABCDEFG", (6, 42, 16, 28, 14, 18, 8), strict=True):
        sheet.column_dimensions[column].width = width
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


_UNIT_HEADERS = {"don vi", "unit", "ten don vi", "đơn vị"}
_ROLE_HEADERS = {"vai tro", "role"}
_ID_HEADERS = {"telegram id", "telegram", "id telegram"}


@dataclass(frozen=True)
class ImportedRow:
    """A unit to add (if missing), its role for the year, and a Telegram id to link."""

    unit: str
    role: str | None
    telegram_id: int | None


def _table(data: bytes, filename: str) -> list[list[str]]:
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportError_("too_big")
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise ImportError_("unreadable", str(exc)) from exc
        sheet = book.worksheets[0]
        table = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
        return table
    if name.endswith(".csv") or name.endswith(".txt"):
        for encoding in ("utf-8-sig", "cp1258", "latin-1"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:2000], delimiters=",;\t")
        except csv.Error:  # one column (or an odd file) has no delimiter to find
            dialect = csv.excel
        try:
            return [list(r) for r in csv.reader(io.StringIO(text), dialect)]
        except csv.Error as exc:
            raise ImportError_("unreadable", str(exc)) from exc
    raise ImportError_("format")


def parse_import(data: bytes, filename: str) -> list[ImportedRow]:
    """Read units (and optional role, Telegram id) from a roster CSV/XLSX."""
    table = _table(data, filename)
    header_at = next(
        (i for i, row in enumerate(table[:10]) if any(fold(c) in _UNIT_HEADERS for c in row)), None
    )
    if header_at is None:
        raise ImportError_("no_header")
    header = [fold(c) for c in table[header_at]]
    unit_col = next(i for i, h in enumerate(header) if h in _UNIT_HEADERS)
    role_col = next((i for i, h in enumerate(header) if h in _ROLE_HEADERS), None)
    id_col = next((i for i, h in enumerate(header) if h in _ID_HEADERS), None)
    rows: list[ImportedRow] = []
    for raw in table[header_at + 1 :]:
        cell = clean(raw[unit_col]) if unit_col < len(raw) else ""
        if not cell:
            continue
        role = _role(raw[role_col]) if role_col is not None and role_col < len(raw) else None
        ident = raw[id_col].strip() if id_col is not None and id_col < len(raw) else ""
        telegram_id = int(float(ident)) if ident.replace(".0", "").lstrip("-").isdigit() else None
        rows.append(ImportedRow(cell, role, telegram_id))
        if len(rows) > MAX_IMPORT_ROWS:
            raise ImportError_("too_many")
    if not rows:
        raise ImportError_("empty")
    return rows


def _role(text: str) -> str | None:
    key = fold(text)
    if key in ("chair", "khoi truong", "truong khoi"):
        return "chair"
    if key in ("vice", "vice chair", "khoi pho", "pho khoi"):
        return "vice"
    return None
