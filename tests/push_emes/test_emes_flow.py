"""The E-MES round, point by point (ประเด็นการพิจารณา), against its stand-in with real Chromium:
checks before any browser, dry-run, approval, exactly-once push with evidence by sha256 (ranked
works with their report files), the round confirmed only when asked, doctor, and the unit's
summary with the evidence folder (standard → indicator → point)."""
from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from sqlalchemy import select

from tidtam.core.errors import UserError
from tidtam.core.models import Approval, EmesResult, Submission
from tidtam.core.push import run
from tidtam.core.ledger import ApprovalVoided, office_by_code
from tidtam.core.push.plan import make_plan

from emeskit import R1, WORKS, attach, attach_work, credentials, image_bytes, load_demo, options, points, result_of

pytestmark = pytest.mark.browser
BY = "นายผู้อำนวยการ ทดสอบ"


def approve_stage(t, by: str = BY) -> str:
    """The demo leaves some points unreported (their preview says so): the director approves
    the ready ones explicitly, as an office does at the deadline."""
    return run.approve(t, R1, by, only_ready=True)[0].payload_set_hash


def writes(site, action: str) -> Counter:
    return Counter((w["target"]["point"] if "point" in w["target"] else w["target"]["round"])
                   for w in site.admin.writes(action))


def site_evidence(site) -> Counter:
    """(point, sha256) of every file the site holds (not deleted)."""
    return Counter((e["point"], e["sha256"]) for e in site.admin.state()["store"]["evidence"] if not e["deleted"])


def test_site_rules_are_checked_before_any_browser_with_point_and_field(sqlite_db, emes_target, tmp_path):
    load_demo(sqlite_db)
    t = emes_target(sqlite_db, "http://127.0.0.1:9")  # nothing listens: the checks need no site
    with sqlite_db.session() as session:
        result_of(session, "1.1.3").narrative = "ก" * 3001
        result_of(session, "2.2.2").links = ["https://demo-esa.example/a.pdf", "ftp://demo-esa.example/b.pdf"]
    attach(sqlite_db, "1.2.1", "บันทึกการประชุม.docx", b"PK\x03\x04" + b"x" * 200, tmp_path / "in")
    attach(sqlite_db, "1.2.1", "ภาพถ่ายเปลี่ยนชื่อ.pdf", image_bytes("png"), tmp_path / "in")  # a PNG named .pdf
    attach(sqlite_db, "2.1.2", "สแกนทั้งเล่ม.pdf", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024), tmp_path / "in")
    with sqlite_db.session() as session:
        works = next(p for p in points(session) if p.code == WORKS)
        session.add(EmesResult(point_id=works.id, period=R1.id, works=[]))
    attach_work(sqlite_db, WORKS, 1, "ผลงานเด่น", "ผลงาน.pdf", image_bytes("pdf", seed=3), tmp_path / "w", video="youtube.com/watch?v=1")
    attach_work(sqlite_db, WORKS, 2, "ผลงานรอง", "ผลงาน2.pdf", image_bytes("pdf", seed=4), tmp_path / "w")
    with sqlite_db.session() as session:
        plan = make_plan(t.hook, "emes", R1, session, office_by_code(session, t.office_code), t.config.mapping, t.config.forms)
    errors = {(p.record_key, p.field): p.message for p in plan.problems if p.severity == "error"}
    # the narrative's limit is forms.yaml's (max_length of the field), checked by core, named by the field's label
    assert "ยาว 3,001 ตัวอักษร เกินที่ระบบรับ 3,000" in errors[("point:1.1.3", "ผลการดำเนินงาน (ไม่เกิน 3000 ตัวอักษร)")]
    assert "ftp://" in errors[("point:2.2.2", "ประเด็น 2.2.2 › ลิงก์")]
    by_field = {field: message for (key, field), message in errors.items() if key.startswith("evidence:")}
    assert "ระบบรับเฉพาะไฟล์ชนิด jpeg, jpg, pdf, png" in by_field["ประเด็น 1.2.1 › ไฟล์ บันทึกการประชุม.docx"]
    assert "ไม่ใช่ไฟล์ .pdf จริง" in by_field["ประเด็น 1.2.1 › ไฟล์ ภาพถ่ายเปลี่ยนชื่อ.pdf"]
    assert "เกินที่ระบบรับ (5.00 MB)" in by_field["ประเด็น 2.1.2 › ไฟล์ สแกนทั้งเล่ม.pdf"]
    missing = errors[("point:1.1.2", "ประเด็น 1.1.2 › ผลของผู้รับผิดชอบ")]
    assert "ยังไม่ได้รับผลจากผู้รับผิดชอบ" in missing and "นายทวีศักดิ์ แสงเมือง" in missing  # the point's owner
    # ranked works: all five, each video link of http(s) form (the link is not fetched)
    assert "ส่งผลงาน 2 จาก 5 ลำดับ" in errors[(f"point:{WORKS}", f"ประเด็น {WORKS} › ผลของผู้รับผิดชอบ")]
    assert "youtube.com/watch?v=1" in errors[(f"point:{WORKS}", f"ประเด็น {WORKS} › ลิงก์")]
    assert not [field for key, field in errors if key == "point:2.3.1"]  # a valid point is clean
    assert {p.record_key for p in plan.valid} >= {"point:1.2.1", "point:2.1.2", "point:2.3.1"}


