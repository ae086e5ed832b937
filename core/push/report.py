"""The unit's summary of a push (Thai, xlsx and docx): what was sent, when, by whom, the remote
ids, and what failed — from the ledger alone, so it can be written any time after a push."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from ..models import Approval, Office, Project, Submission
from ..periods import thai_time

HEADERS = ["ลำดับ", "รายการ", "การดำเนินการ", "สถานะ", "เลขที่ในระบบปลายทาง", "ส่งเมื่อ", "ผู้ส่ง", "ผู้อนุมัติ",
           "จำนวนครั้งที่ส่ง", "ข้อผิดพลาด"]


@dataclass
class Report:
    title: str
    lines: list[str]
    rows: list[list]
    approval_hashes: list[str] = field(default_factory=list)  # for the audit note at the end, not the header


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
        rows.append([n, names.get(s.record_key, s.record_key), titles.get(s.action, s.action), s.state.th,
                     s.remote_id or "-", thai_time(s.submitted_at), s.submitted_by or "-",
                     f"{approval.approved_by} ({thai_time(approval.approved_at)})" if approval else "-", s.attempts,
                     s.last_error or ""])
    sent = sum(1 for s in subs if s.state.value == "submitted")
    failed = sum(1 for s in subs if s.state.value in ("failed", "unknown"))
    live = [a for a in approvals.values() if a.voided_at is None]
    lines = [f"{office.name}",
             f"{target_title} · {period.label_th()}",
             f"ส่งสำเร็จและอ่านกลับตรงกัน {sent} รายการ จากทั้งหมด {len(subs)} รายการ · ล้มเหลว/ไม่แน่ใจ {failed} รายการ",
             *(f"อนุมัติโดย {a.approved_by} เมื่อ {thai_time(a.approved_at)}" for a in live),
             f"จัดทำรายงานเมื่อ {thai_time(datetime.now(timezone.utc))}"]
    return Report(f"สรุปผลการส่งข้อมูลเข้าระบบ {target_title} {period.label_th()}", lines, rows,
                  [a.payload_set_hash for a in live])


def write_xlsx(report: Report, path: Path) -> Path:
    """The summary lines above the table; the table's header row repeats on every printed page."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from ..reports import officedoc as od

    book = Workbook()
    sheet = book.active
    sheet.title = "สรุปการส่ง"
    sheet.append([report.title])
    sheet["A1"].font = od.XLSX_TITLE
    for line in report.lines:
        sheet.append([line])
        sheet.cell(sheet.max_row, 1).font = od.XLSX_FONT
    sheet.append([])
    sheet.append(HEADERS)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(name=od.FONT_BY_NAME, size=od.XLSX_PT, bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="2C4A7C")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in report.rows:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.font = od.XLSX_FONT
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [od.fitting_width(header, width) for header, width in zip(HEADERS, (6, 48, 18, 14, 14, 18, 12, 30, 8, 36))]
    for column, width in zip("ABCDEFGHIJ", widths):
        sheet.column_dimensions[column].width = width
    od.fit_rows(sheet, header_row, widths)
    for row in range(1, header_row):
        sheet.row_dimensions[row].height = od.row_height(1, od.BODY_PT if row == 1 else od.XLSX_PT)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    od.print_setup(sheet, title=report.title, title_rows=f"{header_row}:{header_row}")
    for digest in report.approval_hashes:  # below the table: an audit detail, not a heading
        sheet.append([])
        sheet.append([f"ค่าแฮชของชุดข้อมูลที่อนุมัติ: {digest}"])
        sheet.cell(sheet.max_row, 1).font = od.XLSX_FONT
    book.save(path)
    return path


DOCX_HEADERS = ["ที่", "รหัส", "โครงการ", "การดำเนินการ", "สถานะ", "เลขที่\nในระบบ", "ส่งเมื่อ", "ข้อผิดพลาด"]
_CODE = re.compile(r"^(\d{4}-\d{3}) (.*)$", re.S)


def _docx_row(row: list) -> list[str]:
    """A ledger row as the docx shows it: the project code apart (Arabic digits, as people type
    it), the operator and attempts left to the xlsx."""
    number, record, action, state, remote_id, sent_at, _operator, _approver, _attempts, error = row
    code, name = _CODE.match(record).groups() if _CODE.match(record) else ("", record)
    return [str(number), code, name, action, state, remote_id, sent_at, error or "-"]


def write_docx(report: Report, path: Path) -> Path:
    """A4 landscape in the office style (a wide table), its font embedded."""
    from datetime import date

    from ..reports import officedoc as od

    doc = od.new_document(landscape=True, title=report.title, author=report.lines[0] if report.lines else "")
    od.title(doc, report.title)
    for line in report.lines:
        od.para(doc, line, align=od.CENTER if line is report.lines[0] else None)
    od.para(doc)
    od.table(doc, DOCX_HEADERS, [_docx_row(row) for row in report.rows], arabic_columns=[1, 5],
             align=[od.CENTER, od.CENTER, od.LEFT, od.LEFT, od.CENTER, od.CENTER, od.CENTER, od.LEFT])
    for digest in report.approval_hashes:
        od.para(doc)
        od.para(doc, f"ค่าแฮชของชุดข้อมูลที่อนุมัติ (ใช้ตรวจว่าข้อมูลที่ส่งตรงกับที่อนุมัติ): {digest}",
                thai_digits=False)
    return od.save_docx(doc, path, date.today())
