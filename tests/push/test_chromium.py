"""The browser every browser target shares (core/push/browser.py): how Chromium and Playwright's
driver are started, and the context a remote works in."""
from __future__ import annotations

import asyncio
import hashlib
import io
import os

import psutil
import pytest
from PIL import Image
from playwright.async_api import Error as PlaywrightError, TimeoutError as PlaywrightTimeout

from tidtam.core.config import target_config
from tidtam.core.contract import RemoteRefused, RemoteSettings, RemoteTimeout
from tidtam.core.credentials import Credentials, Secret
from tidtam.core.forms.page import file_payload
from tidtam.core.plugins import load_plugins
from tidtam.core.settings import data_dir
from tidtam.core.push.browser import (DRIVER_NODE_OPTIONS, VIEWPORT, answered_in_time, answering_confirm, chromium,
                                      close_working_context, hand_over, login_state, sent_once, working_context)
from tidtam.sandbox.server import start_subprocess

from pushkit import credentials

pytestmark = pytest.mark.browser


def _driver_node_options() -> str | None:
    """NODE_OPTIONS of this process's Playwright driver (its Node child), as the driver got it."""
    driver = next(p for p in psutil.Process().children() if "run-driver" in " ".join(p.cmdline()))
    return driver.environ().get("NODE_OPTIONS")


@pytest.mark.parametrize("users_own", [None, "--max-old-space-size=2048"])
def test_the_driver_gets_its_node_options_after_the_users_own_and_ours_are_left_as_they_were(monkeypatch, users_own):
    if users_own is None:
        monkeypatch.delenv("NODE_OPTIONS", raising=False)
    else:
        monkeypatch.setenv("NODE_OPTIONS", users_own)

    async def started_driver_options():
        async with chromium():
            return _driver_node_options(), os.environ.get("NODE_OPTIONS")

    driver_got, ours_meanwhile = asyncio.run(started_driver_options())
    assert driver_got == (f"{users_own} {DRIVER_NODE_OPTIONS}" if users_own else DRIVER_NODE_OPTIONS)
    assert ours_meanwhile == users_own and os.environ.get("NODE_OPTIONS") == users_own


@pytest.mark.parametrize("trace", [False, True])
def test_a_working_context_screenshots_the_whole_page_and_keeps_its_trace_when_traced(tmp_path, trace):
    """A full-page screenshot, as previews and failures take, shows a form taller than the
    viewport down to its last button; a traced run writes its trace when the context closes."""
    settings = RemoteSettings(config=None, run_dir=tmp_path, trace=trace)
    form = "".join(f'<p><label for="f{n}">ช่องที่ {n}</label><input id="f{n}"></p>' for n in range(60)) + \
        '<button id="last">บันทึก</button>'

    async def shot():
        async with chromium() as browser:
            context = await working_context(browser, settings)
            page = await context.new_page()
            await page.set_content(form)
            viewport, bottom = page.viewport_size, await page.evaluate("last.getBoundingClientRect().bottom")
            png = await page.screenshot(full_page=True)
            await close_working_context(context, settings)
            return viewport, bottom, png

    viewport, bottom, png = asyncio.run(shot())
    assert viewport == VIEWPORT
    width, height = Image.open(io.BytesIO(png)).size
    assert width == viewport["width"] and height >= bottom > VIEWPORT["height"]
    assert bool(list(tmp_path.glob("trace-*.zip"))) is trace


@pytest.mark.parametrize("name, site, protected", [("emenscr", "eMENSCR", "/projects"), ("emes", "E-MES", "/rounds")])
def test_login_state_logs_in_through_each_targets_own_form_and_a_wrong_password_is_refused_by_site(
        tmp_path, name, site, protected):
    """One login for every browser target, driven by that target's forms.yaml › login: its
    cookies open a page that needs a login; a wrong password is a refusal naming the site."""
    config = target_config(load_plugins().target(name))
    settings = RemoteSettings(config=config, run_dir=tmp_path)
    right = credentials()
    wrong = Credentials(right.username, Secret("not-" + right.password.reveal()), "prompt")

    async def log_in(base: str):
        async with chromium() as browser:
            with pytest.raises(RemoteRefused, match=f"เข้าสู่ระบบ {site} ไม่สำเร็จ"):
                await login_state(browser, settings, wrong, base, site)
            state = await login_state(browser, settings, right, base, site)
            context = await working_context(browser, settings)
            statuses = [(await context.request.get(base + protected, max_redirects=0)).status]
            await hand_over(context, state)
            statuses.append((await context.request.get(base + protected, max_redirects=0)).status)
            await close_working_context(context, settings)
            return statuses

    with start_subprocess(name) as stand_in:
        without, with_cookies = asyncio.run(log_in(stand_in.url.rstrip("/")))
    assert without in (302, 303, 401) and with_cookies == 200


