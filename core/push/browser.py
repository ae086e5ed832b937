"""Chromium for every browser target: one browser per run, and the pieces every browser remote
shares (``working_context``, ``login_state``, ``hand_over``, ``started``, ``check_status``, ``load``,
``at_the_site``, ``answered_in_time``, ``saved_in_page``, ``answering_confirm``, ``checked_pages``).
Finding, filling and reading the site's elements by their forms.yaml names is ``core/forms/``."""
from __future__ import annotations

import asyncio
import fcntl
import json
import os
import shutil
import tempfile
import threading
import weakref
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from unittest import mock  # patch.dict: os.environ changed for a block, then put back
from urllib.parse import urlsplit

from .trace import mask, storage_secrets
from ..contract import CheckResult, LoginRefused, RemoteAnswered, RemoteError, RemoteTimeout
from ..settings import data_dir

# Debian's, never downloaded: the headless shell (package chromium-headless-shell: no UI code,
# about a third less memory and faster to start) when installed, else the full chromium.
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
CHROMIUM = os.environ.get("TIDTAM_CHROMIUM") or (HEADLESS_SHELL if os.path.exists(HEADLESS_SHELL) else "/usr/bin/chromium")
# Each page keeps its own renderer process. With --renderer-process-limit=1 (~70 MB less) the
# workers' pages shared one, and a confirm() waiting for its answer in one page froze them all:
# Chromium drops input sent to a renderer while it shows a dialog, so another worker's click
# at that moment was lost without an error (a send for approval never sent).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu",
                 # less memory: no extension system; /tmp instead of a small /dev/shm in containers.
                 # (--in-process-gpu, NetworkServiceInProcess2 and --no-zygote saved ~20-45 MB, but a
                 # send's click then timed out twice in CI-like runs, most likely the lost click
                 # above, which they made likelier; not tried again since.)
                 "--disable-extensions", "--disable-dev-shm-usage"]


# The sites' desktop layout. A 300 px high viewport held ~35 MB less (frame buffers follow the
# viewport) but the send-for-approval click then went unanswered for the whole action timeout in
# 2 of ~6 runs, most likely the lost click of the shared renderer (above); not tried again since.
VIEWPORT = {"width": 1100, "height": 900}

# Playwright's driver is a Node process; with its default 16 MB young-generation semi-spaces it
# held ~20 MB more over a push than with 1 MB ones, which cost no time we could measure.
DRIVER_NODE_OPTIONS = "--max-semi-space-size=1"

GC_EVERY = 5  # loads of one page between two garbage collections of the renderer


TEMP_PREFIX = "browser-tmp-"  # Chromium's profile and Playwright's artifacts, see chromium()
_DRIVER_START = threading.Lock()  # the driver takes this process's environment: one start at a time


@asynccontextmanager
async def chromium(run_dir: Path | None = None):
    """One Chromium and its Playwright driver. Their temporary files (Chromium's profile,
    Playwright's artifacts, among them the partial trace of a traced run, which holds the session
    cookie and CSRF tokens) go to a folder in ``run_dir`` (else the data dir's tmp/), never to
    the system's: Playwright removes them when the browser closes, a kill -9 leaves them to the
    next start, which removes them (_browser_temp)."""
    from playwright.async_api import async_playwright

    temp, lock = _browser_temp(run_dir)
    try:
        with _DRIVER_START, _driver_environment(temp):
            playwright = await async_playwright().start()
        try:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                await browser.close()
        finally:
            await playwright.stop()
    finally:
        shutil.rmtree(temp, ignore_errors=True)
        os.close(lock)


def _browser_temp(run_dir: Path | None) -> tuple[Path, int]:
    """A new folder for the browser's temporary files and a lock on it (flock, held while this
    process lives). Such folders whose lock is free were left by runs that died: removed first."""
    base = data_dir()
    for left in [*base.glob(f"runs/*/{TEMP_PREFIX}*"), *base.glob(f"tmp/{TEMP_PREFIX}*")]:
        with suppress(OSError):  # being made this very moment, gone, or its run still alive
            held = os.open(left / ".lock", os.O_WRONLY)
            try:
                fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while its run is alive
                shutil.rmtree(left, ignore_errors=True)
            finally:
                os.close(held)
    root = Path(run_dir) if run_dir else base / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=root))
    lock = os.open(folder / ".lock", os.O_CREAT | os.O_WRONLY, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)
    return folder, lock


def _driver_environment(temp: Path):
    """While the driver starts: NODE_OPTIONS with ours added (after the user's own) and TMPDIR at
    ``temp`` (Node's os.tmpdir(), and Chromium's, which inherits it); then both as they were."""
    user_options = os.environ.get("NODE_OPTIONS")
    return mock.patch.dict(os.environ, {"TMPDIR": str(temp), "NODE_OPTIONS": " ".join(
        filter(None, (user_options, DRIVER_NODE_OPTIONS)))})


