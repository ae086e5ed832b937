"""The eMENSCR stand-in's second profile ("spa", issue 17) in real Chromium and through httpx:
a Keycloak-like sign-in with PKCE, and an app drawn by JavaScript from a bearer-token API with
the classic profile's projects, checks, write log and fault knobs.

The stand-in's clock is moved through /__admin/clock to expire tokens: no test sleeps.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import shutil
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml
from click.testing import CliRunner
from playwright.sync_api import Page, expect

from tidtam.core.forms.schema import FormsFile, MonthsField, RowsField
from tidtam.core.settings import PACKAGE_ROOT
from tidtam.sandbox import emenscr_spa, thai
from tidtam.sandbox.server import run_in_thread
from tidtam.sandbox.site import demo_credentials

browser_test = pytest.mark.browser
REALM = "/auth/realms/master/protocol/openid-connect"
CLIENT_ID = "emenscr-nesdc"
LABELS = {"th": {"username": "ชื่อผู้ใช้หรืออีเมล", "password": "รหัสผ่าน", "submit": "เข้าสู่ระบบ",
                 "invalid": "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"},
          "en": {"username": "Username or email", "password": "Password", "submit": "Sign In",
                 "invalid": "Invalid username or password."}}
SAVE_STEP = "บันทึกและไปขั้นตอนถัดไป"


@pytest.fixture
def spa():
    with run_in_thread("emenscr", profile="spa") as handle:
        yield handle


def app(page: Page):
    return page.locator("main#app")


def sign_in(page: Page, sandbox, path: str = "/app/projects", language: str = "th", view: str = "projects") -> None:
    user, password = demo_credentials()
    page.goto(sandbox.url + path)
    expect(page.locator("form#kc-form-login")).to_be_visible()
    type_password(page, user, password, language)
    expect(app(page)).to_have_attribute("data-ready", view)


def type_password(page: Page, user: str, password: str, language: str = "th") -> None:
    labels = LABELS[language]
    page.get_by_label(labels["username"]).fill(user)
    page.get_by_label(labels["password"]).fill(password)
    page.get_by_role("button", name=labels["submit"]).click()


def counts(sandbox) -> dict:
    return sandbox.admin.state()["sign_in"]["counts"]


# ----- an HTTP client's sign-in: what `--mode http` will have to do ------------------------------
def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def challenge_of(verifier: str) -> str:
    return b64(hashlib.sha256(verifier.encode()).digest())


def authorization(sandbox, challenge: str, **changes) -> dict:
    return {"client_id": CLIENT_ID, "response_mode": "fragment", "response_type": "code", "scope": "openid",
            "redirect_uri": sandbox.url + "/app/", "code_challenge": challenge, "code_challenge_method": "S256",
            "state": "st-1", "nonce": "n-1", **changes}


def form_action(page_html: str) -> str:
    return html.unescape(re.search(r'<form id="kc-form-login"[^>]* action="([^"]+)"', page_html).group(1))


def fragment(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).fragment).items()}


def code_for(sandbox, client: httpx.Client, verifier: str) -> str:
    """Through the sign-in page with the demo account: the authorization code."""
    page = client.get(REALM + "/auth", params=authorization(sandbox, challenge_of(verifier)))
    user, password = demo_credentials()
    answer = client.post(form_action(page.text), data={"username": user, "password": password})
    assert answer.status_code == 302, answer.text
    return fragment(answer.headers["location"])["code"]


def exchange(sandbox, client: httpx.Client, code: str, verifier: str) -> httpx.Response:
    return client.post(REALM + "/token", data={"grant_type": "authorization_code", "client_id": CLIENT_ID, "code": code,
                                               "redirect_uri": sandbox.url + "/app/", "code_verifier": verifier})


def http_sign_in(sandbox) -> tuple[httpx.Client, dict]:
    client = httpx.Client(base_url=sandbox.url, timeout=10)
    verifier = b64(secrets.token_bytes(32))
    answer = exchange(sandbox, client, code_for(sandbox, client, verifier), verifier)
    assert answer.status_code == 200, answer.text
    return client, answer.json()


def bearer(tokens: dict) -> dict:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


# ----- sign-in ------------------------------------------------------------------------------------
@browser_test
@pytest.mark.parametrize("language", ["th", "en"])
def test_sign_in_refuses_a_wrong_password_then_lands_on_the_page_asked_for(browser, language):
    labels = LABELS[language]
    with run_in_thread("emenscr", profile="spa", login_language=language) as sandbox:
        context = browser.new_context(locale="th-TH")
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(sandbox.url + "/app/projects/10002")
        expect(page.locator("html")).to_have_attribute("lang", language)
        asked = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
        assert urlsplit(page.url).path == REALM + "/auth" and list(asked) == [
            "client_id", "response_mode", "response_type", "scope", "redirect_uri", "code_challenge",
            "code_challenge_method", "state", "nonce"]
        assert (asked["client_id"], asked["response_mode"], asked["code_challenge_method"]) == (CLIENT_ID, "fragment", "S256")
        user, password = demo_credentials()
        type_password(page, user, password + "-wrong", language)
        expect(page.locator("span#input-error")).to_have_text(labels["invalid"])
        expect(page.locator("input#username")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("input#username")).to_have_value(user)
        assert sandbox.admin.state()["sessions"]["active"] == 0
        type_password(page, user, password, language)
        expect(app(page)).to_have_attribute("data-ready", "project")
        expect(page.locator("#project-code")).to_have_text("2570-002")
        assert "code=" not in page.url and urlsplit(page.url).path == "/app/projects/10002"
        assert counts(sandbox).items() >= {"logins": 1, "logins_failed": 1, "tokens.authorization_code": 1}.items()
        cookie = next(c for c in context.cookies() if c["name"] == "KEYCLOAK_SESSION")
        assert cookie["path"] == "/auth/realms/master/" and cookie["httpOnly"]
        context.close()


def test_a_second_request_with_the_sso_cookie_goes_straight_back_with_a_code(spa):
    client, _ = http_sign_in(spa)
    again = client.get(REALM + "/auth", params=authorization(spa, challenge_of("v" * 43), state="st-2"))
    assert again.status_code == 302
    answer = fragment(again.headers["location"])
    assert answer["state"] == "st-2" and answer["code"] and answer["iss"].endswith("/auth/realms/master")
    assert again.headers["location"].startswith(spa.url + "/app/#")
    assert counts(spa)["logins"] == 1 and counts(spa)["codes_issued"] == 2


@browser_test
@pytest.mark.parametrize("storage", ["session", "local"])
def test_a_new_context_from_the_storage_state_needs_no_password(browser, storage):
    """sessionStorage is not in Playwright's storage state: there the SSO cookie brings the app
    its tokens through the sign-in endpoint; with localStorage the tokens come along."""
    with run_in_thread("emenscr", profile="spa", token_storage=storage) as sandbox:
        first = browser.new_context(locale="th-TH")
        first.set_default_timeout(10_000)
        sign_in(first.new_page(), sandbox)
        state = first.storage_state()
        second = browser.new_context(locale="th-TH", storage_state=state)
        second.set_default_timeout(10_000)
        page = second.new_page()
        page.goto(sandbox.url + "/app/projects")
        expect(app(page)).to_have_attribute("data-ready", "projects")
        expect(page.locator("#project-table tbody tr")).to_have_count(3)
        assert counts(sandbox)["logins"] == 1
        assert counts(sandbox)["tokens.authorization_code"] == (2 if storage == "session" else 1)
        first.close()
        second.close()


def test_pkce_verifier_mismatch_is_refused_and_spends_the_code(spa):
    client = httpx.Client(base_url=spa.url, timeout=10)
    verifier = b64(secrets.token_bytes(32))
    code = code_for(spa, client, verifier)
    wrong = exchange(spa, client, code, b64(secrets.token_bytes(32)))
    assert wrong.status_code == 400
    assert wrong.json() == {"error": "invalid_grant", "error_description": "PKCE verification failed"}
    again = exchange(spa, client, code, verifier)  # the right verifier, too late: codes are single use
    assert again.status_code == 400 and again.json()["error_description"] == "Code not valid"
    fresh = httpx.Client(base_url=spa.url, timeout=10)  # no SSO cookie yet: through the sign-in page again
    missing = exchange(spa, fresh, code_for(spa, fresh, verifier), "")
    assert missing.json()["error_description"] == "PKCE code verifier not specified"
    assert "tokens.authorization_code" not in counts(spa)


def test_authorization_requests_are_checked_before_the_sign_in_page(spa):
    client = httpx.Client(base_url=spa.url, timeout=10)
    good = authorization(spa, challenge_of("v" * 43))
    plain = client.get(REALM + "/auth", params={**good, "code_challenge_method": "plain"})
    assert plain.status_code == 302 and fragment(plain.headers["location"])["error"] == "invalid_request"
    no_pkce = client.get(REALM + "/auth", params={k: v for k, v in good.items() if not k.startswith("code_")})
    assert fragment(no_pkce.headers["location"])["error_description"] == "Missing parameter: code_challenge_method"
    elsewhere = client.get(REALM + "/auth", params={**good, "redirect_uri": "http://evil.example/app/"})
    assert elsewhere.status_code == 400 and "location" not in elsewhere.headers
    assert "Invalid parameter: redirect_uri" in elsewhere.text
    stranger = client.get(REALM + "/auth", params={**good, "client_id": "someone-else"})
    assert stranger.status_code == 400 and "kc-form-login" not in stranger.text


def test_a_stale_sign_in_form_is_refused(spa):
    client = httpx.Client(base_url=spa.url, timeout=10)
    first = client.get(REALM + "/auth", params=authorization(spa, challenge_of("v" * 43)))
    stale = form_action(first.text)
    failed = client.post(stale, data={"username": "demo", "password": "no"})
    assert "input-error" in failed.text
    user, password = demo_credentials()
    replay = client.post(stale, data={"username": user, "password": password})  # the page drawn before the failure
    assert replay.status_code == 200 and "alert-error" in replay.text and "kc-form-login" in replay.text
    assert spa.admin.state()["sessions"]["active"] == 0


# ----- the bearer API -----------------------------------------------------------------------------
def test_every_api_route_demands_a_bearer_token(spa):
    client, tokens = http_sign_in(spa)
    forged = tokens["access_token"][:-4] + ("AAAA" if not tokens["access_token"].endswith("AAAA") else "BBBB")
    for route in emenscr_spa.api_routes():
        path = re.sub(r"\{[^}]+\}", "1", route.path).replace("/steps/1", "/steps/M1")
        for method in sorted(route.methods - {"HEAD"}):
            for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": f"Bearer {forged}"},
                            {"Authorization": f"Bearer {tokens['refresh_token']}"}):
                answer = client.request(method, path, headers=headers, json={})
                assert answer.status_code == 401, (method, path, headers)
                assert answer.headers["www-authenticate"].startswith('Bearer realm="master"')
    assert spa.admin.writes() == []
    assert client.get("/api/v1/projects", headers=bearer(tokens)).status_code == 200


def test_http_client_saves_through_the_api_with_inline_errors_keyed_by_input(spa):
    client, tokens = http_sign_in(spa)
    refused = client.post("/api/v1/projects", headers=bearer(tokens), json={"code": "๒๕๗๐-๑", "fiscal_year": "2570"})
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert errors["code"].startswith("รหัสโครงการต้องอยู่ในรูปแบบ") and errors["name"] == "กรุณากรอกชื่อโครงการ"
    made = client.post("/api/v1/projects", headers=bearer(tokens), json={
        "code": "2570-050", "name": "โครงการทดสอบ", "fiscal_year": "2570", "project_type": "โครงการใหม่",
        "owner": "นายสมชาย ใจดี", "phone": "053123456", "start_date": "01/11/2569", "end_date": "30/09/2570"})
    assert made.status_code == 201 and made.json()["next"] == "M2"
    project = made.json()["id"]
    junk = client.put(f"/api/v1/projects/{project}/steps/M1", headers=bearer(tokens), json={"kpis": ["x", 1]})
    assert junk.status_code == 422 and "code" in junk.json()["errors"]  # refused, never a 500
    nested = client.put(f"/api/v1/projects/{project}/steps/M3", headers=bearer(tokens), json={})
    assert nested.status_code == 409 and nested.json()["message"] == "กรุณาบันทึก M2 ให้ครบก่อน"
    assert [w["action"] for w in spa.admin.writes()] == ["project.create"]


def test_expire_every_ends_the_sign_in_session_and_the_refresh_with_it(spa):
    client, tokens = http_sign_in(spa)
    spa.admin.set_knobs(expire_every=3)
    assert [client.get("/api/v1/meta", headers=bearer(tokens)).status_code for _ in range(3)] == [200, 200, 401]
    renewed = client.post(REALM + "/token", data={"grant_type": "refresh_token", "client_id": CLIENT_ID,
                                                  "refresh_token": tokens["refresh_token"]})
    assert renewed.status_code == 400 and renewed.json()["error_description"] == "Session not active"
    assert spa.admin.state()["requests"]["injected"]["expire"] == 1


def test_tokens_expire_by_the_knob_and_a_refresh_renews_them(spa):
    spa.admin.set_knobs(token_ttl=60, refresh_ttl=120)
    client, tokens = http_sign_in(spa)
    assert tokens["expires_in"] == 60 and tokens["refresh_expires_in"] == 120
    spa.admin.advance_clock(61)
    expired = client.get("/api/v1/projects", headers=bearer(tokens))
    assert expired.status_code == 401 and 'error_description="Token is not active"' in expired.headers["www-authenticate"]
    renewed = client.post(REALM + "/token", data={"grant_type": "refresh_token", "client_id": CLIENT_ID,
                                                  "refresh_token": tokens["refresh_token"]})
    assert renewed.status_code == 200
    assert client.get("/api/v1/projects", headers=bearer(renewed.json())).status_code == 200
    spa.admin.advance_clock(121)
    late = client.post(REALM + "/token", data={"grant_type": "refresh_token", "client_id": CLIENT_ID,
                                               "refresh_token": renewed.json()["refresh_token"]})
    assert late.status_code == 400 and late.json()["error_description"] == "Token is not active"


# ----- the app in the browser ---------------------------------------------------------------------
@browser_test
def test_the_list_comes_after_a_spinner(page, spa):
    sign_in(page, spa)
    spa.admin.set_knobs(hang_rate=1.0, hang_only="GET /api/v1/projects", hang_seconds=1.5)
    page.get_by_role("navigation", name="เมนูหลัก").get_by_role("link", name="โครงการทั้งหมด").click()
    expect(app(page)).to_have_attribute("aria-busy", "true")
    expect(page.get_by_role("progressbar", name="กำลังโหลด")).to_be_visible()
    expect(app(page)).not_to_have_attribute("data-ready", re.compile(".*"))
    rows = page.locator("#project-table tbody tr")
    expect(rows).to_have_count(3)
    expect(app(page)).not_to_have_attribute("aria-busy", "true")
    expect(app(page)).to_have_attribute("data-ready", "projects")
    assert spa.admin.state()["requests"]["injected"]["hang"] >= 1
    expect(rows.first).to_have_attribute("data-project-code", "2570-003")
    expect(page.locator("#result-count")).to_have_text("แสดงรายการที่ 1–3 จากทั้งหมด 3 รายการ")


@browser_test
def test_options_arrive_after_the_form_and_a_save_before_them_is_refused(page, spa):
    spa.admin.set_knobs(options_delay_ms=2500)
    sign_in(page, spa, "/app/projects/new", view="step")
    assert "null" not in app(page).inner_text()  # what a view lacks is left out, not written as "null"
    year = page.get_by_label("ปีงบประมาณ")
    expect(year).to_have_attribute("aria-busy", "true")
    expect(year).to_be_disabled()
    expect(year.locator("option")).to_have_count(1)
    page.get_by_role("button", name=SAVE_STEP).click()  # too early: a disabled select is not sent
    expect(app(page)).to_have_attribute("data-status", "invalid")
    expect(page.locator("#fiscal_year-error")).to_have_text("กรุณาเลือกปีงบประมาณ")
    expect(year).not_to_have_attribute("aria-busy", "true")
    expect(year.locator("option")).to_have_count(4)
    year.select_option("2570")
    assert spa.admin.writes() == []


@browser_test
def test_a_child_select_follows_its_parent(page, spa):
    spa.admin.set_knobs(options_delay_ms=300)
    sign_in(page, spa, "/app/projects/10003/steps/M2", view="step")
    goal = page.get_by_label("เป้าหมายยุทธศาสตร์ชาติ")
    expect(page.get_by_label("ยุทธศาสตร์ชาติที่เกี่ยวข้องโดยตรง")).not_to_have_attribute("aria-busy", "true")
    expect(goal.locator("option")).to_have_count(1)  # nothing to show before the parent is chosen
    page.get_by_label("ยุทธศาสตร์ชาติที่เกี่ยวข้องโดยตรง").select_option("3")
    expect(goal).not_to_have_attribute("aria-busy", "true")
    values = goal.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert values[0] == "" and len(values) > 1 and all(v.startswith("03") for v in values[1:])


def fill_progress(page: Page, percent: str = "40", disbursed: str = "1000") -> None:
    form = page.locator("form#progress-form")
    for box in form.locator("input[name^='activity-']").all():
        box.fill(percent)
    for box in form.locator("input[name^='kpi-']").all():
        box.fill("ดำเนินการแล้วบางส่วน")
    for box in form.locator("input[name^='disbursed-']").all():
        box.fill(disbursed)
    status = page.get_by_label("สถานะการดำเนินงาน")
    expect(status).not_to_have_attribute("aria-busy", "true")
    status.select_option("อยู่ระหว่างดำเนินการ")


@browser_test
def test_progress_saves_asynchronously_with_the_sites_errors_inline(page, spa):
    sign_in(page, spa, "/app/projects/10001/progress/1", view="progress")
    page.evaluate("window.stillThisPage = true")  # gone if a save loads a page
    fill_progress(page, percent="150", disbursed="๑๐๐๐")
    page.get_by_role("button", name="บันทึกผลการดำเนินงาน").click()
    expect(app(page)).to_have_attribute("data-status", "invalid")
    expect(page.locator("#activity-1-progress-error")).to_contain_text("ต้องอยู่ระหว่าง 0 ถึง 100")
    expect(page.locator("#activity-1-progress")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#disbursed-2569-10-error")).to_contain_text("ตัวเลขอารบิก")
    expect(page.locator("#error-summary")).to_be_visible()
    assert spa.admin.writes() == []
    fill_progress(page)
    page.get_by_role("button", name="บันทึกผลการดำเนินงาน").click()
    expect(app(page)).to_have_attribute("data-status", "saved")
    expect(page.locator("#save-status")).to_be_visible()
    expect(page.locator("#activity-1-progress-error")).to_be_hidden()
    expect(page.locator("#saved-at")).not_to_have_text("ยังไม่เคยบันทึก")
    assert page.evaluate("window.stillThisPage") is True
    writes = spa.admin.writes("progress.save")
    assert len(writes) == 1 and writes[0]["target"] == {"project_id": 10001, "quarter": 1}
    assert writes[0]["data"]["disbursed-2569-10"] == "1000.00" and writes[0]["user"] == demo_credentials()[0]


@browser_test
def test_a_token_that_expires_before_a_create_is_renewed_and_the_project_made_once(page, spa):
    sign_in(page, spa, "/app/projects/new", view="step")
    for name in ("ปีงบประมาณ", "ประเภทโครงการ"):
        expect(page.get_by_label(name)).not_to_have_attribute("aria-busy", "true")
    page.get_by_label("รหัสโครงการของหน่วยงาน").fill("2570-077")
    page.get_by_label("ชื่อโครงการ").fill("โครงการพัฒนาครูด้านการจัดการเรียนรู้เชิงรุก")
    page.get_by_label("ปีงบประมาณ").select_option("2570")
    page.get_by_label("ประเภทโครงการ").select_option("โครงการใหม่")
    page.get_by_label("ผู้รับผิดชอบโครงการ").fill("นายสมชาย ใจดี")
    page.get_by_label("เบอร์โทรศัพท์ผู้รับผิดชอบ").fill("053123456")
    page.get_by_label("วันเริ่มต้นโครงการ").fill("01/11/2569")
    page.get_by_label("วันสิ้นสุดโครงการ").fill("30/09/2570")
    spa.admin.advance_clock(301)  # past token_ttl (300), inside idle_timeout (900)
    page.get_by_role("button", name=SAVE_STEP).click()
    expect(page.locator("#step-title")).to_have_text("M2 ความสอดคล้องกับแผน")
    expect(app(page)).to_have_attribute("data-status", "saved")
    state = spa.admin.state()
    assert [w["action"] for w in state["writes"]] == ["project.create"]
    assert [p["steps"]["M1"]["code"] for p in state["store"]["projects"]].count("2570-077") == 1
    assert state["requests"]["by_route"]["POST /api/v1/projects"] == 2  # refused once, then sent again
    assert state["sign_in"]["counts"]["api_refused.expired"] == 1
    assert state["sign_in"]["counts"]["tokens.refresh_token"] == 1


@browser_test
def test_when_the_refresh_fails_too_the_app_signs_in_again_and_comes_back(page, spa):
    sign_in(page, spa)
    spa.admin.advance_clock(1801)  # past refresh_ttl and idle_timeout: the sign-in session is over
    page.locator("#project-table").get_by_role("link", name="โครงการยกระดับผลสัมฤทธิ์ทางการเรียน O-NET").click()
    expect(page.locator("form#kc-form-login")).to_be_visible()
    user, password = demo_credentials()
    type_password(page, user, password)
    expect(app(page)).to_have_attribute("data-ready", "project")
    assert urlsplit(page.url).path == "/app/projects/10003"
    assert counts(spa)["logins"] == 2 and "tokens.refresh_token" not in counts(spa)


@browser_test
def test_a_server_error_on_the_api_is_shown_and_fail_phase_decides_what_was_saved(page, spa):
    sign_in(page, spa, "/app/projects/10001/progress/1", view="progress")
    fill_progress(page)
    save = page.get_by_role("button", name="บันทึกผลการดำเนินงาน")
    spa.admin.set_knobs(fail_rate=1.0, fail_phase="before")
    save.click()
    expect(app(page)).to_have_attribute("data-status", "error")
    expect(page.locator("#save-failed")).to_have_text("เกิดข้อผิดพลาดภายในระบบ (500) กรุณาลองใหม่อีกครั้งภายหลัง")
    assert spa.admin.writes() == []
    spa.admin.set_knobs(fail_phase="after")  # applied, then answered 500: the page cannot tell
    expect(save).to_be_enabled()
    save.click()  # the click sets data-status to "saving" at once, so the wait below is for this save
    expect(app(page)).to_have_attribute("data-status", "error")
    expect(page.locator("#save-failed")).to_be_visible()
    assert len(spa.admin.writes("progress.save")) == 1
    spa.admin.set_knobs(fail_rate=0.0)
    save.click()
    expect(app(page)).to_have_attribute("data-status", "saved")
    assert len(spa.admin.writes("progress.save")) == 2
    assert spa.admin.state()["requests"]["injected"]["fail"] == 2


@browser_test
def test_refusals_show_in_data_status(page, spa):
    sign_in(page, spa, "/app/projects/10003/steps/M4", view="message")
    expect(app(page)).to_have_attribute("data-status", "refused")
    expect(page.get_by_role("alert")).to_have_text("กรุณาบันทึก M2, M3 ให้ครบก่อน")
    page.goto(spa.url + "/app/projects/99999")
    expect(app(page)).to_have_attribute("data-status", "not_found")
    page.goto(spa.url + "/app/projects/10003")
    expect(app(page)).to_have_attribute("data-ready", "project")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="ส่งโครงการเพื่อขออนุมัติ (M7)").click()
    expect(app(page)).to_have_attribute("data-status", "invalid")
    expect(page.locator("#project-error")).to_contain_text("กรุณากรอกข้อมูลให้ครบทุกขั้นตอนก่อนส่งขออนุมัติ")
    assert spa.admin.writes() == []


# ----- the same read-back and the same store as the classic profile --------------------------------
def test_read_back_is_the_classic_one_and_holds_no_secret(spa):
    client, tokens = http_sign_in(spa)
    with run_in_thread("emenscr") as classic:
        assert projects_of(spa) == projects_of(classic)  # the same data file and seed
    state = spa.admin.state()
    assert state["app"] == "emenscr" and {"token_ttl", "latency_ms"} <= set(state["knobs"])
    dumped = json.dumps(state)
    for secret in (tokens["access_token"], tokens["refresh_token"], tokens["id_token"], demo_credentials()[1]):
        assert secret not in dumped
    assert client.get("/login").status_code == 404  # the classic sign-in is not served here
    added = spa.admin.post("projects", {"steps": {"M1": {"code": "2570-099"}}, "status": "draft"})
    assert client.get(f"/api/v1/projects/{added['id']}", headers=bearer(tokens)).json()["code"] == "2570-099"


def projects_of(sandbox) -> list:
    return [(p["id"], p["status"], p["steps"]) for p in sandbox.admin.state()["store"]["projects"]]


def test_the_command_refuses_profile_options_where_they_do_not_apply():
    from tidtam.sandbox.cli import sandbox

    runner = CliRunner()
    classic = runner.invoke(sandbox, ["emenscr", "--token-ttl", "60"])
    assert classic.exit_code == 2 and "--profile spa" in classic.output
    emes = runner.invoke(sandbox, ["emes", "--profile", "spa"])
    assert emes.exit_code == 2 and "eMENSCR" in emes.output
    bad = runner.invoke(sandbox, ["emenscr", "--profile", "spa", "--token-ttl", "0"])
    assert bad.exit_code == 2 and "token_ttl" in bad.output


# ----- the config version folder that describes this profile ---------------------------------------
SPA_CONFIG = PACKAGE_ROOT / "config/targets/emenscr/2027.1-spa"


def test_an_office_can_pin_the_spa_config_version(tmp_path, monkeypatch):
    from tidtam.core import config as cfg
    from tidtam.core.plugins import load_plugins

    folder = tmp_path / "config"
    shutil.copytree(PACKAGE_ROOT / "config", folder)
    office = folder / "office.yaml"
    office.write_text(office.read_text(encoding="utf-8").replace(
        'emenscr: {version: "2026.1"}', 'emenscr: {version: "2027.1-spa"}'), encoding="utf-8")
    monkeypatch.setenv("TIDTAM_CONFIG_DIR", str(folder))
    loaded = cfg.target_config(load_plugins().target("emenscr"))
    assert loaded.version == "2027.1-spa" and loaded.forms.login.path == "/app/"
    assert loaded.mapping.base_url == "http://127.0.0.1:8701"


def wanted_labels(field, month: str) -> list[tuple[str, bool]]:
    """(label text, prefix match) a field's locator looks for: the first row, the first month."""
    if isinstance(field, RowsField):
        return [(c.label.format(n=1), c.match == "prefix") for c in field.columns.values()]
    if isinstance(field, MonthsField):
        return [(field.label.format(month=month), False)]
    return [(field.label, field.match == "prefix")]


