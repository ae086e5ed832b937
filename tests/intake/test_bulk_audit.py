"""The progress import writes with Core bulk statements; it must leave exactly what the ORM did.

``orm_apply_progress`` below is the ORM implementation the bulk one replaced, kept verbatim as
the reference. The same scenario (a first file inserting and updating reports, activity and
KPI rows and evidence; a newer file updating, emptying an activity, emptying a whole project,
changing its evidence list; the same file again) runs through both on identical copies of the
demo database, on SQLite and PostgreSQL, and every table and every audit row must match:
operation, table, row id and the changes themselves (only the clock values differ), but for
the one entry the ORM never wrote: an emptied activity/KPI row of a report that stays.
"""
from __future__ import annotations

import os
import sqlite3
import uuid
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.orm import selectinload

from tidtam.core import models as m
from tidtam.core.db import Database
from tidtam.core.evidence import record_evidence, store_file
from tidtam.core.intake import apply
from tidtam.core.intake.apply import STATUS_BY_LABEL, _by_project, refuse, set_changed, import_file
from tidtam.core.intake.kinds import BUILTIN, intake_kinds
from tidtam.core.periods import parse_period

from intake_helpers import evidence_bytes, set_saved_at

OWNER = "P019"  # 4 projects, 3 of them reported for 2570Q1
ACTOR = "เจ้าหน้าที่"
CLOCK_KEYS = {"created_at", "updated_at", "added_at", "imported_at"}


# --- the reference: the ORM implementation ----------------------------------------------


def orm_apply_progress(session, office, owner, book, result, clearing):  # clears whatever is emptied (allow_clear)
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
    evidence = []
    for row in book.sheets["projects"]:
        (code,) = row.key
        project = projects.get(code)
        if project is None:
            refuse(book, f"โครงการ {code} ไม่ได้อยู่ในความรับผิดชอบของ {owner.full_name} แล้ว กรุณาขอแบบรายงานใหม่", row, "projects", "code")
        report = reports.get(project.id)
        sub_filled = any(r.filled for r in activities.get(code, []) + kpis.get(code, []))
        if not row.filled:
            if sub_filled:
                refuse(book, f"โครงการ {code}: กรอกกิจกรรม/ตัวชี้วัดแล้ว แต่ยังไม่เลือกสถานะการดำเนินงาน", row, "projects", "status")
            if report is not None:
                session.delete(report)
                result.cleared += 1
            continue
        disbursed = row.values["disbursed"] or Decimal("0.00")
        if disbursed > project.total_budget:
            refuse(book, f"โครงการ {code}: เบิกจ่าย {disbursed:,.2f} บาท เกินงบประมาณ {project.total_budget:,.2f} บาท", row, "projects", "disbursed")
        if report is None:
            report = m.ProjectProgress(project=project, period=book.period.id)
            session.add(report)
        set_changed(report, status=STATUS_BY_LABEL[row.values["status"]], disbursed=disbursed, as_of=row.values["as_of"],
             problems=row.values["problems"] or "", reported_by_id=owner.id)
        _orm_children(report.activities, "activity_id", {a.seq: a for a in project.activities}, activities.get(code, []),
                      lambda v: {"percent": v["percent"], "note": v["note"] or ""},
                      lambda activity_id, **values: m.ActivityProgress(activity_id=activity_id, **values))
        _orm_children(report.kpi_results, "kpi_id", {k.seq: k for k in project.kpis}, kpis.get(code, []),
                      lambda v: {"value": v["value"], "note": v["note"] or ""},
                      lambda kpi_id, **values: m.KpiResult(kpi_id=kpi_id, **values))
        evidence.append((row.values["evidence"] or [], report))
        result.records += 1
    session.flush()
    _orm_evidence(session, office, owner, "progress", evidence)


def _orm_children(children, id_attr, by_seq, rows, values_of, make):
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
            set_changed(current, **values)


def _orm_evidence(session, office, owner, key, pairs):
    column = getattr(m.EvidenceFile, f"{key}_id")
    current = {}
    for evidence in session.scalars(select(m.EvidenceFile).where(column.in_([row.id for _, row in pairs]))):
        current.setdefault(getattr(evidence, f"{key}_id"), {})[(evidence.filename, evidence.sha256)] = evidence
    stored = {}
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


def cli(*args: str, db_url: str):
    from click.testing import CliRunner

    from tidtam.cli import main

    return CliRunner().invoke(main, ["--db", db_url, *args], catch_exceptions=False)


# --- two identical databases ------------------------------------------------------------


