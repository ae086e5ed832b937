"""``import``: a read workbook into the database, in the caller's transaction.

Idempotent: the same file twice changes nothing. A newer file from the same owner for the
same period replaces that owner's values (the audit log keeps the old ones); an older file
than the one already imported is refused, so a late e-mail never overwrites a correction.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from .. import audit
from .. import models as m
from ..evidence import evidence_values, store_file
from ..models.base import utcnow
from ..periods import thai_time
from .layouts import STATUS_CHOICES, column_letter
from .evidence import EvidenceRules
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
    cleared: int = 0  # records emptied by this file (only with allow_clear)
    warnings: list[Problem] = field(default_factory=list)  # what was not imported, or was cleared, located


@dataclass(frozen=True)
class Consent:
    """What the person importing said yes to, beyond a plain import (both off by default)."""

    replace: bool = False  # this file is the newest, whatever the saved times say or cannot say
    allow_clear: bool = False  # a row left empty removes what that row reported before


class _Clearing:
    """Rows that hold a report in the database but are empty in the file. Without consent
    each is a located refusal, so a blanked cell never deletes a report without a word."""

    def __init__(self, book: ReadWorkbook, consent: Consent):
        self.book, self.consent = book, consent
        self.refusals: list[Problem] = []
        self.notes: list[Problem] = []

    def clear(self, row: ParsedRow, sheet_key: str, what: str) -> bool:
        """Whether ``row`` may clear the report it held; notes it either way."""
        where = _where(self.book, row, sheet_key)
        if self.consent.allow_clear:
            self.notes.append(Problem(self.book.path.name, f"ล้างรายงานของ{what} แล้ว (ค่าเดิมยังอยู่ใน audit log)", *where))
            return True
        self.refusals.append(Problem(self.book.path.name,
            f"{what} มีรายงานอยู่แล้วในฐานข้อมูล แต่ในไฟล์นี้ว่างทั้งแถว — ถ้าตั้งใจยกเลิกรายงานนี้ ให้นำเข้าอีกครั้งด้วย "
            "--allow-clear ถ้าไม่ได้ตั้งใจ ให้ผู้รับผิดชอบกรอกแถวนี้แล้วส่งคืน", *where))
        return False

    def refuse_if_any(self) -> None:
        if self.refusals:
            raise IntakeError(self.refusals)


def import_workbook(session: Session, office: m.Office, book: ReadWorkbook, actor: str = "", consent: Consent = Consent()) -> ImportResult:
    owner = _owner(session, office, book)
    result = ImportResult(book.path, "imported", owner.full_name, book.period.id, book.layout.kind, warnings=list(book.warnings))
    last = _last_import(session, office.id, owner.id, book.period.id, book.layout.kind)
    if last is not None and last.file_sha256 == book.sha256:
        result.outcome = "unchanged"
        return result
    if last is not None and not consent.replace:
        _refuse_unless_newer(book, last)
    clearing = _Clearing(book, consent)
    book.kind.apply(session, office, owner, book, result, clearing)
    clearing.refuse_if_any()
    result.warnings.extend(clearing.notes)
    session.add(m.ImportRecord(
        office_id=office.id, owner_id=owner.id, period=book.period.id, template_kind=book.layout.kind,
        filename=book.path.name, file_sha256=book.sha256, workbook_saved_at=book.saved_at, imported_by=actor,
        rows=sum(len(rows) for rows in book.sheets.values()),
    ))
    session.flush()
    return result


def _last_import(session: Session, office_id: int, owner_id: int, period: str, kind: str) -> m.ImportRecord | None:
    return session.scalars(
        select(m.ImportRecord)
        .where(m.ImportRecord.office_id == office_id, m.ImportRecord.owner_id == owner_id,
               m.ImportRecord.period == period, m.ImportRecord.template_kind == kind)
        .order_by(m.ImportRecord.id.desc()).limit(1)
    ).first()


def _refuse_unless_newer(book: ReadWorkbook, last: m.ImportRecord) -> None:
    """A file replaces the owner's last import only when its own saved time says it is newer.
    When either file carries no saved time nothing can say so: the person importing decides."""
    mine, theirs = _utc(book.saved_at), _utc(last.workbook_saved_at)
    again = "ถ้าไฟล์นี้เป็นฉบับล่าสุดจริง ให้นำเข้าอีกครั้งด้วย --replace"
    if mine is not None and theirs is not None:
        if mine < theirs:
            refuse(book, f"ไฟล์นี้บันทึกเมื่อ {thai_time(mine)} เก่ากว่าฉบับที่นำเข้าแล้ว ({last.filename} บันทึกเมื่อ {thai_time(theirs)}) "
                          f"จึงไม่นำเข้า เพื่อไม่ให้ทับข้อมูลที่แก้ไขแล้ว — {again}")
        return
    which = "ไฟล์นี้" if mine is None else f"ฉบับที่นำเข้าแล้ว ({last.filename})"
    refuse(book, f"บอกไม่ได้ว่าไฟล์นี้ใหม่กว่าฉบับที่นำเข้าแล้ว ({last.filename}) หรือไม่ เพราะ{which}ไม่มีเวลาบันทึกในไฟล์ "
                  f"— {again} หรือให้ผู้รับผิดชอบเปิดไฟล์ใน Excel แล้วบันทึกใหม่")


def _utc(moment: datetime | None) -> datetime | None:
    """A stored time in UTC (SQLite gives it back without a zone)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _where(book: ReadWorkbook, row: ParsedRow | None, sheet_key: str | None, column_key: str | None = None) -> tuple:
    """(sheet title, row, column letter) of a record in the file; the first editable column
    when none is named."""
    sheet = next((s for s in book.layout.sheets if s.key == sheet_key), None)
    if sheet is None:
        return (None, None, None)
    index = next(i for i, c in enumerate(sheet.columns) if (c.key == column_key if column_key else c.editable))
    return (sheet.sheet_title(book.period.number), row.excel_row if row else None, column_letter(index) if column_key or row else None)


