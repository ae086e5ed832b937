"""``import``: a read workbook into the database, in the caller's transaction.

Idempotent: the same file twice changes nothing. A newer file from the same owner for the
same period replaces that owner's values (the audit log keeps the old ones); an older file
than the one already imported is refused, so a late e-mail never overwrites a correction.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session, selectinload

from .. import audit
from .. import models as m
from ..evidence import evidence_values, store_file
from ..models.base import utcnow
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
#
# Plain Python against what the database holds, written with Core bulk statements in the
# caller's transaction: 10,000 rows as ORM objects cost more than reading the workbook.
# What is written, and every audit entry, is what the ORM unit of work wrote (see
# tests/intake/test_bulk_audit.py, which keeps the ORM implementation as the reference).

PP, AP, KR = m.ProjectProgress.__table__, m.ActivityProgress.__table__, m.KpiResult.__table__
EF = m.EvidenceFile.__table__


class _Changes:
    """Rows to insert, update and delete in one table, and their audit entries."""

    def __init__(self, model):
        self.model, self.table = model, model.__table__
        self.inserts: list[dict] = []
        self.updates: list[tuple[int, dict]] = []  # (id, {column: (old, new)})
        self.deletes: list = []  # the rows as selected (all columns)

    def set(self, row, values: dict) -> None:
        """Like ``_set`` on an ORM object: only what differs is an update."""
        changes = {key: (row[key], value) for key, value in values.items() if row[key] != value}
        if changes:
            self.updates.append((row["id"], changes))

    def insert(self, connection, extra: dict | None = None) -> None:
        """Insert ``inserts`` in order; each dict gets its ``id`` (RETURNING, parameter order)."""
        if not self.inserts:
            return
        rows = [{**extra, **row} for row in self.inserts] if extra else self.inserts
        ids = connection.execute(insert(self.table).returning(self.table.c.id, sort_by_parameter_order=True), rows).scalars().all()
        for row, new_id in zip(self.inserts, ids, strict=True):
            row["id"] = new_id

    def update(self, connection, extra: dict | None = None) -> None:
        """One executemany per set of changed columns."""
        groups: dict[tuple[str, ...], list[dict]] = {}
        for row_id, changes in self.updates:
            params = {f"new_{key}": new for key, (_, new) in changes.items()}
            params["row_id"] = row_id
            groups.setdefault(tuple(changes), []).append(params)
        for keys, params in groups.items():
            values = {key: bindparam(f"new_{key}") for key in keys}
            connection.execute(update(self.table).where(self.table.c.id == bindparam("row_id")).values(**values, **(extra or {})), params)

    def delete(self, connection) -> None:
        if self.deletes:
            connection.execute(delete(self.table).where(self.table.c.id == bindparam("row_id")), [{"row_id": row["id"]} for row in self.deletes])

    def audit(self, rows: list[dict], actor: str, at) -> None:
        name = self.table.name
        rows.extend(audit.entry("insert", name, str(values.get("id", "")), audit.all_values(self.model, values), actor=actor, at=at) for values in self.inserts)
        rows.extend(audit.entry("update", name, str(row_id), audit.changed_values(self.model, changes), actor=actor, at=at) for row_id, changes in self.updates)
        rows.extend(audit.entry("delete", name, str(row["id"]), audit.all_values(self.model, row), actor=actor, at=at) for row in self.deletes)


def _apply_progress(session, office, owner, book: ReadWorkbook, result: ImportResult, actor: str) -> None:
    connection = session.connection()
    period = book.period.id
    owned = select(m.Project.id).where(m.Project.office_id == office.id, m.Project.fiscal_year == book.period.fiscal_year, m.Project.owner_id == owner.id)
    projects = dict(connection.execute(select(m.Project.code, m.Project.id).where(m.Project.id.in_(owned))).all())
    budgets: dict[int, Decimal] = {}
    for project_id, amount in connection.execute(select(m.BudgetLine.project_id, m.BudgetLine.amount).where(m.BudgetLine.project_id.in_(owned))):
        budgets[project_id] = budgets.get(project_id, Decimal("0.00")) + amount
    planned_activities = _planned(connection, m.Activity, owned)
    planned_kpis = _planned(connection, m.Kpi, owned)
    report_ids = select(PP.c.id).where(PP.c.project_id.in_(owned), PP.c.period == period)
    reports = {row["project_id"]: row for row in connection.execute(select(PP).where(PP.c.id.in_(report_ids))).mappings()}
    done = _children(connection, AP, "activity_id", report_ids)
    results = _children(connection, KR, "kpi_id", report_ids)

    activities = _by_project(book.sheets["activities"])
    kpis = _by_project(book.sheets["kpis"])
    _refuse_unplanned(book, projects, planned_activities, "activities", "กิจกรรม")
    _refuse_unplanned(book, projects, planned_kpis, "kpis", "ตัวชี้วัด")
    now = utcnow()
    progress, activity_rows, kpi_rows = _Changes(m.ProjectProgress), _Changes(m.ActivityProgress), _Changes(m.KpiResult)
    evidence = []  # (paths, the report's row: selected, or to insert and given its id)
    for row in book.sheets["projects"]:
        (code,) = row.key
        project_id = projects.get(code)
        if project_id is None:
            _refuse(book, f"โครงการ {code} ไม่ได้อยู่ในความรับผิดชอบของ {owner.full_name} แล้ว กรุณาขอแบบรายงานใหม่", row, "projects", "code")
        report = reports.get(project_id)
        sub_filled = any(r.filled for r in activities.get(code, []) + kpis.get(code, []))
        if not row.filled:
            if sub_filled:
                _refuse(book, f"โครงการ {code}: กรอกกิจกรรม/ตัวชี้วัดแล้ว แต่ยังไม่เลือกสถานะการดำเนินงาน", row, "projects", "status")
            if report is not None:  # the report goes, with its activity and KPI rows
                progress.deletes.append(report)
                activity_rows.deletes.extend(done.get(report["id"], {}).values())
                kpi_rows.deletes.extend(results.get(report["id"], {}).values())
                result.cleared += 1
            continue
        values = row.values
        disbursed = values["disbursed"] or Decimal("0.00")
        total_budget = budgets.get(project_id, Decimal("0.00"))
        if disbursed > total_budget:
            _refuse(book, f"โครงการ {code}: เบิกจ่าย {disbursed:,.2f} บาท เกินงบประมาณ {total_budget:,.2f} บาท", row, "projects", "disbursed")
        reported = {"status": STATUS_BY_LABEL[values["status"]], "disbursed": disbursed, "as_of": values["as_of"],
                    "problems": values["problems"] or "", "reported_by_id": owner.id}
        if report is None:
            report = {"project_id": project_id, "period": period, **reported, "created_at": now, "updated_at": now}
            progress.inserts.append(report)
            have_done, have_results = {}, {}
        else:
            progress.set(report, reported)
            have_done, have_results = done.get(report["id"], {}), results.get(report["id"], {})
        _sync_rows(activity_rows, report, "activity_id", planned_activities.get(project_id, {}), have_done, activities.get(code, []),
                   lambda v: {"percent": v["percent"], "note": v["note"] or ""})
        _sync_rows(kpi_rows, report, "kpi_id", planned_kpis.get(project_id, {}), have_results, kpis.get(code, []),
                   lambda v: {"value": v["value"], "note": v["note"] or ""})
        evidence.append((values["evidence"] or [], report))
        result.records += 1

    # Everything checked: write. New reports first, for the ids their rows point to.
    progress.insert(connection)
    for child in activity_rows.inserts + kpi_rows.inserts:
        child["progress_id"] = child.pop("report")["id"]
    for changes in (activity_rows, kpi_rows):
        changes.insert(connection)
        changes.update(connection)
    progress.update(connection, {"updated_at": now})  # the column's onupdate, as a flush sets it
    for changes in (activity_rows, kpi_rows, progress):
        changes.delete(connection)  # a report's evidence rows go with it (ON DELETE CASCADE)
    entries: list[dict] = []
    actor_name = session.info.get(audit.ACTOR_KEY, "")
    for changes in (progress, activity_rows, kpi_rows):
        changes.audit(entries, actor_name, now)
    audit.write(session, entries)
    _sync_evidence(session, office, owner, "progress", [(paths, report["id"]) for paths, report in evidence])


def _refuse_unplanned(book: ReadWorkbook, projects: dict, planned: dict, sheet_key: str, noun: str) -> None:
    """A row naming an activity or KPI the plan no longer has (the plan changed after the template)."""
    for row in book.sheets[sheet_key]:
        code, seq = row.key[0], int(row.key[1])
        if code in projects and seq not in planned.get(projects[code], {}):
            _refuse(book, f"โครงการ {code} ไม่มี{noun}ลำดับที่ {seq} ในแผนแล้ว กรุณาขอแบบรายงานใหม่", row, sheet_key, "seq")


def _planned(connection, model, owned) -> dict[int, dict[int, int]]:
    """``{project_id: {seq: id}}`` of a project's activities or KPIs."""
    by_project: dict[int, dict[int, int]] = {}
    for project_id, seq, item_id in connection.execute(select(model.project_id, model.seq, model.id).where(model.project_id.in_(owned)).order_by(model.seq)):
        by_project.setdefault(project_id, {})[seq] = item_id
    return by_project


