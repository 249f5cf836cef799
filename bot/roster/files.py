"""Roster spreadsheets: build the XLSX export, read a CSV/XLSX import (bytes in/out).

The reader is pure; an upload is untrusted, so the bot reads it with parse_import_safely, in a
process of its own with memory and time limits. The reader itself reads no more than a roster
needs: a sheet's claimed size is not believed, nor a zip's promise of what it inflates to.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from bot.core.names import clean, fold
from bot.core.sandbox import SandboxError, run_limited
from bot.forms.files import put_row

log = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 2_000_000
MAX_IMPORT_ROWS = 500
# What is read of a sheet, whatever it claims to hold: 500 units with room for blank and note
# lines, more columns than a roster has, and a cell long enough to show it is too long a name.
MAX_SHEET_ROWS = 5_000
MAX_SHEET_COLUMNS = 64
MAX_CELL = 1_000
# What an XLSX's zip directory may say it inflates to, checked before openpyxl opens it. A
# 500-unit roster is some 200 KB of XML; a 1 MB zip bomb says 1 GB (and zipfile holds it to
# what it says). A part of some size inflating more than MAX_RATIO times is a bomb, not a sheet.
MAX_UNZIPPED = 50 << 20
MAX_PART = 10 << 20
MAX_RATIO = 100
MAX_PARTS = 1_000


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
    """A file we cannot read as a roster; `reason` says why, for the handler to word.

    Reasons: format, unreadable, no_header, empty, too_big, too_many, and too_complex (it would
    take more memory or time than a roster can need: a zip bomb, or the sandbox's limits).
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail

    def __reduce__(self) -> tuple[type[ImportError_], tuple[str, str]]:
        # Raised in the sandbox's process and pickled back: keep the detail too.
        return (type(self), (self.reason, self.detail))


def build_xlsx(
    title: str, headers: Sequence[str], rows: Sequence[RosterRow], sheet_name: str = "Roster"
) -> bytes:
    """The roster as an XLSX workbook."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_name[:31]
    put_row(sheet, 1, [title])
    sheet["A1"].font = Font(bold=True, size=13)
    for cell in put_row(sheet, 2, headers):
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    for number, row in enumerate(rows, 3):
        put_row(
            sheet,
            number,
            [
                row.number,
                row.unit,
                row.role,
                row.person,
                row.telegram_id,
                row.username,
                "x" if row.voter else "",
            ],
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
    """The first sheet's non-blank rows, each at most MAX_SHEET_COLUMNS cells."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportError_("too_big")
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _xlsx_table(data)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _csv_table(data)
    raise ImportError_("format")


def _rows(rows: Iterable[Sequence[object]]) -> list[list[str]]:
    """Rows cut to size, blank ones dropped; too_many if the sheet goes on past MAX_SHEET_ROWS."""
    table: list[list[str]] = []
    for count, row in enumerate(rows, 1):
        if count > MAX_SHEET_ROWS:
            raise ImportError_("too_many", f"more than {MAX_SHEET_ROWS} rows")
        cells = ["" if v is None else str(v)[:MAX_CELL] for v in row[:MAX_SHEET_COLUMNS]]
        if any(c.strip() for c in cells):
            table.append(cells)
    return table


def check_zip(data: bytes) -> None:
    """Refuse an XLSX whose zip directory promises more than a roster can be, before inflating it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise ImportError_("unreadable", str(exc)) from exc
    total = sum(p.file_size for p in parts)
    if len(parts) > MAX_PARTS or total > MAX_UNZIPPED:
        raise ImportError_("too_complex", f"{len(parts)} parts, {total} bytes unzipped")
    for part in parts:
        bomb = part.file_size > 1 << 20 and part.file_size > MAX_RATIO * part.compress_size
        if part.file_size > MAX_PART or bomb:
            raise ImportError_("too_complex", f"{part.filename}: {part.compress_size} -> {part.file_size}")


def _xlsx_table(data: bytes) -> list[list[str]]:
    check_zip(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except MemoryError as exc:
        raise ImportError_("too_complex", "out of memory") from exc
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ImportError_("unreadable", str(exc)) from exc
    try:
        if not book.worksheets:
            raise ImportError_("empty")
        # max_col: openpyxl pads each row to the width the sheet claims (up to 16,384 cells).
        return _rows(book.worksheets[0].iter_rows(max_col=MAX_SHEET_COLUMNS, values_only=True))
    except ImportError_:
        raise
    except MemoryError as exc:
        raise ImportError_("too_complex", "out of memory") from exc
    except Exception as exc:  # a broken sheet shows only once its rows are read
        raise ImportError_("unreadable", str(exc)) from exc
    finally:
        book.close()


def _csv_table(data: bytes) -> list[list[str]]:
    text = ""
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
        return _rows(csv.reader(io.StringIO(text), dialect))
    except csv.Error as exc:
        raise ImportError_("unreadable", str(exc)) from exc


def parse_import(data: bytes, filename: str) -> list[ImportedRow]:
    """Read units (and optional role, Telegram id) from a roster CSV/XLSX."""
    table = _table(data, filename)
    header_at = next(
        (i for i, row in enumerate(table[:10]) if any(_header(c) in _UNIT_HEADERS for c in row)), None
    )
    if header_at is None:
        raise ImportError_("no_header")
    header = [_header(c) for c in table[header_at]]
    unit_col = next(i for i, h in enumerate(header) if h in _UNIT_HEADERS)
    role_col = next((i for i, h in enumerate(header) if h in _ROLE_HEADERS), None)
    id_col = next((i for i, h in enumerate(header) if h in _ID_HEADERS), None)
    rows: list[ImportedRow] = []
    for raw in table[header_at + 1 :]:
        cell = clean(raw[unit_col]) if unit_col < len(raw) else ""
        if not cell:
            continue
        role = _role(raw[role_col]) if role_col is not None and role_col < len(raw) else None
        ident = _ID.match(raw[id_col]) if id_col is not None and id_col < len(raw) else None
        telegram_id = int(ident.group(1)) if ident else None
        rows.append(ImportedRow(cell, role, telegram_id))
        if len(rows) > MAX_IMPORT_ROWS:
            raise ImportError_("too_many")
    if not rows:
        raise ImportError_("empty")
    return rows


async def parse_import_safely(data: bytes, filename: str) -> list[ImportedRow]:
    """parse_import in a process of its own, with memory and time limits (bot.core.sandbox)."""
    if len(data) > MAX_IMPORT_BYTES:  # not worth a process
        raise ImportError_("too_big")
    try:
        return await run_limited(parse_import, data, filename)
    except SandboxError as exc:
        log.warning("import of %r stopped: %s", filename, exc)
        raise ImportError_("too_complex", str(exc)) from exc
    except OSError as exc:  # no process to be had (the host is out of processes or memory)
        log.warning("import of %r not started: %s", filename, exc)
        raise ImportError_("too_complex", str(exc)) from exc


# Telegram ids fit 52 bits; a spreadsheet may write one as 42.0. Not int(float()): '²' is a digit.
_ID = re.compile(r"^\s*(-?[0-9]{1,16})(?:\.0*)?\s*$")


def _header(text: str) -> str:
    return fold(text) if len(text) <= 40 else ""  # no header is longer; folding costs


def _role(text: str) -> str | None:
    key = _header(text)
    if key in ("chair", "khoi truong", "truong khoi"):
        return "chair"
    if key in ("vice", "vice chair", "khoi pho", "pho khoi"):
        return "vice"
    return None