def test_a_save_with_no_answer_in_time_is_a_remote_timeout_naming_it_and_other_errors_pass_through(tmp_path):
    settings = RemoteSettings(config=None, run_dir=tmp_path, action_timeout=45)
    with pytest.raises(RemoteTimeout, match="ตัวบ่งชี้ 1.5: ไม่ได้รับคำตอบภายใน 45 วินาที"):
        with answered_in_time(settings, "ตัวบ่งชี้ 1.5"):
            raise PlaywrightTimeout("Timeout 45000ms exceeded while waiting for event \"response\"")
    with pytest.raises(PlaywrightError, match="Target closed"):
        with answered_in_time(settings, "ตัวบ่งชี้ 1.5"):
            raise PlaywrightError("Target closed")


def test_a_dialog_open_in_one_workers_page_leaves_the_other_workers_pages_working(tmp_path):
    """eMENSCR's workers are pages of one context. While a confirm() waits for its answer in one
    of them (a send for approval), another worker's click and fill must still land: when the
    pages shared one renderer process, Chromium froze them all and dropped input sent to them,
    and a send clicked at that moment never happened (no dialog, no request)."""
    settings = RemoteSettings(config=None, run_dir=tmp_path)
    page_html = ('<form onsubmit="event.preventDefault(); confirm(\'ยืนยันการส่งโครงการ?\')"><button>ส่ง</button></form>'
                 '<button id="count" onclick="window.clicks = (window.clicks || 0) + 1">นับ</button><input id="note">')

    async def other_page_while_a_dialog_is_open():
        async with chromium() as browser:
            context = await working_context(browser, settings)
            sending, other = await context.new_page(), await context.new_page()
            for page in (sending, other):
                await page.set_content(page_html)
            opened, answered = asyncio.Event(), asyncio.Event()

            async def hold_open(dialog):
                opened.set()
                await answered.wait()
                await dialog.accept()
            sending.once("dialog", hold_open)
            click = asyncio.ensure_future(sending.get_by_role("button", name="ส่ง").click())
            await asyncio.wait_for(opened.wait(), 10)
            try:
                await other.locator("#count").click(timeout=5000)
                await other.locator("#note").fill("ผลการดำเนินงาน", timeout=5000)
                seen = await other.evaluate("[window.clicks, note.value]")
            finally:
                answered.set()
                await click
                await close_working_context(context, settings)
            return seen

    assert asyncio.run(other_page_while_a_dialog_is_open()) == [1, "ผลการดำเนินงาน"]


def test_answering_confirm_accepts_only_the_expected_confirm_and_only_inside_its_block(tmp_path):
    """Inside the block the expected confirm() is accepted and any other dismissed; after the
    block, even one where no dialog came (a click that failed), nothing of ours answers: a later
    confirm is dismissed, as Playwright does for a page nobody listens to."""
    settings = RemoteSettings(config=None, run_dir=tmp_path)
    send = "confirm('ยืนยันการส่งโครงการเพื่อขออนุมัติ?')"

    async def answers():
        async with chromium() as browser:
            context = await working_context(browser, settings)
            page = await context.new_page()
            with answering_confirm(page, "ยืนยันการส่งโครงการ"):
                inside = [await page.evaluate(send), await page.evaluate("confirm('ลบโครงการนี้?')")]
            with answering_confirm(page, "ยืนยันการส่งโครงการ"):
                pass  # the click failed: no dialog came
            after = await page.evaluate(send)
            await close_working_context(context, settings)
            return inside, after

    assert asyncio.run(answers()) == ([True, False], False)


DRAFT = 10003  # a draft project of the stand-in's seed: its forms take posts (a 422 for missing steps is fine)
POSTS = {"form": f"/projects/{DRAFT}/send", "upload": f"/projects/{DRAFT}/attachments",
         "fetch": f"/api/projects/{DRAFT}/progress/1"}


