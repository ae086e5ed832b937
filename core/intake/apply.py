"""``import``: a read workbook into the database, in the caller's transaction.

Idempotent: the same file twice changes nothing. A newer file from the same owner for the
same period replaces that owner's values (the audit log keeps the old ones); an older file
than the one already imported is refused, so a late e-mail never overwrites a correction.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import models as m
from ..evidence import record_evidence, store_file
from .layouts import STATUS_CHOICES, column_letter
from .reader import IntakeError, ParsedRow, Problem, ReadWorkbook

STATUS_BY_LABEL = {label: status for status, label in m.PROGRESS_STATUS_TH.items()}
assert set(STATUS_BY_LABEL) == set(STATUS_CHOICES)


@dataclass
class ImportResult:
    path: Path
    outcome: str  # "imported" | "unchanged"
    owner: str
    period: str
    kind: str
    records: int = 0  # records that had values
    cleared: int = 0  # records emptied by this file


def import_workbook(session: Session, office: m.Office, book: ReadWorkbook, actor: str = "") -> ImportResult:
    owner = _owner(session, office, book)
    result = ImportResult(book.path, "imported", owner.full_name, book.period.id, book.layout.kind)
    last = session.scalars(
        select(m.ImportRecord)
        .where(m.ImportRecord.office_id == office.id, m.ImportRecord.owner_id == owner.id,
               m.ImportRecord.period == book.period.id, m.ImportRecord.template_kind == book.layout.kind)
        .order_by(m.ImportRecord.id.desc()).limit(1)
    ).first()
    if last is not None and last.file_sha256 == book.sha256:
        result.outcome = "unchanged"
        return result
    if last is not None and book.saved_at and last.workbook_saved_at and _naive(book.saved_at) < _naive(last.workbook_saved_at):
        _refuse(book, f"ไฟล์นี้บันทึกเมื่อ {book.saved_at:%d/%m/%Y %H:%M} เก่ากว่าฉบับที่นำเข้าแล้ว ({last.filename} บันทึกเมื่อ {last.workbook_saved_at:%d/%m/%Y %H:%M})")
    APPLIERS[book.layout.kind](session, office, owner, book, result, actor)
    session.add(m.ImportRecord(
        office_id=office.id, owner_id=owner.id, period=book.period.id, template_kind=book.layout.kind,
        filename=book.path.name, file_sha256=book.sha256, workbook_saved_at=book.saved_at, imported_by=actor,
        rows=sum(len(rows) for rows in book.sheets.values()),
    ))
    session.flush()
    return result


def _naive(moment):
    return moment.replace(tzinfo=None)


def _refuse(book: ReadWorkbook, message: str, row: ParsedRow | None = None, sheet_key: str | None = None, column_key: str | None = None) -> None:
    """Refuse the whole file, naming the sheet, row and column the problem sits in."""
    sheet = next((s for s in book.layout.sheets if s.key == sheet_key), None)
    title = sheet.sheet_title(book.period.number) if sheet else None
    letter = None
    if sheet and column_key:
        letter = column_letter(next(i for i, c in enumerate(sheet.columns) if c.key == column_key))
    raise IntakeError([Problem(book.path.name, message, title, row.excel_row if row else None, letter)])


def _owner(session: Session, office: m.Office, book: ReadWorkbook) -> m.Person:
    if book.office_code != office.code:
        _refuse(book, f"แบบรายงานนี้เป็นของสำนักงาน {book.office_code} ไม่ใช่ {office.code}")
    owner = session.scalars(select(m.Person).where(m.Person.office_id == office.id, m.Person.code == book.owner_code)).one_or_none()
    if owner is None:
        _refuse(book, f'ไม่พบผู้รับผิดชอบรหัส "{book.owner_code}" ในสำนักงาน {office.code}')
    return owner


def _set(row, **values) -> None:
    """Assign only what differs, so an unchanged value leaves no audit entry."""
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)


# --- quarterly progress ------------------------------------------------------------------


def _apply_progress(session, office, owner, book: ReadWorkbook, result: ImportResult, actor: str) -> None:
    projects = {
        p.code: p
        for p in session.scalars(
            select(m.Project).where(m.Project.office_id == office.id, m.Project.fiscal_year == book.period.fiscal_year, m.Project.owner_id == owner.id)
            .options(selectinload(m.Project.activities), selectinload(m.Project.kpis), selectinload(m.Project.budget_lines))
        )
    }
    reports = {
        r.project_id: r
        for r in session.scalars(
            select(m.ProjectProgress).where(m.ProjectProgress.project_id.in_([p.id for p in projects.values()]), m.ProjectProgress.period == book.period.id)
            .options(selectinload(m.ProjectProgress.activities), selectinload(m.ProjectProgress.kpi_results))
        )
    }
    activities = _by_project(book.sheets["activities"])
    kpis = _by_project(book.sheets["kpis"])
    evidence = []  # attached after one flush, when every report has its id
    for row in book.sheets["projects"]:
        (code,) = row.key
        project = projects.get(code)
        if project is None:
            _refuse(book, f"โครงการ {code} ไม่ได้อยู่ในความรับผิดชอบของ {owner.full_name} แล้ว กรุณาขอแบบรายงานใหม่", row, "projects", "code")
        report = reports.get(project.id)
        sub_filled = any(r.filled for r in activities.get(code, []) + kpis.get(code, []))
        if not row.filled:
            if sub_filled:
                _refuse(book, f"โครงการ {code}: กรอกกิจกรรม/ตัวชี้วัดแล้ว แต่ยังไม่เลือกสถานะการดำเนินงาน", row, "projects", "status")
            if report is not None:
                session.delete(report)
                result.cleared += 1
            continue
        disbursed = row.values["disbursed"] or Decimal("0.00")
        if disbursed > project.total_budget:
            _refuse(book, f"โครงการ {code}: เบิกจ่าย {disbursed:,.2f} บาท เกินงบประมาณ {project.total_budget:,.2f} บาท", row, "projects", "disbursed")
        if report is None:
            report = m.ProjectProgress(project=project, period=book.period.id)
            session.add(report)
        _set(report, status=STATUS_BY_LABEL[row.values["status"]], disbursed=disbursed, as_of=row.values["as_of"],
             problems=row.values["problems"] or "", reported_by_id=owner.id)
        _apply_activities(report, project, activities.get(code, []))
        _apply_kpis(report, project, kpis.get(code, []))
        evidence.append((row.values["evidence"] or [], report))
        result.records += 1
    session.flush()
    _sync_evidence(session, office, owner, "progress", evidence)


def _by_project(rows: list[ParsedRow]) -> dict[str, list[ParsedRow]]:
    grouped: dict[str, list[ParsedRow]] = {}
    for row in rows:
        grouped.setdefault(row.key[0], []).append(row)
    return grouped


def _apply_activities(report: m.ProjectProgress, project: m.Project, rows: list[ParsedRow]) -> None:
    _sync_children(
        report.activities, "activity_id", {a.seq: a for a in project.activities}, rows,
        lambda v: {"percent": v["percent"], "note": v["note"] or ""},
        lambda activity_id, **values: m.ActivityProgress(activity_id=activity_id, **values),
    )


def _apply_kpis(report: m.ProjectProgress, project: m.Project, rows: list[ParsedRow]) -> None:
    _sync_children(
        report.kpi_results, "kpi_id", {k.seq: k for k in project.kpis}, rows,
        lambda v: {"value": v["value"], "note": v["note"] or ""},
        lambda kpi_id, **values: m.KpiResult(kpi_id=kpi_id, **values),
    )


def _sync_children(children: list, id_attr: str, by_seq: dict, rows: list[ParsedRow], values_of, make) -> None:
    """Make a report's activity/KPI rows match the sheet: add, update, or drop emptied ones."""
    existing = {getattr(child, id_attr): child for child in children}
    for row in rows:
        planned = by_seq[int(row.key[1])]
        current = existing.get(planned.id)
        if not row.filled:
            if current is not None:
                children.remove(current)
            continue
        values = values_of(row.values)
        if current is None:
            children.append(make(planned.id, **values))
        else:
            _set(current, **values)


