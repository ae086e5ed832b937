"""The data model round-trips on both databases, migrations match the models, audit works."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from tidtam.core import models as m


def _office(session) -> m.Office:
    office = m.Office(code="T1", name="สำนักงานเขตพื้นที่การศึกษาประถมศึกษาทดสอบ เขต 1", short_name="สพป.ทดสอบ 1")
    group = m.Group(code="PLAN", name="กลุ่มนโยบายและแผน")
    office.groups.append(group)
    owner = m.Person(code="P1", prefix="นาง", first_name="สมศรี", last_name="ใจดี", group=group)
    owner.roles.append(m.PersonRole(role=m.Role.PROJECT_OWNER))
    office.people.append(owner)
    session.add(office)
    session.flush()
    return office


def test_migrations_match_models(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), m.Base.metadata)
    assert diff == []


def test_project_round_trips_with_exact_money(db):
    with db.session(actor="test") as s:
        office = _office(s)
        owner = office.people[0]
        project = m.Project(
            office_id=office.id, fiscal_year=2570, code="2570-001",
            name="โครงการส่งเสริมผู้เรียนให้มีคุณลักษณะและทักษะการเรียนรู้ในศตวรรษที่ 21",
            owner=owner, objectives=["เพื่อพัฒนาทักษะ"],
        )
        project.activities.append(m.Activity(seq=1, name="ประชุมคณะทำงาน", months=[10, 11], budget=Decimal("1234.50")))
        project.budget_lines.append(m.BudgetLine(source="obec", line="operating", amount=Decimal("1234.50")))
        project.kpis.append(m.Kpi(seq=1, name="ร้อยละของครู", kind=m.KpiKind.QUANTITATIVE, target=Decimal("80")))
        s.add(project)

    with db.session() as s:
        loaded = s.scalars(select(m.Project).where(m.Project.code == "2570-001")).one()
        assert loaded.total_budget == Decimal("1234.50")
        assert loaded.activities[0].months == [10, 11]
        assert loaded.owner.full_name == "นางสมศรี ใจดี"
        assert loaded.owner.has_role(m.Role.PROJECT_OWNER)
        assert loaded.kpis[0].kind is m.KpiKind.QUANTITATIVE
        assert loaded.objectives == ["เพื่อพัฒนาทักษะ"]


def test_every_change_is_audited_with_old_values(db):
    with db.session(actor="importer") as s:
        _office(s)
    with db.session(actor="P1") as s:
        person = s.scalars(select(m.Person)).one()
        person.last_name = "ใจงาม"
    with db.session() as s:
        entries = s.scalars(select(m.AuditEntry).order_by(m.AuditEntry.id)).all()
    inserted = {e.table_name for e in entries if e.operation == "insert"}
    assert all(e.row_id and e.row_id != "None" for e in entries)  # new rows are named by their id too
    assert {"office", "org_group", "person", "person_role"} <= inserted
    update = [e for e in entries if e.operation == "update"]
    assert len(update) == 1
    assert update[0].actor == "P1"
    assert update[0].changes["last_name"] == {"old": "ใจดี", "new": "ใจงาม"}


def test_failed_unit_of_work_leaves_database_as_it_was(db):
    import pytest

    with pytest.raises(RuntimeError):
        with db.session() as s:
            _office(s)
            raise RuntimeError("boom")
    with db.session() as s:
        assert s.scalars(select(m.Office)).all() == []
        assert s.scalars(select(m.AuditEntry)).all() == []


def test_every_foreign_key_leads_an_index(db):
    """Deleting a row makes the database look up the rows that point to it: without an index
    led by the referencing columns, deleting one office scans every office's rows."""
    from sqlalchemy import inspect

    inspector = inspect(db.engine)
    unindexed = []
    for table in inspector.get_table_names():
        leading = [inspector.get_pk_constraint(table)["constrained_columns"]]
        leading += [u["column_names"] for u in inspector.get_unique_constraints(table)]
        leading += [i["column_names"] for i in inspector.get_indexes(table)]
        for fk in inspector.get_foreign_keys(table):
            columns = fk["constrained_columns"]
            if not any(index[:len(columns)] == columns for index in leading):
                unindexed.append(f"{table}.{','.join(columns)}")
    assert unindexed == []


