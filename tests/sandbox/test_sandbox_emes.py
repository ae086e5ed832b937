"""The E-MES stand-in in a real browser: round choice, a page per point of consideration (its
narrative form, or its ranked works), files, confirm and lock. Its standards, indicators and
points are the tool's own frame file (config/emes/frames/2570.yaml)."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4 evidence"
SAVE = "บันทึกข้อมูลประเด็นการพิจารณา"
POINTS = ("1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.2.1", "1.2.2", "2.1.1", "2.1.2", "2.1.6", "2.2.1", "2.2.2", "2.3.1", "2.3.2")
WORKS = "3.1.1"


def open_point(page: Page, emes, code: str) -> None:
    page.goto(f"{emes.url}/rounds/2570/1/points/{code}")
    expect(page.locator("#point-title")).to_have_attribute("data-point", code)


def test_choosing_year_then_round_uses_the_json_endpoint(page, emes, login):
    login(page, emes)
    expect(page.get_by_role("heading", name="รายงานผลการประเมิน")).to_be_visible()
    expect(page.get_by_label("รอบการประเมิน")).to_be_disabled()
    page.get_by_label("ปีงบประมาณ").select_option("2570")
    page.get_by_label("รอบการประเมิน").select_option(label="รอบที่ 2 (กำหนดส่ง 15 ก.ย. 2570)")
    page.get_by_role("button", name="เข้าสู่การรายงาน").click()
    expect(page.locator("#round-title")).to_have_text("ปีงบประมาณ 2570 รอบที่ 2")
    expect(page.locator("#standard-table tbody tr")).to_have_count(3)
    expect(page.get_by_role("link", name="มาตรฐานที่ 3 สัมฤทธิผลการบริหารและการจัดการศึกษา")).to_be_visible()
    assert emes.admin.state()["requests"]["by_route"]["GET /api/rounds"] == 1


def test_a_standard_page_lists_its_indicators_with_their_points(page, emes, login):
    login(page, emes)
    page.goto(emes.url + "/rounds/2570/1/standards/1")
    expect(page.locator("#point-table tbody tr[data-indicator]")).to_have_text(
        ["ตัวบ่งชี้ที่ 1 การบริหารจัดการที่ดี", "ตัวบ่งชี้ที่ 2 ก.ต.ป.น. ใช้แผนเป็นเครื่องมือในการกำกับ ติดตาม ตรวจสอบ และประเมินผล"])
    expect(page.locator("#point-table tbody tr[data-point]")).to_have_count(6)
    expect(page.get_by_role("link", name="ประเด็นการพิจารณาที่ 1 ภาวะผู้นำของผู้บริหารสำนักงานเขตพื้นที่การศึกษาในการขับเคลื่อนองค์การ")).to_be_visible()


def test_saving_a_point_reads_back_and_overwrites(page, emes, login):
    login(page, emes)
    open_point(page, emes, "1.1.2")
    expect(page.locator("#point-title")).to_contain_text("การใช้ข้อมูลสารสนเทศ")
    page.get_by_label("ระดับ 4 ดีมาก").check()
    page.get_by_label("ผลการดำเนินงาน").fill("สำนักงานเขตพื้นที่การศึกษาใช้ระบบติดตามแผนแบบออนไลน์ทุกกลุ่มงาน")
    page.get_by_label("ลิงก์หลักฐานเพิ่มเติม").fill("https://example.org/plan.pdf\nhttps://example.org/report")
    page.get_by_role("button", name=SAVE).click()
    expect(page.get_by_role("status")).to_have_text("บันทึกข้อมูลเรียบร้อยแล้ว")
    open_point(page, emes, "1.1.2")
    expect(page.get_by_label("ระดับ 4 ดีมาก")).to_be_checked()
    page.get_by_label("ระดับ 5 ดีเยี่ยม").check()
    page.get_by_role("button", name=SAVE).click()
    expect(page.get_by_role("status")).to_be_visible()
    state = emes.admin.state()
    entry = state["store"]["assessments"]["2570-1"]["1.1.2"]
    assert entry["level"] == "5"
    assert entry["links"] == ["https://example.org/plan.pdf", "https://example.org/report"]
    assert [w["action"] for w in state["writes"]] == ["point.save", "point.save"]
    page.goto(emes.url + "/rounds/2570/1/standards/1")
    expect(page.locator("tr[data-point='1.1.2'] .point-status")).to_have_text("บันทึกแล้ว")


def test_ranked_works_are_an_ordered_list_each_with_a_title_and_a_video_link(page, emes, login):
    login(page, emes)
    open_point(page, emes, WORKS)
    expect(page.locator("#works li")).to_have_count(5)
    expect(page.get_by_label("ระดับ 1 ต้องปรับปรุง")).to_have_count(0)  # a works point has no level
    for n in range(1, 6):
        page.get_by_label(f"ชื่อผลงานลำดับที่ {n}").fill(f"ผลงาน {n}")
        page.get_by_label(f"ลิงก์วีดิทัศน์ (VDO) ผลงานลำดับที่ {n}").fill(f"https://video.example/{n}")
    page.get_by_label("ลิงก์วีดิทัศน์ (VDO) ผลงานลำดับที่ 3").fill("video.example/3")
    page.get_by_role("button", name="บันทึกผลงาน").click()
    expect(page.locator("#video_3-error")).to_contain_text("ต้องขึ้นต้นด้วย http:// หรือ https://")
    assert emes.admin.writes() == []
    page.get_by_label("ลิงก์วีดิทัศน์ (VDO) ผลงานลำดับที่ 3").fill("https://video.example/3")
    page.get_by_role("button", name="บันทึกผลงาน").click()
    expect(page.get_by_role("status")).to_have_text("บันทึกข้อมูลเรียบร้อยแล้ว")
    works = emes.admin.state()["store"]["assessments"]["2570-1"][WORKS]["works"]
    assert works == [{"title": f"ผลงาน {n}", "video": f"https://video.example/{n}"} for n in range(1, 6)]
    open_point(page, emes, WORKS)
    expect(page.get_by_label("ชื่อผลงานลำดับที่ 5")).to_have_value("ผลงาน 5")


def test_point_validation_messages(page, emes, login):
    login(page, emes)
    open_point(page, emes, "2.1.6")
    page.get_by_label("ผลการดำเนินงาน").fill("ก" * 3001)
    expect(page.locator("#narrative-count")).to_have_text("3001/3000 ตัวอักษร")
    page.get_by_label("ลิงก์หลักฐานเพิ่มเติม").fill("www.example.org")
    page.get_by_role("button", name=SAVE).click()
    expect(page.locator("#level-error")).to_have_text("กรุณาเลือกระดับผลการประเมินตนเอง")
    expect(page.locator("#narrative-error")).to_have_text(
        "ผลการดำเนินงานต้องไม่เกิน 3000 ตัวอักษร (ขณะนี้ 3001 ตัวอักษร)")
    expect(page.locator("#links-error")).to_contain_text("ลิงก์ต้องขึ้นต้นด้วย http:// หรือ https://")
    assert emes.admin.writes() == []


def test_each_evidence_upload_adds_a_file_and_bad_files_are_refused(page, emes, login, tmp_path):
    login(page, emes)
    open_point(page, emes, "1.1.1")
    report = tmp_path / "รายงานผล.pdf"
    report.write_bytes(PDF)
    for _ in range(2):
        page.get_by_label("ไฟล์รายงานหรือหลักฐาน").set_input_files(report)
        page.get_by_label("คำอธิบายไฟล์").fill("แบบรายงานประเด็นการพิจารณา")
        page.get_by_role("button", name="อัปโหลดไฟล์").click()
        expect(page.get_by_role("status")).to_have_text("อัปโหลดไฟล์เรียบร้อยแล้ว")
    expect(page.locator("#evidence-table tbody tr")).to_have_count(2)
    refused = {
        "notes.docx": (b"PK\x03\x04", "อนุญาตเฉพาะไฟล์ PDF, JPG และ PNG"),
        "fake.png": (b"%PDF-1.4", "เนื้อหาไฟล์ไม่ตรงกับประเภทไฟล์ (.png)"),
        "big.pdf": (b"%PDF" + b"0" * (5 * 1024 * 1024), "ขนาดไฟล์ต้องไม่เกิน 5 MB"),
    }
    for name, (content, message) in refused.items():
        path = tmp_path / name
        path.write_bytes(content)
        page.get_by_label("ไฟล์รายงานหรือหลักฐาน").set_input_files(path)
        page.get_by_role("button", name="อัปโหลดไฟล์").click()
        expect(page.locator("#evidence-error")).to_have_text(message)
    evidence = emes.admin.state()["store"]["evidence"]
    assert [e["filename"] for e in evidence] == ["รายงานผล.pdf", "รายงานผล.pdf"]
    page.get_by_role("button", name="ลบไฟล์ รายงานผล.pdf").first.click()
    expect(page.locator("#evidence-table tbody tr")).to_have_count(1)
    assert [w["action"] for w in emes.admin.writes()] == ["evidence.add", "evidence.add", "evidence.delete"]


def save_all_points(emes, http_login) -> None:
    client, token = http_login(emes)
    for code in POINTS:
        answer = client.post(f"/rounds/2570/1/points/{code}",
                             data={"csrf_token": token, "level": "3", "narrative": f"ผลของ {code}"})
        assert answer.status_code == 200, code
    works = {f"{what}_{n}": f"https://video.example/{n}" for n in range(1, 6) for what in ("title", "video")}
    assert client.post(f"/rounds/2570/1/points/{WORKS}", data={"csrf_token": token, **works}).status_code == 200


def test_confirming_needs_every_point(page, emes, login, http_login):
    client, token = http_login(emes)
    client.post("/rounds/2570/1/points/1.1.1", data={"csrf_token": token, "level": "3", "narrative": "x"})
    login(page, emes)
    page.goto(emes.url + "/rounds/2570/1")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="ยืนยันการส่งข้อมูลรอบการประเมิน").click()
    expect(page.get_by_role("alert")).to_have_text("ยังบันทึกข้อมูลไม่ครบ: ประเด็นการพิจารณา " + ", ".join([*POINTS[1:], WORKS]))
    assert emes.admin.writes("round.confirm") == []


def test_confirm_locks_the_round_until_reopened(page, emes, login, http_login):
    save_all_points(emes, http_login)
    login(page, emes)
    page.goto(emes.url + "/rounds/2570/1")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="ยืนยันการส่งข้อมูลรอบการประเมิน").click()
    expect(page.locator("#round-status")).to_have_text("ยืนยันการส่งข้อมูลแล้ว")
    assert dialogs and "ยืนยันการส่งข้อมูลรอบการประเมินนี้" in dialogs[0]
    open_point(page, emes, "1.1.1")
    expect(page.locator("#locked-notice")).to_have_text("รอบการประเมินนี้ยืนยันการส่งข้อมูลแล้ว ไม่สามารถแก้ไขได้")
    expect(page.get_by_label("ผลการดำเนินงาน")).to_be_disabled()
    expect(page.get_by_label("ไฟล์รายงานหรือหลักฐาน")).to_have_count(0)
    client, token = http_login(emes)
    answer = client.post("/rounds/2570/1/points/1.1.1", data={"csrf_token": token, "level": "5", "narrative": "y"})
    assert answer.status_code == 409
    emes.admin.post("rounds/2570/1/reopen")
    open_point(page, emes, "1.1.1")
    expect(page.get_by_label("ผลการดำเนินงาน")).to_be_enabled()
    state = emes.admin.state()
    round_state = next(r for r in state["store"]["rounds"] if r["year"] == 2570 and r["round"] == 1)
    assert round_state["confirmed"] is False and len(round_state["confirmations"]) == 1
    assert len(round_state["reopenings"]) == 1


def test_closed_rounds_refuse_saves(emes, http_login):
    client, token = http_login(emes)
    answer = client.post("/rounds/2569/2/points/1.1.1", data={"csrf_token": token, "level": "3", "narrative": "x"})
    assert answer.status_code == 409 and "ปิดรับข้อมูลแล้ว (กำหนดส่ง 15 ก.ย. 2569)" in answer.text
    assert emes.admin.writes() == []


def test_expiry_loses_the_half_filled_indicator(page, emes, login):
    emes.admin.set_knobs(idle_timeout=300)
    login(page, emes)
    open_point(page, emes, "2.3.2")
    page.get_by_label("ระดับ 2 พอใช้").check()
    page.get_by_label("ผลการดำเนินงาน").fill("ร่างที่ยังไม่ได้บันทึก")
    emes.admin.advance_clock(301)
    page.get_by_role("button", name=SAVE).click()
    expect(page).to_have_url(emes.url + "/login?expired=1")
    assert emes.admin.state()["store"]["assessments"]["2570-1"] == {}
