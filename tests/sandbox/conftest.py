"""Fixtures for the stand-ins' own tests: a real Chromium (Debian's package) and servers in threads."""
from __future__ import annotations

import re
import time

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tidtam.sandbox.server import SandboxHandle, run_in_thread
from tidtam.sandbox.site import demo_credentials

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-gpu"]


# Module scope, not session: while Playwright's sync API is open, its event loop counts as running
# in this thread, so asyncio.run() (every push test, through the CLI) fails in the same worker.
# A module's browser is closed before the worker moves on to another module's tests.
@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Page:
    context = browser.new_context(locale="th-TH")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def emenscr():
    with run_in_thread("emenscr") as handle:
        yield handle


@pytest.fixture
def emes():
    with run_in_thread("emes") as handle:
        yield handle


def _login(page: Page, sandbox: SandboxHandle) -> None:
    user, password = demo_credentials()
    page.goto(sandbox.url + "/login")
    page.get_by_label("ชื่อผู้ใช้").fill(user)
    page.get_by_label("รหัสผ่าน").fill(password)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page.get_by_role("navigation", name="เมนูหลัก")).to_be_visible()


def _http_login(sandbox: SandboxHandle) -> tuple[httpx.Client, str]:
    """A logged-in HTTP client and its session's CSRF token (read from a page, as a client would)."""
    client = httpx.Client(base_url=sandbox.url, follow_redirects=True, timeout=10)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    user, password = demo_credentials()
    answer = client.post("/login", data={"username": user, "password": password, "csrf_token": token})
    assert answer.status_code == 200 and "/login" not in str(answer.url)
    return client, _csrf_of(answer.text)


def _csrf_of(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _wait_for(condition, timeout: float = 10.0, what: str = "condition"):
    """Poll until condition() is truthy; for effects that land on the server later (hangs)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


# Helpers handed out as fixtures, so test modules need not import from conftest.
@pytest.fixture
def login():
    return _login


@pytest.fixture
def http_login():
    return _http_login


@pytest.fixture
def csrf_of():
    return _csrf_of


@pytest.fixture
def wait_for():
    return _wait_for
