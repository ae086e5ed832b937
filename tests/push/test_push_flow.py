"""The push flow against the eMENSCR stand-in with real Chromium: plan → validate → preview →
approve → push → read back, and the guards between them."""
from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import select

from tidtam.core.errors import UserError
from tidtam.core.forms.plan import inputs_of
from tidtam.core.models import Approval, Project, ProjectProgress, Submission, SubmissionState as S
from tidtam.core.periods import parse_period
from tidtam.core.push import run
from tidtam.core.ledger import ApprovalVoided, office_by_code
from tidtam.core.push.plan import make_plan

from pushkit import credentials, load_demo, options

Q1 = parse_period("2570Q1")
pytestmark = pytest.mark.browser


def _approve(t, by="นายผู้อำนวยการ ทดสอบ"):
    return run.approve(t, Q1, by)[0].payload_set_hash


def _progress_writes(stand_in) -> Counter:
    return Counter((w["target"]["project_id"], w["target"]["quarter"]) for w in stand_in.admin.writes("progress.save"))


def test_dry_run_fills_forms_saves_nothing_and_writes_the_preview(sqlite_db, stand_in, target_of):
    load_demo(sqlite_db, keep=4)
    t = target_of(sqlite_db, stand_in.url)
    result = run.dry_run(t, Q1, credentials(), options("dry-run"))
    assert stand_in.admin.writes() == []
    assert [r.state for r in result.rows] == ["preview"] * 4
    html = result.preview_path.read_text(encoding="utf-8")
    assert result.set_hash in html and "2570-001" in html
    for row in result.rows:
        assert (result.run_dir / row.screenshot).stat().st_size > 10_000
    with sqlite_db.session() as session:
        assert {r.state for r in session.scalars(select(Submission))} == {S.PREVIEWED}


def test_approve_refuses_a_set_whose_preview_found_problems_unless_only_the_ready_are_asked_for(sqlite_db, stand_in, target_of):
    load_demo(sqlite_db, keep=3)
    with sqlite_db.session() as session:  # one record the site would refuse: more spent than the budget
        session.scalars(select(ProjectProgress).join(Project).order_by(Project.code)).first().disbursed = Decimal("9999999.00")
    t = target_of(sqlite_db, stand_in.url)
    result = run.dry_run(t, Q1, credentials(), options("dry-run"))
    assert [r.state for r in result.rows] == ["invalid", "preview", "preview"]
    html = result.preview_path.read_text(encoding="utf-8")
    assert "ยังอนุมัติชุดนี้ไม่ได้" in html and "--only-ready" in html
    with pytest.raises(UserError, match=r"ตัวอย่างก่อนส่งพบปัญหา 1 รายการ[\s\S]*project:2570-001 \(progress\): ผลการเบิกจ่าย"):
        _approve(t)
    with sqlite_db.session() as session:
        assert session.scalars(select(Approval)).all() == []
    approval, count = run.approve(t, Q1, "นายผู้อำนวยการ ทดสอบ", only_ready=True)
    assert count == 2
    pushed = run.push(t, Q1, credentials(), options())
    assert pushed.counts == {"submitted": 2, "planned": 1} and len(_progress_writes(stand_in)) == 2


def test_push_submits_each_record_once_and_reads_it_back(sqlite_db, stand_in, target_of):
    load_demo(sqlite_db, keep=5)
    t = target_of(sqlite_db, stand_in.url)
    run.dry_run(t, Q1, credentials(), options("dry-run"))
    _approve(t)
    result = run.push(t, Q1, credentials(), options(concurrency=3))
    assert result.counts == {"submitted": 5} and result.failures == []
    writes = _progress_writes(stand_in)
    assert len(writes) == 5 and set(writes.values()) == {1}
    store = {p["id"]: p for p in stand_in.admin.state()["store"]["projects"]}
    with sqlite_db.session() as session:
        for row in session.scalars(select(Submission)):
            project_id, quarter = row.remote_id.split("/Q")
            held = store[int(project_id)]["progress"][quarter]["values"]
            read_back = inputs_of(t.config.forms.forms["progress"].steps[0], row.read_back["steps"]["progress"])
            assert read_back == {name: held[name] for name in read_back} and row.submitted_by
    again = run.push(t, Q1, credentials(), options())  # nothing left: no second save
    assert again.counts == {"submitted": 5} and len(stand_in.admin.writes("progress.save")) == 5


