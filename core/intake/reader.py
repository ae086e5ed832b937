"""Reading a returned workbook: typed values, or every problem located by file, sheet, row, column.

Nothing here touches the database. The reader accepts what people really type (Thai digits,
"1,234.50 บาท", "50%", BE or CE years, text or Excel dates, stray and zero-width spaces) and
refuses what it cannot trust: another template, another period, altered prefilled cells,
moved columns, formulas, macros, files that are not workbooks.
"""
from __future__ import annotations

import hashlib
import zipfile
from functools import cache
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..periods import Period, PeriodError, parse_period
from ..thai import ThaiParseError, clean_text, parse_date, parse_number
from .layouts import FIRST_DATA_ROW, HEADER_ROW, LAYOUTS, META_SHEET, ROWS_SHEET, Column, SheetLayout, TemplateLayout, column_letter
from .writer import canonical, checksum

MAX_FILE_BYTES = 5 * 1024 * 1024  # a filled template is far smaller; bigger means something else
MAX_PROBLEMS = 100
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


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
    layout: TemplateLayout
    period: Period
    office_code: str
    owner_code: str
    saved_at: datetime | None
    sha256: str
    sheets: dict[str, list[ParsedRow]] = field(default_factory=dict)


class _Collector:
    def __init__(self, name: str):
        self.name, self.problems = name, []

    def add(self, message: str, sheet=None, row=None, column=None) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(self.name, message, sheet, row, column))

    def refuse_if_any(self) -> None:
        if self.problems:
            raise IntakeError(self.problems)

    def refuse(self, message: str, **where) -> None:
        self.add(message, **where)
        raise IntakeError(self.problems)


def read_workbook(path: Path, *, expect_period: Period | None = None, rounds=None) -> ReadWorkbook:
    """Read one returned template; raises ``IntakeError`` listing every located problem."""
    found = _Collector(path.name)
    data = _file_bytes(path, found)
    workbook = _open(path, found)
    try:
        meta = _meta(workbook, found)
        layout = LAYOUTS.get(meta.get("template_id", "").removeprefix("tidtam."))
        if layout is None or meta.get("template_id") != layout.template_id:
            found.refuse(f'ไม่รู้จักแม่แบบ "{meta.get("template_id")}"')
        if meta.get("version") != layout.version:
            found.refuse(f"แม่แบบรุ่น {meta.get('version')} ใช้ไม่ได้แล้ว (รุ่นปัจจุบัน {layout.version}) กรุณาขอแบบรายงานใหม่")
        period = _period(meta, layout, expect_period, rounds, found)
        locked = _locked_rows(workbook, layout, period, meta, found)
        result = ReadWorkbook(
            path=path, layout=layout, period=period, office_code=meta.get("office", ""), owner_code=meta.get("owner", ""),
            saved_at=workbook.properties.modified, sha256=hashlib.sha256(data).hexdigest(),
        )
        for sheet in layout.sheets:
            result.sheets[sheet.key] = _read_sheet(workbook, sheet, period, locked.get(sheet.key, {}), path.parent, found)
    finally:
        workbook.close()
    found.refuse_if_any()
    return result


def _file_bytes(path: Path, found: _Collector) -> bytes:
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
    data = path.read_bytes()
    if not zipfile.is_zipfile(path):
        found.refuse("ไม่ใช่ไฟล์ Excel (.xlsx) — อาจเป็นไฟล์ชนิดอื่นที่เปลี่ยนนามสกุล")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        found.refuse("ไฟล์มีแมโคร (VBA) ไม่รับ กรุณาบันทึกเป็น Excel Workbook (.xlsx)")
    if "[Content_Types].xml" not in names:
        found.refuse("ไม่ใช่ไฟล์ Excel (.xlsx) ที่ถูกต้อง")
    return data


def _open(path: Path, found: _Collector):
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        found.refuse(f"เปิดไฟล์ไม่ได้ ({type(exc).__name__}) — ไฟล์อาจเสียหาย")