async def working_context(browser, settings):
    """The context a browser remote works in: Thai locale, the run's read timeout, traced with
    screenshots and DOM snapshots under ``--trace`` (logins happen elsewhere: nothing secret)."""
    context = await browser.new_context(locale="th-TH", viewport=VIEWPORT)
    context.set_default_timeout(settings.read_timeout * 1000)
    if settings.trace:
        await context.tracing.start(screenshots=True, snapshots=True)
    return context


async def login_state(browser, settings, credentials, base_url: str, site: str) -> dict:
    """Sign in as forms.yaml › login says, in a scratch context that is never traced, and return
    its whole storage state (cookies and web storage) for ``hand_over``: the password never
    enters a trace, a screenshot or a log. ``site`` names the site in the messages."""
    from ..forms.page import appears, find

    login = settings.config.forms.login
    scratch = await browser.new_context(locale="th-TH", viewport=VIEWPORT)
    try:
        page = await scratch.new_page()
        page.set_default_timeout(settings.read_timeout * 1000)
        check_status(await page.goto(base_url + login.path, wait_until="domcontentloaded"))
        if login.ready is not None:  # an app that sends the browser on to its sign-in page by script
            await appears(page, login.ready, "login.ready", settings.read_timeout * 1000)
        typed = {"username": credentials.username, "password": credentials.password.reveal()}
        for key, field in login.fields.items():
            await (await find(page, field, f"login.fields.{key}")).fill(typed.get(key, ""))
        submit = await find(page, login.buttons["submit"], "login.buttons.submit")
        if login.kind == "keycloak":
            await submit.click()
            await _back_in_the_app(page, login, site, settings.read_timeout * 1000)
        else:
            await _form_answered(page, submit, login, base_url, site)
        return await scratch.storage_state()
    finally:
        await scratch.close()


async def _form_answered(page, submit, login, base_url: str, site: str) -> None:
    async with page.expect_navigation(wait_until="domcontentloaded") as navigation:
        await submit.click()
    answer = await navigation.value
    if answer is not None and answer.status == 401:
        raise LoginRefused(f"เข้าสู่ระบบ {site} ไม่สำเร็จ: ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง")
    if urlsplit(base_url + login.path).path in page.url or (answer is not None and answer.status >= 400):  # form again
        raise RemoteError(f"เข้าสู่ระบบไม่สำเร็จ (HTTP {answer.status if answer else '?'}) — จะลองใหม่")


async def _back_in_the_app(page, login, site: str, timeout_ms: float) -> None:
    """An OpenID Connect sign-in answers 200 either way: done when the app shows ``signed_in``,
    refused when the sign-in page shows ``refused`` (its own words quoted)."""
    from ..forms.page import LocatorError, appears, find

    try:
        await appears(page, login.signed_in, "login.signed_in", timeout_ms)
        return
    except LocatorError:
        said = await find(page, login.refused, "login.refused", optional=True)
    if said is not None and await said.is_visible():
        raise LoginRefused(f"เข้าสู่ระบบ {site} ไม่สำเร็จ: {(await said.inner_text()).strip()}")
    raise RemoteError(f"เข้าสู่ระบบ {site} แล้วไม่กลับมาที่ระบบงาน ({page.url.split('?')[0]}) — จะลองใหม่")


async def hand_over(context, state: dict) -> None:
    """Give a working context a sign-in's storage state: its cookies, and its local storage set
    by an init script before any page's own script runs (a token an app keeps there)."""
    await context.clear_cookies()
    await context.add_cookies(state.get("cookies", []))
    for origin in state.get("origins", []):
        items = {item["name"]: item["value"] for item in origin.get("localStorage", [])}
        if items:
            await context.add_init_script(
                f"if (location.origin === {json.dumps(origin['origin'])}) "
                f"for (const [k, v] of Object.entries({json.dumps(items)})) localStorage.setItem(k, v);")


@asynccontextmanager
async def login_page(browser, config, read_timeout: float):
    """The login page as someone not signed in sees it, in a context of its own closed after;
    ``LocatorError`` if the page never shows what forms.yaml › login.ready names."""
    login = config.forms.login
    scratch = await browser.new_context(locale="th-TH", viewport=VIEWPORT)
    try:
        page = await scratch.new_page()
        page.set_default_timeout(read_timeout * 1000)
        check_status(await page.goto(config.mapping.base_url.rstrip("/") + login.path, wait_until="domcontentloaded"))
        if login.ready is not None:  # drawn, or reached by the app's redirect, after the load
            from ..forms.page import appears

            await appears(page, login.ready, "login.ready", read_timeout * 1000)
        yield page
    finally:
        await scratch.close()