def test_a_save_the_site_answers_with_an_error_every_time_fails_in_the_sites_words(sqlite_db, stand_in, target_of):
    """Every save answered 500 before anything is done: each attempt is looked up (not landed),
    repeated up to the engine's limit, then FAILED with how many times and the last answer in
    Thai — never an exception's English name."""
    load_demo(sqlite_db, keep=1)
    t = target_of(sqlite_db, stand_in.url)
    run.dry_run(t, Q1, credentials(), options("dry-run"))
    _approve(t)
    stand_in.admin.set_knobs(fail_rate=1.0, fail_only="POST /api/projects")  # the progress form posts there
    result = run.push(t, Q1, credentials(), options())
    assert result.counts == {"failed": 1} and stand_in.admin.writes() == []
    assert stand_in.admin.state()["requests"]["injected"]["fail"] == run.MAX_SUBMITS
    with sqlite_db.session() as session:
        (error,) = [row.last_error for row in session.scalars(select(Submission))]
    assert error.startswith(f"ระบบตอบข้อผิดพลาด {run.MAX_SUBMITS} ครั้งติดกัน (ครั้งล่าสุด: ") and "500" in error, error
    assert "Error" not in error, error


def test_a_spare_browser_worker_never_puts_more_requests_at_the_site_than_concurrency(sqlite_db, stand_in, target_of):
    """Browser mode runs one worker more than --concurrency (it fills and renders while the others
    wait for the site), and the request slots keep the site at --concurrency requests at once:
    the stand-in counts the most requests it was answering at one time."""
    load_demo(sqlite_db, keep=8)
    t = target_of(sqlite_db, stand_in.url)
    run.dry_run(t, Q1, credentials(), options("dry-run", mode="http", concurrency=2))
    _approve(t)
    stand_in.admin.set_knobs(latency_ms=40)  # requests of several workers overlap at the site
    result = run.push(t, Q1, credentials(), options(concurrency=2))
    assert result.counts == {"submitted": 8}
    assert set(_progress_writes(stand_in).values()) == {1}
    assert stand_in.admin.state()["requests"]["peak_in_flight"] == 2


def test_remotes_gives_a_spare_browser_worker_only_to_targets_that_take_request_slots(sqlite_db, monkeypatch):
    import asyncio
    from contextlib import asynccontextmanager
    from types import SimpleNamespace

    from tidtam.core.contract import TargetSpec
    from tidtam.core.push import browser

    @asynccontextmanager
    async def no_chromium(run_dir=None):
        yield None

    @asynccontextmanager
    async def worker(settings):
        yield settings

    monkeypatch.setattr(browser, "chromium", no_chromium)
    hook = SimpleNamespace(open_remote=lambda target, mode, credentials, settings, browser: worker(settings))

    def opened(request_slots: bool, mode: str, records: int):
        spec = TargetSpec(name="x", title="x", version="1", modes=("browser", "http"), request_slots=request_slots)
        t = run.Target(db=sqlite_db, hook=hook, spec=spec, config=None, office_code="-")

        async def count():
            async with run.remotes(t, None, options(mode=mode, concurrency=3), records) as workers:
                slots = workers[0].site_slots
                return len(workers), slots and slots._value
        return asyncio.run(count())

    assert opened(True, "browser", 60) == (4, 3)
    assert opened(True, "browser", 2) == (2, 3)
    assert opened(False, "browser", 60) == (3, None)
    assert opened(True, "http", 60) == (3, None)


def test_http_mode_saves_the_same_values(sqlite_db, stand_in, target_of):
    load_demo(sqlite_db, keep=3)
    t = target_of(sqlite_db, stand_in.url)
    run.dry_run(t, Q1, credentials(), options("dry-run", mode="http"))
    assert stand_in.admin.writes() == []
    _approve(t)
    result = run.push(t, Q1, credentials(), options(mode="http"))
    assert result.counts == {"submitted": 3}
    assert set(_progress_writes(stand_in).values()) == {1}


