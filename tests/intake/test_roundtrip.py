"""Templates out and back in: round trip, idempotence, newer/older files, evidence, completeness."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from tidtam.cli import main
from tidtam.core import models as m
from tidtam.cli_errors import ExitCode
from tidtam.core.db import Database
from tidtam.core.evidence import stored_path

from intake_helpers import fill, row_of, set_saved_at

OWNER = "P014"  # a demo project owner with several projects


def run(db_url, *args):
    return CliRunner().invoke(main, ["--db", db_url, *args], catch_exceptions=False)


@pytest.fixture
def office_db(db_url):
    assert run(db_url, "demo").exit_code == 0
    database = Database(db_url)
    yield db_url, database
    database.dispose()


def make(db_url, tmp_path, period="2570Q1", owner=OWNER, kind=None) -> Path:
    args = ["templates", "make", "--period", period, "--owner", owner, "--out", str(tmp_path / "out"), "--json"]
    result = run(db_url, *args, *(["--kind", kind] if kind else []))
    assert result.exit_code == 0, result.output
    (made,) = json.loads(result.stdout)
    return Path(made["path"])


def _owner_projects(database, owner=OWNER):
    with database.session() as s:
        person = s.scalars(select(m.Person).where(m.Person.code == owner)).one()
        return person, s.scalars(select(m.Project).where(m.Project.owner_id == person.id).order_by(m.Project.code)).all()


def _progress(database, code, period="2570Q1"):
    with database.session() as s:
        return s.scalars(
            select(m.ProjectProgress).join(m.Project).where(m.Project.code == code, m.ProjectProgress.period == period)
        ).one_or_none()


def _audit_count(database):
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(m.AuditEntry))


def test_template_is_the_owners_own_with_only_input_cells_unlocked(office_db, tmp_path):
    db_url, database = office_db
    path = make(db_url, tmp_path)
    person, projects = _owner_projects(database)
    assert path.name == f"progress_2570Q1_{person.prefix}{person.first_name}_{person.last_name}.xlsx"
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["ไตรมาส 1", "กิจกรรม", "ตัวชี้วัด", "_tidtam", "_tidtam_rows"]
    assert workbook["_tidtam"].sheet_state == "veryHidden"
    meta = {row[0].value: row[1].value for row in workbook["_tidtam"].iter_rows()}
    assert meta["template_id"] == "tidtam.progress" and meta["period"] == "2570Q1" and meta["owner"] == OWNER
    sheet = workbook["ไตรมาส 1"]
    assert [sheet.cell(r, 1).value for r in range(4, 4 + len(projects))] == [p.code for p in projects]
    assert sheet.protection.sheet
    assert sheet["A4"].protection.locked and sheet["B4"].protection.locked
    assert not sheet["D4"].protection.locked and not sheet["E4"].protection.locked
    assert sheet["B4"].font.name == "TH Sarabun New"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4 and sheet.page_setup.orientation == "landscape"
    status_rule = next(dv for dv in sheet.data_validations.dataValidation if str(dv.sqref).startswith("D4"))
    assert status_rule.formula1 == '"ยังไม่เริ่ม,อยู่ระหว่างดำเนินการ,ดำเนินการแล้วเสร็จ,ยกเลิก"'
    assert status_rule.prompt and status_rule.type == "list"
    # the date rule the owner sees is the one the import applies: inside the quarter
    date_rule = next(dv for dv in sheet.data_validations.dataValidation if str(dv.sqref).startswith("F4"))
    assert (date_rule.formula1, date_rule.formula2) == ("DATE(2026,10,1)", "DATE(2026,12,31)")
    assert date_rule.error == "วันที่ต้องอยู่ในไตรมาสที่ 1 ปีงบประมาณ 2570 (1 ต.ค. 69 – 31 ธ.ค. 69)"
    assert "ภายในไตรมาสที่ 1 ปีงบประมาณ 2570 เช่น 31/12/2569" in date_rule.prompt


def test_import_reads_what_people_type_then_a_second_import_changes_nothing(office_db, tmp_path):
    db_url, database = office_db
    path = make(db_url, tmp_path)
    _, projects = _owner_projects(database)
    code = projects[0].code
    row = row_of(path, "ไตรมาส 1", code)
    activity_row = row_of(path, "กิจกรรม", code, 1)
    fill(path, {
        ("ไตรมาส 1", f"D{row}"): " อยู่ระหว่างดำเนินการ\u200b",
        ("ไตรมาส 1", f"E{row}"): "๑,๒๓๔.๕๐ บาท",
        ("ไตรมาส 1", f"F{row}"): "31 ธ.ค. 69",
        ("ไตรมาส 1", f"G{row}"): "งบประมาณ\u200bล่าช้า  ",
        ("กิจกรรม", f"E{activity_row}"): "50%",
    })
    result = run(db_url, "import", str(path), "--by", "นางสาวทดสอบ")
    assert result.exit_code == 0, result.output
    report = _progress(database, code)
    assert report.status is m.ProgressStatus.IN_PROGRESS
    assert report.disbursed == Decimal("1234.50")
    assert report.as_of == date(2026, 12, 31)
    assert report.problems == "งบประมาณล่าช้า"
    assert {a.percent for a in _activities(database, report)} >= {Decimal("50")}

    audit_before = _audit_count(database)
    again = run(db_url, "import", str(path))
    assert again.exit_code == 0 and "ไม่มีการเปลี่ยนแปลง" in again.output
    assert _audit_count(database) == audit_before


def _activities(database, report):
    with database.session() as s:
        return s.scalars(select(m.ActivityProgress).where(m.ActivityProgress.progress_id == report.id)).all()


def test_newer_file_replaces_values_and_the_audit_log_keeps_the_old(office_db, tmp_path):
    db_url, database = office_db
    first = make(db_url, tmp_path)
    _, projects = _owner_projects(database)
    code = projects[0].code
    row = row_of(first, "ไตรมาส 1", code)
    fill(first, {("ไตรมาส 1", f"D{row}"): "อยู่ระหว่างดำเนินการ", ("ไตรมาส 1", f"E{row}"): 1000})
    set_saved_at(first, datetime(2027, 1, 5, 9, 0))
    second = fill(first, {("ไตรมาส 1", f"E{row}"): 2500.5}, save_as=tmp_path / "corrected.xlsx")
    set_saved_at(second, datetime(2027, 1, 8, 9, 0))

    assert run(db_url, "import", str(first)).exit_code == 0
    assert run(db_url, "import", str(second)).exit_code == 0
    assert _progress(database, code).disbursed == Decimal("2500.50")
    with database.session() as s:
        updates = s.scalars(select(m.AuditEntry).where(m.AuditEntry.table_name == "project_progress", m.AuditEntry.operation == "update")).all()
    assert any(u.changes.get("disbursed") == {"old": "1000.00", "new": "2500.50"} for u in updates)

    late = run(db_url, "import", str(first))  # the first e-mail arrives again, after the correction
    assert late.exit_code == ExitCode.BAD_DATA
    assert "เก่ากว่าฉบับที่นำเข้าแล้ว" in late.output
    assert _progress(database, code).disbursed == Decimal("2500.50")


def _saved_and_unsaved(db_url, database, tmp_path):
    """Two files of one owner: ``timed`` with its own saved time, ``untimed`` with none."""
    from intake_helpers import drop_saved_at

    timed = make(db_url, tmp_path)
    _, projects = _owner_projects(database)
    code = projects[0].code
    row = row_of(timed, "ไตรมาส 1", code)
    fill(timed, {("ไตรมาส 1", f"D{row}"): "อยู่ระหว่างดำเนินการ", ("ไตรมาส 1", f"E{row}"): 1000})
    set_saved_at(timed, datetime(2027, 1, 5, 2, 0))  # 09:00 in Thailand
    untimed = fill(timed, {("ไตรมาส 1", f"E{row}"): 2000}, save_as=tmp_path / "ไม่มีเวลาบันทึก.xlsx")
    drop_saved_at(untimed)
    return code, timed, untimed


def test_a_file_without_saved_time_never_counts_as_newer_by_itself(office_db, tmp_path):
    db_url, database = office_db
    code, timed, untimed = _saved_and_unsaved(db_url, database, tmp_path)
    assert run(db_url, "import", str(timed)).exit_code == 0
    refused = run(db_url, "import", str(untimed))
    assert refused.exit_code == ExitCode.BAD_DATA
    assert f"{untimed.name}: บอกไม่ได้ว่าไฟล์นี้ใหม่กว่าฉบับที่นำเข้าแล้ว ({timed.name})" in refused.output
    assert "--replace" in refused.output and _progress(database, code).disbursed == Decimal("1000.00")
    replaced = run(db_url, "import", str(untimed), "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert _progress(database, code).disbursed == Decimal("2000.00")


def test_a_file_after_one_without_saved_time_is_not_judged_by_the_import_time(office_db, tmp_path):
    """The import time never stands in for a saved time: a later file with a time of its own
    is neither refused as older nor quoted against the moment of the last import."""
    db_url, database = office_db
    code, timed, untimed = _saved_and_unsaved(db_url, database, tmp_path)
    assert run(db_url, "import", str(untimed)).exit_code == 0
    asked = run(db_url, "import", str(timed))
    assert asked.exit_code == ExitCode.BAD_DATA
    assert f"เพราะฉบับที่นำเข้าแล้ว ({untimed.name})ไม่มีเวลาบันทึกในไฟล์" in asked.output
    assert "เก่ากว่า" not in asked.output and f"{date.today():%d/%m/%Y}" not in asked.output
    assert run(db_url, "import", str(timed), "--replace").exit_code == 0
    assert _progress(database, code).disbursed == Decimal("1000.00")


def test_an_older_file_is_refused_quoting_both_saved_times_in_thai_time_and_taken_when_asked(office_db, tmp_path):
    db_url, database = office_db
    first = make(db_url, tmp_path)
    _, projects = _owner_projects(database)
    code = projects[0].code
    row = row_of(first, "ไตรมาส 1", code)
    fill(first, {("ไตรมาส 1", f"D{row}"): "อยู่ระหว่างดำเนินการ", ("ไตรมาส 1", f"E{row}"): 1000})
    set_saved_at(first, datetime(2027, 1, 5, 2, 0))
    second = fill(first, {("ไตรมาส 1", f"E{row}"): 3000}, save_as=tmp_path / "แก้ไข.xlsx")
    set_saved_at(second, datetime(2027, 1, 8, 3, 30))
    assert run(db_url, "import", str(second)).exit_code == 0
    late = run(db_url, "import", str(first))
    assert late.exit_code == ExitCode.BAD_DATA
    assert f"ไฟล์นี้บันทึกเมื่อ 5 ม.ค. 70 09:00\u00a0น. เก่ากว่าฉบับที่นำเข้าแล้ว ({second.name} บันทึกเมื่อ 8 ม.ค. 70 10:30\u00a0น.)" in late.output
    assert run(db_url, "import", str(first), "--replace").exit_code == 0
    assert _progress(database, code).disbursed == Decimal("1000.00")


def test_an_unchanged_file_is_not_read_again(office_db, tmp_path, monkeypatch):
    db_url, database = office_db
    path = make(db_url, tmp_path)
    assert run(db_url, "import", str(path)).exit_code == 0
    from tidtam.core.intake import reader

    def must_not_read(*args, **kwargs):
        raise AssertionError("an unchanged file was read and checked again")

    monkeypatch.setattr(reader, "read_workbook", must_not_read)
    again = run(db_url, "import", str(path))
    assert again.exit_code == 0 and "ไม่มีการเปลี่ยนแปลง (นำเข้าแล้ว)" in again.output
    # ... but asked for another period, the file is read and refused as before
    monkeypatch.undo()
    other = run(db_url, "import", str(path), "--period", "2570Q2")
    assert other.exit_code == ExitCode.BAD_DATA and "เป็นของ 2570Q1 ไม่ใช่ 2570Q2" in other.output


def test_emptied_row_removes_the_report_only_when_asked_and_audit_keeps_it(office_db, tmp_path):
    db_url, database = office_db
    path = make(db_url, tmp_path)
    _, projects = _owner_projects(database)
    reported = next(p.code for p in projects if _progress(database, p.code) is not None)
    row = row_of(path, "ไตรมาส 1", reported)
    cells = {("ไตรมาส 1", f"{col}{row}"): None for col in "DEFGH"}
    workbook = openpyxl.load_workbook(path)
    for sheet in ("กิจกรรม", "ตัวชี้วัด"):
        for r in workbook[sheet].iter_rows(min_row=4):
            if r[0].value == reported:
                for c in r:
                    if not c.protection.locked:
                        cells[(sheet, c.coordinate)] = None
    fill(path, cells)
    kept = run(db_url, "import", str(path))  # a blanked row may be an accident: refused, named
    assert kept.exit_code == ExitCode.BAD_DATA
    assert f"{path.name} › ไตรมาส 1 › แถว {row} › คอลัมน์ D: โครงการ {reported} มีรายงานอยู่แล้ว" in kept.output
    assert "--allow-clear" in kept.output and _progress(database, reported) is not None
    cleared = run(db_url, "import", str(path), "--allow-clear")
    assert cleared.exit_code == 0, cleared.output
    assert f"⚠ {path.name} › ไตรมาส 1 › แถว {row} › คอลัมน์ D: ล้างรายงานของโครงการ {reported} แล้ว" in cleared.output
    assert _progress(database, reported) is None
    with database.session() as s:
        deleted = s.scalars(select(m.AuditEntry).where(m.AuditEntry.table_name == "project_progress", m.AuditEntry.operation == "delete")).all()
    assert len(deleted) == 1 and deleted[0].changes["status"]


def test_evidence_is_copied_by_sha256_once_and_follows_the_list(office_db, tmp_path):
    db_url, database = office_db
    path = make(db_url, tmp_path)
    (path.parent / "หลักฐาน").mkdir()
    photo = path.parent / "หลักฐาน" / "ภาพกิจกรรม.jpg"
    photo.write_bytes(b"\xff\xd8\xff demo photo")
    _, projects = _owner_projects(database)
    row = row_of(path, "ไตรมาส 1", projects[0].code)
    fill(path, {("ไตรมาส 1", f"D{row}"): "อยู่ระหว่างดำเนินการ", ("ไตรมาส 1", f"H{row}"): "หลักฐาน/ภาพกิจกรรม.jpg"})
    assert run(db_url, "import", str(path)).exit_code == 0
    with database.session() as s:
        (evidence,) = s.scalars(select(m.EvidenceFile)).all()
    assert evidence.filename == "ภาพกิจกรรม.jpg" and evidence.media_type == "image/jpeg"
    assert stored_path(evidence.sha256).read_bytes() == photo.read_bytes()

    fill(path, {("ไตรมาส 1", f"G{row}"): "แก้ไขข้อความ"})  # a newer file, same evidence
    assert run(db_url, "import", str(path)).exit_code == 0
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(m.EvidenceFile)) == 1
    fill(path, {("ไตรมาส 1", f"H{row}"): None})
    assert run(db_url, "import", str(path)).exit_code == 0
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(m.EvidenceFile)) == 0


def test_ranked_works_round_trip_in_rank_order_with_report_files_and_video_links(office_db, tmp_path):
    """A works point's owner fills five ranked rows (title, report file, video link). A gap in the
    ranks or a video link that is no web address is refused at its cell, the database unchanged;
    the full list lands in rank order, each report file stored by sha256; completeness names the
    point's owner until then."""
    import hashlib

    db_url, database = office_db
    with database.session() as s:
        point = s.scalars(select(m.EmesPoint).where(m.EmesPoint.kind == "works")).one()
        owner, owner_name, code, point_id = point.owner.code, point.owner.full_name, point.code, point.id

    def missing() -> dict:
        result = run(db_url, "completeness", "--period", "2570R1", "--json")
        return {item["owner_name"]: item["missing"] for item in json.loads(result.stdout) if item["process"] == "E-MES"}

    assert code in missing()[owner_name]
    path = make(db_url, tmp_path, period="2570R1", owner=owner, kind="emes")
    files = {}
    for rank in range(1, 6):
        files[rank] = path.parent / f"รายงานผลงาน{rank}.pdf"
        files[rank].write_bytes(b"%PDF-1.4\n" + f"work {rank}".encode())
    rows = {rank: row_of(path, "ผลงาน", code, rank) for rank in range(1, 6)}

    def work(rank, video=None):
        return {("ผลงาน", f"D{rows[rank]}"): f"ผลงานเด่นลำดับ {rank}", ("ผลงาน", f"E{rows[rank]}"): files[rank].name,
                ("ผลงาน", f"F{rows[rank]}"): video or f"https://www.youtube.com/watch?v=w{rank}"}

    fill(path, work(1) | work(2) | work(4))  # rank 3 left empty: the order has a gap
    refused = run(db_url, "import", str(path))
    assert refused.exit_code == ExitCode.BAD_DATA and "ลำดับที่ 3" in refused.output and f"แถว {rows[3]}" in refused.output
    fill(path, work(3, video="youtube.com/watch?v=w3"))
    refused = run(db_url, "import", str(path))
    assert refused.exit_code == ExitCode.BAD_DATA and "ลิงก์ต้องขึ้นต้นด้วย http://" in refused.output
    assert f"แถว {rows[3]} › คอลัมน์ F" in refused.output
    with database.session() as s:
        assert s.scalars(select(m.EmesResult).where(m.EmesResult.point_id == point_id, m.EmesResult.period == "2570R1")).first() is None
    fill(path, work(3) | work(5))
    done = run(db_url, "import", str(path))
    assert done.exit_code == 0, done.output
    with database.session() as s:
        result = s.scalars(select(m.EmesResult).where(m.EmesResult.point_id == point_id, m.EmesResult.period == "2570R1")).one()
        assert [w["title"] for w in result.works] == [f"ผลงานเด่นลำดับ {n}" for n in range(1, 6)]
        assert [w["video"] for w in result.works] == [f"https://www.youtube.com/watch?v=w{n}" for n in range(1, 6)]
        assert [w["sha256"] for w in result.works] == [hashlib.sha256(files[n].read_bytes()).hexdigest() for n in range(1, 6)]
        stored = s.scalars(select(m.EvidenceFile).where(m.EvidenceFile.emes_result_id == result.id)).all()
        assert sorted(f.filename for f in stored) == sorted(f.name for f in files.values())
    assert all(stored_path(w["sha256"]).is_file() for w in result.works)
    assert code not in missing().get(owner_name, [])


