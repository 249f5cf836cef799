"""python-docx building blocks of a typed record (bot/polls/minutes.py): paragraphs with one
run, fixed column widths, row flags, the language tag, and a count table written as XML.

A count table is written as one piece of WordprocessingML, not cell by cell through
python-docx's objects: there every run, size and spacing is a lookup in the element tree, and
the 300 rows of a 1,000-unit bloc's five categories took 0.3 s, as text 0.04 s.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph

TEXT_WIDTH = 16.0  # cm: A4's 21 cm less the left (3 cm) and right (2 cm) margins
KEEP_ROWS = 25  # a table this short is kept on one page
Line = tuple[str, bool, bool, float]  # text, bold, italic, size in points


def set_language(doc: DocxDocument, tag: str) -> None:
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


def set_widths(table: DocxTable, widths: tuple[float, ...]) -> None:
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


def row_flag(row_element: object, tag: str) -> None:
    """A row property without a value: w:tblHeader (repeat on each page), w:cantSplit."""
    tr = row_element
    trpr = tr.get_or_add_trPr()  # type: ignore[attr-defined]
    trpr.append(OxmlElement(tag))


def fill(
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


def cell_lines(cell: _Cell, lines: Iterable[Line], *, keep: bool = False) -> None:
    """Centred lines in a cell: (text, bold, italic, size)."""
    for i, (text, bold, italic, size) in enumerate(lines):
        para = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        centre = WD_ALIGN_PARAGRAPH.CENTER
        fill(para, text, bold=bold, italic=italic, size=size, align=centre, tight=True, keep=keep)


def body(doc: DocxDocument, text: str) -> Paragraph:
    """A typed paragraph: justified, its first line indented 1 cm, the rest from the margin."""
    para = doc.add_paragraph(text)
    para.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    para.paragraph_format.first_line_indent = Cm(1)
    return para


def twips(cm: float) -> int:
    """Centimetres in twentieths of a point, as WordprocessingML counts widths."""
    return round(cm * 1440 / 2.54)


def cell_xml(text: str, width: int, *, bold: bool, centre: bool, keep: bool) -> str:
    """One cell of a count table as WordprocessingML (12 pt, no spacing)."""
    ppr = (
        ("<w:keepNext/>" if keep else "")
        + '<w:spacing w:before="0" w:after="0"/>'
        + ('<w:jc w:val="center"/>' if centre else "")
    )
    rpr = ("<w:b/>" if bold else "") + '<w:sz w:val="24"/><w:szCs w:val="24"/>'
    run = f'<w:r><w:rPr>{rpr}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>' if text else ""
    return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p><w:pPr>{ppr}</w:pPr>{run}</w:p></w:tc>'


def count_table(
    doc: DocxDocument,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    caption: str = "",
    widths: Sequence[float] = (),
    centred: Sequence[int] = (),
) -> None:
    """A count table: the caption kept with it, fixed column widths (cm; none: shared evenly),
    the header row repeated on each page, rows that do not split; a short table on one page."""
    if caption:
        fill(doc.add_paragraph(), caption, bold=True, italic=True, keep=True)
    cols = len(header)
    twip = [twips(w) for w in widths or tuple(TEXT_WIDTH / cols for _ in range(cols))]
    together = len(rows) <= KEEP_ROWS
    last = len(rows) - 1
    head = "".join(
        cell_xml(text, width, bold=True, centre=True, keep=True)
        for text, width in zip(header, twip, strict=True)
    )
    lines = [f"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{head}</w:tr>"]
    for n, texts in enumerate(rows):
        keep = together and n < last
        padded = (*texts[:cols], *("" for _ in range(cols - len(texts))))
        cells = "".join(
            cell_xml(text, width, bold=False, centre=col in centred, keep=keep)
            for col, (text, width) in enumerate(zip(padded, twip, strict=True))
        )
        lines.append(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{cells}</w:tr>")
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in twip)
    xml = (
        f"<w:tbl {nsdecls('w')}><w:tblPr>"
        f'<w:tblStyle w:val="{doc.styles["Table Grid"].style_id}"/><w:tblW w:w="0" w:type="auto"/>'
        '<w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
        'w:noHBand="0" w:noVBand="1"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(lines)}</w:tbl>"
    )
    doc.element.body.sectPr.addprevious(parse_xml(xml))
    fill(doc.add_paragraph(), "", size=6, tight=True)