def test_a_change_after_approval_voids_it_and_push_sends_nothing(sqlite_db, stand_in, target_of):
    load_demo(sqlite_db, keep=3)
    t = target_of(sqlite_db, stand_in.url)
    run.dry_run(t, Q1, credentials(), options("dry-run", mode="http"))
    digest = _approve(t)
    with sqlite_db.session() as session:
        report = session.scalars(select(ProjectProgress).join(Project).where(Project.code == "2570-002")).one()
        report.disbursed = report.disbursed + Decimal("1.00")
    with pytest.raises(ApprovalVoided, match=r"2570-002.*เปลี่ยนไป"):
        run.push(t, Q1, credentials(), options(mode="http"))
    assert stand_in.admin.writes() == []
    with sqlite_db.session() as session:
        approval = session.scalars(select(Approval)).one()
        assert approval.payload_set_hash == digest and approval.voided_at is not None
        assert "2570-002" in approval.void_reason
        assert {r.state for r in session.scalars(select(Submission))} == {S.PLANNED}
    with pytest.raises(UserError, match="ยังไม่มีการอนุมัติ"):  # and it stays refused
        run.push(t, Q1, credentials(), options(mode="http"))


def test_approve_refuses_data_changed_since_the_dry_run(sqlite_db, stand_in, target_of):
    load_demo(sqlite_db, keep=2)
    t = target_of(sqlite_db, stand_in.url)
    run.dry_run(t, Q1, credentials(), options("dry-run", mode="http"))
    with sqlite_db.session() as session:
        report = session.scalars(select(ProjectProgress).join(Project).where(Project.code == "2570-001")).one()
        report.problems = "แก้ไขหลังแสดงตัวอย่าง"
    with pytest.raises(UserError, match=r"2570-001.*เปลี่ยนไปจากที่แสดงตัวอย่าง"):
        _approve(t)


def test_site_rules_are_checked_before_any_browser_with_record_and_field(sqlite_db, target_of):
    load_demo(sqlite_db, keep=3)
    t = target_of(sqlite_db, "http://127.0.0.1:9")  # nothing listens: validation needs no site
    with sqlite_db.session() as session:
        reports = session.scalars(select(ProjectProgress).join(Project).order_by(Project.code)).all()
        reports[0].status = "completed"  # activities are not all at 100
        reports[1].disbursed = Decimal("9999999.00")  # more than the budget
        reports[2].kpi_results[0].value, reports[2].kpi_results[0].note = None, ""
    with sqlite_db.session() as session:
        plan = make_plan(t.hook, "emenscr", Q1, session, office_by_code(session, t.office_code), t.config.mapping, t.config.forms)
    errors = {(p.record_key, p.field): p.message for p in plan.problems if p.severity == "error"}
    assert re.search("ร้อยละ 100", errors[("project:2570-001", "สถานะการดำเนินงาน")])
    assert "เกินงบประมาณโครงการ" in errors[("project:2570-002", "ผลการเบิกจ่าย")]
    assert "ระบบบังคับกรอก" in errors[("project:2570-003", "ผลการดำเนินงานตามตัวชี้วัดที่ 1")]


def test_progress_below_the_previous_quarter_is_refused(sqlite_db, target_of):
    load_demo(sqlite_db, keep=1)
    t = target_of(sqlite_db, "http://127.0.0.1:9")
    with sqlite_db.session() as session:  # a Q2 report that goes backwards on activity 1
        q1 = session.scalars(select(ProjectProgress)).one()
        q2 = ProjectProgress(project=q1.project, period="2570Q2", status=q1.status, disbursed=Decimal("0"),
                             problems="")
        session.add(q2)
        session.flush()
        from tidtam.core.models import ActivityProgress, KpiResult
        q2.activities = [ActivityProgress(activity_id=a.activity_id, percent=a.percent - 10) for a in q1.activities]
        q2.kpi_results = [KpiResult(kpi_id=k.kpi_id, value=k.value, note="ต่อเนื่อง") for k in q1.kpi_results]
    with sqlite_db.session() as session:
        plan = make_plan(t.hook, "emenscr", parse_period("2570Q2"), session, office_by_code(session, t.office_code), t.config.mapping, t.config.forms)
    messages = [p.message for p in plan.problems if p.field.startswith("กิจกรรมที่ 1")]
    assert messages and "ไม่น้อยกว่าไตรมาสก่อน" in messages[0]