def test_emes_and_inspection_rounds_round_trip(office_db, tmp_path):
    db_url, database = office_db
    with database.session() as s:
        point = s.scalars(select(m.EmesPoint).where(m.EmesPoint.owner_id.is_not(None), m.EmesPoint.kind == "narrative").order_by(m.EmesPoint.id)).first()
        owner = point.owner.code
        code = point.code
    path = make(db_url, tmp_path, period="2570R1", owner=owner, kind="emes")
    row = row_of(path, "รอบที่ 1", code)
    narrative = "สำนักงานเขตพื้นที่การศึกษาดำเนินการตามแผน\nมีการติดตามทุกไตรมาส"
    fill(path, {("รอบที่ 1", f"D{row}"): "๔", ("รอบที่ 1", f"E{row}"): narrative, ("รอบที่ 1", f"G{row}"): "https://demo-esa.example/e1\nhttps://demo-esa.example/e2"})
    assert run(db_url, "import", str(path)).exit_code == 0
    with database.session() as s:
        result = s.scalars(select(m.EmesResult).where(m.EmesResult.point_id == point.id, m.EmesResult.period == "2570R1")).one()
    assert result.level == 4 and result.narrative == narrative and len(result.links) == 2

    with database.session() as s:
        target = s.scalars(select(m.InspectionIndicator).where(m.InspectionIndicator.target.is_not(None)).order_by(m.InspectionIndicator.id)).first()
        owner, code = target.owner.code, target.code
    path = make(db_url, tmp_path, period="2570R1", owner=owner, kind="inspection")
    row = row_of(path, "รอบที่ 1", code)
    fill(path, {("รอบที่ 1", f"E{row}"): "72.5%", ("รอบที่ 1", f"I{row}"): "ชุมชนการเรียนรู้ทางวิชาชีพ"})
    assert run(db_url, "import", str(path)).exit_code == 0
    with database.session() as s:
        result = s.scalars(select(m.InspectionResult).where(m.InspectionResult.indicator_id == target.id, m.InspectionResult.period == "2570R1")).one()
    assert result.result == Decimal("72.5") and result.good_practice == "ชุมชนการเรียนรู้ทางวิชาชีพ"