def _twin(db_url: str, tmp_path: Path, request) -> str:
    """A second database identical to ``db_url`` (rows and sequences)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        target = tmp_path / "twin.sqlite"
        src, dst = sqlite3.connect(url.database), sqlite3.connect(target)
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
        return f"sqlite:///{target}"
    admin = create_engine(os.environ.get("TIDTAM_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"), isolation_level="AUTOCOMMIT")
    name = f"tidtam_t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        # the CLI may keep a pooled connection open; a template database must have none
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": url.database})
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    request.addfinalizer(drop)
    return url.set(database=name).render_as_string(hide_password=False)


# --- the scenario -----------------------------------------------------------------------


def _fill(path: Path, edit) -> None:
    workbook = openpyxl.load_workbook(path)
    edit(workbook["ไตรมาส 1"], workbook["กิจกรรม"], workbook["ตัวชี้วัด"])
    workbook.save(path)


def _put(sheet, row: int, column: int, value) -> None:
    sheet.cell(row, column).value = value  # cell(row, column, None) would leave the value as it was


def _data_rows(sheet):
    return [r for r in range(4, sheet.max_row + 1) if sheet.cell(r, 1).value]


def _first_file(projects, activities, kpis):
    rows = _data_rows(projects)
    for n, r in enumerate(rows[:-1]):  # the last project stays empty (a report there is deleted)
        _put(projects, r, 4, ["อยู่ระหว่างดำเนินการ", "ดำเนินการแล้วเสร็จ", "ยังไม่เริ่ม"][n % 3])
        _put(projects, r, 5, ["1,000.50 บาท", 250, None][n % 3])
        _put(projects, r, 6, "15/12/2569" if n % 2 else None)
        _put(projects, r, 7, f"ปัญหาที่ {n}" if n % 2 else None)
    _put(projects, rows[0], 8, "หลักฐาน/a.pdf; หลักฐาน/b.jpg")
    _put(projects, rows[1], 8, "หลักฐาน/a.pdf")  # the same file on two rows: stored once
    last = projects.cell(rows[-1], 1).value
    for column in range(4, 9):
        _put(projects, rows[-1], column, None)
    for n, r in enumerate(_data_rows(activities)):
        if activities.cell(r, 1).value == last:
            _put(activities, r, 5, None)
            _put(activities, r, 6, None)
        elif n != 1:  # one activity left blank
            _put(activities, r, 5, [0, 25, "50%", "๑๐๐"][n % 4])
            _put(activities, r, 6, "ตามแผน" if n % 2 else None)
    for n, r in enumerate(_data_rows(kpis)):
        if kpis.cell(r, 1).value == last:
            _put(kpis, r, 6, None)
            _put(kpis, r, 7, None)
        else:
            _put(kpis, r, 6, [None, 80, 72.5][n % 3])
            _put(kpis, r, 7, "ยังไม่ถึงกำหนด" if n % 3 == 0 else None)


def _newer_file(projects, activities, kpis):
    rows = _data_rows(projects)
    _put(projects, rows[0], 5, 2000)
    _put(projects, rows[0], 8, "หลักฐาน/b.jpg; หลักฐาน/c.png")  # a.pdf dropped, c.png added
    emptied = projects.cell(rows[1], 1).value
    for column in range(4, 9):
        _put(projects, rows[1], column, None)
    for n, r in enumerate(_data_rows(activities)):
        if activities.cell(r, 1).value == emptied:
            _put(activities, r, 5, None)
            _put(activities, r, 6, None)
        elif n == 0:
            _put(activities, r, 5, None)  # one activity emptied: its row deleted
            _put(activities, r, 6, None)
        elif n == 1:
            _put(activities, r, 5, 10)  # the blank one filled: inserted
        elif n == 2:
            _put(activities, r, 6, "แก้ไขหมายเหตุ")
    for n, r in enumerate(_data_rows(kpis)):
        if kpis.cell(r, 1).value == emptied:
            _put(kpis, r, 6, None)
            _put(kpis, r, 7, None)
        elif n == 2:
            _put(kpis, r, 6, 90)
    # the project left empty in the first file is reported now: a new report with children
    fresh = projects.cell(rows[-1], 1).value
    _put(projects, rows[-1], 4, "อยู่ระหว่างดำเนินการ")
    _put(projects, rows[-1], 5, "3,000 บาท")
    _put(projects, rows[-1], 8, "หลักฐาน/b.jpg")
    _put(activities, next(r for r in _data_rows(activities) if activities.cell(r, 1).value == fresh), 5, 40)
    _put(kpis, next(r for r in _data_rows(kpis) if kpis.cell(r, 1).value == fresh), 7, "เริ่มเก็บข้อมูล")


def _dump(url: str) -> dict:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = {}
            for table in ("project_progress", "activity_progress", "kpi_result", "evidence_file", "intake_import"):
                rows = conn.execute(text(f"SELECT * FROM {table} ORDER BY id")).mappings().all()
                tables[table] = [{k: ("<clock>" if k in CLOCK_KEYS else v) for k, v in r.items()} for r in rows]
            audit = conn.execute(text("SELECT actor, operation, table_name, row_id, changes FROM audit_log WHERE actor = :actor ORDER BY id"), {"actor": ACTOR}).all()
    finally:
        engine.dispose()
    entries = []
    for actor, operation, table, row_id, changes in audit:
        if isinstance(changes, str):
            import json

            changes = json.loads(changes)
        changes = {k: ("<clock>" if k in CLOCK_KEYS else v) for k, v in changes.items()}
        entries.append((actor, operation, table, row_id, sorted(changes.items(), key=lambda kv: kv[0]), list(changes)))
    return {"tables": tables, "audit": sorted(entries, key=repr)}


def _import(url: str, path: Path, kinds):
    database = Database(url)
    try:
        def office_of(session):
            return session.scalars(select(m.Office).where(m.Office.code == "DEMO01")).one()

        # The scenario empties an activity and a whole project on purpose: the import is told so.
        return import_file(database, office_of, path, expect_period=parse_period("2570Q1"), actor=ACTOR,
                           consent=apply.Consent(allow_clear=True), kinds=kinds)
    finally:
        database.dispose()


@pytest.fixture
def twins(db_url, tmp_path, request):
    assert cli("demo", db_url=db_url).exit_code == 0
    return db_url, _twin(db_url, tmp_path, request)


def test_bulk_progress_import_leaves_the_same_rows_and_audit_as_the_orm(twins, tmp_path):
    reference, bulk = twins
    out = tmp_path / "out"
    assert cli("templates", "make", "--period", "2570Q1", "--kind", "progress", "--owner", OWNER, "--out", str(out), db_url=reference).exit_code == 0
    (first,) = out.glob("progress_*.xlsx")
    (out / "หลักฐาน").mkdir()
    for name in ("a.pdf", "b.jpg", "c.png"):
        (out / "หลักฐาน" / name).write_bytes(evidence_bytes(name, f"evidence {name}\n"))
    _fill(first, _first_file)
    set_saved_at(first, datetime(2027, 1, 5, 9, 0))
    second = out / "corrected.xlsx"
    second.write_bytes(first.read_bytes())
    _fill(second, _newer_file)
    set_saved_at(second, datetime(2027, 1, 8, 9, 0))

    outcomes = {}
    for url, applier in ((reference, orm_apply_progress), (bulk, apply.apply_progress)):
        kinds = {**intake_kinds(), "progress": replace(BUILTIN, apply=applier)}
        got = []
        for path in (first, second, second):
            result = _import(url, path, kinds)
            got.append((result.outcome, result.records, result.cleared, _dump(url)))
        outcomes[url] = got
    for step, (want, have) in enumerate(zip(outcomes[reference], outcomes[bulk], strict=True)):
        assert want[:3] == have[:3], step
        assert want[3]["tables"] == have[3]["tables"], step
        missing = [e for e in want[3]["audit"] if e not in have[3]["audit"]]
        extra = [e for e in have[3]["audit"] if e not in want[3]["audit"]]
        assert missing == [], step
        # The one difference, on purpose: the ORM deleted an emptied activity/KPI row of a
        # report that stays (delete-orphan) without an audit entry, since orphans are not in
        # session.deleted when after_flush runs; the bulk import logs its old values.
        kept_reports = {row["id"] for row in have[3]["tables"]["project_progress"]}
        for _, operation, table, _, changes, _ in extra:
            assert operation == "delete" and table in ("activity_progress", "kpi_result"), (step, table, operation)
            assert dict(changes)["progress_id"] in kept_reports, step
        assert len(extra) == (1 if step else 0), (step, extra)  # the activity emptied by the newer file
    # the scenario really covers inserts, updates and deletes of every kind
    audit = outcomes[bulk][-1][3]["audit"]
    kinds = {(operation, table) for _, operation, table, *_ in audit}
    for table in ("project_progress", "activity_progress", "kpi_result"):
        assert {("insert", table), ("update", table), ("delete", table)} <= kinds, table
    assert {("insert", "evidence_file"), ("delete", "evidence_file")} <= kinds
    assert ("delete", "evidence_file") in {(operation, table) for _, operation, table, *_ in outcomes[bulk][1][3]["audit"]}
    assert outcomes[bulk][1][0] == "imported" and outcomes[bulk][2][0] == "unchanged"