def _sheet(workbook, title: str):
    """``workbook[title]``, reading its inline strings without openpyxl's rich-text objects."""
    worksheet = workbook[title]
    fast = _fast_worksheet_class()
    if type(worksheet) is fast.__base__:
        worksheet.__class__ = fast
    return worksheet


@cache
def _fast_worksheet_class():
    """openpyxl's read-only worksheet with one change: a cell that is a plain inline string
    (``<is><t>text</t></is>``, which is how openpyxl writes every text cell) takes its text
    directly. openpyxl builds a ``Text`` object for each (``Text.from_tree(...).content``),
    the largest single cost of reading a template; the value is the same. Anything else —
    rich text, phonetic runs, formulas, shared strings, numbers, dates — goes through
    openpyxl's own ``parse_cell`` unchanged."""
    from openpyxl.worksheet import _read_only
    from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, WorkSheetParser
    from openpyxl.utils import coordinate_to_tuple
    from openpyxl.xml.constants import SHEET_MAIN_NS

    text_tag = f"{{{SHEET_MAIN_NS}}}t"

    class InlineStringParser(WorkSheetParser):
        def parse_cell(self, element):
            if element.get("t") != "inlineStr" or self.rich_text:
                return super().parse_cell(element)
            child = element.find(INLINE_STRING)
            if child is None or len(child) != 1 or child[0].tag != text_tag or (not self.data_only and element.find(FORMULA_TAG) is not None):
                return super().parse_cell(element)
            style_id = element.get("s", 0)
            if style_id:
                style_id = int(style_id)
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
        def _cells_by_row(self, min_col, min_row, max_col, max_row, values_only=False):
            # openpyxl 3.1's ReadOnlyWorksheet._cells_by_row, with InlineStringParser
            filler = None if values_only else _read_only.EMPTY_CELL
            max_col = max_col or self.max_column
            max_row = max_row or self.max_row
            empty_row = (filler,) * (max_col + 1 - min_col) if max_col is not None else []
            counter, idx = min_row, 1
            with self._get_source() as src:
                parser = InlineStringParser(src, self._shared_strings, data_only=self.parent.data_only, epoch=self.parent.epoch,
                                            date_formats=self.parent._date_formats, timedelta_formats=self.parent._timedelta_formats)
                for idx, row in parser.parse():
                    if max_row is not None and idx > max_row:
                        break
                    for _ in range(counter, idx):  # rows missing from the file
                        counter += 1
                        yield empty_row
                    if counter <= idx:
                        row = self._get_row(row, min_col, max_col, values_only)
                        counter += 1
                        yield row
            if max_row is not None and max_row < idx:
                for _ in range(counter, max_row + 1):
                    yield empty_row

    return FastWorksheet



def _meta(workbook, found: _Collector) -> dict[str, str]:
    if META_SHEET not in workbook.sheetnames:
        found.refuse("ไม่ใช่แบบรายงานจากระบบติดตาม (ไม่พบข้อมูลแม่แบบ) กรุณาใช้ไฟล์ที่ได้รับจากงานติดตามฯ")
    meta = {}
    for row in _sheet(workbook, META_SHEET).iter_rows(max_col=2, values_only=True):
        if len(row) == 2 and row[0] is not None:
            meta[str(row[0])] = "" if row[1] is None else str(row[1])
    return meta


def _period(meta, layout, expect: Period | None, rounds, found: _Collector) -> Period:
    try:
        period = parse_period(meta.get("period", ""), rounds=rounds)
    except PeriodError:
        found.refuse(f'ช่วงเวลาในแม่แบบไม่ถูกต้อง: "{meta.get("period")}"')
    if period.kind != layout.period_kind:
        found.refuse(f"แม่แบบ {layout.kind} ใช้กับช่วงเวลา {period.id} ไม่ได้")
    if expect is not None and period.id != expect.id:
        found.refuse(f"แบบรายงานนี้เป็นของ {period.id} ไม่ใช่ {expect.id}")
    return period


