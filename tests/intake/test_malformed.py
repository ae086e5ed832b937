"""Malformed returned workbooks: each is read correctly or refused with a located Thai error,
and the database is unchanged after every refusal.

Every case starts from a real template made by ``templates make`` for a demo owner (see
conftest.py) and is edited by hand with openpyxl, or replaced byte by byte. Refused cases
are checked twice: by the reader (the exact file › sheet › row › column of the problem) and
by the ``import`` command on a copy of the demo database (exit code, the same location in
its output, and every row of every table unchanged). A representative subset also runs on
PostgreSQL; the hypothesis test feeds random cell values to the reader.
"""
from __future__ import annotations

import io
import json
import os
import random
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from tidtam.cli_errors import ExitCode
from tidtam.core.intake.layouts import FIRST_DATA_ROW, PROGRESS, column_letter
from tidtam.core.intake.reader import IntakeError, read_workbook
from tidtam.core.periods import parse_period
from tidtam.plugins.emes.intake import LAYOUT as EMES

from intake_helpers import evidence_bytes


P, A, K, R = "ไตรมาส 1", "กิจกรรม", "ตัวชี้วัด", "รอบที่ 1"  # sheet titles of 2570Q1 and 2570R1
THAI = re.compile("[\u0e01-\u0e5b]")
STATUS_DONE, STATUS_ON = "ดำเนินการแล้วเสร็จ", "อยู่ระหว่างดำเนินการ"
LONG_NAME = "หลักฐานการดำเนินงาน" * 20 + ".pdf"  # 400 Thai characters: 1,200 bytes, over NAME_MAX


def cli(*args: str, db_url: str):
    from click.testing import CliRunner

    from tidtam.cli import main

    return CliRunner().invoke(main, ["--db", db_url, *args], catch_exceptions=False)


def snapshot(url: str) -> dict[str, list[str]]:
    """Every row of every table as the driver returns it, listed from the database itself
    (so alembic_version, audit_log, intake_import and tables of later migrations are in)."""
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        tables = inspect(engine).get_table_names()
        assert {"audit_log", "intake_import", "project_progress", "evidence_file"} <= set(tables)
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            dump = {}
            for table in tables:
                cursor.execute(f'SELECT * FROM "{table}"')
                dump[table] = sorted(map(repr, cursor.fetchall()))
            return dump
        finally:
            connection.close()
    finally:
        engine.dispose()


# --- building cases ----------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    sheet: str | None
    row: int | None
    column: str | None
    says: str  # a part of the Thai message


@dataclass(frozen=True)
class Read:
    check: Callable  # check(book, folder) asserts the typed values


@dataclass(frozen=True)
class Case:
    id: str
    expect: Refused | Read
    edit: Callable | None = None  # edit(workbook, folder): cells, sheets, files around it
    raw: Callable | None = None  # raw(path) -> path: bytes and file names
    kind: str = "progress"


def cells(**where):
    """``cells(P_E4=1, A_F7="x")``: set cells; the prefix picks the sheet (P, A, K or R)."""
    sheets = {"P": P, "A": A, "K": K, "R": R}

    def edit(wb, folder):
        for key, value in where.items():
            sheet, ref = key.split("_")
            wb[sheets[sheet]][ref] = value

    return edit


def also(*edits):
    def edit(wb, folder):
        for one in edits:
            one(wb, folder)

    return edit


def percent_format(ref: str, value):
    def edit(wb, folder):
        wb[A][ref] = value
        wb[A][ref].number_format = "0%"

    return edit


def meta(key: str, value):
    def edit(wb, folder):
        ws = wb["_tidtam"]
        (row,) = [r for r in ws.iter_rows() if r[0].value == key]
        row[1].value = value

    return edit


def value(sheet_key: str, excel_row: int, column: str, expected):
    def check(book, folder):
        (row,) = [r for r in book.sheets[sheet_key] if r.excel_row == excel_row]
        got = row.values[column]
        assert got == expected and type(got) is type(expected), (got, expected)
        assert str(got) == str(expected), (got, expected)  # "100", never "1E+2" in a report or message

    return Read(check)


def unchanged_values(book, folder):
    """An edit that must be ignored: the template's own prefilled values come back."""
    (row,) = [r for r in book.sheets["projects"] if r.excel_row == 4]
    assert row.values["status"] == STATUS_ON and row.values["disbursed"] == Decimal("7200.00")
    assert [r.excel_row for r in book.sheets["activities"]] == list(range(4, 10))


def refused(sheet, row, column, says):
    return Refused(sheet, row, column, says)


def file_level(says):
    return Refused(None, None, None, says)


# --- structure edits ---------------------------------------------------------------------


def merge(sheet, ref):
    return lambda wb, folder: wb[sheet].merge_cells(ref)


def delete_column(sheet, index):
    return lambda wb, folder: wb[sheet].delete_cols(index)


def insert_column(sheet, index, header="เพิ่มเอง"):
    def edit(wb, folder):
        wb[sheet].insert_cols(index)
        wb[sheet].cell(3, index, header)

    return edit


def swap_columns(sheet, left, right):
    def edit(wb, folder):
        ws = wb[sheet]
        for row in range(3, ws.max_row + 1):
            a, b = ws[f"{left}{row}"], ws[f"{right}{row}"]
            a.value, b.value = b.value, a.value

    return edit


def move_column_to_end(sheet, letter):
    def edit(wb, folder):
        ws = wb[sheet]
        end = column_letter(ws.max_column)
        for row in range(3, ws.max_row + 1):
            ws[f"{end}{row}"] = ws[f"{letter}{row}"].value
        ws.delete_cols(ord(letter) - 64)

    return edit


def swap_rows(sheet, first, second):
    def edit(wb, folder):
        ws = wb[sheet]
        for col in range(1, ws.max_column + 1):
            a, b = ws.cell(first, col), ws.cell(second, col)
            a.value, b.value = b.value, a.value

    return edit


def rename_sheet(old, new):
    def edit(wb, folder):
        wb[old].title = new

    return edit


def delete_sheet(name):
    return lambda wb, folder: wb.remove(wb[name])


def add_sheet(wb, folder):
    ws = wb.create_sheet("สรุปของฉัน")
    ws["A1"] = "บันทึกส่วนตัว"
    ws["B2"] = "=SUM(1,2)"


def hidden_rows_cell(wb, folder):
    ws = wb["_tidtam_rows"]
    ws["D1"] = ws["D1"].value + " (แก้)"


def evidence_file(relative: str, content: bytes | None = None):
    """A file beside the workbook; by default with the content its extension says it has."""
    content = evidence_bytes(relative) if content is None else content

    def edit(wb, folder):
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)

    return edit


def symlink_file(wb, folder):
    outside = folder.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.pdf").write_bytes(b"%PDF secret")
    os.symlink(outside / "secret.pdf", folder / "ลิงก์.pdf")


def symlink_folder(wb, folder):
    outside = folder.parent / "outside_dir"
    outside.mkdir(exist_ok=True)
    (outside / "a.pdf").write_bytes(b"%PDF outside")
    os.symlink(outside, folder / "หลักฐาน", target_is_directory=True)


