"""The shape of every intake template, declared once and used by both writer and reader.

A template has sheets; a sheet has columns. The leading *key* columns identify a record
(project code, activity number...), the other *locked* columns are prefilled for reading,
and the *editable* columns are what an owner fills. Changing a layout means bumping
``version``: a returned workbook must carry the version it was made with, and the checksum of
its prefilled values (``checksum``, over their ``canonical`` text).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from ..models import PROGRESS_STATUS_TH
from ..periods import Period
from ..values import DateWindow

HEADER_ROW = 3  # rows 1–2: title and instructions
FIRST_DATA_ROW = HEADER_ROW + 1
META_SHEET = "_tidtam"  # very hidden: template id, version, period, owner, checksum
ROWS_SHEET = "_tidtam_rows"  # very hidden: the prefilled (locked) values, to name what was altered


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    kind: str = "text"  # text | multiline | number | percent | money | date | choice | level | files | links | url
    editable: bool = False
    required: bool = False  # when the row is filled at all
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    hint: str = ""


@dataclass(frozen=True)
class SheetLayout:
    key: str
    title: str  # may contain {n}: the quarter or round number
    columns: tuple[Column, ...]
    key_columns: int = 1

    def sheet_title(self, period_number: int) -> str:
        return self.title.format(n=period_number)

    @property
    def locked(self) -> list[Column]:
        return [c for c in self.columns if not c.editable]

    @property
    def editable(self) -> list[Column]:
        return [c for c in self.columns if c.editable]


@dataclass(frozen=True)
class TemplateLayout:
    kind: str  # the intake kind's name (core.intake.kinds): "progress", or a plugin's
    version: str
    period_kind: str  # "Q" | "R"
    title: str  # workbook heading, with {period} and {owner}
    file_prefix: str
    sheets: tuple[SheetLayout, ...] = field(default_factory=tuple)

    @property
    def template_id(self) -> str:
        return f"tidtam.{self.kind}"


STATUS_CHOICES = tuple(PROGRESS_STATUS_TH.values())
TEXT_MAX = 2000  # longest problem/note text accepted (the project site's limit)

PROGRESS = TemplateLayout(
    kind="progress", version="1", period_kind="Q", file_prefix="progress",
    title="แบบรายงานความก้าวหน้าโครงการ {period} — {owner}",
    sheets=(
        SheetLayout("projects", "ไตรมาส {n}", (
            Column("code", "รหัสโครงการ", 12),
            Column("name", "ชื่อโครงการ", 48),
            Column("budget", "งบประมาณ (บาท)", 16, kind="money"),
            Column("status", "สถานะการดำเนินงาน", 22, kind="choice", editable=True, required=True, choices=STATUS_CHOICES, hint="เลือกจากรายการ"),
            Column("disbursed", "เบิกจ่ายในไตรมาส (บาท)", 18, kind="money", editable=True, hint="จำนวนเงินที่เบิกจ่ายในไตรมาสนี้ เช่น 12,500.00"),
            Column("as_of", "ข้อมูล ณ วันที่", 14, kind="date", editable=True, hint="วัน/เดือน/ปี พ.ศ."),
            Column("problems", "ปัญหาอุปสรรค", 40, kind="multiline", editable=True, max_length=TEXT_MAX),
            Column("evidence", "ไฟล์หลักฐาน (ชื่อไฟล์ คั่นด้วย ;)", 30, kind="files", editable=True, hint="ไฟล์ต้องอยู่ในโฟลเดอร์เดียวกับแบบรายงานนี้"),
        )),
        SheetLayout("activities", "กิจกรรม", (
            Column("code", "รหัสโครงการ", 12),
            Column("seq", "ลำดับ", 7, kind="number"),
            Column("name", "กิจกรรม", 48),
            Column("months", "เดือนที่ดำเนินการ", 20),
            Column("percent", "ความก้าวหน้า (ร้อยละ)", 14, kind="percent", editable=True, required=True, hint="0–100"),
            Column("note", "หมายเหตุ", 36, kind="multiline", editable=True, max_length=TEXT_MAX),
        ), key_columns=2),
        SheetLayout("kpis", "ตัวชี้วัด", (
            Column("code", "รหัสโครงการ", 12),
            Column("seq", "ลำดับ", 7, kind="number"),
            Column("name", "ตัวชี้วัด", 48),
            Column("target", "ค่าเป้าหมาย", 12, kind="number"),
            Column("unit", "หน่วย", 10),
            Column("value", "ผลการดำเนินงาน", 14, kind="number", editable=True),
            Column("note", "คำอธิบายผล", 36, kind="multiline", editable=True, max_length=TEXT_MAX),
        ), key_columns=2),
    ),
)


def canonical(value) -> str:
    """One text form per value, identical whether it was written or read back by openpyxl."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        return format(Decimal(str(value)).normalize(), "f")
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def checksum(layout: TemplateLayout, period: Period, owner_code: str, locked_rows: list[list[str]]) -> str:
    # Trailing blanks are dropped: a read-only reader pads short rows to the widest one.
    rows = [_rstrip(row) for row in locked_rows]
    body = json.dumps([layout.template_id, layout.version, period.id, owner_code, rows], ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _rstrip(row: list[str]) -> list[str]:
    end = len(row)
    while end and row[end - 1] == "":
        end -= 1
    return row[:end]


def date_window(period: Period) -> DateWindow:
    """The days a date column accepts: the template's own period, as its prompt says."""
    return DateWindow(period.start, period.end, period.name_th())


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (without importing openpyxl for it)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