def _children(connection, table, id_column: str, report_ids) -> dict[int, dict[int, dict]]:
    """``{progress_id: {activity_id or kpi_id: row}}`` of the period's reports."""
    by_report: dict[int, dict[int, dict]] = {}
    for row in connection.execute(select(table).where(table.c.progress_id.in_(report_ids)).order_by(table.c.id)).mappings():
        by_report.setdefault(row["progress_id"], {})[row[id_column]] = row
    return by_report


def _by_project(rows: list[ParsedRow]) -> dict[str, list[ParsedRow]]:
    grouped: dict[str, list[ParsedRow]] = {}
    for row in rows:
        grouped.setdefault(row.key[0], []).append(row)
    return grouped


def _sync_rows(changes: _Changes, report: dict, id_column: str, by_seq: dict[int, int], existing: dict, rows: list[ParsedRow], values_of) -> None:
    """Make a report's activity/KPI rows match the sheet: add, update, or drop emptied ones."""
    for row in rows:
        planned_id = by_seq[int(row.key[1])]
        current = existing.get(planned_id)
        if not row.filled:
            if current is not None:
                changes.deletes.append(current)
            continue
        values = values_of(row.values)
        if current is None:
            changes.inserts.append({"report": report, id_column: planned_id, **values})
        else:
            changes.set(current, values)


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
    _sync_evidence(session, office, owner, evidence_key, [(paths, row.id) for paths, row in evidence])


