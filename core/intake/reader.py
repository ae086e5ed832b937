"""Reading a returned workbook: typed values, or every problem located by file, sheet, row, column.

Nothing here touches the database. The reader accepts what people really type (Thai digits,
"1,234.50 บาท", "50%", BE or CE years, text or Excel dates, stray and zero-width spaces; the
rules are ``core/values.py``) and refuses what it cannot trust: another template, another
period, altered prefilled cells, moved columns, formulas, macros, files that are not
workbooks or that unpack to far more than a template ever holds. What an owner wrote that
the template has no place for (a column of their own, a sheet, a cell comment) is not
imported, and each is named in a warning so nothing is dropped without a word.
"""
from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..periods import Period, PeriodError, parse_period
from ..thai import ZERO_WIDTH, ThaiParseError
from ..values import DateWindow, ValueProblem
from .. import values
from .evidence import EvidenceRules, evidence_file, split_names
from .layouts import HEADER_ROW, META_SHEET, ROWS_SHEET, Column, SheetLayout, TemplateLayout, canonical, checksum, column_letter, date_window

if TYPE_CHECKING:  # kinds imports this module
    from .kinds import IntakeKind

MAX_FILE_BYTES = 5 * 1024 * 1024  # a filled template is far smaller; bigger means something else
# What a file may unpack to. A filled template of 10,000 rows unpacks to 18 MB, its largest part 7.5 MB
# (bench/import_bench.py, measured): these leave room for several times that and still refuse a
# "zip bomb" before reading a byte of it.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_PART_BYTES = 50 * 1024 * 1024
MAX_PARTS = 1_000
MAX_PROBLEMS = 100
INVALID = object()  # a cell whose value was refused: reported once, never also as "required"


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(self.sheet)
        if self.row:
            parts.append(f"แถว {self.row}")
        if self.column:
            parts.append(f"คอลัมน์ {self.column}")
        return " › ".join(parts) + f": {self.message}"


class IntakeError(Exception):
    """A workbook refused whole; ``problems`` says where and why, in Thai."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class ParsedRow:
    excel_row: int
    key: tuple[str, ...]
    values: dict  # editable column key → typed value (None when blank)

    @property
    def filled(self) -> bool:
        return any(v not in (None, "", []) for v in self.values.values())


@dataclass
class ReadWorkbook:
    path: Path
    kind: IntakeKind  # core.intake.kinds: its layout and how it is applied
    period: Period
    office_code: str
    owner_code: str
    saved_at: datetime | None  # the workbook's own "modified" time; None when it carries none
    sha256: str
    sheets: dict[str, list[ParsedRow]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)  # what was not imported, located

    @property
    def layout(self) -> TemplateLayout:
        return self.kind.layout


class _Collector:
    def __init__(self, name: str):
        self.name, self.problems, self.warnings = name, [], []

    def add(self, message: str, sheet=None, row=None, column=None) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(self.name, message, sheet, row, column))

    def warn(self, message: str, sheet=None, row=None, column=None) -> None:
        if len(self.warnings) < MAX_PROBLEMS:
            self.warnings.append(Problem(self.name, message, sheet, row, column))

    def refuse_if_any(self) -> None:
        if self.problems:
            raise IntakeError(self.problems)

    def refuse(self, message: str, **where) -> None:
        self.add(message, **where)
        raise IntakeError(self.problems)


@dataclass(frozen=True)
class _Context:
    """What every cell of one workbook is read against."""

    folder: Path
    window: DateWindow  # dates must fall inside the period, as the template says
    evidence: EvidenceRules


def read_workbook(path: Path, *, expect_period: Period | None = None, rounds=None,
                  evidence: EvidenceRules | None = None, kinds=None) -> ReadWorkbook:
    """Read one returned template; raises ``IntakeError`` listing every located problem.
    ``kinds``: the run's ``intake_kinds`` (by default, those of the plugins loaded here)."""
    if kinds is None:
        from .kinds import intake_kinds

        kinds = intake_kinds()
    found = _Collector(path.name)
    sha256, saved_at, has_comments = _check_package(path, found)
    workbook = _open(path, found)
    try:
        meta = _meta(workbook, found)
        kind = kinds.get(meta.get("template_id", "").removeprefix("tidtam."))
        if kind is None or meta.get("template_id") != kind.layout.template_id:
            found.refuse(f'ไม่รู้จักแม่แบบ "{meta.get("template_id")}" — ใช้แบบรายงานที่ได้รับจากงานติดตามฯ '
                         f"(แบบรายงานที่รู้จัก: {', '.join(kinds)})")
        layout = kind.layout
        if meta.get("version") != layout.version:
            found.refuse(f"แม่แบบรุ่น {meta.get('version')} ใช้ไม่ได้แล้ว (รุ่นปัจจุบัน {layout.version}) กรุณาขอแบบรายงานใหม่")
        period = _period(meta, layout, expect_period, rounds, found)
        locked = _locked_rows(workbook, layout, period, meta, found)
        result = ReadWorkbook(
            path=path, kind=kind, period=period, office_code=meta.get("office", ""), owner_code=meta.get("owner", ""),
            saved_at=saved_at, sha256=sha256,
        )
        context = _Context(path.parent, date_window(period), evidence or EvidenceRules())
        for sheet in layout.sheets:
            result.sheets[sheet.key] = _read_sheet(workbook, sheet, period, locked.get(sheet.key, {}), context, found)
        _warn_other_sheets(workbook, layout, period, found)
    finally:
        workbook.close()
    found.refuse_if_any()
    if has_comments:
        _warn_comments(path, found)
    result.warnings = found.warnings
    return result