def formatted(sheet: str, ref: str, value, number_format: str):
    """A number stored in a cell with a number format, as Excel keeps "16.4%" (0.164, "0.0%")."""
    def edit(wb, folder):
        wb[sheet][ref] = value
        wb[sheet][ref].number_format = number_format

    return edit


def blank_record(code: str):
    """Empty every cell an owner may fill in the rows of project ``code``, on every sheet."""
    def edit(wb, folder):
        for ws in (wb[P], wb[A], wb[K]):
            for row in ws.iter_rows(min_row=FIRST_DATA_ROW):
                if row[0].value == code:
                    for cell in row:
                        if not cell.protection.locked:
                            cell.value = None

    return edit


def comment(sheet: str, ref: str, text: str):
    def edit(wb, folder):
        from openpyxl.comments import Comment

        wb[sheet][ref].comment = Comment(text, "ผู้รับผิดชอบ")

    return edit


def warned(sheet, row, column, says, then=None):
    """Read, and one warning at exactly that place that says ``says`` (and ``then`` holds)."""
    def check(book, folder):
        here = [w for w in book.warnings if (w.sheet, w.row, w.column) == (sheet, row, column)]
        assert any(says in w.message for w in here), [str(w) for w in book.warnings]
        assert all(THAI.search(w.message) and w.file == book.path.name for w in book.warnings)
        if then is not None:
            then(book, folder)

    return Read(check)


def evidence_read(names):
    return Read(lambda book, folder: _evidence(book, folder, names))


def zip_part_of(name: str, megabytes: int, count: int = 1):
    """The template with ``count`` more parts of ``megabytes`` MB of zeros each: a few KB packed."""
    def raw(path: Path) -> Path:
        target = path.with_name("tmp.zip")
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for item in source.infolist():
                out.writestr(item, source.read(item.filename))
            block = bytes(1024 * 1024)
            for n in range(count):
                with out.open(name.format(n=n), "w", force_zip64=True) as part:
                    for _ in range(megabytes):
                        part.write(block)
        return target.replace(path)

    return raw


def many_parts(count: int):
    def raw(path: Path) -> Path:
        target = path.with_name("tmp.zip")
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for item in source.infolist():
                out.writestr(item, source.read(item.filename))
            for n in range(count):
                out.writestr(f"customXml/item{n}.xml", b"<a/>")
        return target.replace(path)

    return raw


# --- byte-level replacements -------------------------------------------------------------


def replace_bytes(data: bytes, suffix: str = ".xlsx"):
    def raw(path: Path) -> Path:
        target = path.with_suffix(suffix)
        path.unlink()
        target.write_bytes(data)
        return target

    return raw


def renamed(suffix: str):
    def raw(path: Path) -> Path:
        return path.rename(path.with_suffix(suffix))

    return raw


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def with_part(name: str, content: bytes, suffix: str = ".xlsx"):
    """The template with one more part in its zip (a VBA project, a 10 MB blob)."""
    def raw(path: Path) -> Path:
        target = path.with_suffix(suffix)
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(target.with_name("tmp.zip"), "w", zipfile.ZIP_DEFLATED) as out:
            for item in source.infolist():
                out.writestr(item, source.read(item.filename))
            out.writestr(zipfile.ZipInfo(name), content, compress_type=zipfile.ZIP_STORED)
        path.unlink()
        return target.with_name("tmp.zip").rename(target)

    return raw