def test_doctor_names_the_locator_a_changed_website_broke(sqlite_db, target_of, tmp_path):
    import yaml

    from tidtam.sandbox.emenscr import DEFAULT_DATA
    from tidtam.sandbox.server import run_in_thread

    changed = yaml.safe_load(DEFAULT_DATA.read_text(encoding="utf-8"))
    changed["progress"]["status_label"] = "สถานะโครงการ"  # the site renamed a label
    data = tmp_path / "emenscr_changed.yaml"
    data.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    load_demo(sqlite_db, keep=1)
    with run_in_thread("emenscr", demo_data="office", data_path=data) as stand_in:
        t = target_of(sqlite_db, stand_in.url)
        results = {r.name: r for r in run.doctor(t, credentials(), options("doctor"))}
    key = "forms.progress.steps.progress.fields.status"
    assert not results[key].ok and 'ไม่พบป้าย "สถานะการดำเนินงาน"' in results[key].detail
    assert "สถานะโครงการ" in results[key].detail  # what the page has instead
    # the renamed field is said once (not again as a required field we do not fill); nothing else is wrong
    assert {name for name, r in results.items() if not r.ok} == {"forms.progress", key}


def test_find_is_strict_and_names_the_key():
    """Exactly one element or an error naming the forms.yaml key: two matches are never a guess,
    a label matches as a whole (a reworded or longer one is not it), a required mark does not count."""
    import asyncio

    from tidtam.core.config import Locator
    from tidtam.core.forms.page import LocatorError, find
    from tidtam.core.push.browser import chromium

    async def check():
        async with chromium() as browser:
            page = await browser.new_page()
            await page.set_content('<label for="a">จำนวนเงิน</label><input id="a">'
                                   '<label for="b">จำนวนเงิน</label><input id="b">')
            with pytest.raises(LocatorError, match=r"forms\.f\.amount: พบ 2"):
                await find(page, Locator(label="จำนวนเงิน"), "forms.f.amount")
            await page.set_content('<label for="a">จำนวนเงิน (บาท)<span aria-hidden="true"> *</span></label><input id="a">')
            with pytest.raises(LocatorError, match=r'forms\.f\.amount: ไม่พบป้าย "จำนวนเงิน"'):
                await find(page, Locator(label="จำนวนเงิน"), "forms.f.amount")
            assert await find(page, Locator(label="จำนวนเงิน (บาท)"), "k") is not None
            assert await find(page, Locator(label="จำนวนเงิน", match="prefix"), "k") is not None
    asyncio.run(check())