# --- the file as a package ---------------------------------------------------------------


def _check_package(path: Path, found: _Collector) -> tuple[str, datetime | None, bool]:
    """Refuse what is not a plain workbook of a sane size before openpyxl reads any of it.
    Returns the file's sha256, its own saved time, and whether it holds cell comments."""
    suffix = path.suffix.lower()
    if suffix == ".xlsm":
        found.refuse("ไฟล์ที่มีแมโคร (.xlsm) ไม่รับ กรุณาบันทึกเป็น Excel Workbook (.xlsx)")
    if suffix == ".xls":
        found.refuse("ไฟล์ Excel รุ่นเก่า (.xls) ไม่รับ กรุณาบันทึกเป็น Excel Workbook (.xlsx)")
    if not path.is_file():
        found.refuse("ไม่พบไฟล์")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        found.refuse(f"ไฟล์ใหญ่ {size / 1048576:.1f} MB เกินกว่าแบบรายงานปกติ ({MAX_FILE_BYTES // 1048576} MB) — ตรวจว่าเป็นไฟล์ที่ถูกต้อง")
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            _check_unpacked_sizes(parts, found)
            names = [part.filename for part in parts]
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                found.refuse("ไฟล์มีแมโคร (VBA) ไม่รับ กรุณาบันทึกเป็น Excel Workbook (.xlsx)")
            if "[Content_Types].xml" not in names:
                found.refuse("ไม่ใช่ไฟล์ Excel (.xlsx) ที่ถูกต้อง")
            saved_at = _saved_at(archive)
    except (zipfile.BadZipFile, EOFError, NotImplementedError):
        found.refuse("ไม่ใช่ไฟล์ Excel (.xlsx) — อาจเป็นไฟล์ชนิดอื่นที่เปลี่ยนนามสกุล หรือไฟล์เสียหาย")
    has_comments = any(re.match(r"xl/(comments|threadedComments/)", name) for name in names)
    return sha256, saved_at, has_comments


def _check_unpacked_sizes(parts: list[zipfile.ZipInfo], found: _Collector) -> None:
    """The sizes a zip declares bound what reading it can produce (zipfile stops there)."""
    advice = "แบบรายงานจากงานติดตามฯ มีขนาดเพียงไม่กี่ MB — อาจมีข้อมูลหรือรูปภาพที่ไม่เกี่ยวข้องปนอยู่ กรุณาขอแบบรายงานใหม่แล้วกรอกเฉพาะช่องสีเหลือง"
    if len(parts) > MAX_PARTS:
        found.refuse(f"ไฟล์ประกอบด้วย {len(parts):,} ส่วน เกินกว่าแบบรายงานปกติ ({MAX_PARTS:,} ส่วน) — {advice}")
    for part in parts:
        if part.file_size > MAX_PART_BYTES:
            found.refuse(f'ส่วนหนึ่งของไฟล์ ({part.filename}) เมื่อแตกออกมีขนาด {part.file_size / 1048576:,.0f} MB '
                         f"เกินที่รับได้ ({MAX_PART_BYTES // 1048576} MB) — {advice}")
    total = sum(part.file_size for part in parts)
    if total > MAX_UNPACKED_BYTES:
        found.refuse(f"ไฟล์เมื่อแตกออกมีขนาดรวม {total / 1048576:,.0f} MB เกินที่รับได้ ({MAX_UNPACKED_BYTES // 1048576} MB) — {advice}")