async def login_page_findings(browser, config, read_timeout: float) -> list:
    """The login page asked the form description's questions before anyone logs in (doctor)."""
    from ..forms.inspect import inspect_step
    from ..forms.page import LocatorError
    from ..forms.plan import Finding
    from ..forms.schema import Step

    login = config.forms.login
    try:
        async with login_page(browser, config, read_timeout) as page:
            as_step = Step(code="login", fields=login.fields, buttons={"save": login.buttons["submit"]})
            findings = await inspect_step(page, config.forms, "login", as_step)
    except LocatorError as exc:
        return [Finding("login.ready", "หน้าเข้าสู่ระบบ", exc.detail)]
    return [_login_key(f) for f in findings]


def _login_key(finding):
    """A finding about the login page as forms.yaml names it (its button is ``buttons.submit``)."""
    from dataclasses import replace

    return replace(finding, key=finding.key.replace("login.buttons.save", "login.buttons.submit"))


async def close_working_context(context, settings) -> None:
    """Close it, keeping its trace in the run folder under ``--trace``, session secrets masked."""
    if settings.trace:
        path = Path(settings.run_dir) / f"trace-{id(context):x}.zip"
        known = storage_secrets(await context.storage_state())
        await context.tracing.stop(path=str(path))
        mask(path, known)
    await context.close()


async def checked_pages(remote, period, name=lambda key: key) -> list[CheckResult]:
    """``doctor``'s check of a browser remote: its ``walk``, each page reached asked its questions
    and compared with discover's baseline; a page not reached is the walk's ``CheckResult``.
    ``name(key)``: the result a page's findings are summed up under (a form rather than its step)."""
    results: list[CheckResult] = []

    async def look(key: str, inspect) -> None:
        if isinstance(inspect, CheckResult):
            results.append(inspect)
            return
        findings = await inspect()
        await remote.site.against_baseline(key, findings)
        results.append(CheckResult(name(key), not findings, ""))
        results.extend(CheckResult(f.key, False, f.message) for f in findings)
    await remote.walk(period, look)
    return results


@asynccontextmanager
async def started(remote):
    """A browser remote logged in (``start``) for the block, closed after it whatever happens:
    what each browser target's ``open_remote`` returns."""
    try:
        await remote.start()
        yield remote
    finally:
        await remote.close()


@asynccontextmanager
async def at_the_site(settings):
    """Hold one of the run's request slots while a request is on the wire (a page load, a save,
    a read). For targets with ``TargetSpec.request_slots`` core runs a spare browser worker, which
    fills and renders in Chromium while the others wait for the site; the slots keep the run's
    own requests at ``--concurrency`` at once all the same (a page's script may add its own
    beside one, as it would for a person). Never acquire a slot while holding one (a login
    inside a page load): release first. Without slots (http mode, a target without
    ``request_slots``) it does nothing."""
    if settings.site_slots is None:
        yield
        return
    async with settings.site_slots:
        yield


async def load(page, url: str, settings):
    """``page.goto`` to DOMContentLoaded holding a slot (the page's scripts and styles come with
    it), then ``page_loaded`` once the slot is free: every browser target loads its pages here."""
    async with at_the_site(settings):
        response = await page.goto(url, wait_until="domcontentloaded")
    await page_loaded(page)
    return response


@contextmanager
def answered_in_time(settings, what: str):
    """Around a save's click and the wait for its answer (``action_timeout``): no answer in time
    becomes RemoteTimeout, a doubt never repeated in this run (the save may still land)."""
    try:
        yield
    except Exception as exc:
        if type(exc).__name__ != "TimeoutError":  # Playwright's (not imported here: http runs need none)
            raise
        raise RemoteTimeout(f"{what}: ไม่ได้รับคำตอบภายใน {settings.action_timeout:g} วินาที") from None