def _sync_evidence(session, office, owner, key: str, pairs: list[tuple[list[Path], int]]) -> None:
    """Make each row's evidence equal to its listed files: add new ones, drop those no longer
    listed. ``pairs``: (listed files, result row id). Core statements, audited like the ORM."""
    column = EF.c[f"{key}_id"]
    current: dict[int, dict] = {}
    ids = [row_id for _, row_id in pairs]
    connection = session.connection()
    for start in range(0, len(ids), 500):
        for evidence in connection.execute(select(EF).where(column.in_(ids[start:start + 500])).order_by(EF.c.id)).mappings():
            current.setdefault(evidence[column.name], {})[(evidence["filename"], evidence["sha256"])] = evidence
    stored: dict[Path, tuple[str, int]] = {}  # one file named on many rows is hashed once
    added, dropped = [], []
    now = utcnow()
    for paths, row_id in pairs:
        have = current.get(row_id, {})
        wanted = set()
        for path in paths:
            if path not in stored:
                stored[path] = store_file(path)
            sha, size = stored[path]
            wanted.add((path.name, sha))
            if (path.name, sha) not in have:
                added.append({**evidence_values(office.id, path.name, sha, size, owner.id, **{column.name: row_id}), "added_at": now})
        dropped.extend(evidence for identity, evidence in have.items() if identity not in wanted)
    if added:
        new_ids = connection.execute(insert(EF).returning(EF.c.id, sort_by_parameter_order=True), added).scalars().all()
        for row, new_id in zip(added, new_ids, strict=True):
            row["id"] = new_id
    if dropped:
        connection.execute(delete(EF).where(EF.c.id == bindparam("row_id")), [{"row_id": row["id"]} for row in dropped])
    actor = session.info.get(audit.ACTOR_KEY, "")
    audit.write(session, [audit.entry("insert", EF.name, str(row["id"]), audit.all_values(m.EvidenceFile, row), actor=actor, at=now) for row in added]
                + [audit.entry("delete", EF.name, str(row["id"]), audit.all_values(m.EvidenceFile, row), actor=actor, at=now) for row in dropped])


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
