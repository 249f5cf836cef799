"""The vote-count minutes (biên bản kiểm phiếu) as DOCX bytes, laid out like an official record.

The words arrive already written in the bloc's language (handlers/polls/minutes_text.py); this
module only lays them out as Nghị định 30/2020 has a record typed: A4, Times New Roman 13, the
issuer and the national heading side by side with the place and date under the motto, the title,
the opening sentence, numbered parts (I, II, …) with tables whose columns have set widths, the
closing sentence, then the signatures of named persons. Control characters (which lxml refuses
to write, and an old database may hold in a unit's name) are dropped first.

The building blocks (paragraphs, widths, the count tables written as XML for speed) are
bot/polls/docx_blocks.py.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import date, datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from bot.core.names import drop_controls
from bot.polls.docx_blocks import (
    TEXT_WIDTH,
    Line,
    body,
    cell_lines,
    count_table,
    fill,
    row_flag,
    set_language,
    set_widths,
)

NATIONAL = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
SIGN_HINT = "(Ký, ghi rõ họ tên)"
FONT = "Times New Roman"
DOTS = "……………………"  # where a name or a value is to be written by hand
HEADING_WIDTHS = (6.0, 10.0)  # cm: the issuer, the national heading
SIGNERS_PER_ROW = 3


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
    made: datetime | None = None  # when the minutes were made (the file's dates)


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


def _heading(doc: DocxDocument, minutes: Minutes) -> None:
    """The issuer left; the national name, the motto, then place and date right."""
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    set_widths(table, HEADING_WIDTHS)
    left, right = table.rows[0].cells
    cell_lines(left, [(minutes.issuer.upper(), True, False, 13), ("————", False, False, 11)])
    cell_lines(
        right,
        [
            (minutes.national, True, False, 12),
            (minutes.motto, True, False, 13),
            ("———————————", False, False, 11),
        ],
    )
    place = right.add_paragraph()
    place.paragraph_format.space_before = Pt(6)
    fill(place, minutes.place_date, italic=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER)


def _item(doc: DocxDocument, item: Item) -> None:
    body(doc, ("- " if item.level <= 1 else "+ ") + item.text)


def _signer_lines(signer: Signer, hint: str) -> list[Line]:
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
    set_widths(table, tuple(TEXT_WIDTH / 6 for _ in range(6)))
    for n, (row, (heading, signers)) in enumerate(zip(table.rows, rows, strict=True)):
        row_flag(row._tr, "w:cantSplit")
        keep = n < len(rows) - 1
        cells = row.cells
        if heading:
            merged = cells[0].merge(cells[5])
            cell_lines(merged, [(heading, True, False, 13.0)], keep=keep)
            merged.paragraphs[0].paragraph_format.space_before = Pt(8)
            merged.paragraphs[0].paragraph_format.space_after = Pt(4)
            continue
        # Two signers sit at the page's two sides, as in a typed record; one on the right.
        span = 6 // max(2, len(signers))
        slots = [cells[i].merge(cells[i + span - 1]) for i in range(0, 6, span)]
        if len(signers) == 1:
            slots = slots[1:]
        for slot, signer in zip(slots, signers, strict=False):
            cell_lines(slot, _signer_lines(signer, hint), keep=keep)


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
    set_language(doc, minutes.language)
    for section in doc.sections:
        # Vietnamese administrative documents are A4 (Nghị định 30/2020), not python-docx's Letter.
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin, section.right_margin = Cm(3), Cm(2)
        section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    doc.core_properties.title = f"{minutes.title} — {minutes.subtitle}"
    doc.core_properties.author = minutes.author or minutes.issuer
    doc.core_properties.keywords = ", ".join(minutes.keywords)
    doc.core_properties.comments = ""  # the template's "generated by python-docx"
    if minutes.made is not None:  # else the template's own dates (2013)
        doc.core_properties.created = doc.core_properties.modified = minutes.made

    _heading(doc, minutes)
    title = fill(doc.add_paragraph(), minutes.title, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    title.paragraph_format.space_before = Pt(12)
    title.paragraph_format.space_after = Pt(0)
    if minutes.subtitle:
        sub = fill(doc.add_paragraph(), minutes.subtitle, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
        sub.paragraph_format.space_after = Pt(12)
    for text in minutes.opening:
        body(doc, text)
    for number, part in enumerate(minutes.sections, 1):
        head = fill(doc.add_paragraph(), f"{roman(number)}. {part.heading}", bold=True)
        head.paragraph_format.keep_with_next = True
        head.paragraph_format.space_before = Pt(6)
        for block in part.blocks:
            if isinstance(block, Table):
                count_table(
                    doc,
                    block.header,
                    block.rows,
                    caption=block.caption,
                    widths=block.widths,
                    centred=block.centred,
                )
            elif isinstance(block, Item):
                _item(doc, block)
            else:
                body(doc, block)
    # The closing sentence and the signatures share a page: a page of signatures alone is
    # a page anyone could staple to another record.
    for text in minutes.closing:
        closing = body(doc, text).paragraph_format
        closing.keep_with_next, closing.space_after = True, Pt(8)
    _signatures(doc, minutes.signatures, minutes.sign_hint)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