def test_fill_step_fills_a_form_as_its_script_reads_it_and_is_as_strict_as_find():
    """One call per text field: the value and the input/change events land (the page's own
    listeners see them), a select takes the option by its label, the label-then-css order holds,
    and a locator matching two elements, none, or a field that cannot be edited is refused by its
    key with nothing typed anywhere."""
    import asyncio

    from tidtam.core.forms.page import LocatorError, fill_step
    from tidtam.core.forms.schema import Step
    from tidtam.core.push.browser import chromium

    step = Step.model_validate({"code": "s", "buttons": {"save": {"css": "button"}}, "fields": {
        "amount": {"label": "จำนวนเงิน", "kind": "money"}, "status": {"label": "สถานะ", "kind": "select"},
        "note": {"label": "ไม่มีป้าย", "css": "#note", "kind": "textarea"},
        "twice": {"label": "ซ้ำ"}, "missing": {"label": "ไม่มี"}, "locked": {"label": "ล็อก"}}})
    form = ('<form><label for="a">จำนวนเงิน</label><input id="a">'
            '<label for="s">สถานะ</label><select id="s"><option value="1">ยังไม่เริ่ม</option>'
            '<option value="2">อยู่ระหว่างดำเนินการ</option></select><textarea id="note"></textarea>'
            '<label for="t1">ซ้ำ</label><input id="t1"><label for="t2">ซ้ำ</label><input id="t2">'
            '<label for="l">ล็อก</label><input id="l" readonly><button>บันทึก</button></form>'
            '<script>window.seen = []; document.querySelector("form").addEventListener("input", e => seen.push(e.target.id));'
            'document.querySelector("form").addEventListener("change", e => seen.push("change:" + e.target.id));</script>')

    async def check():
        async with chromium() as browser:
            page = await browser.new_page()
            await page.set_content(form)
            await fill_step(page, step, {"amount": "1250.50", "status": "อยู่ระหว่างดำเนินการ", "note": "บรรทัดแรก\nบรรทัดสอง"}, "forms.f.steps.s")
            values = await page.evaluate("[a.value, s.value, note.value]")
            assert values == ["1250.50", "2", "บรรทัดแรก\nบรรทัดสอง"]
            assert {"a", "change:a", "note", "change:note"} <= set(await page.evaluate("seen"))
            for name, message in [("twice", r"fields\.twice: พบ 2"), ("missing", r"fields\.missing: ไม่พบ"),
                                  ("locked", r"fields\.locked: แก้ไขไม่ได้")]:
                with pytest.raises(LocatorError, match=message):
                    await fill_step(page, step, {name: "x"}, "forms.f.steps.s")
            with pytest.raises(LocatorError, match=r'fields\.status: ไม่มีตัวเลือก "เสร็จแล้ว"'):
                await fill_step(page, step, {"status": "เสร็จแล้ว"}, "forms.f.steps.s")
            assert await page.evaluate("[t1.value, t2.value, l.value]") == ["", "", ""]
    asyncio.run(check())


def test_a_field_that_never_gets_ready_or_a_page_left_is_no_doubt():
    """A select whose options never come (its app signing in again, a fetch hanging) times the
    fill out before any click: the engine is told the save did not go (look up, fill again),
    never that it may have landed (a record left UNKNOWN until a person settles it). A field
    missing because the page went elsewhere (a redirect to the list) is the same; missing from
    the page forms.yaml names, it is a config fix (LocatorError)."""
    import asyncio
    from types import SimpleNamespace

    from tidtam.core.contract import RemoteAnswered
    from tidtam.core.forms.page import LocatorError
    from tidtam.core.forms.schema import FormsFile
    from tidtam.core.forms.site import Site
    from tidtam.core.push.browser import chromium

    forms = FormsFile.model_validate({"login": {"path": "/login"}, "forms": {"f": {"steps": [{
        "code": "s", "path": "/projects/{id}/progress", "buttons": {"save": {"css": "button"}}, "fields": {
            "status": {"label": "สถานะ", "kind": "select"}}}]}}})

    async def check():
        async with chromium() as browser:
            page = await browser.new_page()
            page.set_default_timeout(300)
            await page.set_content('<label for="s">สถานะ</label><select id="s" aria-busy="true"></select>')
            site = Site(SimpleNamespace(page=page, settings=SimpleNamespace(config=SimpleNamespace(forms=forms))))
            with pytest.raises(RemoteAnswered, match="ยังไม่ได้บันทึก"):
                await site.fill("f", "s", {"status": "ยังไม่เริ่ม"})
            await page.route("http://site.test/**", lambda route: route.fulfill(body="<p>รายการโครงการ</p>", content_type="text/html"))
            for url, said in (("http://site.test/projects", RemoteAnswered), ("http://site.test/projects/7/progress", LocatorError)):
                await page.goto(url)
                with pytest.raises(said):
                    await site.fill("f", "s", {"status": "ยังไม่เริ่ม"})
    asyncio.run(check())


