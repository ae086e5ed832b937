"""The office's document style, one place for every docx and xlsx Tidtam writes (the slides
take their font and sizes from here too).

Thai official documents (ระเบียบงานสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ): A4, 3 cm left margin for
binding, 2 cm right, 2.5 cm top, 2 cm bottom; the TH Sarabun family at 16 pt for the body;
Thai digits; headings that get smaller from the title down. Thai text in Word is "complex
script": its font and size come from ``w:cs`` / ``w:szCs``, not from the Latin font, so every
style and run here sets both.

The font is the shipped Tidtam Sarabun (see ``fontfiles``): a docx embeds it, a workbook asks
for TH Sarabun New, which it stands in for. Table columns are sized from their content: a
header is written in the lines it is given and its column is made wide enough that no header
line has to break, and no body word or number is wider than its column.
"""
from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from fontTools.ttLib import TTFont
from lxml import etree
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from tidtam.core.thai import to_thai_digits

from . import fontfiles
from .output import stabilise_zip

FONT = fontfiles.FAMILY
FONT_BY_NAME = fontfiles.BY_NAME
BODY_PT = 16
TABLE_PT = 14  # tables and notes: the smallest text an official document uses
HEADING_PT = {0: 20, 1: 18, 2: 17, 3: 16}  # title, then each heading level smaller than the one above
HEADER_FILL = "DCE3EE"
LATE_FILL = "FBE3E0"
MARGINS_CM = {"top": 2.5, "bottom": 2.0, "left": 3.0, "right": 2.0}
LINE_EM = 1.225  # the shipped font's line spacing (scripts/make_fonts.py)

LEFT, CENTER, RIGHT = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT


# --- measuring text in the shipped font -----------------------------------------------------


@lru_cache(maxsize=4)
def _advances(bold: bool) -> tuple[dict[int, int], int]:
    font = TTFont(fontfiles.face(bold=bold), lazy=True)
    hmtx = font["hmtx"]
    widths = {code: hmtx[glyph][0] for code, glyph in font.getBestCmap().items()}
    return widths, font["head"].unitsPerEm


