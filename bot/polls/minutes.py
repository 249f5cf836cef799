"""The vote-count minutes (biên bản kiểm phiếu) as DOCX bytes, laid out like an official record.

The words arrive already written in the bloc's language (handlers/polls/minutes_words.py); this
module only lays them out as Nghị định 30/2020 has a record typed: A4, Times New Roman 13, the
issuer and the national heading side by side with the place and date under the motto, the title,
the opening sentence, numbered parts (I, II, …) with tables whose columns have set widths, the
closing sentence, then the signatures of named persons. Control characters (which lxml refuses
to write, and an old database may hold in a unit's name) are dropped first.

Tables are filled row by row, never with ``Table.cell(r, c)``: that walks the whole table on
every call, which made the minutes of a 1,000-unit bloc take minutes (BENCHMARKS.md).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from bot.core.names import drop_controls

NATIONAL = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
SIGN_HINT = "(Ký, ghi rõ họ tên)"
FONT = "Times New Roman"
DOTS = "……………………"  # where a name or a value is to be written by hand
TEXT_WIDTH = 16.0  # cm: A4's 21 cm less the left (3 cm) and right (2 cm) margins
HEADING_WIDTHS = (6.0, 10.0)  # cm: the issuer, the national heading
SIGNERS_PER_ROW = 3
KEEP_ROWS = 25  # a table this short is kept on one page


@dataclass(frozen=True)
class Table:
    """A table: header row and body rows (strings), an optional caption above it, the width of
    each column in centimetres (none: shared evenly) and the columns to centre (numbers)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    widths: tuple[float, ...] = ()
    centred: tuple[int, ...] = ()


@dataclass(frozen=True)
class Item:
    """A line of a list, written '- Số phiếu phát ra: 8' (level 1) or '+ …' (level 2, under one)."""

    text: str
    level: int = 1


Block = str | Item | Table  # a plain string is a body paragraph


@dataclass(frozen=True)
class Section:
    """A numbered part of the minutes: its heading, then paragraphs, list lines and tables."""

    heading: str
    blocks: tuple[Block, ...] = ()


@dataclass(frozen=True)
class Signer:
    """Who signs: the title above ('THƯ KÝ'), the name below (empty: a dotted line to write it
    on, never a unit's name), and a note under the name (the unit they stand for)."""

    title: str
    name: str = ""
    note: str = ""


@dataclass(frozen=True)
class Signatures:
    """A group of signers side by side, under an optional heading ('BAN KIỂM PHIẾU')."""

    signers: tuple[Signer, ...]
    heading: str = ""


@dataclass(frozen=True)
class Minutes:
    """Everything the document says, in one language."""

    issuer: str  # the bloc, top left
    place_date: str  # "Đắk Lắk, ngày 19 tháng 12 năm 2026"
    title: str  # BIÊN BẢN KIỂM PHIẾU
    subtitle: str
    sections: tuple[Section, ...]
    signatures: tuple[Signatures, ...] = ()
    opening: tuple[str, ...] = ()  # "Hôm nay, vào hồi …"
    closing: tuple[str, ...] = ()  # "Biên bản kết thúc vào hồi …"
    sign_hint: str = SIGN_HINT
    national: str = NATIONAL
    motto: str = MOTTO
    language: str = "vi-VN"  # the document's language tag (spelling, hyphenation)
    author: str = ""
    keywords: tuple[str, ...] = ()


def _printable(minutes: Minutes) -> Minutes:
    """The same minutes without control characters in any of their words."""
    t = drop_controls

    def block(part: Block) -> Block:
        if isinstance(part, Table):
            rows = tuple(tuple(map(t, row)) for row in part.rows)
            return replace(part, header=tuple(map(t, part.header)), rows=rows, caption=t(part.caption))
        if isinstance(part, Item):
            return Item(t(part.text), part.level)
        return t(part)

    def signatures(group: Signatures) -> Signatures:
        signers = tuple(Signer(t(s.title), t(s.name), t(s.note)) for s in group.signers)
        return Signatures(signers, t(group.heading))

    return replace(
        minutes,
        issuer=t(minutes.issuer),
        place_date=t(minutes.place_date),
        title=t(minutes.title),
        subtitle=t(minutes.subtitle),
        sections=tuple(Section(t(s.heading), tuple(map(block, s.blocks))) for s in minutes.sections),
        signatures=tuple(map(signatures, minutes.signatures)),
        opening=tuple(map(t, minutes.opening)),
        closing=tuple(map(t, minutes.closing)),
        sign_hint=t(minutes.sign_hint),
        national=t(minutes.national),
        motto=t(minutes.motto),
        author=t(minutes.author),
        keywords=tuple(map(t, minutes.keywords)),
    )


