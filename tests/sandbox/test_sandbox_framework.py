"""What both stand-ins share, shown on eMENSCR: login, CSRF, expiry, knobs, read-back, processes."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from playwright.sync_api import expect

from tidtam.sandbox.server import start_subprocess

pytestmark = pytest.mark.browser


def upload(client: httpx.Client, token: str, **kwargs) -> httpx.Response:
    """A write that is always allowed and never idempotent: attach a file to project 10001."""
    return client.post("/projects/10001/attachments", data={"csrf_token": token},
                       files={"file": ("memo.pdf", b"%PDF-1.4 memo", "application/pdf")}, **kwargs)


def test_login_page_is_thai_with_labelled_inputs(page, emenscr):
    page.goto(emenscr.url + "/projects")
    expect(page).to_have_url(emenscr.url + "/login?next=/projects")
    expect(page.get_by_role("heading", name="เข้าสู่ระบบ")).to_be_visible()
    expect(page.get_by_label("ชื่อผู้ใช้")).to_be_editable()
    expect(page.get_by_label("รหัสผ่าน")).to_have_attribute("type", "password")
    expect(page.locator("html")).to_have_attribute("lang", "th")


def test_wrong_password_is_refused_in_thai(page, emenscr):
    page.goto(emenscr.url + "/login")
    page.get_by_label("ชื่อผู้ใช้").fill("demo")
    page.get_by_label("รหัสผ่าน").fill("wrong")
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page.get_by_role("alert")).to_have_text("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง")
    assert emenscr.admin.state()["sessions"]["active"] == 0


def test_credentials_come_from_the_environment(page, monkeypatch):
    from tidtam.sandbox.server import run_in_thread
    monkeypatch.setenv("TIDTAM_SANDBOX_USER", "esa-cm5")
    monkeypatch.setenv("TIDTAM_SANDBOX_PASSWORD", "s3cret-ทดสอบ")
    with run_in_thread("emenscr") as sandbox:
        page.goto(sandbox.url + "/login")
        page.get_by_label("ชื่อผู้ใช้").fill("esa-cm5")
        page.get_by_label("รหัสผ่าน").fill("s3cret-ทดสอบ")
        page.get_by_role("button", name="เข้าสู่ระบบ").click()
        expect(page.get_by_role("heading", name="รายการโครงการของหน่วยงาน")).to_be_visible()


def test_login_leads_to_the_project_list_with_a_menu(page, emenscr, login):
    login(page, emenscr)
    menu = page.get_by_role("navigation", name="เมนูหลัก")
    for label in ("หน้าหลัก", "โครงการทั้งหมด", "เพิ่มโครงการ", "ออกจากระบบ"):
        expect(menu.get_by_role("link", name=label)).to_be_visible()
    expect(page.locator("tr[data-project-code='2570-001']")).to_be_visible()


def test_a_tampered_csrf_token_is_refused_and_nothing_is_saved(page, emenscr, login):
    login(page, emenscr)
    page.goto(emenscr.url + "/projects/new")
    page.get_by_label("รหัสโครงการของหน่วยงาน").fill("2570-050")
    page.locator("input[name=csrf_token]").evaluate("input => input.value = 'forged'")
    page.get_by_role("button", name="บันทึกและไปขั้นตอนถัดไป").click()
    expect(page.get_by_role("alert")).to_contain_text("CSRF")
    assert emenscr.admin.writes() == []


def test_posts_without_a_token_are_refused(emenscr, http_login):
    client, token = http_login(emenscr)
    assert upload(client, "forged").status_code == 403
    answer = client.post("/api/projects/10001/progress/1", json={"status": "ยกเลิก"})
    assert answer.status_code == 403 and answer.json()["error"] == "csrf"
    assert upload(client, token).status_code == 200
    assert [w["action"] for w in emenscr.admin.writes()] == ["project.attachment.add"]


def test_idle_expiry_loses_the_half_filled_form(page, emenscr, login):
    emenscr.admin.set_knobs(idle_timeout=600)
    login(page, emenscr)
    page.goto(emenscr.url + "/projects/new")
    page.get_by_label("รหัสโครงการของหน่วยงาน").fill("2570-060")
    page.get_by_label("ชื่อโครงการ").fill("โครงการที่กรอกไม่ทัน")
    emenscr.admin.advance_clock(601)  # the officer went to a meeting
    page.get_by_role("button", name="บันทึกและไปขั้นตอนถัดไป").click()
    expect(page).to_have_url(emenscr.url + "/login?expired=1")
    expect(page.get_by_role("status")).to_have_text("หมดเวลาการใช้งาน กรุณาเข้าสู่ระบบใหม่")
    state = emenscr.admin.state()
    assert state["writes"] == [] and len(state["store"]["projects"]) == 3


def test_activity_within_the_idle_timeout_keeps_the_session(page, emenscr, login):
    emenscr.admin.set_knobs(idle_timeout=600)
    login(page, emenscr)
    emenscr.admin.advance_clock(500)
    page.goto(emenscr.url + "/projects")
    emenscr.admin.advance_clock(500)  # 1000 s since login, but only 500 s idle
    page.goto(emenscr.url + "/projects/10001")
    expect(page.locator("#remote-id")).to_have_text("10001")


def test_expire_every_n_requests(page, emenscr, login):
    login(page, emenscr)  # lands through / and /projects: the session's first two requests
    emenscr.admin.set_knobs(expire_every=4)
    page.goto(emenscr.url + "/projects/10001")  # third
    expect(page.locator("#remote-id")).to_have_text("10001")
    page.goto(emenscr.url + "/projects/10002")  # fourth: expired
    expect(page).to_have_url(emenscr.url + "/login?expired=1")
    assert emenscr.admin.state()["requests"]["injected"]["expire"] == 1


def test_expired_json_call_answers_401(emenscr, http_login):
    client, token = http_login(emenscr)
    emenscr.admin.expire_sessions()
    answer = client.post("/api/projects/10001/progress/1", json={}, headers={"X-CSRF-Token": token})
    assert answer.status_code == 401 and answer.json()["error"] == "session_none"


def test_latency_knob_slows_every_request(emenscr):
    emenscr.admin.set_knobs(latency_ms=400)
    started = time.monotonic()
    httpx.get(emenscr.url + "/login")
    assert time.monotonic() - started >= 0.4
    emenscr.admin.set_knobs(latency_ms=0)
    assert emenscr.admin.knobs()["latency_ms"] == 0


def test_fail_rate_before_answers_500_and_does_nothing(page, emenscr, login, http_login):
    client, token = http_login(emenscr)
    emenscr.admin.set_knobs(fail_rate=1.0)
    assert upload(client, token).status_code == 500
    page.goto(emenscr.url + "/login")
    expect(page.get_by_role("alert")).to_contain_text("เกิดข้อผิดพลาดภายในระบบ (500)")
    state = emenscr.admin.state()
    assert state["writes"] == []
    assert state["requests"]["injected"]["fail"] == state["requests"]["by_status"]["500"] >= 2


def test_fail_phase_after_applies_then_answers_500(emenscr, http_login):
    client, token = http_login(emenscr)
    emenscr.admin.set_knobs(fail_rate=1.0, fail_phase="after")
    assert upload(client, token).status_code == 500
    emenscr.admin.set_knobs(fail_rate=0.0)
    assert [w["action"] for w in emenscr.admin.writes()] == ["project.attachment.add"]


def test_a_hung_save_times_out_for_the_client_and_lands_afterwards(emenscr, http_login, wait_for):
    client, token = http_login(emenscr)
    emenscr.admin.set_knobs(hang_rate=1.0, hang_seconds=1.5)
    with pytest.raises(httpx.ReadTimeout):
        upload(client, token, timeout=0.3)
    assert emenscr.admin.writes() == []  # not yet: the server is still hanging
    wait_for(lambda: emenscr.admin.writes("project.attachment.add"), what="the hung upload to land")
    assert emenscr.admin.state()["requests"]["injected"]["hang"] == 1


def test_a_dropped_request_is_applied_then_the_line_closes_without_one_byte_of_answer(emenscr, http_login):
    client, token = http_login(emenscr)
    emenscr.admin.set_knobs(drop_rate=1.0, drop_only="POST /projects/10001/attachments")
    assert client.get("/projects/10001").status_code == 200  # another route: answered as usual
    request = client.build_request("POST", "/projects/10001/attachments", data={"csrf_token": token},
                                   files={"file": ("memo.pdf", b"%PDF-1.4 memo", "application/pdf")})
    head = f"POST {request.url.raw_path.decode()} HTTP/1.1\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in request.headers.items()) + "\r\n"
    with socket.create_connection((request.url.host, request.url.port), timeout=10) as line:
        line.sendall(head.encode() + request.read())
        assert line.recv(65536) == b""  # closed, and not one byte of an answer came first
    assert [w["action"] for w in emenscr.admin.writes()] == ["project.attachment.add"]
    assert emenscr.admin.state()["requests"]["injected"]["drop"] == 1


def test_bad_knobs_are_refused_and_nothing_changes(emenscr):
    before = emenscr.admin.knobs()
    for change in ({"fail_rate": 2}, {"no_such_knob": 1}, {"latency_ms": "slow"},
                   {"fail_rate": 0.5, "fail_phase": "sometimes"}, {"drop_rate": 1.5}):
        answer = httpx.post(emenscr.url + "/__admin/knobs", json=change)
        assert answer.status_code == 400, change
    assert emenscr.admin.knobs() == before


def test_knobs_set_at_start_are_read_back(tmp_path):
    from tidtam.sandbox.server import run_in_thread
    with run_in_thread("emenscr", latency_ms=5, fail_rate=0.25, fail_only="POST /api/", hang_rate=0.1, hang_seconds=7,
                       hang_only="POST /projects/new", drop_rate=0.2, drop_only="POST /projects/", expire_every=9,
                       idle_timeout=60, seed=42) as sandbox:
        knobs = sandbox.admin.knobs()
    assert knobs == {"latency_ms": 5, "fail_rate": 0.25, "fail_phase": "before", "fail_only": "POST /api/", "hang_rate": 0.1,
                     "hang_seconds": 7.0, "hang_only": "POST /projects/new", "drop_rate": 0.2,
                     "drop_only": "POST /projects/", "expire_every": 9,
                     "idle_timeout": 60.0, "seed": 42}


def test_failures_limited_to_one_route_leave_the_others_alone(tmp_path):
    from tidtam.sandbox.server import run_in_thread
    with run_in_thread("emenscr", fail_rate=1.0, fail_only="POST /login") as sandbox:
        assert httpx.get(sandbox.url + "/login", timeout=5).status_code == 200
        assert httpx.post(sandbox.url + "/login", data={}, timeout=5).status_code == 500
        assert sandbox.admin.state()["requests"]["injected"]["fail"] == 1


def test_hangs_limited_to_one_route_leave_the_others_alone(tmp_path):
    from tidtam.sandbox.server import run_in_thread
    with run_in_thread("emenscr", hang_rate=1.0, hang_seconds=30, hang_only="POST /projects/new") as sandbox:
        assert httpx.get(sandbox.url + "/login", timeout=5).status_code == 200  # would hang 30 s otherwise
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(sandbox.url + "/projects/new", timeout=1)
        assert sandbox.admin.state()["requests"]["injected"]["hang"] == 1


def test_seeded_fail_dice_repeat(emenscr):
    def run():
        emenscr.admin.set_knobs(fail_rate=0.5, seed=7)
        return [httpx.get(emenscr.url + "/login").status_code for _ in range(12)]
    first, second = run(), run()
    assert first == second and 500 in first and 200 in first


def test_read_back_lists_writes_with_time_session_and_requests(emenscr, http_login):
    client, token = http_login(emenscr)
    upload(client, token)
    upload(client, token)
    state = emenscr.admin.state()
    uploads = state["writes"]
    assert [w["seq"] for w in uploads] == [1, 2]
    assert all(w["action"] == "project.attachment.add" for w in uploads)
    assert all(w["session"].startswith("s-") and w["user"] == "demo" and w["at"] for w in uploads)
    assert uploads[0]["target"] == {"project_id": 10001, "attachment_id": "a1"}
    assert state["requests"]["by_route"]["POST /projects/10001/attachments"] == 2
    project = next(p for p in state["store"]["projects"] if p["id"] == 10001)
    assert [a["id"] for a in project["attachments"]] == ["a1", "a2"]
    emenscr.admin.reset()
    assert emenscr.admin.state()["writes"] == []


def test_subprocess_server_outlives_a_killed_client(tmp_path):
    client_script = tmp_path / "client.py"
    client_script.write_text(
        "import sys, time, httpx\n"
        "httpx.get(sys.argv[1] + '/login')\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n")
    with start_subprocess("emenscr", idle_timeout=30) as sandbox:
        client = subprocess.Popen([sys.executable, str(client_script), sandbox.url],
                                  stdout=subprocess.PIPE, text=True)
        assert client.stdout.readline().strip() == "ready"
        os.kill(client.pid, signal.SIGKILL)
        client.wait()
        assert sandbox.admin.state()["requests"]["by_route"]["GET /login"] == 1
        assert httpx.get(sandbox.url + "/login").status_code == 200
        pid = sandbox.pid
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