def test_push_lands_each_point_and_file_once_reads_back_and_never_uploads_a_file_twice(
        sqlite_db, emes_site, emes_target, tmp_path):
    load_demo(sqlite_db)
    pdf, png = image_bytes("pdf", seed=4), image_bytes("png", seed=5)
    sha_pdf = attach(sqlite_db, "1.1.3", "แผนปฏิบัติราชการ.pdf", pdf, tmp_path / "a")
    attach(sqlite_db, "1.1.3", "แผนปฏิบัติราชการ (สำเนา).pdf", pdf, tmp_path / "b")  # same content twice: one upload
    sha_png = attach(sqlite_db, "1.2.1", "ภาพกิจกรรม.png", png, tmp_path / "a")
    attach(sqlite_db, "2.1.2", "แผนปฏิบัติราชการ.pdf", pdf, tmp_path / "c")  # same file, another point
    t = emes_target(sqlite_db, emes_site.url)
    dry = run.dry_run(t, R1, credentials(), options("dry-run"))
    assert emes_site.admin.writes() == []
    assert Counter(r.payload.action for r in dry.rows if r.state == "preview") == {"point_result": 5, "upload_evidence": 3}
    approve_stage(t)
    pushed = run.push(t, R1, credentials(), options(concurrency=3))
    assert pushed.counts == {"submitted": 8, "planned": 9} and pushed.failures == []
    assert set(writes(emes_site, "point.save").values()) == {1} and len(writes(emes_site, "point.save")) == 5
    assert site_evidence(emes_site) == {("1.1.3", sha_pdf): 1, ("1.2.1", sha_png): 1, ("2.1.2", sha_pdf): 1}
    store = emes_site.admin.state()["store"]["assessments"]["2570-1"]
    with sqlite_db.session() as session:
        rows = {(r.record_key, r.action): r for r in session.scalars(select(Submission))}
        held = rows[("point:1.1.3", "point_result")]
        shown = held.read_back["steps"]["point"]  # as the point's form showed it, read back by forms.yaml's labels
        level = t.config.forms.forms["point"].steps[0].fields["level"].options[store["1.1.3"]["level"]]
        assert shown["narrative"] == store["1.1.3"]["narrative"] and shown["level"] == level
        assert rows[(f"evidence:1.2.1:{sha_png}", "upload_evidence")].read_back["sha256"] == sha_png
    # The files are on the site; a changed description re-plans them, and the push finds them by
    # sha256 instead of uploading them again.
    mapping = tmp_path / "config/targets/emes/2026.1/mapping.yaml"
    mapping.write_text(mapping.read_text(encoding="utf-8").replace("หลักฐานที่ {n}: {name}", "ไฟล์ {n} {name}"), encoding="utf-8")
    t = emes_target(sqlite_db, emes_site.url)
    run.dry_run(t, R1, credentials(), options("dry-run"))
    approve_stage(t)
    again = run.push(t, R1, credentials(), options())
    assert again.failures == [] and again.counts["submitted"] == 8
    assert site_evidence(emes_site) == {("1.1.3", sha_pdf): 1, ("1.2.1", sha_png): 1, ("2.1.2", sha_pdf): 1}
    assert len(emes_site.admin.writes("evidence.add")) == 3