def text_cm(text: str, size: float, bold: bool = False) -> float:
    """Width of one line of ``text`` at ``size`` pt in the shipped font (Thai marks take none)."""
    widths, upem = _advances(bold)
    units = sum(widths.get(ord(ch), upem // 2) for ch in text)
    return units / upem * size * 2.54 / 72


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
    if size:
        size_cs = rpr.find(qn("w:szCs"))
        if size_cs is None:
            size_cs = OxmlElement("w:szCs")
            rpr.insert_element_before(size_cs, *_AFTER_SZCS)
        size_cs.set(qn("w:val"), str(int(size * 2)))
    if rpr.find(qn("w:lang")) is None:
        lang = OxmlElement("w:lang")
        lang.set(qn("w:bidi"), "th-TH")
        rpr.insert_element_before(lang, *_AFTER_LANG)


def new_document(*, landscape: bool = False, title: str = "", author: str = "") -> Document:
    """An A4 document in the office style; ``landscape`` turns the page, the margins stay."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.left_margin, section.right_margin = Cm(MARGINS_CM["left"]), Cm(MARGINS_CM["right"])
    section.top_margin, section.bottom_margin = Cm(MARGINS_CM["top"]), Cm(MARGINS_CM["bottom"])
    set_fonts(doc.styles["Normal"], BODY_PT)
    doc.styles["Normal"].paragraph_format.space_after = Pt(0)
    for level, name in enumerate(("Title", "Heading 1", "Heading 2", "Heading 3")):
        style = doc.styles[name]
        set_fonts(style, HEADING_PT[level], bold=True)
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(12 if level else 0)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, author, author
    props.revision = 1
    return doc


def text_width_cm(doc) -> float:
    section = doc.sections[-1]
    return (section.page_width - section.left_margin - section.right_margin) / 360000


def para(doc_or_cell, text: str = "", *, bold: bool = False, size: float | None = None,
         align=None, indent_first: bool = False, italic: bool = False, thai_digits: bool = True):
    """A paragraph of one run; ``indent_first`` indents the first line as Thai prose does.

    Digits become Thai digits, as in official documents; pass ``thai_digits=False`` for
    links, codes and file names that people must type back or find.
    """
    paragraph = doc_or_cell.add_paragraph()
    if text:
        run = paragraph.add_run(to_thai_digits(text) if thai_digits else text)
        set_fonts(run, size, bold=bold or None)
        run.italic = italic or None
    if align is not None:
        paragraph.alignment = align
    if indent_first:
        paragraph.paragraph_format.first_line_indent = Cm(2.5)  # ย่อหน้า: 2.5 cm in official letters
    return paragraph


def title(doc, text: str, *, size: float = HEADING_PT[0]):
    """A centred bold title line above the headings (a document's name, not a heading)."""
    return para(doc, text, bold=True, size=size, align=CENTER)


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


CELL_PADDING_CM = 0.38 + 0.08  # Word's and LibreOffice's 0.19 cm each side, and room for rounding


_THAI_LETTER = re.compile("[\u0e01-\u0e4e]")


def _words(text: str) -> list[str]:
    """The pieces a line may break between: runs between spaces, and inside a run with Thai
    letters, its Thai words (pythainlp). Codes and numbers ("2570-001", "๑๒,๓๔๕.๐๐") stay whole."""
    from pythainlp.tokenize import word_tokenize

    words = []
    for run in text.split():
        if _THAI_LETTER.search(run):
            words += [w for w in word_tokenize(run, engine="newmm", keep_whitespace=False) if w.strip()]
        else:
            words.append(run)
    return words


def column_widths(headers: Sequence[str], rows: Sequence[Sequence[str]], total_cm: float, size: float) -> list[float]:
    """Widths that fill ``total_cm``: every header line and every body word fits its column, and
    what is left goes to the columns whose text wants it (as a browser lays out a table)."""
    least, natural = [], []
    for column, header in enumerate(headers):
        header_lines = [text_cm(line, size, bold=True) for line in str(header).split("\n")]
        cells = [str(row[column]) for row in rows]
        lines = [line for cell in cells for line in cell.split("\n") if line]
        words = [text_cm(w, size) for line in lines for w in _words(line)]
        least.append(max(header_lines + words, default=0) + CELL_PADDING_CM)
        natural.append(max(header_lines + [text_cm(line, size) for line in lines], default=0) + CELL_PADDING_CM)
    spare = total_cm - sum(least)
    if spare < 0:
        raise ValueError(f"table: columns need {sum(least):.1f} cm, the page has {total_cm:.1f} cm ({headers})")
    wants = [n - m for m, n in zip(least, natural)]
    if sum(wants) <= spare:  # everything fits on one line: share the rest by width
        rest = spare - sum(wants)
        return [n + rest * n / sum(natural) for n in natural]
    return [m + spare * w / sum(wants) for m, w in zip(least, wants)]


def table(doc, headers: Sequence[str], rows: Sequence[Sequence[str]], *, align: Sequence | None = None,
          highlight: Sequence[bool] | None = None, size: float = TABLE_PT, arabic_columns: Sequence[int] = (),
          total_cm: float | None = None):
    """A bordered table as wide as the text (or ``total_cm``), its header row repeated on every
    page, no row split across pages, columns sized by ``column_widths``; ``highlight`` shades
    rows. ``arabic_columns`` keep their digits as typed (codes people search for or type back).
    Header texts break only where they hold a newline."""
    shown = [[to_thai_digits(v) if c not in arabic_columns else str(v) for c, v in enumerate(row)] for row in rows]
    widths_cm = column_widths([to_thai_digits(h) for h in headers], shown, total_cm or text_width_cm(doc), size)
    t = doc.add_table(rows=1, cols=len(headers))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    header_row = t.rows[0]
    for tag in ("w:cantSplit", "w:tblHeader"):  # schema order inside w:trPr
        header_row._tr.get_or_add_trPr().append(OxmlElement(tag))
    for cell, text in zip(header_row.cells, headers):
        _cell_text(cell, text, bold=True, align=CENTER, size=size)
        _shade(cell, HEADER_FILL)
    for index, values in enumerate(shown):
        row = t.add_row()
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # keep a record on one page
        for column, (cell, text) in enumerate(zip(row.cells, values)):
            _cell_text(cell, text, align=align[column] if align else None, size=size, thai_digits=False)
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
    doc.paragraphs[-1].paragraph_format.keep_with_next = bool(caption)
    if caption:
        para(doc, caption, align=CENTER)


def keep_together(paragraph) -> None:
    """Keep ``paragraph`` whole and on the page of the next one (a signature block never splits)."""
    paragraph.paragraph_format.keep_with_next = True
    paragraph.paragraph_format.keep_together = True


def save_docx(doc, path: Path, when: date) -> Path:
    moment = datetime(when.year, when.month, when.day)
    props = doc.core_properties
    props.created = props.modified = props.last_printed = moment
    embed_fonts(doc)
    doc.save(str(path))
    stabilise_zip(path, when)
    return path


# --- embedding the font in a docx ---------------------------------------------------------

_EMBED_TAGS = {(False, False): "w:embedRegular", (True, False): "w:embedBold",
               (False, True): "w:embedItalic", (True, True): "w:embedBoldItalic"}
OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"


def _font_key(data: bytes) -> str:
    """A GUID fixed by the font's bytes, so the same document gives the same file."""
    return "{" + str(uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])).upper() + "}"


def obfuscate(data: bytes, key: str) -> bytes:
    """ECMA-376 §17.8.1: the first 32 bytes XOR the key's 16 bytes, taken last byte first."""
    key_bytes = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    head = bytes(b ^ key_bytes[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


def embed_fonts(doc) -> None:
    """Embed the office font's faces the document uses (python-docx has no API for it): obfuscated
    font parts related from the font table, named in ``w:font``, and ``w:embedTrueTypeFonts``
    in the settings, so Word and LibreOffice draw the document with its own font anywhere."""
    font_table = doc.part.part_related_by(RT.FONT_TABLE)
    root = parse_xml(font_table.blob)
    for old in root.findall(qn("w:font")):
        if old.get(qn("w:name")) == FONT:
            root.remove(old)
    entry = OxmlElement("w:font")
    entry.set(qn("w:name"), FONT)
    alt = OxmlElement("w:altName")  # where a reader ignores embedded fonts, the font it stands in for
    alt.set(qn("w:val"), FONT_BY_NAME)
    entry.append(alt)
    faces = [(bold, italic) for bold, italic in _EMBED_TAGS if not italic or _has_italic(doc)]
    for number, (bold, italic) in enumerate(faces, start=1):
        data = fontfiles.face(bold, italic).read_bytes()
        key = _font_key(data)
        part = Part(PackURI(f"/word/fonts/font{number}.odttf"), OBFUSCATED_FONT, obfuscate(data, key), doc.part.package)
        embedded = OxmlElement(_EMBED_TAGS[(bold, italic)])
        embedded.set(qn("r:id"), font_table.relate_to(part, RT.FONT))
        embedded.set(qn("w:fontKey"), key)
        entry.append(embedded)
    root.append(entry)
    font_table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    settings = doc.settings.element
    if settings.find(qn("w:embedTrueTypeFonts")) is None:
        before = [i for i, child in enumerate(settings) if child.tag not in _BEFORE_EMBED]
        settings.insert(before[0] if before else len(settings), OxmlElement("w:embedTrueTypeFonts"))


def _has_italic(doc) -> bool:
    """Whether any run is italic: the italic faces are embedded only then (the file travels by
    e-mail under a size limit)."""
    return any(i.get(qn("w:val"), "true") not in ("0", "false") for i in doc.element.body.iter(qn("w:i")))


# w:settings children that come before w:embedTrueTypeFonts in the schema (Word checks the order)
_BEFORE_EMBED = {qn(f"w:{tag}") for tag in (
    "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
    "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
    "printFractionalCharacterWidth", "printFormsData")}


# --- xlsx ---------------------------------------------------------------------------------

XLSX_PT = 14
XLSX_FONT = Font(name=FONT_BY_NAME, size=XLSX_PT)
XLSX_BOLD = Font(name=FONT_BY_NAME, size=XLSX_PT, bold=True)
XLSX_TITLE = Font(name=FONT_BY_NAME, size=BODY_PT, bold=True)
BAHT = "#,##0.00"
PERCENT = "0.0"
# A row's line in points: generous enough for TH Sarabun New in Excel on Windows, whose line
# spacing is larger than the shipped font's, so stacked Thai marks are never clipped.
XLSX_LINE = 1.45
CM_PER_WIDTH_UNIT = 0.2  # a column width unit (one "0" of the default font) in LibreOffice and Excel


def row_height(lines: int, size: float = XLSX_PT) -> float:
    return round(lines * size * XLSX_LINE + size * 0.3, 1)


def lines_needed(text: str, width_cm: float, size: float) -> int:
    """How many lines ``text`` takes in ``width_cm``, wrapped between words (spaces kept)."""
    count = 0
    for part in str(text).split("\n"):
        line, lines = 0.0, 1
        space = text_cm(" ", size)
        for run in part.split():
            for k, word in enumerate(_words(run)):
                width = text_cm(word, size) + (space if k == 0 and line else 0)
                if line and line + width > width_cm:
                    lines, line, width = lines + 1, 0.0, text_cm(word, size)
                line += width
        count += lines
    return max(1, count)


def wrapped_lines(text: str, width_units: float, size: float = XLSX_PT) -> int:
    """How many lines ``text`` takes in a column ``width_units`` wide."""
    return lines_needed(text, max(0.5, width_units * CM_PER_WIDTH_UNIT - 0.25), size)


def fitting_width(header: str, width: float, size: float = XLSX_PT) -> float:
    """``width``, widened where a line of ``header`` would not fit the column: Calc and Excel
    break Thai where their own dictionaries say, which is not always between words."""
    lines = [text_cm(line, size, bold=True) for line in str(header).split("\n")]
    return max(width, round((max(lines, default=0) + 0.5) / CM_PER_WIDTH_UNIT + 0.5))


def fit_rows(ws, first_row: int, widths: Sequence[float], size: float = XLSX_PT) -> None:
    """Rows as tall as their wrapped text (LibreOffice and Excel keep a set height)."""
    for row in ws.iter_rows(min_row=first_row):
        lines = max((wrapped_lines(cell.value, widths[i], size) for i, cell in enumerate(row)
                     if i < len(widths) and isinstance(cell.value, str)), default=1)
        ws.row_dimensions[row[0].row].height = row_height(lines, size)


def print_setup(ws, *, title: str, title_rows: str, landscape: bool = True) -> None:
    """A4, fit to the page's width (as many pages down as it takes), the header rows on every
    page, the office margins, ``title`` in the page header and the page number in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    inch = 2.54
    ws.page_margins = PageMargins(left=MARGINS_CM["left"] / inch, right=MARGINS_CM["right"] / inch,
                                  top=MARGINS_CM["top"] / inch, bottom=MARGINS_CM["bottom"] / inch,
                                  header=1.0 / inch, footer=1.0 / inch)
    ws.print_title_rows = title_rows
    ws.print_area = ws.dimensions
    ws.print_options.horizontalCentered = True
    if title:  # a sheet whose own first rows hold its title needs none in the page header
        ws.oddHeader.center.text = title.replace("&", "&&")
        ws.oddHeader.center.font = f"{FONT_BY_NAME},Bold"
        ws.oddHeader.center.size = XLSX_PT
    ws.oddFooter.right.text = "หน้า &P / &N"
    ws.oddFooter.right.font = FONT_BY_NAME
    ws.oddFooter.right.size = XLSX_PT


def sheet(wb: Workbook, title: str, headers: Sequence[str], rows: Sequence[Sequence], widths: Sequence[int],
          formats: dict[int, str] | None = None, late_column: int | None = None, *, print_title: str = "",
          landscape: bool = True):
    """A sheet with a bold frozen header, filters, the Thai font, number formats by column
    index, rows tall enough for their text, and a print setup (``print_setup``)."""
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
    widths = [fitting_width(header, width) for header, width in zip(headers, widths)]
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    fit_rows(ws, 1, widths)
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = ws.dimensions
    print_setup(ws, title=print_title or title, title_rows="1:1", landscape=landscape)
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