def _locked_rows(workbook, layout, period, meta, found: _Collector) -> dict[str, dict[int, list[str]]]:
    """The prefilled values as written, per sheet and row, after checking their checksum."""
    if ROWS_SHEET not in workbook.sheetnames:
        found.refuse("ข้อมูลแม่แบบที่ซ่อนไว้หายไป กรุณาขอแบบรายงานใหม่")
    rows = [[canonical(v) for v in row] for row in _sheet(workbook, ROWS_SHEET).iter_rows(values_only=True)]
    rows = [row for row in rows if any(row)]
    if checksum(layout, period, meta.get("owner", ""), rows) != meta.get("checksum"):
        found.refuse("ข้อมูลแม่แบบที่ซ่อนไว้ถูกแก้ไข กรุณาขอแบบรายงานใหม่")
    by_sheet: dict[str, dict[int, list[str]]] = {}
    widest = max((len(s.locked) for s in layout.sheets), default=0)
    for sheet_key, excel_row, *values in rows:
        by_sheet.setdefault(sheet_key, {})[int(excel_row)] = (values + [""] * widest)[:widest]
    return by_sheet


def _read_sheet(workbook, sheet: SheetLayout, period: Period, expected: dict[int, list[str]], folder: Path, found: _Collector) -> list[ParsedRow]:
    title = sheet.sheet_title(period.number)
    if title not in workbook.sheetnames:
        found.refuse(f'ไม่พบแผ่นงาน "{title}" (อย่าเปลี่ยนชื่อหรือลบแผ่นงาน)')
    worksheet = _sheet(workbook, title)
    width = len(sheet.columns)
    rows = worksheet.iter_rows(min_row=HEADER_ROW, max_col=width)
    _check_headers(next(rows, ()), sheet, title, found)
    locked_at = [i for i, c in enumerate(sheet.columns) if not c.editable]
    parsed = []
    last_expected = max(expected, default=FIRST_DATA_ROW - 1)
    for excel_row, cells in enumerate(rows, start=FIRST_DATA_ROW):
        cells = list(cells) + [None] * (width - len(cells))
        values = [getattr(c, "value", None) for c in cells]
        want = expected.get(excel_row)
        if want is None:
            if excel_row > last_expected and any(_blank_to_none(v) is not None for v in values):
                found.add("แถวนี้ไม่อยู่ในแม่แบบ (ห้ามเพิ่มแถว)", title, excel_row)
            continue
        if not _locked_match(values, locked_at, want, sheet, title, excel_row, found):
            continue
        row_values = {}
        for index, column in enumerate(sheet.columns):
            if column.editable:
                row_values[column.key] = _parse(column, cells[index], values[index], folder, found, title, excel_row, column_letter(index))
        parsed.append(ParsedRow(excel_row, tuple(want[: sheet.key_columns]), row_values))
        _check_required(parsed[-1], sheet, title, found)
    missing = sorted(set(expected) - {p.excel_row for p in parsed} - _rows_with_problems(found, title))
    for excel_row in missing:
        found.add(f"ไม่พบแถวของ {' / '.join(expected[excel_row][: sheet.key_columns])} (ห้ามลบหรือย้ายแถว)", title, excel_row)
    return parsed


def _rows_with_problems(found: _Collector, title: str) -> set[int]:
    return {p.row for p in found.problems if p.sheet == title and p.row}


def _check_headers(cells, sheet: SheetLayout, title: str, found: _Collector) -> None:
    headers = [getattr(c, "value", None) for c in cells] + [None] * len(sheet.columns)
    for index, column in enumerate(sheet.columns):
        got = clean_text(str(headers[index])) if headers[index] is not None else ""
        if got != column.header:
            found.refuse(f'หัวคอลัมน์ต้องเป็น "{column.header}" แต่พบ "{got}" (ห้ามเพิ่ม ลบ หรือย้ายคอลัมน์)', sheet=title, row=HEADER_ROW, column=column_letter(index))