def refuse(book: ReadWorkbook, message: str, row: ParsedRow | None = None, sheet_key: str | None = None, column_key: str | None = None) -> None:
    """Refuse the whole file, naming the sheet, row and column the problem sits in."""
    raise IntakeError([Problem(book.path.name, message, *_where(book, row, sheet_key, column_key))])


def _owner(session: Session, office: m.Office, book: ReadWorkbook) -> m.Person:
    if book.office_code != office.code:
        refuse(book, f"แบบรายงานนี้เป็นของสำนักงาน {book.office_code} ไม่ใช่ {office.code}")
    owner = session.scalars(select(m.Person).where(m.Person.office_id == office.id, m.Person.code == book.owner_code)).one_or_none()
    if owner is None:
        refuse(book, f'ไม่พบผู้รับผิดชอบรหัส "{book.owner_code}" ในสำนักงาน {office.code}')
    return owner


def set_changed(row, **values) -> None:
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


def apply_progress(session, office, owner, book: ReadWorkbook, result: ImportResult, clearing: _Clearing) -> None:
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
            refuse(book, f"โครงการ {code} ไม่ได้อยู่ในความรับผิดชอบของ {owner.full_name} แล้ว กรุณาขอแบบรายงานใหม่", row, "projects", "code")
        report = reports.get(project_id)
        sub_filled = any(r.filled for r in activities.get(code, []) + kpis.get(code, []))
        if not row.filled:
            if sub_filled:
                refuse(book, f"โครงการ {code}: กรอกกิจกรรม/ตัวชี้วัดแล้ว แต่ยังไม่เลือกสถานะการดำเนินงาน", row, "projects", "status")
            if report is not None and clearing.clear(row, "projects", f"โครงการ {code}"):  # with its activity and KPI rows
                progress.deletes.append(report)
                activity_rows.deletes.extend(done.get(report["id"], {}).values())
                kpi_rows.deletes.extend(results.get(report["id"], {}).values())
                result.cleared += 1
            continue
        values = row.values
        disbursed = values["disbursed"] or Decimal("0.00")
        total_budget = budgets.get(project_id, Decimal("0.00"))
        if disbursed > total_budget:
            refuse(book, f"โครงการ {code}: เบิกจ่าย {disbursed:,.2f} บาท เกินงบประมาณ {total_budget:,.2f} บาท", row, "projects", "disbursed")
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
                   lambda v: {"percent": v["percent"], "note": v["note"] or ""}, lambda r: clearing.clear(r, "activities", f"กิจกรรมลำดับที่ {r.key[1]} ของโครงการ {code}"))
        _sync_rows(kpi_rows, report, "kpi_id", planned_kpis.get(project_id, {}), have_results, kpis.get(code, []),
                   lambda v: {"value": v["value"], "note": v["note"] or ""}, lambda r: clearing.clear(r, "kpis", f"ตัวชี้วัดลำดับที่ {r.key[1]} ของโครงการ {code}"))
        evidence.append((values["evidence"] or [], report))
        result.records += 1

    clearing.refuse_if_any()
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
    sync_evidence(session, office, owner, "progress", [(paths, report["id"]) for paths, report in evidence])


def _refuse_unplanned(book: ReadWorkbook, projects: dict, planned: dict, sheet_key: str, noun: str) -> None:
    """A row naming an activity or KPI the plan no longer has (the plan changed after the template)."""
    for row in book.sheets[sheet_key]:
        code, seq = row.key[0], int(row.key[1])
        if code in projects and seq not in planned.get(projects[code], {}):
            refuse(book, f"โครงการ {code} ไม่มี{noun}ลำดับที่ {seq} ในแผนแล้ว กรุณาขอแบบรายงานใหม่", row, sheet_key, "seq")


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


