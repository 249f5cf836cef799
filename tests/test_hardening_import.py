"""/import of a hostile spreadsheet: read within small limits, refused, or stopped by the sandbox."""

from __future__ import annotations

import io
import subprocess
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.sandbox import MEMORY, SECONDS, SandboxError, run_limited
from bot.roster.files import MAX_IMPORT_ROWS, ImportError_, parse_import, parse_import_safely

NS = "http://schemas.openxmlformats.org/"
CONTENT_TYPES = (
    f'<Types xmlns="{NS}package/2006/content-types">'
    f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
RELS = (
    f'<Relationships xmlns="{NS}package/2006/relationships"><Relationship Id="rId1" '
    f'Type="{NS}officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<workbook xmlns="{NS}spreadsheetml/2006/main" xmlns:r="{NS}officeDocument/2006/relationships">'
    '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<Relationships xmlns="{NS}package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{NS}officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{NS}officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
HEADER_ROW = b'<row r="1"><c r="A1" t="inlineStr"><is><t>Don vi</t></is></c></row>'


def xlsx(rows: bytes, *, dimension: str = "", tail: bytes = b"", strings: bytes = b"") -> bytes:
    """A minimal XLSX written by hand, as an attacker would: one sheet, these <row>s."""
    head = f'<worksheet xmlns="{NS}spreadsheetml/2006/main">'.encode()
    if dimension:
        head += f'<dimension ref="{dimension}"/>'.encode()
    sheet = head + b"<sheetData>" + HEADER_ROW + rows + b"</sheetData>" + tail + b"</worksheet>"
    sst = f'<sst xmlns="{NS}spreadsheetml/2006/main">'.encode() + strings + b"</sst>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, part in (
            ("[Content_Types].xml", CONTENT_TYPES.encode()),
            ("_rels/.rels", RELS.encode()),
            ("xl/workbook.xml", WORKBOOK.encode()),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.encode()),
            ("xl/worksheets/sheet1.xml", sheet),
            ("xl/sharedStrings.xml", sst),
        ):
            archive.writestr(name, part)
    return buf.getvalue()


def xfd_rows(count: int) -> bytes:
    """A sheet that claims A1:XFD1048576, each unit row with one more cell at column XFD."""
    return xlsx(
        b"".join(
            b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Unit %d</t></is></c><c r="XFD%d"><v>1</v></c></row>'
            % (r, r, r, r)
            for r in range(2, count + 2)
        ),
        dimension="A1:XFD1048576",
    )


def peak_python_memory(data: bytes) -> tuple[list[str], int]:
    """(the units read, or the refusal's reason) and the peak of Python memory while reading."""
    tracemalloc.start()
    try:
        try:
            result = [r.unit for r in parse_import(data, "ds.xlsx")]
        except ImportError_ as exc:
            result = [exc.reason]
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_sheet_claiming_column_xfd_is_read_in_small_memory() -> None:
    # Before: openpyxl padded each of the 450 rows to 16,384 cells, some 120 MB for a 15 KB file.
    units, peak = peak_python_memory(xfd_rows(450))
    assert units == [f"Unit {r}" for r in range(2, 452)]
    assert peak < 20 << 20, f"{peak / 2**20:.0f} MB"


def blank_rows() -> bytes:
    """300,000 blank rows (an honest dimension: without one openpyxl reads the sheet to find it)."""
    return xlsx(b"".join(b'<row r="%d"/>' % r for r in range(2, 300_000)), dimension="A1:A300000")