def _locked_match(values, locked_at, want, sheet, title, excel_row, found) -> bool:
    for position, index in enumerate(locked_at):
        got = canonical(_blank_to_none(values[index]))
        if got != want[position]:
            column = sheet.columns[index]
            found.add(f'ช่อง "{column.header}" ถูกแก้ไข (เดิม "{want[position]}" พบ "{got}") ห้ามแก้ไขข้อมูลที่กรอกไว้ให้', title, excel_row, column_letter(index))
            return False
    return True


def _check_required(row: ParsedRow, sheet: SheetLayout, title: str, found: _Collector) -> None:
    if not row.filled:
        return
    for index, column in enumerate(sheet.columns):
        if column.required and row.values.get(column.key) in (None, ""):
            found.add(f'ต้องกรอก "{column.header}"', title, row.excel_row, column_letter(index))


def _blank_to_none(value):
    if isinstance(value, str):
        value = value.translate(ZERO_WIDTH).strip()
        return value or None
    return value


def _parse(column: Column, cell, raw, folder: Path, found: _Collector, sheet: str, row: int, letter: str):
    value = _blank_to_none(raw)
    if value is None:
        return None
    where = {"sheet": sheet, "row": row, "column": letter}
    if isinstance(value, str) and value.startswith("="):
        found.add("มีสูตรคำนวณ กรุณาพิมพ์หรือวางเป็นค่า (Paste Values)", **where)
        return None
    if getattr(cell, "data_type", None) == "e":  # an error value such as #N/A, never text to keep
        found.add(f"ช่องนี้มีค่าผิดพลาดของ Excel ({value}) กรุณาพิมพ์ค่าที่ถูกต้อง", **where)
        return None
    try:
        return PARSERS[column.kind](column, value, cell, folder)
    except (ThaiParseError, ValueError, InvalidOperation) as exc:
        found.add(str(exc), **where)
        return None


def _text(column: Column, value, cell, folder) -> str:
    text = clean_text(str(value))
    _check_length(column, text)
    return text


def _multiline(column: Column, value, cell, folder) -> str:
    lines = [clean_text(line) for line in str(value).replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines).strip("\n")
    _check_length(column, text)
    return text


def _check_length(column: Column, text: str) -> None:
    if column.max_length and len(text) > column.max_length:
        raise ValueError(f"ข้อความยาว {len(text):,} ตัวอักษร เกินที่รับได้ {column.max_length:,} ตัวอักษร")


NUMBER_LIMIT = Decimal(10) ** 12  # every quantity is stored as Numeric(14, 2)


def _number(column: Column, value, cell, folder) -> Decimal:
    if isinstance(value, (datetime, date)):
        raise ValueError(f'ต้องเป็นตัวเลข แต่พบวันที่ "{value}"')
    number = parse_number(value)
    if abs(number) >= NUMBER_LIMIT:
        raise ValueError(f"ตัวเลขใหญ่เกินไป (พบ {value}) ต้องน้อยกว่า 1,000,000,000,000")
    return number


def _percent(column: Column, value, cell, folder) -> Decimal:
    number = _number(column, value, cell, folder)
    if not isinstance(value, str) and "%" in (getattr(cell, "number_format", "") or ""):
        number *= 100  # "50%" typed in Excel is stored as 0.5 with a percent format
    number = number.quantize(Decimal(1)) if number == number.to_integral() else number  # 50, not 5E+1
    if not 0 <= number <= 100:
        raise ValueError(f"ร้อยละต้องอยู่ระหว่าง 0–100 (พบ {number})")
    return number