# --- E-MES and inspection results --------------------------------------------------------


def _apply_emes(session, office, owner, book: ReadWorkbook, result: ImportResult, actor: str) -> None:
    indicators = {
        i.code: i
        for i in session.scalars(
            select(m.EmesIndicator).join(m.EmesStandard)
            .where(m.EmesStandard.office_id == office.id, m.EmesStandard.fiscal_year == book.period.fiscal_year, m.EmesIndicator.owner_id == owner.id)
            .options(selectinload(m.EmesIndicator.standard))
        )
    }
    _apply_results(session, office, owner, book, result, indicators, m.EmesResult, "emes_result", lambda v: {
        "level": v["level"], "narrative": v["narrative"] or "", "links": v["links"] or [],
    })


def _apply_inspection(session, office, owner, book: ReadWorkbook, result: ImportResult, actor: str) -> None:
    indicators = {
        i.code: i
        for i in session.scalars(
            select(m.InspectionIndicator).join(m.InspectionPoint).join(m.InspectionPolicy)
            .where(m.InspectionPolicy.office_id == office.id, m.InspectionPolicy.fiscal_year == book.period.fiscal_year, m.InspectionIndicator.owner_id == owner.id)
        )
    }
    _apply_results(session, office, owner, book, result, indicators, m.InspectionResult, "inspection_result", lambda v: {
        key: (v[key] if key == "result" else v[key] or "") for key in ("result", "result_text", "problems", "suggestions", "good_practice")
    })