_MODIFIED = re.compile(rb"<(?:\w+:)?modified\b[^>]*>\s*([^<]+?)\s*</(?:\w+:)?modified>")


def _saved_at(archive: zipfile.ZipFile) -> datetime | None:
    """The workbook's own "modified" time (docProps/core.xml), in UTC; None when it has none.

    Not openpyxl's ``properties.modified``: openpyxl puts the time of reading there when the
    file carries none, which would make any such file look newer than every other."""
    try:
        core = archive.read("docProps/core.xml")
    except KeyError:
        return None
    match = _MODIFIED.search(core)
    if not match:
        return None
    try:
        moment = datetime.fromisoformat(match[1].decode("ascii", "replace"))
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _open(path: Path, found: _Collector):
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        found.refuse(f"เปิดไฟล์ไม่ได้ ({type(exc).__name__}) — ไฟล์อาจเสียหาย ลองเปิดใน Excel แล้วบันทึกใหม่")


# --- rows as they are in the file -----------------------------------------------------------


def _sheet(workbook, title: str):
    """``workbook[title]``, read row by row with :meth:`rows_present`."""
    worksheet = workbook[title]
    worksheet.__class__ = _fast_worksheet_class()
    return worksheet


@cache
def _fast_worksheet_class():
    """openpyxl's read-only worksheet with a reader of the rows the file really holds.

    ``rows_present(width)`` yields ``(row number, cells, extra)`` for each row present in the
    sheet's XML: ``cells`` is exactly ``width`` cells (missing ones empty), ``extra`` lists
    ``(column number, value)`` of the non-blank cells right of them. It trusts neither the
    sheet's declared dimension nor a cell's column number (a file can claim A1:XFD1048576),
    so a row far below or a cell far right costs nothing. A plain inline string
    (``<is><t>text</t></is>``, how openpyxl writes every text cell) takes its text directly
    instead of through openpyxl's ``Text`` objects, the largest single cost of reading a template.
    """
    from openpyxl.cell.read_only import EMPTY_CELL, ReadOnlyCell
    from openpyxl.utils import coordinate_to_tuple
    from openpyxl.worksheet import _read_only
    from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS

    text_tag = f"{{{SHEET_MAIN_NS}}}t"

    class InlineStringParser(WorkSheetParser):
        def parse_cell(self, element):
            if element.get("t") != "inlineStr" or self.rich_text:
                return super().parse_cell(element)
            child = element.find(INLINE_STRING)
            if child is None or len(child) != 1 or child[0].tag != text_tag or element.find(FORMULA_TAG) is not None:
                return super().parse_cell(element)
            style_id = int(element.get("s", 0) or 0)
            coordinate = element.get("r")
            if coordinate:
                row, column = coordinate_to_tuple(coordinate)
                self.col_counter = column
            else:
                self.col_counter += 1
                row, column = self.row_counter, self.col_counter
            text = child[0].text
            return {"row": row, "column": column, "value": "" if text is None else text, "data_type": "s", "style_id": style_id}

    class FastWorksheet(_read_only.ReadOnlyWorksheet):
        def rows_present(self, width: int):
            with self._get_source() as src:
                parser = InlineStringParser(src, self._shared_strings, data_only=self.parent.data_only, epoch=self.parent.epoch,
                                            date_formats=self.parent._date_formats, timedelta_formats=self.parent._timedelta_formats)
                for number, cells in parser.parse():
                    row = [EMPTY_CELL] * width
                    extra = []
                    for cell in cells:
                        column = cell["column"]
                        if column <= width:
                            row[column - 1] = ReadOnlyCell(self, **cell)
                        elif _blank_to_none(cell["value"]) is not None:
                            extra.append((column, cell["value"]))
                    yield number, tuple(row), extra

    return FastWorksheet


def _values_of(workbook, title: str, width: int) -> list[list]:
    """The non-empty rows of a small sheet, as lists of ``width`` values."""
    rows = []
    for _, cells, _ in _sheet(workbook, title).rows_present(width):
        values = [c.value for c in cells]
        if any(v is not None for v in values):
            rows.append(values)
    return rows