def check_drawn(page: Page, spec, month: str) -> None:
    """The page shows `ready`, and each field's label, each button and each list exactly once."""
    expect(page.locator(spec.ready.css)).to_have_count(1)
    shown = page.locator("label").evaluate_all(
        "labels => labels.map(l => l.textContent.replace(/\\s*\\*\\s*$/, '').trim())")
    for key, field in spec.fields.items():
        for text, prefix in wanted_labels(field, month):
            found = [label for label in shown if (label.startswith(text) if prefix else label == text)]
            assert len(found) == 1, (spec.path, key, text, found)
    for key, button in spec.buttons.items():
        expect(page.get_by_role(button.role, name=button.name, exact=True)).to_have_count(1)
    for listing in spec.lists.values():
        expect(page.locator(listing.rows.css).first).to_be_visible()
    for element in spec.elements.values():
        if element.css:
            expect(page.locator(element.css)).to_have_count(1)


@browser_test
def test_the_spa_config_describes_the_app_as_drawn(browser, page, spa):
    forms = FormsFile.model_validate(yaml.safe_load((SPA_CONFIG / "forms.yaml").read_text(encoding="utf-8")))
    month = thai.fiscal_month_options(2570)[0][1]  # the demo projects' first month, ต.ค. 2569
    page.goto(spa.url + forms.login.path)
    check_drawn(page, forms.login, month)
    for field in forms.login.fields.values():
        expect(page.locator(field.css)).to_have_count(1)
    type_password(page, *demo_credentials())
    expect(app(page)).to_have_attribute("data-ready", "projects")
    for name, spec in forms.pages.items():
        page.goto(spa.url + spec.path.format(q="", page_number=1, status="approved", id=10001))
        check_drawn(page, spec, month)
    for form in forms.forms.values():
        for step in form.steps:
            page.goto(spa.url + step.path.format(id=10001, quarter=1))
            check_drawn(page, step, month)