def truncated(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def foreign_workbook(path: Path) -> Path:
    workbook = Workbook()
    workbook.active.title = P
    workbook.active["A3"] = "รหัสโครงการ"
    workbook.save(path)
    return path


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 64
RANDOM = random.Random(5).randbytes(20_000)
TEN_MB = random.Random(10).randbytes(10 * 1024 * 1024)


# --- the cases ---------------------------------------------------------------------------

D5_ON = {"P_D5": STATUS_ON}  # project 2570-019 gets a status, so its other cells may be filled
DATE_31_12 = date(2026, 12, 31)

CASES = [
    # wrong types
    Case("money_text", refused(P, 5, "E", "อ่านตัวเลขไม่ได้"), cells(**D5_ON, P_E5="ห้าพันบาท")),
    Case("money_date", refused(P, 4, "E", "ต้องเป็นตัวเลข"), cells(P_E4=datetime(2026, 12, 1))),
    Case("money_boolean", refused(P, 4, "E", "อ่านตัวเลขไม่ได้"), cells(P_E4=True)),
    Case("percent_text", refused(A, 4, "E", "อ่านตัวเลขไม่ได้"), cells(A_E4="ครึ่งหนึ่ง")),
    Case("percent_date", refused(A, 5, "E", "ต้องเป็นตัวเลข"), cells(A_E5=datetime(2026, 11, 30))),
    Case("percent_boolean", refused(A, 4, "E", "อ่านตัวเลขไม่ได้"), cells(A_E4=False)),
    Case("kpi_value_text", refused(K, 4, "F", "อ่านตัวเลขไม่ได้"), cells(K_F4="ประมาณ 50")),
    Case("kpi_value_date", refused(K, 5, "F", "ต้องเป็นตัวเลข"), cells(K_F5=datetime(2026, 12, 31))),
    Case("level_text", refused(R, 4, "D", "อ่านตัวเลขไม่ได้"), cells(R_D4="ดีมาก"), kind="emes"),
    Case("level_boolean", refused(R, 4, "D", "อ่านตัวเลขไม่ได้"), cells(R_D4=True), kind="emes"),
    Case("date_as_number", refused(P, 4, "F", "อ่านวันที่ไม่ได้"), cells(P_F4=46022)),
    Case("date_boolean", refused(P, 4, "F", "อ่านวันที่ไม่ได้"), cells(P_F4=True)),
    Case("date_words", refused(P, 4, "F", "อ่านวันที่ไม่ได้"), cells(P_F4="สิ้นเดือนธันวา")),
    Case("date_31_february", refused(P, 4, "F", "อ่านวันที่ไม่ได้"), cells(P_F4="31/02/2569")),
    # out of range
    Case("percent_101", refused(A, 4, "E", "0–100 (พบ 101)"), cells(A_E4=101)),
    Case("percent_negative", refused(A, 4, "E", "0–100"), cells(A_E4=-1)),
    Case("percent_150_text", refused(A, 4, "E", "0–100 (พบ 150)"), cells(A_E4="150%")),
    Case("percent_format_101", refused(A, 4, "E", "0–100 (พบ 101)"), percent_format("E4", 1.01)),
    Case("level_0", refused(R, 4, "D", "1–5"), cells(R_D4=0), kind="emes"),
    Case("level_6", refused(R, 4, "D", "1–5"), cells(R_D4=6), kind="emes"),
    Case("level_3_5", refused(R, 4, "D", "1–5"), cells(R_D4=3.5), kind="emes"),
    Case("level_3_5_text", refused(R, 4, "D", "1–5"), cells(R_D4="๓.๕"), kind="emes"),
    Case("money_negative", refused(P, 4, "E", "ติดลบ"), cells(P_E4=-100)),
    Case("money_negative_text", refused(P, 4, "E", "ติดลบ"), cells(P_E4="−1,000 บาท")),
    Case("kpi_value_overflow", refused(K, 4, "F", "ใหญ่เกินไป"), cells(K_F4="99,999,999,999,999")),
    Case("kpi_value_huge_float", refused(K, 4, "F", "ใหญ่เกินไป"), cells(K_F4=1e300)),
    Case("inspection_result_overflow", refused(R, 5, "E", "ใหญ่เกินไป"), cells(R_E5=10**12), kind="inspection"),
    Case("money_three_decimals", refused(P, 4, "E", "ทศนิยมเกิน 2"), cells(P_E4=100.125)),
    Case("money_three_decimals_text", refused(P, 4, "E", "ทศนิยมเกิน 2"), cells(P_E4="1,234.567 บาท")),
    # required fields and choices
    Case("status_blank_money_filled", refused(P, 5, "D", "ต้องกรอก"), cells(P_E5=1000)),
    Case("status_cleared", refused(P, 4, "D", "ต้องกรอก"), cells(P_D4=None)),
    Case("activity_note_without_percent", refused(A, 7, "E", "ต้องกรอก"), cells(A_F7="เริ่มแล้ว")),
    Case("emes_level_without_narrative", refused(R, 4, "E", "ต้องกรอก"), cells(R_E4="  \u200b "), kind="emes"),
    Case("status_wrong_label", refused(P, 4, "D", "ไม่อยู่ในรายการ"), cells(P_D4="เสร็จแล้ว")),
    Case("status_english", refused(P, 4, "D", "ไม่อยู่ในรายการ"), cells(P_D4="completed")),
    # structure
    Case("merged_header", refused(P, 3, "C", "หัวคอลัมน์"), merge(P, "B3:C3")),
    Case("merged_editable_down", refused(A, 5, "E", "ต้องกรอก"), merge(A, "E4:E5")),
    Case("merged_locked_data", refused(A, 4, "D", "ถูกแก้ไข"), merge(A, "C4:D4")),
    Case("deleted_column", refused(A, 3, "C", "หัวคอลัมน์"), delete_column(A, 3)),
    Case("swapped_columns", refused(A, 3, "E", "หัวคอลัมน์"), swap_columns(A, "E", "F")),
    Case("moved_column", refused(A, 3, "D", "หัวคอลัมน์"), move_column_to_end(A, "D")),
    Case("inserted_column", refused(P, 3, "B", "หัวคอลัมน์"), insert_column(P, 2)),
    Case("renamed_sheet", file_level('ไม่พบแผ่นงาน "กิจกรรม"'), rename_sheet(A, "กิจกรรม (แก้)")),
    Case("deleted_sheet", file_level('ไม่พบแผ่นงาน "ตัวชี้วัด"'), delete_sheet(K)),
    Case("deleted_meta_sheet", file_level("ไม่พบข้อมูลแม่แบบ"), delete_sheet("_tidtam")),
    Case("deleted_hidden_rows_sheet", file_level("ข้อมูลแม่แบบที่ซ่อนไว้หายไป"), delete_sheet("_tidtam_rows")),
    Case("meta_checksum", file_level("ซ่อนไว้ถูกแก้ไข"), meta("checksum", "0" * 64)),
    Case("meta_period", file_level("ซ่อนไว้ถูกแก้ไข"), meta("period", "2570Q2")),
    Case("meta_period_garbage", file_level("ช่วงเวลาในแม่แบบไม่ถูกต้อง"), meta("period", "ไตรมาสหน้า")),
    Case("meta_template_id", file_level("ไม่รู้จักแม่แบบ"), meta("template_id", "tidtam.budget")),
    Case("meta_template_id_other_kind", file_level("ใช้กับช่วงเวลา 2570Q1 ไม่ได้"), also(meta("template_id", "tidtam.emes"), meta("version", EMES.version))),
    Case("meta_version", file_level("รุ่น 2"), meta("version", "2")),
    Case("meta_owner", file_level("ซ่อนไว้ถูกแก้ไข"), meta("owner", "P001")),
    Case("hidden_rows_altered", file_level("ซ่อนไว้ถูกแก้ไข"), hidden_rows_cell),
    Case("locked_name_altered", refused(P, 4, "B", "ถูกแก้ไข"), cells(P_B4="โครงการอื่น")),
    Case("locked_budget_altered", refused(P, 4, "C", "ถูกแก้ไข"), cells(P_C4=1_000_000)),
    Case("key_code_altered", refused(P, 5, "A", "ถูกแก้ไข"), cells(P_A5="2570-001")),
    Case("locked_months_cleared", refused(A, 6, "D", "ถูกแก้ไข"), cells(A_D6=None)),
    Case("emes_points_altered", refused(R, 4, "C", "ถูกแก้ไข"), cells(R_C4="ประเด็นใหม่"), kind="emes"),
    Case("inspection_target_altered", refused(R, 5, "C", "ถูกแก้ไข"), cells(R_C5=99), kind="inspection"),
    Case("deleted_row", refused(A, 5, "B", "ถูกแก้ไข"), lambda wb, folder: wb[A].delete_rows(5)),
    Case("inserted_blank_row", refused(A, 6, "A", "ถูกแก้ไข"), lambda wb, folder: wb[A].insert_rows(6)),
    Case("added_row_with_data", refused(A, 10, None, "ห้ามเพิ่มแถว"), cells(A_A10="2570-019", A_B10=4, A_E10=50)),
    Case("rows_sorted", refused(A, 4, "B", "ถูกแก้ไข"), swap_rows(A, 4, 5)),
    Case("rows_sorted_projects", refused(P, 4, "A", "ถูกแก้ไข"), swap_rows(P, 4, 5)),
    # formulas and error values
    Case("formula_percent", refused(A, 4, "E", "สูตรคำนวณ"), cells(A_E4="=50+50")),
    Case("formula_money", refused(P, 4, "E", "สูตรคำนวณ"), cells(P_E4="=C4/2")),
    Case("formula_date", refused(P, 4, "F", "สูตรคำนวณ"), cells(P_F4="=TODAY()")),
    Case("formula_note", refused(A, 4, "F", "สูตรคำนวณ"), cells(A_F4='=HYPERLINK("http://x.example","x")')),
    Case("formula_status", refused(P, 4, "D", "สูตรคำนวณ"), cells(P_D4='=IF(1,"ยกเลิก","")')),
    Case("formula_locked_cell", refused(P, 4, "B", "ถูกแก้ไข"), cells(P_B4="=A4")),
    Case("error_value_percent", refused(A, 4, "E", "ค่าผิดพลาดของ Excel (#N/A)"), cells(A_E4="#N/A")),
    Case("error_value_note", refused(A, 4, "F", "ค่าผิดพลาดของ Excel (#N/A)"), cells(A_F4="#N/A")),
    Case("error_value_links", refused(R, 4, "G", "ค่าผิดพลาดของ Excel (#REF!)"), cells(R_G4="#REF!"), kind="emes"),
    Case("error_value_money", refused(P, 4, "E", "ค่าผิดพลาดของ Excel (#DIV/0!)"), cells(P_E4="#DIV/0!")),
    # huge strings
    Case("note_2001", refused(A, 4, "F", "เกินที่รับได้ 2,000"), cells(A_F4="ก" * 2001)),
    Case("note_100k", refused(A, 4, "F", "เกินที่รับได้ 2,000"), cells(A_F4="ข" * 100_000)),
    Case("problems_100k", refused(P, 4, "G", "เกินที่รับได้ 2,000"), cells(P_G4="ปัญหา " * 20_000)),
    Case("narrative_3001", refused(R, 4, "E", "เกินที่รับได้ 3,000"), cells(R_E4="ผ" * 3001), kind="emes"),
    Case("inspection_text_2001", refused(R, 5, "F", "เกินที่รับได้ 2,000"), cells(R_F5="ข" * 2001), kind="inspection"),
    Case("inspection_evidence_missing", refused(R, 6, "J", "ไม่พบไฟล์หลักฐาน"), cells(R_J6="ไม่มีไฟล์นี้.pdf"), kind="inspection"),
    Case("evidence_100k", refused(P, 4, "H", "ตั้งชื่อไฟล์ให้สั้นลง"), cells(P_H4="ก" * 100_000)),
    Case("evidence_long_name", refused(P, 4, "H", "ตั้งชื่อไฟล์ให้สั้นลง"), cells(P_H4=LONG_NAME)),
    Case("links_100k", refused(R, 4, "G", "ลิงก์ต้องขึ้นต้นด้วย"), cells(R_G4="x" * 100_000), kind="emes"),
    Case("links_without_scheme", refused(R, 4, "G", "ลิงก์ต้องขึ้นต้นด้วย"), cells(R_G4="www.example.com"), kind="emes"),
    # evidence paths
    Case("evidence_dotdot", refused(P, 4, "H", "ห้ามใช้ .."), also(evidence_file("../x.pdf"), cells(P_H4="../x.pdf"))),
    Case("evidence_dotdot_inside", refused(P, 4, "H", "ห้ามใช้ .."), cells(P_H4="หลักฐาน/../../x.pdf")),
    Case("evidence_absolute", refused(P, 4, "H", "ที่อยู่เต็ม"), cells(P_H4="/etc/hostname")),
    Case("evidence_windows_drive", refused(P, 4, "H", "ที่อยู่เต็ม"), cells(P_H4="C:\\เอกสาร\\รายงาน.pdf")),
    Case("evidence_windows_unc", refused(P, 4, "H", "ที่อยู่เต็ม"), cells(P_H4="\\\\server\\share\\a.pdf")),
    Case("evidence_symlink_file", refused(P, 4, "H", "symlink"), also(symlink_file, cells(P_H4="ลิงก์.pdf"))),
    Case("evidence_symlink_folder", refused(P, 4, "H", "symlink"), also(symlink_folder, cells(P_H4="หลักฐาน/a.pdf"))),
    Case("evidence_missing", refused(P, 4, "H", "ไม่พบไฟล์หลักฐาน"), cells(P_H4="รายงาน.pdf; ภาพกิจกรรม.jpg")),
    Case("evidence_is_a_folder", refused(P, 4, "H", "ไม่พบไฟล์หลักฐาน"), also(evidence_file("หลักฐาน/a.pdf"), cells(P_H4="หลักฐาน"))),
    # other bytes, other formats
    Case("ten_mb", file_level("MB"), raw=with_part("xl/media/image1.png", TEN_MB)),
    Case("pdf_renamed", file_level("ไม่ใช่ไฟล์ Excel"), raw=replace_bytes(PDF)),
    Case("png_renamed", file_level("ไม่ใช่ไฟล์ Excel"), raw=replace_bytes(PNG)),
    Case("random_bytes", file_level("ไม่ใช่ไฟล์ Excel"), raw=replace_bytes(RANDOM)),
    Case("empty_file", file_level("ไม่ใช่ไฟล์ Excel"), raw=replace_bytes(b"")),
    Case("zip_not_workbook", file_level("ไม่ใช่ไฟล์ Excel"), raw=replace_bytes(zipped({"readme.txt": "สวัสดี".encode()}))),
    Case("zip_damaged_workbook", file_level("เปิดไฟล์ไม่ได้"), raw=replace_bytes(zipped({"[Content_Types].xml": b"<Types", "xl/workbook.xml": b"not xml"}))),
    Case("truncated_workbook", file_level("ไม่ใช่ไฟล์ Excel"), raw=truncated),
    Case("xls_name", file_level(".xls"), raw=renamed(".xls")),
    Case("xlsm_name", file_level(".xlsm"), raw=renamed(".xlsm")),
    Case("xlsx_with_vba", file_level("แมโคร"), raw=with_part("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 512)),
    Case("xlsm_with_vba", file_level("แมโคร"), raw=with_part("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 512, ".xlsm")),
    Case("foreign_workbook", file_level("ไม่พบข้อมูลแม่แบบ"), raw=foreign_workbook),
    # read correctly: what people really type
    Case("thai_digits_money", value("projects", 5, "disbursed", Decimal("1234.50")), cells(**D5_ON, P_E5="๑,๒๓๔.๕๐")),
    Case("baht_text", value("projects", 5, "disbursed", Decimal("1234.50")), cells(**D5_ON, P_E5="1,234.50 บาท")),
    Case("money_typed_as_text", value("projects", 5, "disbursed", Decimal("12500.00")), cells(**D5_ON, P_E5=" 12500 ")),
    Case("money_float_noise", value("projects", 4, "disbursed", Decimal("0.30")), cells(P_E4=0.1 + 0.2)),
    Case("money_zero_width", value("projects", 4, "disbursed", Decimal("7200.00")), cells(P_E4="\u200b7,200\u200b")),
    Case("percent_typed_with_sign", value("activities", 7, "percent", Decimal("50")), cells(**D5_ON, A_E7="50%")),
    Case("percent_format", value("activities", 7, "percent", Decimal("50")), also(cells(**D5_ON), percent_format("E7", 0.5))),
    Case("percent_words", value("activities", 7, "percent", Decimal("75")), cells(**D5_ON, A_E7="ร้อยละ 75")),
    Case("percent_thai_digits", value("activities", 7, "percent", Decimal("100")), cells(**D5_ON, A_E7=" ๑๐๐ ")),
    Case("percent_hundred", value("activities", 4, "percent", Decimal("100")), cells(A_E4=100)),
    Case("percent_decimal", value("activities", 7, "percent", Decimal("33.33")), cells(**D5_ON, A_E7=33.33)),
    Case("kpi_thai_digits", value("kpis", 6, "value", Decimal("45.5")), cells(**D5_ON, K_F6="๔๕.๕")),
    Case("kpi_grouped", value("kpis", 6, "value", Decimal("1234")), cells(**D5_ON, K_F6="1,234")),
    Case("level_thai_digit", value("points", 4, "level", 4), cells(R_D4="๔"), kind="emes"),
    Case("level_float", value("points", 4, "level", 5), cells(R_D4=5.0), kind="emes"),
    Case("level_spaces", value("points", 4, "level", 3), cells(R_D4=" 3\u200b"), kind="emes"),
    Case("date_be", value("projects", 4, "as_of", DATE_31_12), cells(P_F4="31/12/2569")),
    Case("date_ce", value("projects", 4, "as_of", DATE_31_12), cells(P_F4="31/12/2026")),
    Case("date_short_thai", value("projects", 4, "as_of", DATE_31_12), cells(P_F4="31 ธ.ค. 69")),
    Case("date_full_thai", value("projects", 4, "as_of", DATE_31_12), cells(P_F4="31 ธันวาคม พ.ศ. 2569")),
    Case("date_iso", value("projects", 4, "as_of", DATE_31_12), cells(P_F4="2026-12-31")),
    Case("date_thai_digits", value("projects", 4, "as_of", DATE_31_12), cells(P_F4="๓๑/๑๒/๒๕๖๙\u200b")),
    Case("date_excel", value("projects", 4, "as_of", DATE_31_12), cells(P_F4=datetime(2026, 12, 31))),
    Case("date_excel_date", value("projects", 4, "as_of", DATE_31_12), cells(P_F4=date(2026, 12, 31))),
    Case("status_stray_spaces", value("projects", 4, "status", STATUS_DONE), cells(P_D4=f"  {STATUS_DONE}\u00a0")),
    Case("status_zero_width", value("projects", 4, "status", STATUS_ON), cells(P_D4="อยู่ระหว่าง\u200bดำเนินการ\ufeff")),
    Case("note_cleaned", value("activities", 4, "note", "เสร็จแล้ว ตามแผน"), cells(A_F4="  เสร็จ\u200bแล้ว   ตามแผน ")),
    Case("multiline_cleaned", value("projects", 4, "problems", "บรรทัด 1\nบรรทัด 2"), cells(P_G4=" บรรทัด 1 \r\n  บรรทัด\u200b 2\n")),
    Case("note_2000", value("activities", 4, "note", "ก" * 2000), cells(A_F4="ก" * 2000)),
    Case("extra_sheet", warned("สรุปของฉัน", None, None, 'แผ่นงาน "สรุปของฉัน" ที่เพิ่มเอง', unchanged_values), add_sheet),
    Case("column_after_table", warned(P, 4, "I", 'คอลัมน์ I ("ของฉัน") ไม่อยู่ในแบบรายงาน', unchanged_values),
         also(cells(P_I3="ของฉัน", P_I4="จดไว้", A_G5=123))),
    Case("blank_rows_after_table", Read(unchanged_values), cells(A_A10="  ", A_E11="\u200b", P_D7=None)),
    Case("merged_editable_across", value("activities", 4, "note", None), merge(A, "E4:F4")),  # Excel keeps only E4 too
    Case("merged_title_rows", Read(unchanged_values), merge(P, "A1:J2")),
    Case("evidence_subfolder", Read(lambda book, folder: _evidence(book, folder, ["หลักฐาน/รูป 1.jpg", "สรุป.pdf"])),
         also(evidence_file("หลักฐาน/รูป 1.jpg"), evidence_file("สรุป.pdf"), cells(P_H4="หลักฐาน/รูป 1.jpg;\n สรุป.pdf "))),
    Case("evidence_backslash", Read(lambda book, folder: _evidence(book, folder, ["หลักฐาน/รูป 1.jpg"])),
         also(evidence_file("หลักฐาน/รูป 1.jpg"), cells(P_H4="หลักฐาน\\รูป 1.jpg"))),
]
# Round 2 (issue 14): one block per class of defect found by trying ninety real returns.
EXE = b"MZ\x90\x00" + bytes(60)
CASES += [
    # dates: a BE year in a real Excel date cell; dates outside the quarter the template names
    Case("date_excel_be_year", value("projects", 4, "as_of", date(2026, 12, 15)), cells(P_F4=datetime(2569, 12, 15))),
    Case("date_excel_be_year_quarter_start", value("projects", 4, "as_of", date(2026, 10, 1)), cells(P_F4=date(2569, 10, 1))),
    Case("date_text_quarter_start", value("projects", 4, "as_of", date(2026, 10, 1)), cells(P_F4="1/10/2569")),
    Case("date_excel_two_digit_be_year", refused(P, 4, "F", "ปี พ.ศ. เต็ม 4 หลัก"), cells(P_F4=datetime(1969, 12, 15))),
    Case("date_after_quarter", refused(P, 4, "F", "วันที่ต้องอยู่ในไตรมาสที่ 1 ปีงบประมาณ 2570"), cells(P_F4="15/01/2570")),
    Case("date_before_quarter", refused(P, 4, "F", "วันที่ต้องอยู่ในไตรมาสที่ 1"), cells(P_F4="30 ก.ย. 69")),
    Case("date_last_fiscal_year", refused(P, 4, "F", "วันที่ต้องอยู่ในไตรมาสที่ 1"), cells(P_F4="31/12/2568")),
    Case("date_excel_outside", refused(P, 4, "F", "วันที่ต้องอยู่ในไตรมาสที่ 1"), cells(P_F4=datetime(2027, 3, 31))),
    Case("date_excel_be_outside", refused(P, 4, "F", "วันที่ต้องอยู่ในไตรมาสที่ 1"), cells(P_F4=datetime(2570, 1, 15))),
    Case("date_next_year_same_day", refused(P, 4, "F", "วันที่ต้องอยู่ในไตรมาสที่ 1"), cells(P_F4="31/12/2570")),
    # percent cells: Excel keeps 16.4% as 0.164 in every number column, not only the percent one
    Case("kpi_percent_format", value("kpis", 6, "value", Decimal("16.4")), also(cells(**D5_ON), formatted(K, "F6", 0.164, "0.0%"))),
    Case("kpi_percent_format_whole", value("kpis", 4, "value", Decimal("75")), formatted(K, "F4", 0.75, "0%")),
    Case("kpi_percent_typed", value("kpis", 6, "value", Decimal("16.4")), cells(**D5_ON, K_F6="16.4%")),
    Case("inspection_percent_format", value("indicators", 5, "result", Decimal("82.5")), formatted(R, "E5", 0.825, "0.0%"), kind="inspection"),
    Case("percent_format_two_places", value("activities", 4, "percent", Decimal("12.34")), formatted(A, "E4", 0.1234, "0.00%")),
    Case("money_percent_format", refused(P, 4, "E", "ไม่ใช่ร้อยละ"), formatted(P, "E4", 0.5, "0%")),
    Case("money_percent_typed", refused(P, 4, "E", "ไม่ใช่ร้อยละ"), cells(P_E4="50%")),
    Case("percent_as_baht", refused(A, 4, "E", "ไม่ใช่จำนวนเงิน"), cells(A_E4="50 บาท")),
    # precision: a column keeps two decimals; more is refused, as money always was
    Case("kpi_three_decimals", refused(K, 4, "F", "ทศนิยมเกิน 2"), cells(K_F4=45.555)),
    Case("kpi_three_decimals_text", refused(K, 4, "F", "ทศนิยมเกิน 2"), cells(K_F4="๔๕.๕๕๕")),
    Case("percent_three_decimals", refused(A, 4, "E", "ทศนิยมเกิน 2"), cells(A_E4="33.333")),
    Case("percent_format_three_decimals", refused(A, 4, "E", "ทศนิยมเกิน 2"), formatted(A, "E4", 0.33333, "0.000%")),
    Case("inspection_three_decimals", refused(R, 5, "E", "ทศนิยมเกิน 2"), cells(R_E5=82.125), kind="inspection"),
    Case("kpi_float_noise", value("kpis", 4, "value", Decimal("0.3")), cells(K_F4=0.1 + 0.2)),
    Case("percent_huge_float", refused(A, 4, "E", "0–100 (พบ 1.000E+300)"), cells(A_E4=1e300)),
    Case("percent_float_noise_at_100", value("activities", 4, "percent", Decimal("100")), cells(A_E4=100.0000001)),
    Case("kpi_two_decimals_kept", value("kpis", 4, "value", Decimal("45.55")), cells(K_F4="45.55")),
    # evidence names: looked up as typed; types checked by content
    Case("evidence_double_space", evidence_read(["รูป  กิจกรรม.jpg"]), also(evidence_file("รูป  กิจกรรม.jpg"), cells(P_H4="รูป  กิจกรรม.jpg"))),
    Case("evidence_nbsp_typed", evidence_read(["รูป กิจกรรม.jpg"]), also(evidence_file("รูป กิจกรรม.jpg"), cells(P_H4="รูป\u00a0กิจกรรม.jpg"))),
    Case("evidence_case", evidence_read(["report.pdf"]), also(evidence_file("report.pdf"), cells(P_H4="REPORT.PDF"))),
    Case("evidence_lookalikes", refused(P, 4, "H", "ตรงกับหลายไฟล์"),
         also(evidence_file("รูป 1.jpg"), evidence_file("รูป  1.jpg"), cells(P_H4="รูป   1.jpg"))),
    Case("evidence_missing_double_space", refused(P, 4, "H", "มีเว้นวรรคหลายช่องติดกัน"), cells(P_H4="รูป  2.jpg")),
    Case("evidence_missing_similar", refused(P, 4, "H", "ไฟล์ที่ชื่อคล้ายกัน: รายงานผล.pdf"),
         also(evidence_file("รายงานผล.pdf"), cells(P_H4="รายงานผล1.pdf"))),
    Case("evidence_exe", refused(P, 4, "H", "executable"), also(evidence_file("setup.exe", EXE), cells(P_H4="setup.exe"))),
    Case("evidence_exe_named_pdf", refused(P, 4, "H", "executable"), also(evidence_file("รายงาน.pdf", EXE), cells(P_H4="รายงาน.pdf"))),
    Case("evidence_script_named_jpg", refused(P, 4, "H", "executable"), also(evidence_file("ภาพ.jpg", b"#!/bin/sh\nrm -rf ~\n"), cells(P_H4="ภาพ.jpg"))),
    Case("evidence_bat", refused(P, 4, "H", 'ชนิด "bat"'), also(evidence_file("run.bat", b"@echo off\r\n"), cells(P_H4="run.bat"))),
    Case("evidence_png_named_pdf", refused(P, 4, "H", "เนื้อไฟล์ไม่ใช่ PDF"), also(evidence_file("สรุป.pdf", PNG), cells(P_H4="สรุป.pdf"))),
    Case("evidence_zip", refused(P, 4, "H", 'ชนิด "zip"'), also(evidence_file("รวม.zip", b"PK\x03\x04"), cells(P_H4="รวม.zip"))),
    Case("evidence_empty", refused(P, 4, "H", "เนื้อไฟล์ไม่ใช่ PDF"), also(evidence_file("ว่าง.pdf", b""), cells(P_H4="ว่าง.pdf"))),
    Case("evidence_no_extension", refused(P, 4, "H", "ไม่มีนามสกุล"), also(evidence_file("README", b"text"), cells(P_H4="README"))),
    Case("inspection_evidence_exe", refused(R, 6, "J", "executable"), also(evidence_file("a.pdf", EXE), cells(R_J6="a.pdf")), kind="inspection"),
    Case("emes_evidence_exe", refused(R, 4, "F", "executable"), also(evidence_file("a.jpg", EXE), cells(R_F4="a.jpg")), kind="emes"),
    # size: what a file unpacks to is bounded before a byte of it is read
    Case("zip_bomb_part", file_level("เมื่อแตกออกมีขนาด"), raw=zip_part_of("xl/media/image{n}.png", 60)),
    Case("zip_bomb_total", file_level("ขนาดรวม"), raw=zip_part_of("xl/media/image{n}.png", 40, count=3)),
    Case("zip_bomb_sheet", file_level("เมื่อแตกออกมีขนาด"), raw=zip_part_of("xl/worksheets/sheet{n}.xml", 200)),
    Case("zip_many_parts", file_level("ส่วน เกินกว่าแบบรายงานปกติ"), raw=many_parts(1_001)),
    Case("cell_a_million_rows_down", refused(A, 1_000_000, None, "ห้ามเพิ่มแถว"), cells(A_E1000000=50)),
    Case("cell_far_right", warned(P, 4, "XFD", "คอลัมน์ XFD ไม่อยู่ในแบบรายงาน", unchanged_values), cells(P_XFD4="บันทึกไว้ไกล")),
    # silent drops: everything the template has no place for is named in a warning
    Case("column_with_note", warned(A, 6, "G", "ข้อความในคอลัมน์นี้ 1 ช่อง", unchanged_values), cells(A_G6="ยังไม่ได้จัดซื้อ")),
    Case("column_header_only", warned(K, 3, "H", 'คอลัมน์ H ("หมายเหตุของฉัน")', unchanged_values), cells(K_H3="หมายเหตุของฉัน")),
    Case("cell_comment", warned(P, 4, "G", "ความคิดเห็น (comment) ในช่องนี้ไม่ถูกนำเข้า", unchanged_values),
         comment(P, "G4", "งบมาช้า ยังเบิกไม่ได้")),
    Case("cell_comment_emes", warned(R, 4, "E", "ความคิดเห็น (comment)"), comment(R, "E4", "รอหลักฐานจากกลุ่มนิเทศ"), kind="emes"),
    Case("empty_extra_sheet", Read(lambda book, folder: (unchanged_values(book, folder), _no_warnings(book))),
         lambda wb, folder: wb.create_sheet("ว่าง")),
    # duplicate messages: an invalid value in a required column is one problem, not also "empty"
    Case("required_percent_invalid_once", refused(A, 4, "E", "อ่านตัวเลขไม่ได้"), cells(A_E4="ครึ่ง")),
    Case("required_status_invalid_once", refused(P, 4, "D", "ไม่อยู่ในรายการ"), cells(P_D4="เสร็จ")),
    Case("required_level_invalid_once", refused(R, 4, "D", "1–5"), cells(R_D4="ดีเยี่ยม"), kind="emes"),
    Case("required_narrative_formula_once", refused(R, 4, "E", "สูตรคำนวณ"), cells(R_E4="=A1"), kind="emes"),
]


def _no_warnings(book):
    assert book.warnings == [], [str(w) for w in book.warnings]


BY_ID = {case.id: case for case in CASES}
assert len(BY_ID) == len(CASES), "duplicate case id"
REFUSED = [c for c in CASES if isinstance(c.expect, Refused)]
READ = [c for c in CASES if isinstance(c.expect, Read)]


def _evidence(book, folder, names):
    (row,) = [r for r in book.sheets["projects"] if r.excel_row == 4]
    assert row.values["evidence"] == [folder / name for name in names]


def build(case: Case, template) -> Path:
    path = template(case.kind)
    if case.edit is not None:
        workbook = load_workbook(path)
        case.edit(workbook, path.parent)
        workbook.save(path)
    if case.raw is not None:
        path = case.raw(path)
    return path


# --- assertions --------------------------------------------------------------------------


def location(path: Path, expect: Refused) -> str:
    parts = [path.name]
    if expect.sheet:
        parts.append(expect.sheet)
    if expect.row:
        parts.append(f"แถว {expect.row}")
    if expect.column:
        parts.append(f"คอลัมน์ {expect.column}")
    return " › ".join(parts) + ": "


def assert_located(problems, path: Path, expect: Refused) -> None:
    """One problem at exactly the expected place, whose Thai message says what is expected."""
    assert problems, "refused without any problem"
    for problem in problems:
        assert problem.file == path.name and problem.message.strip() and THAI.search(problem.message), problem
    cells_named = [(p.sheet, p.row, p.column) for p in problems if p.column]
    assert len(cells_named) == len(set(cells_named)), f"two messages for one cell: {[str(p) for p in problems]}"
    here = [p for p in problems if (p.sheet, p.row, p.column) == (expect.sheet, expect.row, expect.column)]
    assert here, f"no problem at {location(path, expect)!r}; got: {[str(p) for p in problems]}"
    assert any(expect.says in p.message for p in here), [str(p) for p in here]
    assert any(str(p).startswith(location(path, expect)) for p in here)


def import_json(url: str, path: Path, *extra: str):
    result = cli("import", str(path), "--json", *extra, db_url=url)
    return result, json.loads(result.stdout)


def assert_import_refused(url: str, path: Path, expect: Refused, *extra: str) -> None:
    """``import`` refuses the file, names the same place, and leaves every table as it was."""
    before = snapshot(url)
    result, outcomes = import_json(url, path, *extra)
    assert result.exit_code == ExitCode.BAD_DATA, result.output
    (outcome,) = outcomes
    assert outcome["outcome"] == "refused"
    prefix = location(path, expect)
    assert any(line.startswith(prefix) and expect.says in line for line in outcome["problems"]), (prefix, outcome["problems"])
    assert snapshot(url) == before


# --- the tests ---------------------------------------------------------------------------


def test_corpus_is_big_enough():
    assert len(REFUSED) >= 50 and len(READ) >= 20


@pytest.mark.parametrize("case", READ, ids=[c.id for c in READ])
def test_read_correctly(case, template):
    path = build(case, template)
    case.expect.check(read_workbook(path), path.parent)


@pytest.mark.parametrize("case", REFUSED, ids=[c.id for c in REFUSED])
def test_refused_with_location_and_database_unchanged(case, template, sqlite_demo):
    path = build(case, template)
    with pytest.raises(IntakeError) as refusal:
        read_workbook(path)
    assert_located(refusal.value.problems, path, case.expect)
    assert_import_refused(sqlite_demo, path, case.expect)


# Refusals that only the import can make: the reader accepts these files, the database says no.
DB_CASES = [
    Case("other_office", file_level("แบบรายงานนี้เป็นของสำนักงาน OTHER02 ไม่ใช่ DEMO01"), kind="other_office"),
    Case("meta_office_altered", file_level("แบบรายงานนี้เป็นของสำนักงาน DEMO99"), meta("office", "DEMO99")),
    Case("status_blank_activity_filled", refused(P, 5, "D", "ยังไม่เลือกสถานะ"), cells(A_E7=50)),
    Case("status_blank_kpi_filled", refused(P, 5, "D", "ยังไม่เลือกสถานะ"), cells(K_F6=3)),
    Case("over_budget", refused(P, 4, "E", "เกินงบประมาณ"), cells(P_E4=14_000.01)),
    # the first project is fine and names evidence (copied before the refusal); the second is over budget
    Case("over_budget_after_evidence", refused(P, 5, "E", "เกินงบประมาณ"),
         also(evidence_file("สรุป.pdf"), cells(P_H4="สรุป.pdf", P_D5=STATUS_ON, P_E5=294_000.01))),
]
DB_CASES += [
    # a blanked row never deletes a report without consent (import --allow-clear)
    Case("project_blanked", refused(P, 4, "D", "โครงการ 2570-018 มีรายงานอยู่แล้วในฐานข้อมูล แต่ในไฟล์นี้ว่างทั้งแถว"), blank_record("2570-018")),
    Case("activity_blanked", refused(A, 4, "E", "กิจกรรมลำดับที่ 1 ของโครงการ 2570-018 มีรายงานอยู่แล้ว"), cells(A_E4=None, A_F4=None)),
    Case("emes_blanked", refused(R, 4, "D", "ประเด็นการพิจารณา 1.2.1 มีรายงานอยู่แล้ว"), cells(R_D4=None, R_E4=None, R_F4=None, R_G4=None), kind="emes"),
    # whether a point needs a level is the year's frame (the database), so the import says it
    Case("emes_narrative_without_level", refused(R, 4, "D", "ต้องกรอกระดับ"), cells(R_D4=None), kind="emes"),
]
DB_BY_ID = {case.id: case for case in DB_CASES}


@pytest.mark.parametrize("case", DB_CASES, ids=[c.id for c in DB_CASES])
def test_refused_by_import_and_database_unchanged(case, template, sqlite_demo):
    path = build(case, template)
    read_workbook(path)  # the file itself reads fine
    assert_import_refused(sqlite_demo, path, case.expect)


BOTH_DATABASES = ["money_text", "percent_101", "status_wrong_label", "formula_percent", "locked_name_altered",
                  "deleted_column", "meta_checksum", "pdf_renamed", "xlsx_with_vba", "evidence_dotdot", "level_6", "kpi_value_overflow"]


def test_refusals_leave_database_unchanged_on_both_databases(demo_url, template, inbox):
    """A representative subset, one after another on one database (each must leave it as it was)."""
    for case in [BY_ID[i] for i in BOTH_DATABASES] + DB_CASES:
        for old in inbox.iterdir():
            shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
        assert_import_refused(demo_url, build(case, template), case.expect)


def test_other_period_is_refused(template, sqlite_demo):
    path = template("progress")
    with pytest.raises(IntakeError) as refusal:
        read_workbook(path, expect_period=parse_period("2570Q2"))
    expect = file_level("เป็นของ 2570Q1 ไม่ใช่ 2570Q2")
    assert_located(refusal.value.problems, path, expect)
    assert_import_refused(sqlite_demo, path, expect, "--period", "2570Q2")


def test_other_kind_is_refused_for_the_period(template, sqlite_demo):
    path = template("emes")
    assert_import_refused(sqlite_demo, path, file_level("เป็นของ 2570R1 ไม่ใช่ 2570Q1"), "--period", "2570Q1")


@pytest.mark.parametrize("case_id", ["status_blank_activity_filled", "status_blank_kpi_filled"])
def test_status_blank_but_activity_filled_names_the_status_cell(case_id, template, sqlite_demo):
    path = build(DB_BY_ID[case_id], template)
    assert_import_refused(sqlite_demo, path, refused(P, 5, "D", "ยังไม่เลือกสถานะ"))


def test_disbursed_over_budget_names_the_cell(template, sqlite_demo):
    path = build(DB_BY_ID["over_budget"], template)
    assert_import_refused(sqlite_demo, path, refused(P, 4, "E", "เกินงบประมาณ"))


def test_evidence_in_a_subfolder_is_copied_by_sha256(template, sqlite_demo):
    import hashlib

    from tidtam.core.evidence import stored_path

    content = b"%PDF-1.4 photos of the repaired building\n"
    edit = also(evidence_file("หลักฐาน/ไตรมาส 1/รูป อาคาร.pdf", content), cells(P_H4="หลักฐาน/ไตรมาส 1/รูป อาคาร.pdf"))
    path = build(Case("evidence_subfolder_import", file_level(""), edit), template)
    result, (outcome,) = import_json(sqlite_demo, path)
    assert result.exit_code == 0 and outcome["outcome"] == "imported", result.output
    sha = hashlib.sha256(content).hexdigest()
    assert stored_path(sha).read_bytes() == content
    rows = snapshot(sqlite_demo)["evidence_file"]
    assert any(sha in row and "รูป อาคาร.pdf" in row for row in rows), rows


def test_folder_import_goes_on_after_a_refusal(template, sqlite_demo):
    bad = build(BY_ID["formula_percent"], template)
    good = template("emes")
    result, outcomes = import_json(sqlite_demo, bad.parent)
    assert result.exit_code == ExitCode.BAD_DATA
    assert {Path(o["file"]).name: o["outcome"] for o in outcomes} == {bad.name: "refused", good.name: "imported"}


# --- random cell values --------------------------------------------------------------------

ZW = "\u200b\u200c\u200d\u2060\ufeff"
SAFE_TEXT = st.characters(blacklist_categories=("Cs", "Cc"))
THAI_DIGITS = st.text(alphabet="๐๑๒๓๔๕๖๗๘๙,. ", min_size=1, max_size=12)
CELL_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-10**6, max_value=10**6).map(float),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    THAI_DIGITS,
    st.text(alphabet=" \t\u00a0" + ZW, max_size=6),
    st.builds(lambda a, z, b: a + z + b, st.sampled_from(["50", "๕๐", "31/12/2569", STATUS_ON, "1,234.50 บาท", "50%", "3"]), st.sampled_from(["", *ZW, " ", "  "]), st.sampled_from(["", " ", "%", " บาท"])),
    st.text(SAFE_TEXT, max_size=40),
    st.text(SAFE_TEXT, max_size=40).map(lambda t: "=" + t),
    st.sampled_from(["#N/A", "#DIV/0!", "#VALUE!", "#REF!"]),
    st.integers(min_value=2001, max_value=40_000).map(lambda n: "ย" * n),
)
EDITABLE = [
    (layout, sheet, index, column)
    for layout in (PROGRESS, EMES)
    for sheet in layout.sheets
    for index, column in enumerate(sheet.columns)
    if column.editable
]


def _satisfies_contract(column, got, folder: Path) -> None:
    if got is None:
        return
    kind = column.kind
    if kind == "money":
        assert isinstance(got, Decimal) and got >= 0 and got == got.quantize(Decimal("0.01")) and got.as_tuple().exponent == -2
    elif kind == "percent":
        assert isinstance(got, Decimal) and 0 <= got <= 100
    elif kind == "number":
        assert isinstance(got, Decimal) and abs(got) < 10**12  # fits the database's Numeric(14, 2)
    elif kind == "level":
        assert type(got) is int and 1 <= got <= 5
    elif kind == "date":
        assert type(got) is date
    elif kind == "choice":
        assert got in column.choices
    elif kind in ("text", "multiline"):
        assert isinstance(got, str) and got == got.strip() and not any(z in got for z in ZW)
        assert column.max_length is None or len(got) <= column.max_length
    elif kind == "files":
        assert all(p.is_file() and p.resolve().is_relative_to(folder.resolve()) for p in got)
    elif kind == "links":
        assert all(link.startswith(("http://", "https://")) for link in got)
    else:  # pragma: no cover - a new kind needs a contract here
        raise AssertionError(kind)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_values_are_read_within_contract_or_refused_with_location(intake_master, data):
    kind = data.draw(st.sampled_from(["progress", "emes"]), label="kind")
    layout = {"progress": PROGRESS, "emes": EMES}[kind]
    scratch = intake_master["root"] / "hypothesis"
    scratch.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=scratch))
    path = Path(shutil.copy(intake_master["templates"][kind], folder))
    workbook = load_workbook(path)
    rows_by_sheet = {s.key: workbook[s.sheet_title(1)].max_row for s in layout.sheets}
    targets = [t for t in EDITABLE if t[0] is layout and rows_by_sheet[t[1].key] >= FIRST_DATA_ROW]  # sheets with rows
    chosen = data.draw(st.lists(st.sampled_from(targets), min_size=1, max_size=6), label="cells")
    for _, sheet, index, column in chosen:
        row = data.draw(st.integers(FIRST_DATA_ROW, rows_by_sheet[sheet.key]), label="row")
        workbook[sheet.sheet_title(1)].cell(row, index + 1).value = data.draw(CELL_VALUES, label=f"{sheet.key}.{column.key}")
    workbook.save(path)
    try:
        try:
            book = read_workbook(path)
        except IntakeError as refusal:
            assert refusal.problems
            titles = {s.sheet_title(1) for s in layout.sheets}
            for problem in refusal.problems:
                assert problem.file == path.name and problem.sheet in titles, problem
                assert problem.row and problem.row >= FIRST_DATA_ROW and problem.column, problem
                assert problem.message.strip() and THAI.search(problem.message), problem
            return
        for sheet in layout.sheets:
            for parsed in book.sheets[sheet.key]:
                for column in sheet.editable:
                    _satisfies_contract(column, parsed.values[column.key], folder)
                if parsed.filled:
                    assert all(parsed.values[c.key] not in (None, "") for c in sheet.editable if c.required)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