def test_folder_import_goes_on_past_a_bad_file_and_reports_each(office_db, tmp_path):
    db_url, _ = office_db
    good = make(db_url, tmp_path)
    (good.parent / "ไม่ใช่excel.xlsx").write_bytes(b"%PDF-1.4 not a workbook")
    (good.parent / "~$lockfile.xlsx").write_bytes(b"lock")
    result = run(db_url, "import", str(good.parent))
    assert result.exit_code == ExitCode.BAD_DATA
    assert f"✓ {good.name}" in result.output
    assert "ไม่ใช่excel.xlsx › " not in result.output and "ไม่ใช่excel.xlsx: ไม่ใช่ไฟล์ Excel" in result.output
    assert "lockfile" not in result.output
    assert "นำเข้า/ไม่เปลี่ยน 1 ไฟล์, ไม่นำเข้า 1 ไฟล์" in result.output


def test_period_must_match_when_asked(office_db, tmp_path):
    db_url, _ = office_db
    path = make(db_url, tmp_path)
    result = run(db_url, "import", str(path), "--period", "2570Q2")
    assert result.exit_code == ExitCode.BAD_DATA
    assert "เป็นของ 2570Q1 ไม่ใช่ 2570Q2" in result.output


def test_completeness_is_non_zero_until_every_owner_has_sent_everything(office_db, tmp_path):
    db_url, database = office_db
    first = run(db_url, "completeness", "--period", "2570Q1", "--json")
    assert first.exit_code == ExitCode.INCOMPLETE
    rows = json.loads(first.stdout)
    assert any(r["missing"] for r in rows) and {r["process_code"] for r in rows} == {"1.2", "1.4"}

    out = tmp_path / "all"
    assert run(db_url, "templates", "make", "--period", "2570Q1", "--out", str(out)).exit_code == 0
    for path in out.glob("*.xlsx"):
        workbook = openpyxl.load_workbook(path)
        for r in workbook["ไตรมาส 1"].iter_rows(min_row=4):
            if r[3].value is None:
                r[3].value = "อยู่ระหว่างดำเนินการ"
        for r in workbook["กิจกรรม"].iter_rows(min_row=4):
            if r[4].value is None:
                r[4].value = 0
        for r in workbook["ตัวชี้วัด"].iter_rows(min_row=4):
            if r[5].value is None and not r[6].value:
                r[6].value = "ยังไม่ถึงกำหนดวัดผล"
        workbook.save(path)
    imported = run(db_url, "import", str(out))
    assert imported.exit_code == 0, imported.output
    done = run(db_url, "completeness", "--period", "2570Q1")
    assert done.exit_code == 0, done.output
    assert "ครบถ้วนทุกรายการ" in done.output


def test_a_row_for_an_activity_the_plan_no_longer_has_is_refused_at_its_cell(office_db, tmp_path):
    db_url, database = office_db
    path = make(db_url, tmp_path)
    _, projects = _owner_projects(database)
    code = projects[0].code
    row = row_of(path, "ไตรมาส 1", code)
    activity_row = row_of(path, "กิจกรรม", code, 2)
    fill(path, {("ไตรมาส 1", f"D{row}"): "อยู่ระหว่างดำเนินการ", ("กิจกรรม", f"E{activity_row}"): 40})
    with database.session() as s:  # the plan changed after the template went out
        s.delete(s.scalars(select(m.Activity).join(m.Project).where(m.Project.code == code, m.Activity.seq == 2)).one())
    audit_before = _audit_count(database)
    result = run(db_url, "import", str(path))
    assert result.exit_code == ExitCode.BAD_DATA
    assert f"{path.name} › กิจกรรม › แถว {activity_row} › คอลัมน์ B: โครงการ {code} ไม่มีกิจกรรมลำดับที่ 2" in result.output
    assert _audit_count(database) == audit_before