# --- template identity ---------------------------------------------------------------------


def _meta(workbook, found: _Collector) -> dict[str, str]:
    if META_SHEET not in workbook.sheetnames:
        found.refuse("ไม่ใช่แบบรายงานจากระบบติดตาม (ไม่พบข้อมูลแม่แบบ) กรุณาใช้ไฟล์ที่ได้รับจากงานติดตามฯ")
    return {str(key): "" if value is None else str(value)
            for key, value in _values_of(workbook, META_SHEET, 2) if key is not None}


def _period(meta, layout, expect: Period | None, rounds, found: _Collector) -> Period:
    try:
        period = parse_period(meta.get("period", ""), rounds=rounds)
    except PeriodError:
        found.refuse(f'ช่วงเวลาในแม่แบบไม่ถูกต้อง: "{meta.get("period")}" กรุณาขอแบบรายงานใหม่')
    if period.kind != layout.period_kind:
        found.refuse(f"แม่แบบ {layout.kind} ใช้กับช่วงเวลา {period.id} ไม่ได้ กรุณาขอแบบรายงานใหม่")
    if expect is not None and period.id != expect.id:
        found.refuse(f"แบบรายงานนี้เป็นของ {period.id} ไม่ใช่ {expect.id} — นำเข้าโดยไม่ระบุ --period หรือระบุ --period {period.id}")
    return period


def _locked_rows(workbook, layout, period, meta, found: _Collector) -> dict[str, dict[int, list[str]]]:
    """The prefilled values as written, per sheet and row, after checking their checksum."""
    if ROWS_SHEET not in workbook.sheetnames:
        found.refuse("ข้อมูลแม่แบบที่ซ่อนไว้หายไป กรุณาขอแบบรายงานใหม่")
    widest = max((len(s.locked) for s in layout.sheets), default=0)
    rows = [[canonical(v) for v in row] for row in _values_of(workbook, ROWS_SHEET, 2 + widest)]
    if checksum(layout, period, meta.get("owner", ""), rows) != meta.get("checksum"):
        found.refuse("ข้อมูลแม่แบบที่ซ่อนไว้ถูกแก้ไข กรุณาขอแบบรายงานใหม่")
    by_sheet: dict[str, dict[int, list[str]]] = {}
    for sheet_key, excel_row, *cells in rows:
        try:
            by_sheet.setdefault(sheet_key, {})[int(excel_row)] = (cells + [""] * widest)[:widest]
        except ValueError:
            found.refuse("ข้อมูลแม่แบบที่ซ่อนไว้ถูกแก้ไข กรุณาขอแบบรายงานใหม่")
    return by_sheet


# --- a data sheet --------------------------------------------------------------------------


def _read_sheet(workbook, sheet: SheetLayout, period: Period, expected: dict[int, list[str]], context: _Context,
                found: _Collector) -> list[ParsedRow]:
    title = sheet.sheet_title(period.number)
    if title not in workbook.sheetnames:
        found.refuse(f'ไม่พบแผ่นงาน "{title}" (อย่าเปลี่ยนชื่อหรือลบแผ่นงาน) กรุณาขอแบบรายงานใหม่')
    width = len(sheet.columns)
    header, rows, extra = (), {}, []
    for number, cells, beyond in _sheet(workbook, title).rows_present(width):
        if number < HEADER_ROW:
            continue  # title and instructions
        extra.extend((number, column, value) for column, value in beyond)
        if number == HEADER_ROW:
            header = cells
        else:
            rows[number] = cells
    _check_headers(header, sheet, title, found)
    for number, cells in rows.items():
        if number not in expected and any(_blank_to_none(c.value) is not None for c in cells):
            found.add("แถวนี้ไม่อยู่ในแม่แบบ (ห้ามเพิ่มแถว) — ลบแถวนี้ หรือขอแบบรายงานใหม่ถ้ามีรายการเพิ่ม", title, number)
    parsed = []
    for number in sorted(expected):
        cells = rows.get(number)
        row = _read_row(sheet, title, number, cells, [getattr(c, "value", None) for c in cells] if cells else [None] * width,
                        expected[number], context, found)
        if row is not None:
            parsed.append(row)
    _warn_extra_columns(extra, header, sheet, title, found)
    return parsed