async def _post(page, base: str, kind: str, upload) -> None:
    """One POST of ``kind`` from the project's page just loaded, so it goes on a kept-alive connection."""
    await page.goto(f"{base}/projects/{DRAFT}")
    if kind == "fetch":
        await page.evaluate("""path => fetch(path, {method: 'POST', body: '{}', headers: {'Content-Type':
            'application/json', 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content}})
            .catch(() => null)""", POSTS["fetch"])
        return
    if kind == "upload":
        await page.set_input_files("#attachment-file", file_payload(upload))  # as bytes, as core fills files
    page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    try:
        async with page.expect_navigation():
            await page.locator(f"#{'attachment' if kind == 'upload' else 'send'}-form button").click(no_wait_after=True)
    except PlaywrightError:
        pass  # the dropped line: the page shows its error, the arrivals tell the rest


def test_chromium_sends_a_post_again_when_the_line_drops_and_sent_once_sends_it_once(tmp_path):
    """Chromium sends a POST again by itself when a kept-alive connection drops before any answer
    (bench/chromium_resend.py): a form post, an upload and a fetch() each arrive twice. Inside
    ``sent_once`` each arrives once and the block ends at once as a RemoteTimeout; a POST that is
    answered goes through it whole (the file's bytes, given by path and read by ``file_payload``)
    and the page follows the site's redirect."""
    settings = RemoteSettings(config=target_config(load_plugins().target("emenscr")), run_dir=tmp_path,
                              action_timeout=60)
    upload = tmp_path / "หลักฐาน.pdf"
    upload.write_bytes(b"%PDF-1.4\n" + os.urandom(20_000) + b"\n%%EOF\n")

    async def arrivals(base: str, admin) -> tuple[dict, dict, str]:
        count = lambda kind: admin.state()["requests"]["by_route"].get("POST " + POSTS[kind], 0)  # noqa: E731
        plain, once = {}, {}
        async with chromium() as browser:
            context = await working_context(browser, settings)
            await hand_over(context, await login_state(browser, settings, credentials(), base, "eMENSCR"))
            page = await context.new_page()
            for kind in POSTS:
                admin.set_knobs(drop_rate=1.0, drop_only="POST " + POSTS[kind])
                before = count(kind)
                await _post(page, base, kind, upload)
                plain[kind] = count(kind) - before
                before, started = count(kind), asyncio.get_running_loop().time()
                with pytest.raises(RemoteTimeout, match="การเชื่อมต่อขาดก่อนระบบตอบ"):
                    async with sent_once(page, settings, kind):
                        await _post(page, base, kind, upload)
                once[kind] = (count(kind) - before, asyncio.get_running_loop().time() - started < 15)
            admin.set_knobs(drop_rate=0.0)
            async with sent_once(page, settings, "แนบไฟล์"):
                await _post(page, base, "upload", upload)
            landed = page.url
            await close_working_context(context, settings)
        return plain, once, landed

    with start_subprocess("emenscr") as stand_in:
        plain, once, landed = asyncio.run(arrivals(stand_in.url, stand_in.admin))
        added = [w["data"]["sha256"] for w in stand_in.admin.writes("project.attachment.add")]
    assert plain == {"form": 2, "upload": 2, "fetch": 2}  # if Chromium stops resending, update docs/sandbox.md
    assert once == {kind: (1, True) for kind in POSTS}
    assert added == [hashlib.sha256(upload.read_bytes()).hexdigest()] * 4  # 2 + 1 dropped, then 1 answered
    assert landed.endswith(f"/projects/{DRAFT}?uploaded=1")


def test_a_browser_start_removes_the_temp_folders_of_dead_runs_and_keeps_a_live_ones(tmp_path):
    """The folder of Chromium's and Playwright's temporary files is the run folder's while the
    browser lives (a lock held); one whose lock is free (its run died) goes at the next start."""
    runs = data_dir() / "runs"
    dead = runs / "killed-run" / "browser-tmp-x1"
    (dead / "playwright-artifacts-x2").mkdir(parents=True)
    (dead / ".lock").touch()

    async def starts():
        async with chromium(runs / "first"):
            assert not dead.exists()
            (live,) = (runs / "first").glob("browser-tmp-*")
            assert {p.name.split("-")[0] for p in live.iterdir()} >= {"playwright_chromiumdev_profile", "playwright"}
            async with chromium(runs / "second"):
                assert live.exists() and len(list(runs.glob("*/browser-tmp-*"))) == 2
    asyncio.run(starts())
    assert list(runs.glob("*/browser-tmp-*")) == []
