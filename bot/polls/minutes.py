"""The vote-count minutes (biên bản kiểm phiếu) as DOCX bytes, laid out like an official record.

The words arrive already written in the bloc's language (handlers/polls/minutes.py); this module
only lays them out: the issuer and the national heading side by side, place and date, the title,
numbered sections with tables, the chart, and the signature block. Control characters (which
lxml refuses to write, and an old database may hold in a unit's name) are dropped first.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from docx.table import Table as DocxTable

from bot.core.names import drop_controls

NATIONAL = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
FONT = "Times New Roman"


@dataclass(frozen=True)
class Table:
    """A table: header row and body rows (strings), with an optional caption above it."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class Section:
    """A numbered part of the minutes: heading, paragraphs, then its tables."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True)
class Minutes:
    """Everything the document says."""

    issuer: str  # the bloc, top left
    place_date: str  # "…, ngày 21 tháng 11 năm 2026"
    title: str  # BIÊN BẢN KIỂM PHIẾU
    subtitle: str
    sections: tuple[Section, ...]
    signatures: tuple[tuple[str, str], ...]  # (role, name) pairs, left to right
    chart_png: bytes | None = None
    chart_caption: str = ""
    author: str = "blocbot"
    keywords: tuple[str, ...] = field(default_factory=tuple)


def _cell_text(
    table: DocxTable, row: int, col: int, lines: list[tuple[str, bool]], *, size: int = 12
) -> None:
    cell = table.cell(row, col)
    cell.paragraphs[0].text = ""
    for i, (text, bold) in enumerate(lines):
        para = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(text)
        run.bold = bold
        run.font.size = Pt(size)


def _printable(minutes: Minutes) -> Minutes:
    """The same minutes without control characters in any of their words."""
    t = drop_controls

    def table(grid: Table) -> Table:
        rows = tuple(tuple(map(t, row)) for row in grid.rows)
        return Table(tuple(map(t, grid.header)), rows, t(grid.caption))

    return replace(
        minutes,
        issuer=t(minutes.issuer),
        place_date=t(minutes.place_date),
        title=t(minutes.title),
        subtitle=t(minutes.subtitle),
        sections=tuple(
            Section(t(s.heading), tuple(map(t, s.paragraphs)), tuple(map(table, s.tables)))
            for s in minutes.sections
        ),
        signatures=tuple((t(role), t(name)) for role, name in minutes.signatures),
        chart_caption=t(minutes.chart_caption),
        author=t(minutes.author),
        keywords=tuple(map(t, minutes.keywords)),
    )


def render_minutes(minutes: Minutes) -> bytes:
    """Lay the minutes out as a .docx file."""
    minutes = _printable(minutes)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(13)
    for section in doc.sections:
        # Vietnamese administrative documents are A4 (Nghị định 30/2020), not python-docx's Letter.
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin, section.right_margin = Cm(3), Cm(2)
        section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    doc.core_properties.title = f"{minutes.title} — {minutes.subtitle}"
    doc.core_properties.author = minutes.author
    doc.core_properties.keywords = ", ".join(minutes.keywords)

    heading = doc.add_table(rows=1, cols=2)
    heading.alignment = WD_TABLE_ALIGNMENT.CENTER
    _cell_text(heading, 0, 0, [(minutes.issuer.upper(), True), ("———", False)])
    _cell_text(heading, 0, 1, [(NATIONAL, True), (MOTTO, True), ("———", False)])

    place = doc.add_paragraph()
    place.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    place.add_run(minutes.place_date).italic = True

    for text, size in ((minutes.title, 15), (minutes.subtitle, 13)):
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(text)
        run.bold = True
        run.font.size = Pt(size)

    for number, part in enumerate(minutes.sections, 1):
        head = doc.add_paragraph()
        head.add_run(f"{number}. {part.heading}").bold = True
        for text in part.paragraphs:
            doc.add_paragraph(text)
        for table in part.tables:
            _add_table(doc, table)

    if minutes.chart_png:
        doc.add_picture(io.BytesIO(minutes.chart_png), width=Cm(15.5))
        if minutes.chart_caption:
            caption = doc.add_paragraph()
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
            caption.add_run(minutes.chart_caption).italic = True

    if minutes.signatures:
        doc.add_paragraph()
        signs = doc.add_table(rows=1, cols=len(minutes.signatures))
        for col, (role, name) in enumerate(minutes.signatures):
            _cell_text(signs, 0, col, [(role.upper(), True), ("", False), ("", False), (name, True)], size=13)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _add_table(doc: DocxDocument, table: Table) -> None:
    if table.caption:
        doc.add_paragraph().add_run(table.caption).italic = True
    grid = doc.add_table(rows=1 + len(table.rows), cols=len(table.header))
    grid.style = "Table Grid"
    # Row by row: python-docx's Table.cell(r, c) walks the whole table on every call, which
    # made the minutes of a 1,000-unit bloc take minutes (BENCHMARKS.md).
    rows = iter(grid.rows)
    for cell, text in zip(next(rows).cells, table.header, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for row, texts in zip(rows, table.rows, strict=True):
        for cell, text in zip(row.cells, texts, strict=False):
            cell.paragraphs[0].add_run(text)  # the new cell's empty paragraph (cell.text= redoes it)
