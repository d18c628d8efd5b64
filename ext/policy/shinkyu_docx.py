"""The 新旧対照表 as a Word file, for the 例規審査 that still circulates in Word.

Written with python-docx, a maintained library that writes the document format itself
(tables, runs, fonts, sections), so that the file opens as a plain Word table in Word and in
LibreOffice, and reads back the same. Every run names its font for Japanese text as well
(``w:eastAsia``): a font named only for Latin text leaves the Japanese to whatever the reader's
Word picks. Underlined runs are the changed characters, as in the HTML table.

The file is made byte for byte the same from the same table: its dates are the table's, and
the package is written again with fixed time stamps (a zip records when each part was made).
"""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from .shinkyu import Comparison, DocumentTable, Segment, Side

FONT = "ＭＳ 明朝"
_SIZE = Pt(10.5)
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def _font(run_or_style: object) -> None:
    """Name the font for Latin and for Japanese text."""
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = FONT
    font.size = _SIZE
    properties = run_or_style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)


def _add_runs(paragraph: Paragraph, segments: list[Segment], bold: bool = False) -> None:
    for segment in segments:
        if not segment.text:
            continue
        run = paragraph.add_run(segment.text)
        _font(run)
        run.underline = bool(segment.changed and segment.text.strip())
        run.bold = bold or None


def _fill(cell: _Cell, side: Side) -> None:
    first = cell.paragraphs[0]
    number = [*side.number, Segment("　")] if side.number else []
    if side.lines:
        _add_runs(first, number + side.lines[0], bold=side.heading)
        for line in side.lines[1:]:
            _add_runs(cell.add_paragraph(), line)
        if side.mark:
            _add_runs(cell.add_paragraph(), [Segment(side.mark)])
    else:
        _add_runs(first, number + ([Segment(side.mark)] if side.mark else []))


def _repeat_header(row: object) -> None:
    """Repeat the row at the top of every page the table runs onto."""
    properties = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _paragraph(document: object, text: str, *, bold: bool = False,
               centre: bool = False) -> None:
    paragraph = document.add_paragraph()  # type: ignore[attr-defined]
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _add_runs(paragraph, [Segment(text)], bold=bold)


def _table(document: object, table: DocumentTable) -> None:
    title = "（削除された文書）" if table.withheld else table.title
    status = "" if table.withheld else {"added": "（制定）", "deleted": "（廃止）"}.get(
        table.status, "")
    _paragraph(document, f"{title}{status} 新旧対照表", bold=True, centre=True)
    _paragraph(document, f"改正後：{table.new_date or '—'}　改正前：{table.old_date or '—'}")
    grid = document.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    grid.style = "Table Grid"
    head = grid.rows[0]
    _repeat_header(head)
    for cell, text in zip(head.cells, ("改正後", "改正前"), strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _add_runs(cell.paragraphs[0], [Segment(text)])
    for row in table.rows:
        cells = grid.add_row().cells
        _fill(cells[0], row.new)
        _fill(cells[1], row.old)
    _paragraph(document, "")


def document(comparison: Comparison, title: str, marking: str | None = None) -> bytes:
    """The whole table as the bytes of a .docx file."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    _font(doc.styles["Normal"])
    if marking:
        for part in (section.header, section.footer):
            paragraph = part.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _add_runs(paragraph, [Segment(marking)], bold=True)
    _paragraph(doc, f"{title} 新旧対照表", bold=True, centre=True)
    _paragraph(doc, f"改正前：{comparison.old_name}{_dated(comparison.old_date)}"
                    f"　改正後：{comparison.new_name}{_dated(comparison.new_date)}")
    _paragraph(doc, "傍線（下線）を付した部分は、改正の部分です。")
    if not comparison.documents:
        _paragraph(doc, "改正のある文書はありません。")
    for table in comparison.documents:
        _table(doc, table)
    properties = doc.core_properties
    properties.title = f"{title} 新旧対照表"
    properties.author = properties.last_modified_by = ""
    properties.revision = 1
    fixed = datetime.datetime(*_FIXED_TIME)
    properties.created = properties.modified = fixed
    buffer = io.BytesIO()
    doc.save(buffer)
    return _fixed_times(buffer.getvalue())


def _dated(date: str) -> str:
    return f"（{date}）" if date else ""


def _fixed_times(package: bytes) -> bytes:
    """The same package with every part stamped with one fixed time, in the same order."""
    source = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def write(path: Path, comparison: Comparison, title: str, marking: str | None = None) -> None:
    path.write_bytes(document(comparison, title, marking))
