"""Small helpers for Thai official documents (python-docx) and workbooks (openpyxl).

Thai text in Word is "complex script": its font and size come from ``w:cs`` / ``w:szCs``,
not from the Latin font, so every style and run here sets both. The font is TH Sarabun New
16 pt as officials use; where it is not installed, LibreOffice and fontconfig substitute the
metric-compatible Laksaman (fonts-thai-tlwg).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from tidtam.core.thai import to_thai_digits

from .output import stabilise_zip

FONT = "TH Sarabun New"
BODY_PT = 16
TABLE_PT = 14
HEADER_FILL = "DCE3EE"
LATE_FILL = "FBE3E0"

LEFT, CENTER, RIGHT = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT


# --- docx ---------------------------------------------------------------------------------


_AFTER_SZCS = ("w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
               "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")
_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")


def set_fonts(owner, size: float | None = None, bold: bool | None = None) -> None:
    """Set the Latin, East-Asian and complex-script (Thai) font and size on a style or run.

    Children of ``w:rPr`` go in schema order (Word rejects a file otherwise).
    """
    font = owner.font
    font.name = FONT
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = owner.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)  # a theme font (heading styles have one) beats the named font
    if bold:
        rpr.get_or_add_bCs()
    if size and rpr.find(qn("w:szCs")) is None:
        size_cs = OxmlElement("w:szCs")
        size_cs.set(qn("w:val"), str(int(size * 2)))
        rpr.insert_element_before(size_cs, *_AFTER_SZCS)
    if rpr.find(qn("w:lang")) is None:
        lang = OxmlElement("w:lang")
        lang.set(qn("w:bidi"), "th-TH")
        rpr.insert_element_before(lang, *_AFTER_LANG)


def new_document(*, landscape: bool = False, title: str = "", author: str = "") -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    # Official-letter margins: 3 cm left for binding, 2 cm right, 2.5 cm top, 2 cm bottom.
    section.left_margin, section.right_margin = Cm(3 if not landscape else 2), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2.5 if not landscape else 2), Cm(2)
    set_fonts(doc.styles["Normal"], BODY_PT)
    doc.styles["Normal"].paragraph_format.space_after = Pt(0)
    for name, size in (("Title", 24), ("Heading 1", 20), ("Heading 2", 18), ("Heading 3", BODY_PT)):
        style = doc.styles[name]
        set_fonts(style, size, bold=True)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(12 if name != "Title" else 0)
        style.paragraph_format.space_after = Pt(6)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, author, author
    props.revision = 1
    return doc


def para(doc_or_cell, text: str = "", *, bold: bool = False, size: float | None = None,
         align=None, indent_first: bool = False, italic: bool = False, thai_digits: bool = True):
    """A paragraph of one run; ``indent_first`` indents the first line as Thai prose does.

    Digits become Thai digits, as in official documents; pass ``thai_digits=False`` for
    links and codes that people must type back.
    """
    paragraph = doc_or_cell.add_paragraph()
    if text:
        run = paragraph.add_run(to_thai_digits(text) if thai_digits else text)
        set_fonts(run, size, bold=bold or None)
        run.italic = italic or None
    if align is not None:
        paragraph.alignment = align
    if indent_first:
        paragraph.paragraph_format.first_line_indent = Cm(1.25)
    return paragraph


def heading(doc, text: str, level: int = 1):
    return doc.add_heading(to_thai_digits(text), level=level)


def _field_char(kind: str):
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    return element


def toc(doc, entries: Sequence[str]) -> None:
    """A table-of-contents field over Heading 1. Until Word or LibreOffice updates it (which
    adds page numbers), it shows ``entries``, so a printed copy is never blank."""
    first = doc.add_paragraph()
    run = first.add_run()
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = 'TOC \\o "1-1" \\h \\z \\u'
    run._r.append(_field_char("begin"))
    run._r.append(instruction)
    run._r.append(_field_char("separate"))
    paragraph = first
    for index, entry in enumerate(entries):
        paragraph = first if index == 0 else doc.add_paragraph()
        set_fonts(paragraph.add_run(to_thai_digits(entry)), BODY_PT)
    paragraph.add_run()._r.append(_field_char("end"))


def page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _shade(cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _cell_text(cell, text: str, *, bold: bool = False, align=None, size: float = TABLE_PT, thai_digits: bool = True) -> None:
    lines = str(text).split("\n")
    first = cell.paragraphs[0]
    for i, line in enumerate(lines):
        paragraph = first if i == 0 else cell.add_paragraph()
        run = paragraph.add_run(to_thai_digits(line) if thai_digits else line)
        set_fonts(run, size, bold=bold or None)
        if align is not None:
            paragraph.alignment = align


def table(doc, headers: Sequence[str], rows: Sequence[Sequence[str]], widths_cm: Sequence[float],
          *, align: Sequence | None = None, highlight: Sequence[bool] | None = None, size: float = TABLE_PT,
          arabic_columns: Sequence[int] = ()):
    """A bordered table whose header row repeats on every page; ``highlight`` shades rows.

    ``arabic_columns`` keep their digits as typed (codes people search for or type back).
    """
    if len(widths_cm) != len(headers):
        raise ValueError(f"table: {len(headers)} columns but {len(widths_cm)} widths")
    t = doc.add_table(rows=1, cols=len(headers))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    header_row = t.rows[0]
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_row._tr.get_or_add_trPr().append(repeat)
    for cell, text in zip(header_row.cells, headers):
        _cell_text(cell, text, bold=True, align=CENTER, size=size)
        _shade(cell, HEADER_FILL)
    for index, values in enumerate(rows):
        row = t.add_row()
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # keep a record on one page
        cells = row.cells
        for column, (cell, text) in enumerate(zip(cells, values)):
            _cell_text(cell, text, align=align[column] if align else None, size=size,
                       thai_digits=column not in arabic_columns)
            if highlight and highlight[index]:
                _shade(cell, LATE_FILL)
    # LibreOffice lays out by the grid columns, Word by the cells: set both.
    for column, width in zip(t.columns, widths_cm):
        column.width = Cm(width)
    for row in t.rows:
        for cell, width in zip(row.cells, widths_cm):
            cell.width = Cm(width)
    return t


def picture(doc, path: Path, width_cm: float, caption: str = "") -> None:
    doc.add_picture(str(path), width=Cm(width_cm))
    doc.paragraphs[-1].alignment = CENTER
    if caption:
        para(doc, caption, align=CENTER, size=14, italic=True)


def save_docx(doc, path: Path, when: date) -> Path:
    moment = datetime(when.year, when.month, when.day)
    props = doc.core_properties
    props.created = props.modified = props.last_printed = moment
    doc.save(str(path))
    stabilise_zip(path, when)
    return path


# --- xlsx ---------------------------------------------------------------------------------

XLSX_FONT = Font(name=FONT, size=14)
XLSX_BOLD = Font(name=FONT, size=14, bold=True)
BAHT = "#,##0.00"
PERCENT = "0.0"


def sheet(wb: Workbook, title: str, headers: Sequence[str], rows: Sequence[Sequence], widths: Sequence[int],
          formats: dict[int, str] | None = None, late_column: int | None = None):
    """A sheet with a bold frozen header, filters, Thai font, number formats by column index."""
    ws = wb.create_sheet(title)
    ws.append(list(headers))
    for values in rows:
        ws.append(list(values))
    for cell in ws[1]:
        cell.font = XLSX_BOLD
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    late_fill = PatternFill("solid", fgColor=LATE_FILL)
    for row in ws.iter_rows(min_row=2):
        late = late_column is not None and bool(row[late_column].value)
        for index, cell in enumerate(row):
            cell.font = XLSX_FONT
            cell.alignment = Alignment(wrap_text=isinstance(cell.value, str), vertical="top")
            if formats and index in formats:
                cell.number_format = formats[index]
            if late:
                cell.fill = late_fill
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = ws.dimensions
    return ws


def new_workbook(title: str, author: str) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title, wb.properties.creator, wb.properties.lastModifiedBy = title, author, author
    return wb


def save_xlsx(wb: Workbook, path: Path, when: date) -> Path:
    wb.properties.created = datetime(when.year, when.month, when.day)
    wb.save(path)
    stabilise_zip(path, when)
    return path