def test_ranked_works_land_in_rank_order_with_their_report_files_once(sqlite_db, emes_site, emes_target, tmp_path):
    load_demo(sqlite_db, complete=True, folder=tmp_path / "works")
    t = emes_target(sqlite_db, emes_site.url)
    run.dry_run(t, R1, credentials(), options("dry-run"))
    approve_stage(t)
    assert run.push(t, R1, credentials(), options(concurrency=3)).failures == []
    state = emes_site.admin.state()
    works = state["store"]["assessments"]["2570-1"][WORKS]["works"]
    assert [w["title"] for w in works] == [f"ผลงานเด่นที่ {n}" for n in range(1, 6)]
    assert works[0]["video"] == "https://www.youtube.com/watch?v=work-1"
    files = [e for e in state["store"]["evidence"] if e["point"] == WORKS]
    assert sorted(e["description"] for e in files) == [f"รายงานผลงานลำดับที่ {n}: ผลงานเด่นที่ {n}" for n in range(1, 6)]
    assert len({e["sha256"] for e in files}) == 5 and len(writes(emes_site, "point.save")) == 14
    with sqlite_db.session() as session:  # the rank order is what the site showed back
        result_of(session, WORKS).works = list(reversed(result_of(session, WORKS).works))
    dry = run.dry_run(t, R1, credentials(), options("dry-run"))
    [row] = [r for r in dry.rows if r.payload.record_key == f"point:{WORKS}"]
    assert row.diff and len(emes_site.admin.writes("evidence.add")) == 5


def test_dry_run_shows_the_narrative_diff_the_files_with_sizes_and_screenshots(sqlite_db, emes_site, emes_target, tmp_path):
    load_demo(sqlite_db)
    attach(sqlite_db, "1.1.3", "ภาพกิจกรรม.png", image_bytes("png", (400, 300), seed=6), tmp_path / "a")
    t = emes_target(sqlite_db, emes_site.url)
    run.dry_run(t, R1, credentials(), options("dry-run"))
    approve_stage(t)
    run.push(t, R1, credentials(), options())
    before = len(emes_site.admin.writes())
    with sqlite_db.session() as session:
        result = result_of(session, "1.1.3")
        result.narrative = result.narrative.replace("จำนวน 68 โครงการ", "จำนวน 70 โครงการ")
    dry = run.dry_run(t, R1, credentials(), options("dry-run"))
    assert len(emes_site.admin.writes()) == before  # a dry-run saves nothing
    [row] = [r for r in dry.rows if r.state == "preview"]
    assert row.payload.record_key == "point:1.1.3" and [c.field for c in row.diff] == ["ผลการดำเนินงาน (ไม่เกิน 3000 ตัวอักษร)"]
    page = dry.preview_path.read_text(encoding="utf-8")
    assert '<del class="old">68</del><ins class="new">70</ins>' in page  # the edit, not two walls of text
    assert "ไฟล์ของประเด็น 1.1.3 ลำดับที่ 1: ภาพกิจกรรม.png (" in page and " KB)" in page
    assert (dry.run_dir / row.screenshot).stat().st_size > 20_000


def test_a_change_after_approval_voids_it_and_push_sends_nothing(sqlite_db, emes_site, emes_target):
    load_demo(sqlite_db)
    t = emes_target(sqlite_db, emes_site.url)
    run.dry_run(t, R1, credentials(), options("dry-run"))
    approve_stage(t)
    with sqlite_db.session() as session:
        result_of(session, "2.3.1").level = 3
    with pytest.raises(ApprovalVoided, match=r"point:2\.3\.1.*เปลี่ยนไป"):
        run.push(t, R1, credentials(), options())
    assert emes_site.admin.writes() == []
    with sqlite_db.session() as session:
        assert session.scalars(select(Approval)).one().voided_at is not None