def test_report_lists_what_was_sent_when_by_whom_and_remote_ids(sqlite_db, stand_in, target_of, tmp_path):
    from docx import Document
    from openpyxl import load_workbook

    from tidtam.core.push import report

    load_demo(sqlite_db, keep=2)
    t = target_of(sqlite_db, stand_in.url)
    run.dry_run(t, Q1, credentials(), options("dry-run", mode="http"))
    _approve(t, by="นางสาวผู้อำนวยการ ทดสอบ")
    run.push(t, Q1, credentials(), options(mode="http"))
    with sqlite_db.session() as session:
        summary = report.build(session, office_by_code(session, t.office_code), t.spec.title, "emenscr", Q1)
    xlsx = report.write_xlsx(summary, tmp_path / "r.xlsx")
    docx = report.write_docx(summary, tmp_path / "r.docx")
    cells = [[c.value for c in row] for row in load_workbook(xlsx).active.iter_rows()]
    body = [row for row in cells if row[0] in (1, 2)]
    assert [row[4] for row in body] == ["10001/Q1", "10002/Q1"]
    assert all(row[3] == "ส่งสำเร็จ" and "นางสาวผู้อำนวยการ ทดสอบ" in row[7] and row[5] != "-" for row in body)
    text = "\n".join(p.text for p in Document(docx).paragraphs)
    assert "ส่งสำเร็จและอ่านกลับตรงกัน ๒ รายการ" in text  # Thai digits, as in the other documents


def test_a_dry_run_after_a_push_keeps_its_failed_rows_and_the_next_push_goes_on(sqlite_db, stand_in, target_of):
    """A dry-run never moves a row back from what the site holds: a row the push left FAILED stays
    FAILED (status and report still show it) under its approval, and the next push retries it
    without a new approval instead of refusing everything as changed."""
    load_demo(sqlite_db, keep=3)
    t = target_of(sqlite_db, stand_in.url)
    run.dry_run(t, Q1, credentials(), options("dry-run", mode="http"))
    _approve(t)
    with sqlite_db.session() as session:  # as a push that landed two and had one refused leaves them
        first, *others = session.scalars(select(Submission).order_by(Submission.record_key))
        first.state, first.attempts, first.last_error = S.FAILED, 1, "ระบบไม่รับข้อมูล"
        for row in others:
            row.state, row.attempts = S.SUBMITTED, 1
        failed_key, approval_id = first.record_key, first.approval_id
    run.dry_run(t, Q1, credentials(), options("dry-run", mode="http"))
    assert t.ledger(Q1).summary().counts == {"submitted": 2, "failed": 1}  # what status and report show
    with sqlite_db.session() as session:
        row = session.scalars(select(Submission).where(Submission.record_key == failed_key)).one()
        assert row.state is S.FAILED and row.approval_id == approval_id
    result = run.push(t, Q1, credentials(), options(mode="http"))
    assert result.failures == [] and result.counts == {"submitted": 3}
    assert len(_progress_writes(stand_in)) == 1 and set(_progress_writes(stand_in).values()) == {1}


def test_approve_names_records_the_dry_run_could_not_open_and_says_the_data_did_not_change(sqlite_db, stand_in, target_of):
    from tidtam.core.ledger import NOT_PREVIEWED

    load_demo(sqlite_db, keep=2)
    t = target_of(sqlite_db, stand_in.url)
    run.dry_run(t, Q1, credentials(), options("dry-run", mode="http"))
    with sqlite_db.session() as session:  # as a dry-run whose page load kept landing on the login page
        row = session.scalars(select(Submission).order_by(Submission.record_key)).first()
        row.state, row.last_error = S.PLANNED, f"{NOT_PREVIEWED}: พบหน้าเข้าสู่ระบบแทนแบบฟอร์ม"
        key = row.record_key
    with pytest.raises(UserError) as refused:
        _approve(t)
    message = str(refused.value)
    assert "1 รายการเปิดแบบฟอร์มไม่ได้ระหว่างแสดงตัวอย่าง" in message and "ข้อมูลไม่ได้เปลี่ยน" in message
    assert key in message and "เปลี่ยนไปจากที่แสดงตัวอย่าง" not in message