def _read_row(sheet, title, number, cells, values, want, context, found) -> ParsedRow | None:
    if cells is None and any(want):  # the row is not in the file at all: deleted at the end
        keys = " / ".join(want[: sheet.key_columns])
        found.add(f"ไม่พบแถวของ {keys} (ห้ามลบหรือย้ายแถว) กรุณาใช้แบบรายงานที่ได้รับโดยไม่ลบแถว", title, number)
        return None
    locked_at = [i for i, c in enumerate(sheet.columns) if not c.editable]
    if not _locked_match(values, locked_at, want, sheet, title, number, found):
        return None
    row_values, refused = {}, set()
    for index, column in enumerate(sheet.columns):
        if column.editable:
            cell = cells[index] if cells else None
            value = _parse(column, cell, values[index], context, found, title, number, column_letter(index))
            if value is INVALID:
                refused.add(column.key)
                value = None
            row_values[column.key] = value
    row = ParsedRow(number, tuple(want[: sheet.key_columns]), row_values)
    _check_required(row, sheet, title, refused, found)
    return row


def _check_headers(cells, sheet: SheetLayout, title: str, found: _Collector) -> None:
    headers = [getattr(c, "value", None) for c in cells] + [None] * len(sheet.columns)
    for index, column in enumerate(sheet.columns):
        got = values.read_text(headers[index]) if headers[index] is not None else ""
        if got != column.header:
            found.refuse(f'หัวคอลัมน์ต้องเป็น "{column.header}" แต่พบ "{got}" (ห้ามเพิ่ม ลบ หรือย้ายคอลัมน์) กรุณาขอแบบรายงานใหม่',
                         sheet=title, row=HEADER_ROW, column=column_letter(index))


def _locked_match(values, locked_at, want, sheet, title, excel_row, found) -> bool:
    for position, index in enumerate(locked_at):
        got = canonical(_blank_to_none(values[index]))
        if got != want[position]:
            column = sheet.columns[index]
            found.add(f'ช่อง "{column.header}" ถูกแก้ไข (เดิม "{want[position]}" พบ "{got}") ห้ามแก้ไขข้อมูลที่กรอกไว้ให้ '
                      "— คืนค่าเดิม หรือขอแบบรายงานใหม่", title, excel_row, column_letter(index))
            return False
    return True


def _check_required(row: ParsedRow, sheet: SheetLayout, title: str, refused: set[str], found: _Collector) -> None:
    """A required column left empty in a row that is otherwise filled. A column whose value
    was refused is not empty: its own message already says what is wrong."""
    if not row.filled and not refused:
        return
    for index, column in enumerate(sheet.columns):
        if column.required and column.key not in refused and row.values.get(column.key) in (None, ""):
            found.add(f'ต้องกรอก "{column.header}"', title, row.excel_row, column_letter(index))


def _blank_to_none(value):
    if isinstance(value, str):
        value = value.translate(ZERO_WIDTH).strip()
        return value or None
    return value


# --- what the template has no place for -------------------------------------------------------


def _warn_extra_columns(extra: list[tuple[int, int, object]], header, sheet: SheetLayout, title: str, found: _Collector) -> None:
    """One warning per column right of the table that holds anything (beside the header)."""
    by_column: dict[int, list[tuple[int, object]]] = {}
    for number, column, value in extra:
        by_column.setdefault(column, []).append((number, value))
    for column, cells in sorted(by_column.items()):
        named = [v for n, v in cells if n == HEADER_ROW]
        data = [(n, v) for n, v in cells if n != HEADER_ROW]
        letter = column_letter(column - 1)
        label = f' ("{_short(named[0])}")' if named else ""
        if not data:
            found.warn(f"คอลัมน์ {letter}{label} ที่เพิ่มเองไม่อยู่ในแบบรายงาน จึงไม่ถูกนำเข้า", title, HEADER_ROW, letter)
            continue
        rows = ", ".join(str(n) for n, _ in data[:5]) + (" …" if len(data) > 5 else "")
        found.warn(f'คอลัมน์ {letter}{label} ไม่อยู่ในแบบรายงาน ข้อความในคอลัมน์นี้ {len(data)} ช่อง (แถว {rows}) จึงไม่ถูกนำเข้า '
                   f'เช่น "{_short(data[0][1])}" — ถ้าเป็นข้อมูลที่ต้องรายงาน ให้ย้ายไปไว้ในช่องสีเหลือง (เช่น หมายเหตุ) แล้วนำเข้าอีกครั้ง',
                   title, data[0][0], letter)