def _sync_rows(changes: _Changes, report: dict, id_column: str, by_seq: dict[int, int], existing: dict, rows: list[ParsedRow],
               values_of, may_clear) -> None:
    """Make a report's activity/KPI rows match the sheet: add, update, or drop emptied ones
    (when ``may_clear(row)`` allows)."""
    for row in rows:
        planned_id = by_seq[int(row.key[1])]
        current = existing.get(planned_id)
        if not row.filled:
            if current is not None and may_clear(row):
                changes.deletes.append(current)
            continue
        values = values_of(row.values)
        if current is None:
            changes.inserts.append({"report": report, id_column: planned_id, **values})
        else:
            changes.set(current, values)


# --- results per indicator (the kinds plugins add) ----------------------------------------


def apply_results(session, office, owner, book, result, clearing, indicators, noun, model, evidence_key, fields,
                  sheet: str = "indicators", link: str = "indicator_id") -> None:
    """Apply a kind whose sheet ``sheet`` has a row per record, keyed by code: one result row of
    ``model`` (its record in column ``link``) per record and period. ``indicators`` maps code →
    the owner's records, ``noun`` names one in Thai, ``fields(values)`` gives a row's columns and
    ``evidence_key`` its evidence files' link (``EvidenceFile.<key>_id``)."""
    rows, column = book.sheets[sheet], getattr(model, link)
    existing = {getattr(r, link): r for r in session.scalars(
        select(model).where(column.in_([i.id for i in indicators.values()]), model.period == book.period.id))}
    evidence = []
    for row in rows:
        (code,) = row.key
        indicator = indicators.get(code)
        if indicator is None:
            refuse(book, f"{noun} {code} ไม่ได้อยู่ในความรับผิดชอบของ {owner.full_name} แล้ว กรุณาขอแบบรายงานใหม่", row, sheet, "code")
        current = existing.get(indicator.id)
        if not row.filled:
            if current is not None and clearing.clear(row, sheet, f"{noun} {code}"):
                session.delete(current)
                result.cleared += 1
            continue
        if current is None:
            current = model(**{link: indicator.id}, period=book.period.id)
            session.add(current)
        set_changed(current, reported_by_id=owner.id, **fields(row.values))
        evidence.append((row.values["evidence"] or [], current))
        result.records += 1
    clearing.refuse_if_any()
    session.flush()
    sync_evidence(session, office, owner, evidence_key, [(paths, row.id) for paths, row in evidence])


def sync_evidence(session, office, owner, key: str, pairs: list[tuple[list[Path], int]]) -> None:
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
    files = _Changes(m.EvidenceFile)
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
                files.inserts.append({**evidence_values(office.id, path.name, sha, size, owner.id, **{column.name: row_id}), "added_at": now})
        files.deletes.extend(evidence for identity, evidence in have.items() if identity not in wanted)
    files.insert(connection)
    files.delete(connection)
    entries: list[dict] = []
    files.audit(entries, session.info.get(audit.ACTOR_KEY, ""), now)
    audit.write(session, entries)


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


def import_file(db, office_of, path: Path, *, expect_period=None, rounds=None, actor: str = "",
                evidence: EvidenceRules | None = None, consent: Consent = Consent(), kinds=None) -> ImportResult:
    """Read and import one workbook in its own transaction; raises ``IntakeError`` with nothing written.

    A file whose bytes are the owner's last import is "unchanged" without being read again."""
    from .reader import read_workbook

    sha256 = _sha256(path)
    if sha256 is not None:
        with db.session() as session:
            done = _unchanged(session, office_of(session), path, sha256, expect_period)
        if done is not None:
            return done
    book = read_workbook(path, expect_period=expect_period, rounds=rounds, evidence=evidence, kinds=kinds)
    with db.session(actor=actor or f"import:{path.name}") as session:
        return import_workbook(session, office_of(session), book, actor=actor, consent=consent)


def _sha256(path: Path) -> str | None:
    """The file's sha256, when it is a file small enough to be a workbook (the reader says why not)."""
    from .reader import MAX_FILE_BYTES

    if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _unchanged(session: Session, office: m.Office, path: Path, sha256: str, expect_period) -> ImportResult | None:
    """The result of importing these exact bytes again, when they are still their owner's last
    import for the period (and the period asked for, if any); None when the file must be read."""
    record = session.scalars(
        select(m.ImportRecord).where(m.ImportRecord.office_id == office.id, m.ImportRecord.file_sha256 == sha256)
        .order_by(m.ImportRecord.id.desc()).limit(1)
    ).first()
    if record is None or (expect_period is not None and record.period != expect_period.id):
        return None
    last = _last_import(session, office.id, record.owner_id, record.period, record.template_kind)
    if last.id != record.id:
        return None  # an older file sent again: reading it says why it is refused
    owner = session.get(m.Person, record.owner_id)
    return ImportResult(path, "unchanged", owner.full_name, record.period, record.template_kind)