def written_date(day: date | datetime) -> tuple[str, str, str]:
    """Day, month and year as Nghị định 30 writes them: a day below 10 and the months 1 and 2
    with a leading zero ('05', '02'; '3', '12')."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{day.day:02d}", month, str(day.year)


def roman(number: int) -> str:
    """The part's number: I, II, III, IV, …"""
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while number >= value:
            out, number = out + letters, number - value
    return out


def _set_language(doc: DocxDocument, tag: str) -> None:
    """The language of every run (the defaults and each style that names one), for spelling."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None and rpr.find(qn("w:lang")) is None:
            rpr.append(OxmlElement("w:lang"))
    for lang in styles.iter(qn("w:lang")):
        lang.set(qn("w:val"), tag)
    doc.core_properties.language = tag


def _set_widths(table: DocxTable, widths: tuple[float, ...]) -> None:
    """Fixed column widths: the grid (LibreOffice) and every cell (Word), no autofit."""
    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for col, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        col.w = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)


def _row_flag(row_element: object, tag: str) -> None:
    """A row property without a value: w:tblHeader (repeat on each page), w:cantSplit."""
    tr = row_element
    trpr = tr.get_or_add_trPr()  # type: ignore[attr-defined]
    trpr.append(OxmlElement(tag))


def _para(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    align: WD_ALIGN_PARAGRAPH | None = None,
    tight: bool = False,
    keep: bool = False,
) -> Paragraph:
    """Fill a paragraph with one run (keep: on the same page as the next paragraph)."""
    if align is not None:
        paragraph.alignment = align
    if keep:
        paragraph.paragraph_format.keep_with_next = True
    if tight:
        paragraph.paragraph_format.space_before = Pt(0)
        paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.bold = bold or None
    run.italic = italic or None
    if size is not None:
        run.font.size = Pt(size)
    return paragraph


def _cell_lines(cell: _Cell, lines: Iterable[tuple[str, bool, bool, float]], *, keep: bool = False) -> None:
    """Centred lines in a cell: (text, bold, italic, size)."""
    for i, (text, bold, italic, size) in enumerate(lines):
        para = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        centre = WD_ALIGN_PARAGRAPH.CENTER
        _para(para, text, bold=bold, italic=italic, size=size, align=centre, tight=True, keep=keep)


def _heading(doc: DocxDocument, minutes: Minutes) -> None:
    """The issuer left; the national name, the motto, then place and date right."""
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _set_widths(table, HEADING_WIDTHS)
    left, right = table.rows[0].cells
    _cell_lines(left, [(minutes.issuer.upper(), True, False, 13), ("————", False, False, 11)])
    _cell_lines(
        right,
        [
            (minutes.national, True, False, 12),
            (minutes.motto, True, False, 13),
            ("———————————", False, False, 11),
        ],
    )
    place = right.add_paragraph()
    place.paragraph_format.space_before = Pt(6)
    _para(place, minutes.place_date, italic=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER)


def _body(doc: DocxDocument, text: str) -> Paragraph:
    """A typed paragraph: justified, its first line indented 1 cm, the rest from the margin."""
    para = doc.add_paragraph(text)
    para.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    para.paragraph_format.first_line_indent = Cm(1)
    return para


def _item(doc: DocxDocument, item: Item) -> None:
    _body(doc, ("- " if item.level <= 1 else "+ ") + item.text)


def _twips(cm: float) -> int:
    return round(cm * 1440 / 2.54)


def _cell_xml(text: str, width: int, *, bold: bool, centre: bool, keep: bool) -> str:
    """One cell of a count table as WordprocessingML (12 pt, no spacing)."""
    ppr = (
        ("<w:keepNext/>" if keep else "")
        + '<w:spacing w:before="0" w:after="0"/>'
        + ('<w:jc w:val="center"/>' if centre else "")
    )
    rpr = ("<w:b/>" if bold else "") + '<w:sz w:val="24"/><w:szCs w:val="24"/>'
    run = f'<w:r><w:rPr>{rpr}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>' if text else ""
    return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p><w:pPr>{ppr}</w:pPr>{run}</w:p></w:tc>'


def _table(doc: DocxDocument, table: Table) -> None:
    """A count table: the caption kept with it, fixed column widths, the header row repeated on
    each page, rows that do not split; a short table kept on one page.

    Written as one piece of XML: through python-docx's objects a 1,000-unit bloc's tables took
    a second (every run, size and spacing is a lookup in the element tree), as text a tenth."""
    if table.caption:
        _para(doc.add_paragraph(), table.caption, bold=True, italic=True, keep=True)
    cols = len(table.header)
    widths = [_twips(w) for w in table.widths or tuple(TEXT_WIDTH / cols for _ in range(cols))]
    together = len(table.rows) <= KEEP_ROWS
    last = len(table.rows) - 1
    head = "".join(
        _cell_xml(text, width, bold=True, centre=True, keep=True)
        for text, width in zip(table.header, widths, strict=True)
    )
    rows = [f"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{head}</w:tr>"]
    for n, texts in enumerate(table.rows):
        keep = together and n < last
        padded = (*texts[:cols], *("" for _ in range(cols - len(texts))))
        cells = "".join(
            _cell_xml(text, width, bold=False, centre=col in table.centred, keep=keep)
            for col, (text, width) in enumerate(zip(padded, widths, strict=True))
        )
        rows.append(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{cells}</w:tr>")
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    xml = (
        f"<w:tbl {nsdecls('w')}><w:tblPr>"
        f'<w:tblStyle w:val="{doc.styles["Table Grid"].style_id}"/><w:tblW w:w="0" w:type="auto"/>'
        '<w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
        'w:noHBand="0" w:noVBand="1"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )
    doc.element.body.sectPr.addprevious(parse_xml(xml))
    _para(doc.add_paragraph(), "", size=6, tight=True)


def _signer_lines(signer: Signer, hint: str) -> list[tuple[str, bool, bool, float]]:
    """Title, the hint, room to sign, the name (or a dotted line), the note."""
    lines = [
        (signer.title.upper(), True, False, 13.0),
        (hint, False, True, 13.0),
        ("", False, False, 12.0),
        ("", False, False, 12.0),
        (signer.name or DOTS, True, False, 13.0),
    ]
    if signer.note:
        lines.append((signer.note, False, True, 11.0))
    return lines


def _signatures(doc: DocxDocument, groups: tuple[Signatures, ...], hint: str) -> None:
    """Every signature in one borderless table on a six-column grid (two signers take half the
    width each, three a third): rows that do not split, each kept with the next, so that the
    block stays on one page with the closing sentence."""
    rows: list[tuple[str, list[Signer]]] = []
    for group in groups:
        if group.heading:
            rows.append((group.heading.upper(), []))
        signers = list(group.signers)
        rows += [("", signers[i : i + SIGNERS_PER_ROW]) for i in range(0, len(signers), SIGNERS_PER_ROW)]
    if not rows:
        return
    table = doc.add_table(rows=len(rows), cols=6)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _set_widths(table, tuple(TEXT_WIDTH / 6 for _ in range(6)))
    for n, (row, (heading, signers)) in enumerate(zip(table.rows, rows, strict=True)):
        _row_flag(row._tr, "w:cantSplit")
        keep = n < len(rows) - 1
        cells = row.cells
        if heading:
            merged = cells[0].merge(cells[5])
            _cell_lines(merged, [(heading, True, False, 13.0)], keep=keep)
            merged.paragraphs[0].paragraph_format.space_before = Pt(8)
            merged.paragraphs[0].paragraph_format.space_after = Pt(4)
            continue
        # Two signers sit at the page's two sides, as in a typed record; one on the right.
        span = 6 // max(2, len(signers))
        slots = [cells[i].merge(cells[i + span - 1]) for i in range(0, 6, span)]
        if len(signers) == 1:
            slots = slots[1:]
        for slot, signer in zip(slots, signers, strict=False):
            _cell_lines(slot, _signer_lines(signer, hint), keep=keep)


def render_minutes(minutes: Minutes) -> bytes:
    """Lay the minutes out as a .docx file."""
    minutes = _printable(minutes)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.element.rPr.rFonts.set(qn("w:cs"), FONT)
    style.font.size = Pt(13)
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.space_after = Pt(3)
    style.paragraph_format.line_spacing = 1.0
    _set_language(doc, minutes.language)
    for section in doc.sections:
        # Vietnamese administrative documents are A4 (Nghị định 30/2020), not python-docx's Letter.
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin, section.right_margin = Cm(3), Cm(2)
        section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    doc.core_properties.title = f"{minutes.title} — {minutes.subtitle}"
    doc.core_properties.author = minutes.author or minutes.issuer
    doc.core_properties.keywords = ", ".join(minutes.keywords)

    _heading(doc, minutes)
    title = _para(doc.add_paragraph(), minutes.title, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    title.paragraph_format.space_before = Pt(12)
    title.paragraph_format.space_after = Pt(0)
    if minutes.subtitle:
        sub = _para(
            doc.add_paragraph(), minutes.subtitle, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER
        )
        sub.paragraph_format.space_after = Pt(12)
    for text in minutes.opening:
        _body(doc, text)
    for number, part in enumerate(minutes.sections, 1):
        head = _para(doc.add_paragraph(), f"{roman(number)}. {part.heading}", bold=True)
        head.paragraph_format.keep_with_next = True
        head.paragraph_format.space_before = Pt(6)
        for block in part.blocks:
            if isinstance(block, Table):
                _table(doc, block)
            elif isinstance(block, Item):
                _item(doc, block)
            else:
                _body(doc, block)
    # The closing sentence and the signatures share a page: a page of signatures alone is
    # a page anyone could staple to another record.
    for text in minutes.closing:
        closing = _body(doc, text).paragraph_format
        closing.keep_with_next, closing.space_after = True, Pt(8)
    _signatures(doc, minutes.signatures, minutes.sign_hint)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