def _warn_other_sheets(workbook, layout: TemplateLayout, period: Period, found: _Collector) -> None:
    known = {s.sheet_title(period.number) for s in layout.sheets} | {META_SHEET, ROWS_SHEET}
    for title in [t for t in workbook.sheetnames if t not in known]:
        filled = sum(1 for _, cells, extra in _sheet(workbook, title).rows_present(0) for _ in extra)
        if filled:
            found.warn(f'แผ่นงาน "{title}" ที่เพิ่มเองไม่อยู่ในแบบรายงาน ข้อมูล {filled:,} ช่องในแผ่นงานนี้จึงไม่ถูกนำเข้า '
                       "— ถ้าเป็นข้อมูลที่ต้องรายงาน ให้ย้ายไปไว้ในช่องสีเหลืองของแผ่นงานหลัก", title)


def _warn_comments(path: Path, found: _Collector) -> None:
    """Cell comments (notes) are not data: say where each is. Read with a full load, which
    only a workbook that has comments pays for."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=False, data_only=False, keep_links=False)
    except Exception:  # the read-only pass read every value; only the comments are unreadable
        found.warn("ไฟล์มีความคิดเห็น (comment) ในเซลล์ที่อ่านไม่ได้ ความคิดเห็นไม่ถูกนำเข้า — ถ้าเป็นข้อมูลที่ต้องรายงาน ให้พิมพ์ลงในช่องสีเหลือง")
        return
    try:
        for worksheet in workbook.worksheets:
            for row in worksheet.iter_rows():
                for cell in row:
                    if cell.comment is not None and cell.comment.text.strip():
                        found.warn(f'ความคิดเห็น (comment) ในช่องนี้ไม่ถูกนำเข้า: "{_short(cell.comment.text)}" — '
                                   "ถ้าเป็นข้อมูลที่ต้องรายงาน ให้พิมพ์ลงในช่องสีเหลือง (เช่น หมายเหตุ)",
                                   worksheet.title, cell.row, cell.column_letter)
    finally:
        workbook.close()


def _short(value, limit: int = 60) -> str:
    text = values.read_text(value)
    return text if len(text) <= limit else text[:limit] + "…"


# --- one cell --------------------------------------------------------------------------


def _parse(column: Column, cell, raw, context: _Context, found: _Collector, sheet: str, row: int, letter: str):
    """The typed value of one editable cell; None when blank; INVALID after adding a problem."""
    value = _blank_to_none(raw)
    if value is None:
        return None
    where = {"sheet": sheet, "row": row, "column": letter}
    if isinstance(value, str) and value.startswith("="):
        found.add("มีสูตรคำนวณ กรุณาพิมพ์หรือวางเป็นค่า (Paste Values)", **where)
        return INVALID
    if getattr(cell, "data_type", None) == "e":  # an error value such as #N/A, never text to keep
        found.add(f"ช่องนี้มีค่าผิดพลาดของ Excel ({value}) กรุณาพิมพ์ค่าที่ถูกต้อง", **where)
        return INVALID
    try:
        return PARSERS[column.kind](column, value, getattr(cell, "number_format", None), context)
    except (ValueProblem, ThaiParseError) as exc:
        found.add(str(exc), **where)
        return INVALID


PARSERS = {
    "text": lambda column, value, fmt, context: values.read_text(value, max_length=column.max_length),
    "multiline": lambda column, value, fmt, context: values.read_multiline(value, max_length=column.max_length),
    "number": lambda column, value, fmt, context: values.read_number(value, number_format=fmt),
    "percent": lambda column, value, fmt, context: values.read_percent(value, number_format=fmt),
    "money": lambda column, value, fmt, context: values.read_money(value, number_format=fmt),
    "date": lambda column, value, fmt, context: values.read_date(value, window=context.window),
    "choice": lambda column, value, fmt, context: values.read_choice(value, column.choices),
    "level": lambda column, value, fmt, context: values.read_whole(value, 1, 5, "ระดับ"),
    "files": lambda column, value, fmt, context: [evidence_file(context.folder, name, context.evidence)
                                                  for name in split_names(value)],
    "links": lambda column, value, fmt, context: [values.read_url(link) for link in split_names(value)],
    "url": lambda column, value, fmt, context: values.read_url(value),
}