def _money(column: Column, value, cell, folder) -> Decimal:
    number = _number(column, value, cell, folder)
    if number < 0:
        raise ValueError(f"จำนวนเงินต้องไม่ติดลบ (พบ {number})")
    rounded = number.quantize(Decimal("0.01"))
    if abs(rounded - number) > Decimal("0.000001"):  # float noise from Excel is fine; a third decimal is not
        raise ValueError(f"จำนวนเงินมีทศนิยมเกิน 2 ตำแหน่ง (พบ {value})")
    return rounded


def _date(column: Column, value, cell, folder) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)):
        raise ValueError(f'อ่านวันที่ไม่ได้: "{value}" (พิมพ์เป็น วัน/เดือน/ปี เช่น 31/12/2569)')
    return parse_date(str(value))


def _choice(column: Column, value, cell, folder) -> str:
    text = " ".join(clean_text(str(value)).split())
    if text not in column.choices:
        raise ValueError(f'"{text}" ไม่อยู่ในรายการ: {", ".join(column.choices)}')
    return text


def _level(column: Column, value, cell, folder) -> int:
    number = _number(column, value, cell, folder)
    if number != number.to_integral() or not 1 <= number <= 5:
        raise ValueError(f"ระดับต้องเป็นจำนวนเต็ม 1–5 (พบ {value})")
    return int(number)


def _split(value) -> list[str]:
    text = str(value).translate(ZERO_WIDTH).replace("\r", "\n")
    return [clean_text(part) for chunk in text.split("\n") for part in chunk.split(";") if clean_text(part)]


def _files(column: Column, value, cell, folder: Path) -> list[Path]:
    return [safe_evidence_path(folder, name) for name in _split(value)]


def safe_evidence_path(folder: Path, name: str) -> Path:
    """``folder/name`` if it is a real file inside ``folder``; refuse anything that leaves it."""
    for flavour in (PurePosixPath(name), PureWindowsPath(name)):
        if flavour.is_absolute() or flavour.drive or ".." in flavour.parts:
            raise ValueError(f'ชื่อไฟล์หลักฐาน "{name}" ต้องเป็นไฟล์ในโฟลเดอร์เดียวกับแบบรายงาน (ห้ามใช้ .. หรือที่อยู่เต็ม)')
    try:
        return _inside(folder, name)
    except OSError:  # e.g. a name longer than the file system allows (ENAMETOOLONG)
        shown = name if len(name) <= 80 else name[:80] + "…"
        raise ValueError(f'ใช้ชื่อไฟล์หลักฐาน "{shown}" ไม่ได้ (ยาว {len(name):,} ตัวอักษร หรือมีอักขระที่ใช้ไม่ได้) กรุณาตั้งชื่อไฟล์ให้สั้นลง') from None


def _inside(folder: Path, name: str) -> Path:
    base = folder.resolve()
    candidate = folder / PurePosixPath(name.replace("\\", "/"))
    for part in [candidate, *candidate.parents]:
        if part == folder or part == folder.parent:
            break
        if part.is_symlink():
            raise ValueError(f'ไฟล์หลักฐาน "{name}" เป็นลิงก์ (symlink) ไม่รับ กรุณาวางไฟล์จริง')
    if not candidate.is_file():
        raise ValueError(f'ไม่พบไฟล์หลักฐาน "{name}" ในโฟลเดอร์ {folder.name}')
    if not candidate.resolve().is_relative_to(base):
        raise ValueError(f'ไฟล์หลักฐาน "{name}" อยู่นอกโฟลเดอร์ของแบบรายงาน')
    return candidate


def _links(column: Column, value, cell, folder) -> list[str]:
    links = _split(value)
    for link in links:
        if not link.startswith(("http://", "https://")):
            raise ValueError(f'ลิงก์ต้องขึ้นต้นด้วย http:// หรือ https:// (พบ "{link}")')
    return links


PARSERS = {
    "text": _text, "multiline": _multiline, "number": _number, "percent": _percent, "money": _money,
    "date": _date, "choice": _choice, "level": _level, "files": _files, "links": _links,
}