def _apply_results(session, office, owner, book, result, indicators, model, evidence_key, fields) -> None:
    rows = book.sheets["indicators"]
    existing = {
        r.indicator_id: r
        for r in session.scalars(select(model).where(model.indicator_id.in_([i.id for i in indicators.values()]), model.period == book.period.id))
    }
    evidence = []
    for row in rows:
        (code,) = row.key
        indicator = indicators.get(code)
        if indicator is None:
            _refuse(book, f"ตัวชี้วัด {code} ไม่ได้อยู่ในความรับผิดชอบของ {owner.full_name} แล้ว กรุณาขอแบบรายงานใหม่", row, "indicators", "code")
        current = existing.get(indicator.id)
        if not row.filled:
            if current is not None:
                session.delete(current)
                result.cleared += 1
            continue
        if current is None:
            current = model(indicator_id=indicator.id, period=book.period.id)
            session.add(current)
        _set(current, reported_by_id=owner.id, **fields(row.values))
        evidence.append((row.values["evidence"] or [], current))
        result.records += 1
    session.flush()
    _sync_evidence(session, office, owner, evidence_key, evidence)


def _sync_evidence(session, office, owner, key: str, pairs: list[tuple[list[Path], object]]) -> None:
    """Make each row's evidence equal to its listed files: add new ones, drop those no longer listed."""
    column = getattr(m.EvidenceFile, f"{key}_id")
    current: dict[int, dict] = {}
    for evidence in session.scalars(select(m.EvidenceFile).where(column.in_([row.id for _, row in pairs]))):
        current.setdefault(getattr(evidence, f"{key}_id"), {})[(evidence.filename, evidence.sha256)] = evidence
    stored: dict[Path, tuple[str, int]] = {}  # one file named on many rows is hashed once
    for paths, row in pairs:
        have = current.get(row.id, {})
        wanted = set()
        for path in paths:
            sha, size = stored.setdefault(path, store_file(path))
            wanted.add((path.name, sha))
            if (path.name, sha) not in have:
                record_evidence(session, office, path.name, sha, size, owner, **{key: row})
        for identity, evidence in have.items():
            if identity not in wanted:
                session.delete(evidence)


APPLIERS = {"progress": _apply_progress, "emes": _apply_emes, "inspection": _apply_inspection}


# --- many files ------------------------------------------------------------------------

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def expand(paths: list[Path]) -> list[Path]:
    """Files as given, and the workbooks directly inside given folders (Excel's ~$ lock files skipped)."""
    found = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in WORKBOOK_SUFFIXES and not p.name.startswith("~$")))
        else:
            found.append(path)
    return found


def import_file(db, office_of, path: Path, *, expect_period=None, rounds=None, actor: str = "") -> ImportResult:
    """Read and import one workbook in its own transaction; raises ``IntakeError`` with nothing written."""
    from .reader import read_workbook

    book = read_workbook(path, expect_period=expect_period, rounds=rounds)
    with db.session(actor=actor or f"import:{path.name}") as session:
        return import_workbook(session, office_of(session), book, actor=actor)