def last_row() -> bytes:
    """One unit in the sheet's last row, after a gap of a million rows."""
    return xlsx(b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>Unit</t></is></c></row>')


def sheet_bomb() -> bytes:
    """60 MB of XML in some 60 KB."""
    return xlsx(b"", tail=b" " * (60 << 20))


def strings_bomb() -> bytes:
    """700,000 shared strings (12 MB) in some 40 KB."""
    return xlsx(b"", strings=b"<si><t>a</t></si>" * 700_000)


@pytest.mark.parametrize("make", [blank_rows, last_row], ids=["blank-rows", "last-row"])
def test_endless_rows_stop_at_the_cap(make: Callable[[], bytes]) -> None:
    # Before: every row was read (and a gap filled in, row by row) to say "empty" or import it.
    units, peak = peak_python_memory(make())
    assert units == ["too_many"] and peak < 20 << 20, f"{peak / 2**20:.0f} MB"


@pytest.mark.parametrize("make", [sheet_bomb, strings_bomb], ids=["sheet", "shared-strings"])
def test_zip_bombs_are_refused_before_inflating(make: Callable[[], bytes]) -> None:
    # Before: inflated and parsed (5 s and 1 GB for a 1 GB bomb; 3 s per 10 MB of strings).
    data = make()
    started = time.monotonic()
    units, peak = peak_python_memory(data)
    assert units == ["too_complex"] and peak < 5 << 20
    assert time.monotonic() - started < 1.0


def test_odd_telegram_ids_are_ignored_not_crashed_on() -> None:
    text = "Đơn vị;Telegram ID\nA;²\nB;1.0.0\nC;" + "9" * 400 + "\nD;42.0\nE;-1001\nF;1e9\n"
    rows = parse_import(text.encode(), "ds.csv")
    assert [r.telegram_id for r in rows] == [None, None, None, 42, -1001, None]


def test_blank_lines_do_not_count_towards_the_units_allowed() -> None:
    def sheet(units: int) -> bytes:
        return ("Đơn vị\n" + "".join(f"Unit {i}\n\n\n" for i in range(units))).encode()

    assert len(parse_import(sheet(MAX_IMPORT_ROWS), "ds.csv")) == MAX_IMPORT_ROWS
    with pytest.raises(ImportError_) as caught:
        parse_import(sheet(MAX_IMPORT_ROWS + 1), "ds.csv")
    assert caught.value.reason == "too_many"


async def test_an_upload_is_read_in_a_process_with_limits() -> None:
    started = time.monotonic()
    rows = await parse_import_safely(xfd_rows(450), "ds.xlsx")
    assert [r.unit for r in rows][-1] == "Unit 451"
    with pytest.raises(ImportError_) as caught:
        await parse_import_safely(sheet_bomb(), "bomb.xlsx")
    assert caught.value.reason == "too_complex" and "bytes unzipped" in caught.value.detail
    with pytest.raises(ImportError_) as caught:
        await parse_import_safely(b"whatever", "x.pdf")
    assert caught.value.reason == "format"
    assert time.monotonic() - started < SECONDS


def test_the_sandbox_workers_stay_under_the_memory_limit() -> None:
    """The same files parsed in a fresh process, whose children are the sandbox's workers only:
    their largest resident size (ru_maxrss, KB on Linux) stays under the limit. (In this test
    process the children of other tests, such as `blocbot run`, would count too.)"""
    code = (
        "import asyncio, resource\n"
        "from bot.roster.files import ImportError_, parse_import_safely\n"
        "from tests.test_hardening_import import sheet_bomb, xfd_rows\n"
        "async def main():\n"
        "    await parse_import_safely(xfd_rows(450), 'ds.xlsx')\n"
        "    try:\n"
        "        await parse_import_safely(sheet_bomb(), 'bomb.xlsx')\n"
        "    except ImportError_:\n"
        "        pass\n"
        "asyncio.run(main())\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    peak_kb = int(out.stdout.split()[-1])
    assert 0 < peak_kb << 10 < MEMORY


def hog() -> int:
    """More memory than the sandbox allows."""
    return len(bytearray(1 << 30))


def spin() -> None:
    """More time than the sandbox allows."""
    while True:
        pass


async def test_the_sandbox_stops_a_job_over_its_memory_or_time() -> None:
    with pytest.raises(SandboxError) as caught:
        await run_limited(hog)
    assert caught.value.reason == "memory"
    started = time.monotonic()
    with pytest.raises(SandboxError) as caught:
        await run_limited(spin, seconds=1.0)
    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 5.0