def test_an_office_reload_is_audited_once_per_table_not_once_per_row(db):
    """The files are the record of a reload; row by row it made audit_log most of the database."""
    import hashlib

    from sqlalchemy import func

    from tidtam.core.office_data import DEMO_DIR, OfficeFiles, load_catalogs, replace_office
    from tidtam.core.settings import config_dir

    files = OfficeFiles.in_folder(DEMO_DIR)
    with db.session(actor="init") as s:
        load_catalogs(s, config_dir() / "catalogs.yaml")
    with db.session(actor="demo") as s:
        first = replace_office(s, files)
        replaced = s.scalars(select(m.Office.id)).one()
        before = s.scalar(select(func.max(m.AuditEntry.id)))
    with db.session(actor="demo") as s:
        replace_office(s, files)
        person = s.scalars(select(m.Person).where(m.Person.code == "P001")).one()
        person.phone = "0 5300 1234"  # after the reload, in the same unit of work: audited as ever

    with db.session() as s:
        office = s.scalars(select(m.Office)).one()
        second = s.scalars(select(m.AuditEntry).where(m.AuditEntry.id > before).order_by(m.AuditEntry.id)).all()
        reload = [e for e in second if e.operation == "reload"]
        rows = {e.table_name: s.scalar(select(func.count()).select_from(m.Base.metadata.tables[e.table_name])) for e in reload}
    row_by_row = [e for e in second if e.operation != "reload"]
    assert [(e.operation, e.table_name, e.changes.get("phone")) for e in row_by_row] == [
        ("update", "person", {"old": "082-555-1037", "new": "0 5300 1234"})
    ]
    assert {e.row_id for e in reload} == {str(office.id)}
    assert {e.table_name: e.changes["insert"] for e in reload} == rows  # the whole office, one entry per table
    assert rows["project"] == first.projects and rows["project_activity"] > rows["project"]
    office_entry = next(e for e in reload if e.table_name == "office")
    assert office_entry.changes["replaced_office_id"] == replaced
    assert office_entry.changes["files"]["plan_2570.yaml"] == hashlib.sha256((DEMO_DIR / "plan_2570.yaml").read_bytes()).hexdigest()
    frame = config_dir() / "emes/frames/2570.yaml"  # the year's E-MES frame is one of the files loaded
    assert office_entry.changes["files"]["2570.yaml"] == hashlib.sha256(frame.read_bytes()).hexdigest()


def test_an_office_e_mes_file_is_checked_against_its_frame_and_nothing_is_written(db, tmp_path):
    """Owners of points the year's frame lacks, or a frame that is not there: refused with file
    and key, the database unchanged."""
    import shutil

    import pytest
    import yaml

    from tidtam.core.config import ConfigError
    from tidtam.core.office_data import DEMO_DIR, OfficeFiles, load_catalogs, replace_office
    from tidtam.core.settings import config_dir

    shutil.copy(DEMO_DIR / "office.yaml", tmp_path)
    owners = tmp_path / "emes_2570.yaml"
    with db.session() as s:
        load_catalogs(s, config_dir() / "catalogs.yaml")
    for data, says in (({"frame": "emes/frames/2570.yaml", "owners": {"1.1.1": "P009", "1.1.9": "P009"}},
                        "owners.1.1.9: ไม่มีประเด็นการพิจารณา 1.1.9 ในกรอบการประเมินปี 2570"),
                       ({"frame": "emes/frames/2599.yaml"}, "frame: ไม่พบไฟล์กรอบการประเมิน")):
        owners.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        with pytest.raises(ConfigError, match=says), db.session() as s:
            replace_office(s, OfficeFiles.in_folder(tmp_path))
        with db.session() as s:
            assert s.scalars(select(m.Office)).first() is None