@asynccontextmanager
async def sent_once(page, settings, what: str):
    """Around a save's click and the wait for its answer: the page's POSTs go out through
    Playwright's own HTTP client, with no retry, and come back to the page as answered. Chromium
    itself sends a POST again when a kept-alive connection drops before any answer (every form
    post, upload and fetch() arrived twice: bench/chromium_resend.py, docs/sandbox.md), which
    would double a create, a send or an upload. A POST with no answer ends the block at once as
    a RemoteTimeout: it may have landed, so the engine never repeats it in this run. Only around
    the click: routing turns the page's cache off, and page loads are retried freely anyway."""
    dropped, waiting, unanswered, answering = [], [], set(), []

    async def handle(route):
        if route.request.method != "POST":
            return await route.fallback()
        unanswered.add(route)
        answering.append((done := asyncio.Event(), route.request.is_navigation_request()))
        try:
            answer = await route.fetch(max_redirects=0, max_retries=0, timeout=settings.action_timeout * 1000)
        except Exception as exc:  # no answer: the line dropped, or the time ran out
            dropped.append(exc)
            for wait in waiting:  # the page's wait for an answer that cannot come ends now
                wait.reschedule(asyncio.get_running_loop().time())
            answer = None
        try:
            if route in unanswered:  # else the block has ended and failed it for the page already
                unanswered.discard(route)
                await (route.fulfill(response=answer) if answer else route.abort("connectionclosed"))
        finally:
            done.set()
    await page.route("**/*", handle)
    answered = False
    try:
        with answered_in_time(settings, what):
            async with asyncio.timeout(None) as deadline:
                waiting.append(deadline)
                try:
                    yield
                finally:
                    waiting.clear()  # before the deadline's block ends: never rescheduled after
        answered = True
    except Exception:
        if not dropped:
            raise
    finally:
        # The save answered: a script's POST sent meanwhile (an app renewing its token) is let
        # finish (each is bounded by action_timeout), as failing it would fail the page's request.
        # A form post still pending is not: its late answer would navigate the page away from
        # the next record's form (seen under a flaky site: the next form found on /projects).
        if answered:
            await asyncio.gather(*(done.wait() for done, navigation in answering if not navigation))
        # A POST still at the site is failed for the page before the route goes: unrouted, the
        # paused request would be sent again by Chromium itself (a second arrival).
        for route in list(unanswered):
            unanswered.discard(route)
            await route.abort("timedout")
        await page.unroute("**/*", handle)
    if dropped:  # however the page took it (a failed navigation, a wait cut short, nothing): no answer
        late = all(type(exc).__name__ == "TimeoutError" for exc in dropped)  # Playwright's: none in time
        raise RemoteTimeout(f"{what}: ไม่ได้รับคำตอบ " + (f"ภายใน {settings.action_timeout:g} วินาที" if late
                                                          else "การเชื่อมต่อขาดก่อนระบบตอบ") + " (อาจบันทึกแล้ว)")


async def saved_in_page(page, button, spec, key: str, settings, what: str) -> str:
    """Click a save button whose page saves by script and stays (forms.yaml › buttons.*.saved),
    sent once, and return the outcome the page says (a value of ``saved`` or ``refused``). Any
    other outcome, or a page that left (to the sign-in page), is a RemoteAnswered: the request
    is over and a lookup tells whether it landed."""
    from ..forms.page import click_for_outcome

    async with sent_once(page, settings, what), at_the_site(settings):
        said = await click_for_outcome(page, button, spec.saved, f"{key}.saved", settings.action_timeout * 1000)
    if said in (*spec.saved.saved, *spec.saved.refused):
        return said
    raise RemoteAnswered(f"{what}: หน้าเว็บแจ้งผล {said!r}" if said else f"{what}: หน้าเว็บเปลี่ยนไปก่อนแจ้งผล ({page.url.split('?')[0]})")


@contextmanager
def answering_confirm(page, starts_with: str = ""):
    """While the block runs, accept the page's confirm() whose message starts with
    ``starts_with`` and dismiss any other dialog. After it the page has no handler of ours left
    (Playwright dismisses what comes), so a dialog that never came cannot have a later one answered."""
    async def answer(dialog):
        agreed = dialog.type == "confirm" and dialog.message.startswith(starts_with)
        await (dialog.accept() if agreed else dialog.dismiss())
    page.on("dialog", answer)
    try:
        yield
    finally:
        page.remove_listener("dialog", answer)


def check_status(response, allow=()) -> None:
    """A page answered with 4xx/5xx (other than ``allow``) is a RemoteAnswered naming status and URL."""
    if response is not None and response.status >= 400 and response.status not in allow:
        raise RemoteAnswered(f"ระบบตอบกลับ HTTP {response.status} ({response.url})")


_loads: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def page_loaded(page) -> None:
    """Call after each page load. Chromium frees the documents a page has left lazily: over a
    60-record push a shared renderer grew ~2.5 MB a record (to 300 MB). A full collection every
    GC_EVERY loads of a page keeps it near its size after login, for a few ms each time."""
    _loads[page] = _loads.get(page, 0) + 1
    if _loads[page] % GC_EVERY:
        return
    session = await page.context.new_cdp_session(page)
    try:
        await session.send("HeapProfiler.collectGarbage")
    finally:
        await session.detach()