def test_the_round_is_confirmed_only_when_asked_with_its_own_approval(sqlite_db, emes_site, emes_target, tmp_path):
    load_demo(sqlite_db, complete=True, folder=tmp_path / "works")
    attach(sqlite_db, "1.2.1", "แผน ก.ต.ป.น..pdf", image_bytes("pdf", seed=7), tmp_path / "a")
    t = emes_target(sqlite_db, emes_site.url)
    confirm = emes_target(sqlite_db, emes_site.url, "confirm")
    early = run.dry_run(confirm, R1, credentials(), options("confirm-dry-run"))  # nothing pushed yet
    assert early.rows[0].state == "invalid" and any("ประเด็น 1.1.1" in e and "ยังไม่ได้ส่ง" in e for e in early.rows[0].errors)
    run.dry_run(t, R1, credentials(), options("dry-run"))
    approve_stage(t)
    assert run.push(t, R1, credentials(), options()).failures == []
    assert emes_site.admin.writes("round.confirm") == []  # a push never confirms
    with sqlite_db.session() as session:  # and the push's approval does not cover a confirmation
        assert confirm.ledger(R1).live_approval(session) is None
    with pytest.raises(UserError, match="ยังไม่มีการอนุมัติ"):
        run.push(confirm, R1, credentials(), options("confirm"))
    dry = run.dry_run(confirm, R1, credentials(), options("confirm-dry-run"))
    assert dry.rows[0].state == "preview" and emes_site.admin.writes("round.confirm") == []
    assert any("บันทึกแล้ว 6/6 ประเด็นการพิจารณา" in w for w in dry.rows[0].warnings) and dry.rows[0].screenshot
    approve_stage(confirm, by="นางผู้อำนวยการ ยืนยันรอบ")
    done = run.push(confirm, R1, credentials(), options("confirm"))
    assert done.counts == {"submitted": 1} and len(emes_site.admin.writes("round.confirm")) == 1
    assert next(r for r in emes_site.admin.state()["store"]["rounds"] if r["year"] == 2570 and r["round"] == 1)["confirmed"]
    assert run.push(confirm, R1, credentials(), options("confirm")).counts == {"submitted": 1}
    assert len(emes_site.admin.writes("round.confirm")) == 1  # never confirmed twice


def test_a_confirm_approval_is_voided_by_a_change_to_what_it_locks(sqlite_db, emes_site, emes_target, tmp_path):
    load_demo(sqlite_db, complete=True, folder=tmp_path / "works")
    t = emes_target(sqlite_db, emes_site.url)
    confirm = emes_target(sqlite_db, emes_site.url, "confirm")
    run.dry_run(t, R1, credentials(), options("dry-run"))
    approve_stage(t)
    run.push(t, R1, credentials(), options())
    run.dry_run(confirm, R1, credentials(), options("confirm-dry-run"))
    approve_stage(confirm)
    with sqlite_db.session() as session:
        result_of(session, "1.2.1").narrative += " (แก้ไขหลังอนุมัติยืนยันรอบ)"
    with pytest.raises(ApprovalVoided):
        run.push(confirm, R1, credentials(), options("confirm"))
    assert emes_site.admin.writes("round.confirm") == []


def test_doctor_names_the_locator_a_changed_website_broke(sqlite_db, emes_target, tmp_path):
    import yaml

    from tidtam.sandbox.emes import DEFAULT_DATA
    from tidtam.sandbox.server import run_in_thread

    changed = yaml.safe_load(DEFAULT_DATA.read_text(encoding="utf-8"))
    changed["point_form"]["links_label"] = "ลิงก์ประกอบ (บรรทัดละ 1 ลิงก์)"  # the site renamed a label
    data = tmp_path / "emes_changed.yaml"
    data.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    load_demo(sqlite_db)
    with run_in_thread("emes", data_path=data) as site:
        t = emes_target(sqlite_db, site.url)
        results = {r.name: r for r in run.doctor(t, credentials(), options("doctor"))}
    key = "forms.point.steps.point.fields.links"
    assert 'ไม่พบป้าย "ลิงก์หลักฐานเพิ่มเติม (บรรทัดละ 1 ลิงก์)"' in results[key].detail
    assert "ลิงก์ประกอบ (บรรทัดละ 1 ลิงก์)" in results[key].detail  # what the page has instead
    assert {name for name, r in results.items() if not r.ok} == {"forms.point", key}, results
    assert results["pages.round"].ok and results["forms.works"].ok and results["forms.evidence"].ok and results["login"].ok


