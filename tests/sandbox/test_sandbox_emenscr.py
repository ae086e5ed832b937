"""The eMENSCR stand-in in a real browser: list and search, steps M1–M5, M7, progress."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect

from tidtam.sandbox import emenscr as emenscr_app
from tidtam.sandbox import forms
from tidtam.sandbox.server import run_in_thread

pytestmark = pytest.mark.browser
SAVE_STEP = "บันทึกและไปขั้นตอนถัดไป"


def seed_projects() -> list[dict]:
    return yaml.safe_load(emenscr_app.SEED.read_text(encoding="utf-8"))["projects"]


def test_demo_projects_pass_the_stand_ins_own_validation():
    from tidtam.sandbox.site import Site
    site = Site("emenscr", emenscr_app.DEFAULT_DATA, lambda s: None)
    site.catalogs = {k: v["items"] for k, v in yaml.safe_load(emenscr_app.CATALOGS.read_text()).items()}
    for project in seed_projects():
        for code, values in project["steps"].items():
            spec = emenscr_app.step_spec(site, code)
            form = flatten(values)
            _, errors = emenscr_app.read_step(site, spec, form, {"steps": project["steps"]})
            assert errors == {}, (project["steps"]["M1"]["code"], code, errors)


def flatten(values: dict) -> dict:
    """Step values back to the flat input names a browser would post."""
    form = {}
    for name, value in values.items():
        if isinstance(value, list):
            for i, row in enumerate(value):
                form.update({f"{name}-{i}-{col}": v for col, v in row.items()})
        elif isinstance(value, dict):
            form.update({f"{name}-{key}": v for key, v in value.items()})
        else:
            form[name] = value
    return form


def test_project_list_paginates_20_a_page_and_searches_by_code(page, emenscr, login):
    template = seed_projects()[0]["steps"]
    for n in range(4, 26):
        steps = copy.deepcopy(template)
        steps["M1"]["code"] = f"2570-{n:03d}"
        emenscr.admin.post("projects", {"steps": steps, "status": "draft"})
    login(page, emenscr)
    rows = page.locator("#project-table tbody tr")
    expect(rows).to_have_count(20)
    expect(page.locator("#result-count")).to_have_text("แสดงรายการที่ 1–20 จากทั้งหมด 25 รายการ")
    page.get_by_role("navigation", name="เลขหน้า").get_by_role("link", name="ถัดไป").click()
    expect(rows).to_have_count(5)
    page.get_by_label("ค้นหา (รหัสโครงการหรือชื่อโครงการ)").fill("2570-002")
    page.get_by_role("button", name="ค้นหา").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-project-id", "10002")
    expect(rows.first.locator(".project-status")).to_have_text("อนุมัติแล้ว")
    expect(rows.first.locator(".money")).to_have_text("45,000.00")


def fill_m1(page: Page, code: str, start: str = "01/11/2569", end: str = "30/09/2570") -> None:
    page.get_by_label("รหัสโครงการของหน่วยงาน").fill(code)
    page.get_by_label("ชื่อโครงการ").fill("โครงการพัฒนาครูด้านการจัดการเรียนรู้เชิงรุก")
    page.get_by_label("ปีงบประมาณ").select_option("2570")
    page.get_by_label("ประเภทโครงการ").select_option("โครงการใหม่")
    page.get_by_label("ผู้รับผิดชอบโครงการ").fill("นายสมชาย ใจดี")
    page.get_by_label("เบอร์โทรศัพท์ผู้รับผิดชอบ").fill("053123456")
    page.get_by_label("วันเริ่มต้นโครงการ").fill(start)
    page.get_by_label("วันสิ้นสุดโครงการ").fill(end)


def create_project_in_browser(page: Page, sandbox, code: str) -> int:
    """M1 to M5 as an officer would do it; returns the remote id."""
    page.goto(sandbox.url + "/projects/new")
    fill_m1(page, code)
    page.get_by_role("button", name=SAVE_STEP).click()
    expect(page.locator("#step-title")).to_have_text("M2 ความสอดคล้องกับแผน")
    project_id = int(page.locator("#step-form").get_attribute("data-project-id"))
    # cascading selects: each child's options arrive from the JSON endpoint
    page.get_by_label("ยุทธศาสตร์ชาติที่เกี่ยวข้องโดยตรง").select_option("3")
    page.get_by_label("เป้าหมายยุทธศาสตร์ชาติ").select_option("0301")
    page.get_by_label("แผนแม่บทภายใต้ยุทธศาสตร์ชาติ (ประเด็น)").select_option("12")
    page.get_by_label("เป้าหมายระดับประเด็นของแผนแม่บท (Y2)").select_option("120001")
    page.get_by_label("แผนย่อยของแผนแม่บทฯ").select_option("1201")
    page.get_by_label("เป้าหมายของแผนย่อย (Y1)").select_option("120102")
    page.get_by_label("แผนการปฏิรูปประเทศ").select_option("12")
    page.get_by_label("เป้าหมายการพัฒนาที่ยั่งยืน (SDGs)").select_option("4")
    page.get_by_role("button", name=SAVE_STEP).click()
    expect(page.locator("#step-title")).to_have_text("M3 หลักการและเหตุผล วัตถุประสงค์ และตัวชี้วัด")
    page.get_by_label("หลักการและเหตุผล").fill("ครูต้องการการพัฒนาด้านการจัดการเรียนรู้เชิงรุก")
    page.get_by_label("วัตถุประสงค์").fill("เพื่อพัฒนาครู")
    page.get_by_label("กลุ่มเป้าหมาย").fill("ครู 200 คน")
    page.get_by_label("ชื่อตัวชี้วัด (ตัวชี้วัดที่ 1)").fill("จำนวนครูที่ผ่านการอบรม")
    page.get_by_label("ค่าเป้าหมาย (ตัวชี้วัดที่ 1)").fill("200")
    page.get_by_label("หน่วยนับ (ตัวชี้วัดที่ 1)").fill("คน")
    page.get_by_role("button", name="เพิ่มตัวชี้วัด").click()
    page.get_by_label("ชื่อตัวชี้วัด (ตัวชี้วัดที่ 2)").fill("ร้อยละของครูที่นำไปใช้")
    page.get_by_label("ค่าเป้าหมาย (ตัวชี้วัดที่ 2)").fill("80")
    page.get_by_label("หน่วยนับ (ตัวชี้วัดที่ 2)").fill("ร้อยละ")
    page.get_by_role("button", name=SAVE_STEP).click()
    expect(page.locator("#step-title")).to_have_text("M4 กิจกรรมและระยะเวลาดำเนินงาน")
    page.get_by_label("ชื่อกิจกรรม (กิจกรรมที่ 1)").fill("อบรมเชิงปฏิบัติการ")
    page.get_by_label("เดือนที่เริ่ม (กิจกรรมที่ 1)").select_option(label="ม.ค. 2570")
    page.get_by_label("เดือนที่สิ้นสุด (กิจกรรมที่ 1)").select_option(label="มี.ค. 2570")
    page.get_by_role("button", name=SAVE_STEP).click()
    expect(page.locator("#step-title")).to_have_text("M5 งบประมาณและแผนการใช้จ่าย")
    page.get_by_label("งบประมาณรวมทั้งโครงการ (บาท)").fill("60,000.00")
    page.get_by_label("แหล่งเงิน (รายการที่ 1)").select_option("obec")
    page.get_by_label("งบรายจ่าย (รายการที่ 1)").select_option("operating")
    page.get_by_label("จำนวนเงิน (บาท) (รายการที่ 1)").fill("60000")
    for month in ("ม.ค. 2570", "ก.พ. 2570", "มี.ค. 2570"):
        page.get_by_label(f"แผนการใช้จ่ายงบประมาณรายเดือน {month}").fill("20000")
    page.get_by_role("button", name=SAVE_STEP).click()
    expect(page.locator("#project-status")).to_have_text("ร่าง")
    return project_id


def test_create_a_project_through_steps_m1_to_m5(page, emenscr, login):
    login(page, emenscr)
    project_id = create_project_in_browser(page, emenscr, "2570-101")
    assert project_id == 10004
    expect(page).to_have_url(f"{emenscr.url}/projects/{project_id}?saved=M5")
    project = next(p for p in emenscr.admin.state()["store"]["projects"] if p["id"] == project_id)
    assert project["steps"]["M1"]["start_date"] == "01/11/2569"
    assert project["steps"]["M2"]["sub_plan_target"] == "120102"
    assert [k["name"] for k in project["steps"]["M3"]["kpis"]] == ["จำนวนครูที่ผ่านการอบรม", "ร้อยละของครูที่นำไปใช้"]
    assert project["steps"]["M4"]["activities"] == [
        {"name": "อบรมเชิงปฏิบัติการ", "start_month": "2570-01", "end_month": "2570-03"}]
    assert project["steps"]["M5"]["budget_total"] == "60000.00"
    assert project["steps"]["M5"]["spending_plan"]["2570-02"] == "20000.00"
    actions = [w["action"] for w in emenscr.admin.writes()]
    assert actions == ["project.create"] + ["project.step.save"] * 4


def test_creating_twice_makes_two_projects_with_the_same_code(emenscr, http_login):
    client, token = http_login(emenscr)
    form = {"csrf_token": token, **flatten(seed_projects()[2]["steps"]["M1"])}
    client.post("/projects/new", data=form)
    client.post("/projects/new", data=form)
    codes = [p["steps"]["M1"]["code"] for p in emenscr.admin.state()["store"]["projects"]]
    assert codes.count("2570-003") == 3  # the demo project and two more


def test_cascading_select_options_come_from_the_json_endpoint(page, emenscr, login):
    login(page, emenscr)
    page.goto(emenscr.url + "/projects/10003/steps/M2")
    goal = page.get_by_label("เป้าหมายยุทธศาสตร์ชาติ")
    expect(goal.locator("option")).to_have_count(1)  # only "please choose" before a strategy
    page.get_by_label("ยุทธศาสตร์ชาติที่เกี่ยวข้องโดยตรง").select_option("3")
    expect(goal.locator("option[value='0301']")).to_have_text(
        "0301 คนไทยเป็นคนดี คนเก่ง มีคุณภาพ พร้อมสำหรับวิถีชีวิตในศตวรรษที่ 21")
    assert emenscr.admin.state()["requests"]["by_route"]["GET /api/catalog/national_strategy_goal"] == 1


def test_m1_validation_messages_sit_beside_their_fields(page, emenscr, login):
    login(page, emenscr)
    page.goto(emenscr.url + "/projects/new")
    fill_m1(page, "2570-1", start="01/09/2569", end="๓๐/๐๙/๒๕๗๐")
    page.get_by_label("ชื่อโครงการ").fill("")
    page.get_by_role("button", name=SAVE_STEP).click()
    expect(page.locator("#error-summary")).to_contain_text("ข้อมูลไม่ถูกต้อง 4 รายการ")
    expect(page.locator("#code-error")).to_have_text("รหัสโครงการต้องอยู่ในรูปแบบ ปปปป-ลลล เช่น 2570-001")
    expect(page.locator("#name-error")).to_have_text("กรุณากรอกชื่อโครงการ")
    expect(page.locator("#start_date-error")).to_have_text(
        "วันเริ่มต้นโครงการต้องอยู่ในปีงบประมาณ 2570 (1 ต.ค. 2569 – 30 ก.ย. 2570)")
    expect(page.locator("#end_date-error")).to_have_text("กรุณากรอกตัวเลขอารบิก (0-9) ในช่องวันสิ้นสุดโครงการ")
    expect(page.get_by_label("รหัสโครงการของหน่วยงาน")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("รหัสโครงการของหน่วยงาน")).to_have_value("2570-1")  # kept for correction
    assert emenscr.admin.writes() == []


def test_m5_totals_must_add_up(page, emenscr, login):
    login(page, emenscr)
    emenscr.admin.post("projects/10001/return", {"comment": "ปรับงบประมาณ"})
    page.goto(emenscr.url + "/projects/10001/steps/M5")
    page.get_by_label("จำนวนเงิน (บาท) (รายการที่ 2)").fill("29,999.99")
    page.get_by_label("แผนการใช้จ่ายงบประมาณรายเดือน ก.ย. 2570").fill("1,0000")
    page.get_by_role("button", name=SAVE_STEP).click()
    expect(page.locator("#budget_lines-error")).to_have_text(
        "ผลรวมงบประมาณตามแหล่งเงิน (149,999.99 บาท) ไม่เท่ากับงบประมาณรวมทั้งโครงการ (บาท) (150,000.00 บาท)")
    expect(page.locator("#spending_plan-2570-09-error")).to_contain_text("ต้องเป็นจำนวนเงิน")
    page.get_by_label("จำนวนเงิน (บาท) (รายการที่ 2)").fill("30,000.00")
    page.get_by_label("แผนการใช้จ่ายงบประมาณรายเดือน ก.ย. 2570").fill("9000")
    page.get_by_role("button", name=SAVE_STEP).click()
    expect(page.locator("#spending_plan-error")).to_have_text(
        "ผลรวมแผนการใช้จ่ายรายเดือน (149,000.00 บาท) ไม่เท่ากับงบประมาณรวมทั้งโครงการ (บาท) (150,000.00 บาท)")
    assert emenscr.admin.writes() == []


def test_send_locks_until_returned_with_a_comment_and_twice_records_two(page, emenscr, login):
    login(page, emenscr)
    project_id = create_project_in_browser(page, emenscr, "2570-102")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="ส่งโครงการเพื่อขออนุมัติ (M7)").click()
    expect(page.locator("#project-status")).to_have_text("รอการพิจารณา")
    assert "ยืนยันการส่งโครงการเพื่อขออนุมัติ" in dialogs[0]
    page.get_by_role("button", name="ส่งโครงการเพื่อขออนุมัติ (M7)").click()
    expect(page.locator("#send-count")).to_have_text("2")
    # locked: the step form is disabled and a POST is refused
    page.goto(f"{emenscr.url}/projects/{project_id}/steps/M1")
    expect(page.get_by_label("ชื่อโครงการ")).to_be_disabled()
    emenscr.admin.post(f"projects/{project_id}/return", {"comment": "กรุณาแก้ไขตัวชี้วัดให้วัดผลได้"})
    page.goto(f"{emenscr.url}/projects/{project_id}")
    expect(page.locator("#return-comment")).to_have_text("ส่งกลับแก้ไข: กรุณาแก้ไขตัวชี้วัดให้วัดผลได้")
    page.goto(f"{emenscr.url}/projects/{project_id}/steps/M1")
    expect(page.get_by_label("ชื่อโครงการ")).to_be_enabled()
    sends = emenscr.admin.writes("project.send")
    assert len(sends) == 2


def test_a_locked_project_refuses_step_posts(emenscr, http_login):
    client, token = http_login(emenscr)
    answer = client.post("/projects/10001/steps/M1",
                         data={"csrf_token": token, **flatten(seed_projects()[0]["steps"]["M1"])})
    assert answer.status_code == 409 and "ไม่สามารถแก้ไขได้" in answer.text
    assert emenscr.admin.writes() == []


def test_an_incomplete_project_cannot_be_sent(page, emenscr, login):
    login(page, emenscr)
    page.goto(emenscr.url + "/projects/10003")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="ส่งโครงการเพื่อขออนุมัติ (M7)").click()
    expect(page.get_by_role("alert")).to_have_text(
        "กรุณากรอกข้อมูลให้ครบทุกขั้นตอนก่อนส่งขออนุมัติ: M2, M3, M4, M5")
    assert emenscr.admin.writes() == []


def test_dismissing_the_confirm_dialog_sends_nothing(page, emenscr, login):
    login(page, emenscr)
    create_project_in_browser(page, emenscr, "2570-103")
    page.on("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="ส่งโครงการเพื่อขออนุมัติ (M7)").click()
    expect(page.locator("#project-status")).to_have_text("ร่าง")
    assert emenscr.admin.writes("project.send") == []


def test_each_upload_adds_another_attachment(page, emenscr, login, tmp_path):
    login(page, emenscr)
    memo = tmp_path / "บันทึกข้อความ.pdf"
    memo.write_bytes(b"%PDF-1.4 memo")
    page.goto(emenscr.url + "/projects/10001")
    for _ in range(2):
        page.get_by_label("ไฟล์เอกสารแนบ").set_input_files(memo)
        page.get_by_label("คำอธิบายไฟล์").fill("บันทึกข้อความขออนุมัติโครงการ")
        page.get_by_role("button", name="แนบไฟล์").click()
        expect(page.get_by_role("status")).to_have_text("แนบไฟล์เรียบร้อยแล้ว")
    expect(page.locator("#attachments tbody tr")).to_have_count(2)
    program = tmp_path / "x.exe"
    program.write_bytes(b"MZ")
    page.get_by_label("ไฟล์เอกสารแนบ").set_input_files(program)
    page.get_by_role("button", name="แนบไฟล์").click()
    expect(page.get_by_role("alert")).to_contain_text("ประเภทไฟล์ไม่ถูกต้อง")
    assert len(emenscr.admin.writes("project.attachment.add")) == 2


def fill_progress(page: Page, progress: list[str], status: str) -> None:
    for n, value in enumerate(progress, start=1):
        page.get_by_label(f"ความก้าวหน้ากิจกรรมที่ {n}").fill(value)
    page.get_by_label("ผลการดำเนินงานตามตัวชี้วัดที่ 1").fill("ร้อยละ 62")
    page.get_by_label("ผลการดำเนินงานตามตัวชี้วัดที่ 2").fill("75 โรงเรียน")
    page.get_by_label("ผลการเบิกจ่าย เดือน ม.ค. 2570").fill("18,500.00")
    page.get_by_label("ผลการเบิกจ่าย เดือน ก.พ. 2570").fill("9000")
    page.get_by_label("ผลการเบิกจ่าย เดือน มี.ค. 2570").fill("0")
    page.get_by_label("ปัญหาอุปสรรคในการดำเนินงาน").fill("โรงเรียนมีภารกิจสอบปลายภาค")
    page.get_by_label("สถานะการดำเนินงาน").select_option(status)


def test_progress_saves_through_the_json_endpoint_and_reads_back(page, emenscr, login):
    login(page, emenscr)
    page.goto(emenscr.url + "/projects/10001")
    page.get_by_role("link", name="ไตรมาสที่ 2 (1 ม.ค. 70 – 31 มี.ค. 70)").click()
    expect(page.locator("#quarter-title")).to_have_text("ปีงบประมาณ 2570 ไตรมาสที่ 2 (1 ม.ค. 70 – 31 มี.ค. 70)")
    fill_progress(page, ["100", "40", "0"], "อยู่ระหว่างดำเนินการ")
    page.get_by_role("button", name="บันทึกผลการดำเนินงาน").click()
    expect(page.locator("#save-status")).to_have_text("บันทึกข้อมูลเรียบร้อยแล้ว")
    page.reload()
    expect(page.get_by_label("ความก้าวหน้ากิจกรรมที่ 2")).to_have_value("40")
    expect(page.get_by_label("ผลการเบิกจ่าย เดือน ม.ค. 2570")).to_have_value("18500.00")
    expect(page.get_by_label("สถานะการดำเนินงาน")).to_have_value("อยู่ระหว่างดำเนินการ")
    # saving the same quarter again overwrites it
    page.get_by_label("ความก้าวหน้ากิจกรรมที่ 2").fill("55")
    page.get_by_role("button", name="บันทึกผลการดำเนินงาน").click()
    expect(page.locator("#save-status")).to_be_visible()
    state = emenscr.admin.state()
    project = next(p for p in state["store"]["projects"] if p["id"] == 10001)
    assert list(project["progress"]) == ["2"]
    assert project["progress"]["2"]["values"]["activity-2-progress"] == "55"
    assert state["requests"]["by_route"]["POST /api/projects/10001/progress/2"] == 2
    assert len([w for w in state["writes"] if w["action"] == "progress.save"]) == 2


def test_progress_validation_refuses_bad_values(page, emenscr, login):
    login(page, emenscr)
    page.goto(emenscr.url + "/projects/10001/progress/2")
    fill_progress(page, ["120", "40", "abc"], "ดำเนินการแล้วเสร็จ")
    page.get_by_label("ผลการเบิกจ่าย เดือน ก.พ. 2570").fill("200,000")
    page.get_by_role("button", name="บันทึกผลการดำเนินงาน").click()
    expect(page.locator("#activity-1-progress-error")).to_contain_text("ต้องอยู่ระหว่าง 0 ถึง 100")
    expect(page.locator("#activity-3-progress-error")).to_contain_text("ต้องเป็นตัวเลข")
    expect(page.locator("#disbursed-error")).to_have_text(
        "ผลการเบิกจ่ายสะสม (218,500.00 บาท) เกินงบประมาณโครงการ (150,000.00 บาท)")
    expect(page.locator("#save-status")).to_be_hidden()
    page.get_by_label("ความก้าวหน้ากิจกรรมที่ 1").fill("100")
    page.get_by_label("ความก้าวหน้ากิจกรรมที่ 3").fill("0")
    page.get_by_label("ผลการเบิกจ่าย เดือน ก.พ. 2570").fill("9000")
    page.get_by_role("button", name="บันทึกผลการดำเนินงาน").click()
    expect(page.locator("#status-error")).to_have_text(
        'สถานะ "ดำเนินการแล้วเสร็จ" ต้องมีความก้าวหน้าทุกกิจกรรมร้อยละ 100')
    assert emenscr.admin.writes() == []


def test_progress_cannot_go_backwards_from_the_previous_quarter(emenscr, http_login):
    client, token = http_login(emenscr)
    q1 = {"activity-1-progress": "60", "activity-2-progress": "0", "activity-3-progress": "0",
          "kpi-1-result": "-", "kpi-2-result": "-", "disbursed-2569-10": "0",
          "disbursed-2569-11": "30000", "disbursed-2569-12": "10000", "status": "อยู่ระหว่างดำเนินการ"}
    headers = {"X-CSRF-Token": token}
    assert client.post("/api/projects/10001/progress/1", json=q1, headers=headers).json()["ok"]
    q2 = {**q1, "activity-1-progress": "50", "disbursed-2570-01": "0", "disbursed-2570-02": "0",
          "disbursed-2570-03": "0"}
    answer = client.post("/api/projects/10001/progress/2", json=q2, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"activity-1-progress": "ความก้าวหน้าต้องไม่น้อยกว่าไตรมาสก่อน (ร้อยละ 60)"}


def test_progress_only_on_approved_projects(emenscr, http_login):
    client, token = http_login(emenscr)
    assert client.get("/projects/10003/progress/1").status_code == 409
    answer = client.post("/api/projects/10003/progress/1", json={}, headers={"X-CSRF-Token": token})
    assert answer.status_code == 409


def test_expiry_during_progress_sends_the_page_to_login_and_saves_nothing(page, emenscr, login):
    login(page, emenscr)
    page.goto(emenscr.url + "/projects/10001/progress/1")
    page.get_by_label("ความก้าวหน้ากิจกรรมที่ 1").fill("30")
    emenscr.admin.expire_sessions()
    page.get_by_role("button", name="บันทึกผลการดำเนินงาน").click()
    expect(page).to_have_url(emenscr.url + "/login?expired=1")
    assert emenscr.admin.writes() == []


def test_a_changed_data_file_changes_the_page(page, login, tmp_path):
    data = yaml.safe_load(emenscr_app.DEFAULT_DATA.read_text(encoding="utf-8"))
    m1 = data["steps"][0]
    m1["fields"][1]["label"] = "ชื่อโครงการ/การดำเนินงาน"
    m1["fields"].insert(0, m1["fields"].pop(1))               # name now comes first
    data["steps"][2], data["steps"][3] = data["steps"][3], data["steps"][2]  # M4 before M3
    changed = tmp_path / "emenscr.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with run_in_thread("emenscr", data_path=changed) as sandbox:
        login(page, sandbox)
        page.goto(sandbox.url + "/projects/10003/steps/M1")
        labels = page.locator("#step-form label").all_inner_texts()
        assert labels[0].startswith("ชื่อโครงการ/การดำเนินงาน")
        page.get_by_role("button", name=SAVE_STEP).click()
        page.goto(sandbox.url + "/projects/10003/steps/M2")
        expect(page.get_by_role("navigation", name="ขั้นตอนการบันทึกโครงการ").get_by_role("link")).to_have_text(
            [r"M1 ข้อมูลทั่วไป ✓", "M2 ความสอดคล้องกับแผน", "M4 กิจกรรมและระยะเวลาดำเนินงาน",
             "M3 หลักการและเหตุผล วัตถุประสงค์ และตัวชี้วัด", "M5 งบประมาณและแผนการใช้จ่าย"])
