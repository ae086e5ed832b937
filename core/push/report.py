"""The unit's summary of a push (Thai, xlsx and docx): what was sent, when, by whom, the remote
ids, and what failed — from the ledger alone, so it can be written any time after a push."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from ..models import Approval, Office, Project, Submission
from ..periods import BANGKOK
from ..thai import thai_date

STATE_TH = {"planned": "รอแสดงตัวอย่าง", "previewed": "แสดงตัวอย่างแล้ว", "approved": "อนุมัติแล้ว รอส่ง",
            "submitting": "กำลังส่ง", "submitted": "ส่งสำเร็จ", "failed": "ล้มเหลว", "unknown": "ไม่แน่ใจ รอกระทบยอด"}
HEADERS = ["ลำดับ", "รายการ", "การดำเนินการ", "สถานะ", "เลขที่ในระบบปลายทาง", "ส่งเมื่อ", "ผู้ส่ง", "ผู้อนุมัติ",
           "จำนวนครั้งที่ส่ง", "ข้อผิดพลาด"]
FONT = "Noto Sans Thai"


@dataclass
class Report:
    title: str
    lines: list[str]
    rows: list[list]


def when(value: datetime | None) -> str:
    if value is None:
        return "-"
    local = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(BANGKOK)
    return f"{thai_date(local.date())} {local:%H:%M} น."


def build(session, office: Office, target_title: str, target: str, period, action_titles: dict | None = None) -> Report:
    """The summary of ``target``'s ledger rows for ``period`` (``target`` is the ledger key)."""
    titles = dict(action_titles or {})
    subs = session.scalars(select(Submission).where(Submission.office_id == office.id, Submission.target == target,
                                                    Submission.period == period.id).order_by(Submission.record_key)).all()
    approvals = {a.id: a for a in session.scalars(select(Approval).where(Approval.office_id == office.id,
                                                                            Approval.target == target, Approval.period == period.id))}
    names = {f"project:{p.code}": f"{p.code} {p.name}" for p in session.scalars(select(Project).where(Project.office_id == office.id))}
    rows = []
    for n, s in enumerate(subs, start=1):
        approval = approvals.get(s.approval_id)
        rows.append([n, names.get(s.record_key, s.record_key), titles.get(s.action, s.action), STATE_TH.get(s.state.value, s.state.value),
                     s.remote_id or "-", when(s.submitted_at), s.submitted_by or "-",
                     f"{approval.approved_by} ({when(approval.approved_at)})" if approval else "-", s.attempts,
                     s.last_error or ""])
    sent = sum(1 for s in subs if s.state.value == "submitted")
    failed = sum(1 for s in subs if s.state.value in ("failed", "unknown"))
    live = [a for a in approvals.values() if a.voided_at is None]
    lines = [f"{office.name}",
             f"{target_title} · {period.label_th()}",
             f"ส่งสำเร็จและอ่านกลับตรงกัน {sent} รายการ จากทั้งหมด {len(subs)} รายการ · ล้มเหลว/ไม่แน่ใจ {failed} รายการ",
             *(f"อนุมัติโดย {a.approved_by} เมื่อ {when(a.approved_at)} (ค่าแฮช {a.payload_set_hash[:16]}…)" for a in live),
             f"จัดทำรายงานเมื่อ {when(datetime.now(timezone.utc))}"]
    return Report(f"สรุปผลการส่งข้อมูลเข้าระบบ {target_title} {period.label_th()}", lines, rows)


def write_xlsx(report: Report, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = "สรุปการส่ง"
    sheet.append([report.title])
    sheet["A1"].font = Font(name=FONT, bold=True, size=14)
    for line in report.lines:
        sheet.append([line])
    sheet.append([])
    sheet.append(HEADERS)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(name=FONT, bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="2C4A7C")
    for row in report.rows:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.font = Font(name=FONT)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABCDEFGHIJ", (6, 60, 22, 20, 18, 20, 14, 34, 10, 50)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    book.save(path)
    return path


def write_docx(report: Report, path: Path) -> Path:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    section.left_margin = section.right_margin = Cm(1.5)
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(10)
    style.element.rPr.rFonts.set(qn("w:cs"), FONT)  # Thai is "complex script" in Word
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    heading = document.add_paragraph()
    run = heading.add_run(report.title)
    run.bold, run.font.size = True, Pt(14)
    run.element.get_or_add_rPr().append(_size_cs(28))  # Thai text takes the complex-script size
    for line in report.lines:
        document.add_paragraph(line)
    columns = [0, 1, 2, 3, 4, 5, 7, 9]  # the docx leaves out operator and attempts for width
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, index in zip(table.rows[0].cells, columns):
        cell.text = HEADERS[index]
        cell.paragraphs[0].runs[0].bold = True
    for row in report.rows:
        cells = table.add_row().cells
        for cell, index in zip(cells, columns):
            cell.text = str(row[index])
    widths = (Cm(1.4), Cm(7.3), Cm(3), Cm(2.5), Cm(2.5), Cm(3), Cm(3.5), Cm(3.3))
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = width  # the grid LibreOffice reads
    for row in table.rows:  # Word reads a column's width from each of its cells
        for cell, width in zip(row.cells, widths):
            cell.width = width
    document.save(path)
    return path


def _size_cs(half_points: int):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    size = OxmlElement("w:szCs")
    size.set(qn("w:val"), str(half_points))
    return size