def test_summary_and_evidence_folder_for_the_on_site_visit(sqlite_db, emes_site, emes_target, tmp_path):
    from datetime import date

    from docx import Document

    from tidtam.plugins.emes import summary

    load_demo(sqlite_db, complete=True, folder=tmp_path / "works")
    png = image_bytes("png", seed=8)
    sha = attach(sqlite_db, "1.1.3", "ภาพ:กิจกรรม?.png", png, tmp_path / "a")
    attach(sqlite_db, "1.1.3", "แผน.pdf", image_bytes("pdf", seed=9), tmp_path / "a")
    t = emes_target(sqlite_db, emes_site.url)
    run.dry_run(t, R1, credentials(), options("dry-run"))
    approve_stage(t)
    run.push(t, R1, credentials(), options(concurrency=3))
    with sqlite_db.session() as session:
        data = summary.collect(session, office_by_code(session, t.office_code), R1)
    folder = summary.write_folder(data, tmp_path / "out" / "แฟ้มหลักฐาน")
    docx = summary.write_docx(data, tmp_path / "out" / "สรุป.docx", date(2027, 3, 25))
    point = folder / "มาตรฐานที่_1" / "ตัวบ่งชี้_1.1" / "ประเด็น_1.1.3"  # standard → indicator → point
    assert sorted(p.name for p in point.iterdir()) == ["1.1.3-01_ภาพ_กิจกรรม_.png", "1.1.3-02_แผน.pdf"]
    assert hashlib.sha256((point / "1.1.3-01_ภาพ_กิจกรรม_.png").read_bytes()).hexdigest() == sha
    works = folder / "มาตรฐานที่_3" / "ตัวบ่งชี้_3.1" / f"ประเด็น_{WORKS}"
    assert sorted(p.name for p in works.iterdir()) == [f"{WORKS}-ผลงานลำดับที่_{n}_รายงานผลงาน {n}.pdf" for n in range(1, 6)]
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert 'href="มาตรฐานที่_1/ตัวบ่งชี้_1.1/ประเด็น_1.1.3/1.1.3-02_แผน.pdf"' in index and "ยังไม่ได้ยืนยันการส่งข้อมูลรอบการประเมิน" in index
    ranks = [index.index(f"ผลงานเด่นที่ {n}") for n in range(1, 6)]  # the works in rank order, each with its video
    assert ranks == sorted(ranks) and 'href="https://www.youtube.com/watch?v=work-5"' in index
    assert index.index("มาตรฐานที่ 1") < index.index("ประเด็น 1.1.3") < index.index("มาตรฐานที่ 3") < index.index(f"ประเด็น {WORKS}")
    text = "\n".join(p.text for p in Document(docx).paragraphs)
    assert "๑๔ จาก ๑๔ ประเด็น" in text and "หลักฐาน 1.1.3-02_แผน.pdf" in text and BY in text
    assert text.index("ผลงานลำดับที่ ๑ ผลงานเด่นที่ ๑") < text.index("ผลงานลำดับที่ ๕ ผลงานเด่นที่ ๕")
    assert "วีดิทัศน์: https://www.youtube.com/watch?v=work-1" in text


def test_a_save_slower_than_a_page_read_is_waited_for_up_to_the_action_timeout(sqlite_db, emes_site, emes_target, tmp_path):
    """Every point save and upload answers after read_timeout, well within action_timeout:
    each lands once and is judged saved, not left in doubt (the click does not wait for the page
    the save leads to under the read timeout; the save's answer is waited for under its own)."""
    load_demo(sqlite_db)
    sha = attach(sqlite_db, "1.2.1", "ภาพกิจกรรม.png", image_bytes("png", seed=6), tmp_path / "a")
    t = emes_target(sqlite_db, emes_site.url)
    run.dry_run(t, R1, credentials(), options("dry-run"))
    approve_stage(t)
    emes_site.admin.set_knobs(hang_rate=1.0, hang_only="POST /rounds", hang_seconds=2.0)
    pushed = run.push(t, R1, credentials(), options(concurrency=3, read_timeout=1.0, action_timeout=10.0))
    assert pushed.failures == [] and pushed.counts == {"submitted": 6, "planned": 9}
    assert emes_site.admin.state()["requests"]["injected"]["hang"] >= 6
    assert set(writes(emes_site, "point.save").values()) == {1} and site_evidence(emes_site) == {("1.2.1", sha): 1}
