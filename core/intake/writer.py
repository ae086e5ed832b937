"""``templates make``: one .xlsx per owner, prefilled, with only the owner's cells unlocked."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from .. import models as m
from ..periods import Period
from ..reports.officedoc import CM_PER_WIDTH_UNIT, fitting_width, lines_needed, print_setup, row_height
from .layouts import (FIRST_DATA_ROW, HEADER_ROW, META_SHEET, ROWS_SHEET, Column, SheetLayout, TemplateLayout, canonical, checksum,
                      column_letter, date_window)

FONT = "TH Sarabun New"  # the official Thai document font; Excel falls back if it is missing
INSTRUCTIONS = "กรอกเฉพาะช่องสีเหลือง ห้ามเพิ่ม ลบ หรือย้ายแถว/คอลัมน์ ห้ามเปลี่ยนชื่อแผ่นงาน แล้วส่งไฟล์นี้คืนงานติดตามฯ"


def file_name(layout: TemplateLayout, period: Period, owner: m.Person) -> str:
    # only what file systems refuse is replaced: \w would also drop Thai vowel marks
    person = re.sub(r'[\\/:*?"<>|\s.]+', "_", f"{owner.prefix}{owner.first_name}_{owner.last_name}").strip("_")
    return f"{layout.file_prefix}_{period.id}_{person}.xlsx"


def _styles(workbook: Workbook) -> None:
    thin, top = Font(name=FONT, size=14), Alignment(vertical="top", wrap_text=True)
    for style in (NamedStyle("tidtam", font=thin, alignment=top),
                  NamedStyle("tidtam_input", font=thin, alignment=top, fill=PatternFill("solid", fgColor="FFF8DC"),
                             protection=Protection(locked=False)),
                  NamedStyle("tidtam_header", font=Font(name=FONT, size=14, bold=True), fill=PatternFill("solid", fgColor="D9E2F3"),
                             alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))):
        workbook.add_named_style(style)


def write_workbook(layout: TemplateLayout, period: Period, office: m.Office, owner: m.Person, rows: dict[str, list[dict]], path: Path) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    _styles(workbook)
    locked_rows: list[list[str]] = []
    heading = layout.title.format(period=period.label_th(), owner=owner.full_name)
    for sheet in layout.sheets:
        worksheet = workbook.create_sheet(sheet.sheet_title(period.number))
        _write_sheet(worksheet, sheet, rows.get(sheet.key, []), heading, office, period, locked_rows)
    _write_meta(workbook, layout, period, office, owner, locked_rows)
    workbook.properties.creator = "Tidtam"
    workbook.properties.title = heading
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def _write_sheet(ws, sheet: SheetLayout, rows: list[dict], heading: str, office: m.Office, period: Period, locked_rows: list) -> None:
    last_col = column_letter(len(sheet.columns) - 1)
    ws["A1"] = f"{heading} — {office.short_name}"
    ws["A1"].font = Font(name=FONT, size=16, bold=True)
    ws["A2"] = INSTRUCTIONS
    ws["A2"].font = Font(name=FONT, size=14, color="C00000")
    ws.merge_cells(f"A1:{last_col}1")
    ws.merge_cells(f"A2:{last_col}2")
    for index, column in enumerate(sheet.columns):
        cell = ws.cell(HEADER_ROW, index + 1, column.header)
        cell.style = "tidtam_header"
        ws.column_dimensions[column_letter(index)].width = fitting_width(column.header, column.width)
    ws.row_dimensions[HEADER_ROW].height = max(2 * LINE_HEIGHT, _height({c.header: c.width for c in sheet.columns}))
    for offset, row in enumerate(rows):
        excel_row = FIRST_DATA_ROW + offset
        for index, column in enumerate(sheet.columns):
            cell = ws.cell(excel_row, index + 1, _cell_value(column, row.get(column.key)))
            cell.style = "tidtam_input" if column.editable else "tidtam"
            if column.kind == "money":
                cell.number_format = "#,##0.00"
            elif column.kind == "level" or (column.kind == "number" and column.width <= 8):
                cell.alignment = Alignment(horizontal="center", vertical="top")
        # LibreOffice does not grow rows to fit wrapped text by itself: size them here
        ws.row_dimensions[excel_row].height = _height({str(row.get(c.key) or ""): c.width for c in sheet.columns})
        locked_rows.append([sheet.key, str(excel_row), *(canonical(row.get(c.key)) for c in sheet.locked)])
    _validations(ws, sheet, len(rows), period)
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    ws.protection.sheet = True  # no password: it prevents accidents, it is not security
    ws.protection.formatColumns = False  # owners may still widen columns
    # Print setup only (the cells are what import reads back): the title rows as tall as their
    # text, so Thai marks above and below the line are not clipped, then the office's print setup.
    ws.row_dimensions[1].height = row_height(1, 16)
    ws.row_dimensions[2].height = row_height(lines_needed(INSTRUCTIONS, _merged_width_cm(sheet), 14), 14)
    print_setup(ws, title="", title_rows=f"{HEADER_ROW}:{HEADER_ROW}")


def _merged_width_cm(sheet: SheetLayout) -> float:
    return sum(c.width for c in sheet.columns) * CM_PER_WIDTH_UNIT


LINE_HEIGHT = 21  # points per line of 14 pt TH Sarabun


def _height(texts: dict[str, int]) -> float:
    """Row height for the tallest wrapped text, given each text and its column width."""
    lines = 1
    for text, width in texts.items():
        # measured in LibreOffice: about 0.75 characters of 14 pt Thai text per width unit
        wrapped = sum(max(1, -(-len(part) // max(1, int(width * 0.75)))) for part in text.split("\n"))
        lines = max(lines, wrapped)
    return min(lines, 15) * LINE_HEIGHT


def _cell_value(column: Column, value):
    if value is None:
        return None
    if column.kind == "date" and isinstance(value, date):
        return f"{value.day}/{value.month}/{value.year + 543}"  # as Thai offices type it
    if isinstance(value, Decimal):
        return float(value) if column.kind in ("money", "percent", "number") else canonical(value)
    return value


def _validations(ws, sheet: SheetLayout, count: int, period: Period) -> None:
    if not count:
        return
    last = FIRST_DATA_ROW + count - 1
    for index, column in enumerate(sheet.columns):
        if not column.editable:
            continue
        rule = _rule(column, period)
        if rule is None:
            continue
        rule.showInputMessage = rule.showErrorMessage = True
        hint = column.hint or column.header
        if column.kind == "date":
            window = date_window(period)
            hint = f"{hint} ภายใน{window.name} เช่น {window.end.day}/{window.end.month}/{window.end.year + 543}"
        rule.promptTitle, rule.prompt = column.header[:32], hint[:255]
        letter = column_letter(index)
        rule.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last}")
        ws.add_data_validation(rule)


def _rule(column: Column, period: Period) -> DataValidation | None:
    if column.kind == "choice":
        return DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True, error="เลือกจากรายการเท่านั้น", errorTitle="ค่าไม่ถูกต้อง")
    if column.kind == "level":
        return DataValidation(type="whole", operator="between", formula1="1", formula2="5", allow_blank=True, error="ระดับต้องเป็น 1–5", errorTitle="ค่าไม่ถูกต้อง")
    if column.kind == "percent":
        # warning style: someone may type "50%"; the importer reads it
        return DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True, errorStyle="warning", error="ร้อยละต้องอยู่ระหว่าง 0–100")
    if column.kind == "money":
        return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True, errorStyle="warning", error="จำนวนเงินต้องไม่ติดลบ")
    if column.kind == "date":
        # the same window and words the import applies (layouts.date_window), so the two never disagree
        window = date_window(period)
        start, end = window.start, window.end
        return DataValidation(type="date", operator="between", formula1=f"DATE({start.year},{start.month},{start.day})", formula2=f"DATE({end.year},{end.month},{end.day})",
                              allow_blank=True, errorStyle="warning", error=f"วันที่ต้องอยู่ใน{window}"[:255], errorTitle="วันที่ไม่อยู่ในช่วง")
    if column.max_length:
        return DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(column.max_length), allow_blank=True, errorStyle="warning", error=f"ยาวได้ไม่เกิน {column.max_length:,} ตัวอักษร")
    return None


def _write_meta(workbook: Workbook, layout: TemplateLayout, period: Period, office: m.Office, owner: m.Person, locked_rows: list) -> None:
    meta = workbook.create_sheet(META_SHEET)
    values = {
        "template_id": layout.template_id, "version": layout.version, "period": period.id,
        "office": office.code, "owner": owner.code, "owner_name": owner.full_name,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "checksum": checksum(layout, period, owner.code, locked_rows),
    }
    for key, value in values.items():
        meta.append([key, value])
    meta.sheet_state = "veryHidden"
    rows = workbook.create_sheet(ROWS_SHEET)
    for locked in locked_rows:
        rows.append(locked)
    rows.sheet_state = "veryHidden"
