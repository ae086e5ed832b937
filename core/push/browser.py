"""Chromium for every browser target: one browser per run, the pieces every browser remote
shares (``working_context``, ``login_cookies``, ``started``, ``check_status``, ``load``,
``at_the_site``, ``answered_in_time``, ``answering_confirm``), the
strict locator resolver that turns a ``Locator`` from config into exactly one element, and
``set_values``, which fills a form with it."""
from __future__ import annotations

import asyncio
import os
import weakref
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from ..config import Locator, LocatorFile
from ..contract import LoginRefused, RemoteError, RemoteTimeout

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


class LocatorError(LookupError):
    """A locator matched no element or several; the message names its config key."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key = key


@asynccontextmanager
async def chromium():
    from playwright.async_api import async_playwright

    with _node_options(DRIVER_NODE_OPTIONS):  # the driver starts with this process's environment
        playwright = await async_playwright().start()
    try:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()
    finally:
        await playwright.stop()


@contextmanager
def _node_options(options: str):
    """NODE_OPTIONS with ``options`` added (after the user's own) while the driver starts, then as it was."""
    before = os.environ.get("NODE_OPTIONS")
    os.environ["NODE_OPTIONS"] = f"{before} {options}" if before else options
    try:
        yield
    finally:
        if before is None:
            del os.environ["NODE_OPTIONS"]
        else:
            os.environ["NODE_OPTIONS"] = before


async def working_context(browser, settings):
    """The context a browser remote works in: Thai locale, the run's read timeout, traced with
    screenshots and DOM snapshots under ``--trace`` (logins happen elsewhere: nothing secret)."""
    context = await browser.new_context(locale="th-TH", viewport=VIEWPORT)
    context.set_default_timeout(settings.read_timeout * 1000)
    if settings.trace:
        await context.tracing.start(screenshots=True, snapshots=True)
    return context


async def login_cookies(browser, settings, credentials, login_url: str, site: str) -> list:
    """Log in through the site's own form (the target's ``pages.login`` locators) in a scratch
    context that is never traced, and return its cookies for the working context: the password
    never enters a trace, a screenshot or a log. ``site`` names the site in the messages."""
    scratch = await browser.new_context(locale="th-TH", viewport=VIEWPORT)
    try:
        page = await scratch.new_page()
        page.set_default_timeout(settings.read_timeout * 1000)
        check_status(await page.goto(login_url, wait_until="domcontentloaded"))
        locators = settings.config.locators
        await (await resolve(page, locators, "login", "username")).fill(credentials.username)
        await (await resolve(page, locators, "login", "password")).fill(credentials.password.reveal())
        async with page.expect_navigation(wait_until="domcontentloaded") as navigation:
            await (await resolve(page, locators, "login", "submit")).click()
        answer = await navigation.value
        if answer is not None and answer.status == 401:
            raise LoginRefused(f"เข้าสู่ระบบ {site} ไม่สำเร็จ: ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง")
        if urlsplit(login_url).path in page.url or (answer is not None and answer.status >= 400):  # form again
            raise RemoteError(f"เข้าสู่ระบบไม่สำเร็จ (HTTP {answer.status if answer else '?'}) — จะลองใหม่")
        return await scratch.cookies()
    finally:
        await scratch.close()


async def close_working_context(context, settings) -> None:
    """Close it, keeping its trace in the run folder under ``--trace``."""
    if settings.trace:
        await context.tracing.stop(path=str(Path(settings.run_dir) / f"trace-{id(context):x}.zip"))
    await context.close()


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
    """A page answered with 4xx/5xx (other than ``allow``) is a RemoteError naming status and URL."""
    if response is not None and response.status >= 400 and response.status not in allow:
        raise RemoteError(f"ระบบตอบกลับ HTTP {response.status} ({response.url})")


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


def _candidates(page, locator: Locator, params: dict):
    """Playwright locators for each way the config gives, in the order written (label first)."""
    fmt = lambda text: text.format(**params) if text else text  # noqa: E731
    if locator.label:
        yield "label", page.get_by_label(fmt(locator.label))
    if locator.role:
        yield "role", page.get_by_role(locator.role, name=fmt(locator.name), exact=True) if locator.name \
            else page.get_by_role(locator.role)
    if locator.text:
        yield "text", page.get_by_text(fmt(locator.text))
    if locator.placeholder:
        yield "placeholder", page.get_by_placeholder(fmt(locator.placeholder))
    if locator.css:
        yield "css", page.locator(fmt(locator.css))


def _config_locator(locators: LocatorFile, page_name: str, name: str) -> Locator:
    try:
        return locators.pages[page_name][name]
    except KeyError:
        raise LocatorError(locators.key_of(page_name, name), "ไม่มีในไฟล์ locators.yaml") from None


def _too_many(key: str, count: int, way: str, page) -> LocatorError:
    return LocatorError(key, f"พบ {count} องค์ประกอบด้วย {way} (ต้องพบเพียง 1) ที่ {page.url}")


def _none_found(key: str, tried: list[str], page) -> LocatorError:
    return LocatorError(key, f"ไม่พบองค์ประกอบ (ลองด้วย {', '.join(tried)}) ที่ {page.url}")


async def resolve(page, locators: LocatorFile, page_name: str, name: str, optional: bool = False, **params):
    """The one element ``pages.<page_name>.<name>`` points at, or ``LocatorError``.

    The first way that matches anything decides: exactly one element wins; two or more is an
    error (never a guess). ``params`` fill placeholders such as ``{n}`` in the config text.
    ``optional``: no match gives None (for "is this project on the site?"), two still fail."""
    key = locators.key_of(page_name, name)
    tried = []
    for way, candidate in _candidates(page, _config_locator(locators, page_name, name), params):
        count = await candidate.count()
        if count == 1:
            return candidate
        if count > 1:
            raise _too_many(key, count, way, page)
        tried.append(way)
    if optional:
        return None
    raise _none_found(key, tried, page)


# Sets one field as the page's own script will read it on save: the value through the element's
# native setter (so a framework that wraps .value still sees it), then the input and change
# events typing fires. It runs only when the locator matched exactly one element, and says
# how many it matched, so resolving strictly and setting the value is one call to the browser.
_SET_VALUE = """(elements, value) => {
  if (elements.length !== 1) return {count: elements.length};
  const el = elements[0];
  if (el.disabled || el.readOnly) return {count: 1, problem: "แก้ไขไม่ได้ (disabled หรือ readonly)"};
  if (el.tagName === "SELECT") {
    const option = Array.from(el.options).find(o => o.label.trim() === value);
    if (!option) return {count: 1, problem: `ไม่มีตัวเลือก "${value}"`};
    el.value = option.value;
  } else {
    Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), "value").set.call(el, value);
  }
  el.dispatchEvent(new Event("input", {bubbles: true}));
  el.dispatchEvent(new Event("change", {bubbles: true}));
  return {count: 1};
}"""


async def set_values(page, locators: LocatorFile, page_name: str, fields) -> None:
    """Fill a form: ``fields`` is (locator name, params, value) per field; a select's value is
    its option's label. Each field is resolved as strictly as ``resolve`` does and set in the
    same call; the calls go out together. Playwright's ``fill`` would cost five or so protocol
    commands per field (scroll, focus, select, type, checks), which on a 20-field form is most
    of a record's browser time. Use ``fill``/``select_option`` where a field's change must be
    waited for (cascading selects)."""
    await asyncio.gather(*(_set_value(page, locators, page_name, name, params, value)
                           for name, params, value in fields))


async def _set_value(page, locators: LocatorFile, page_name: str, name: str, params: dict, value: str) -> None:
    key = locators.key_of(page_name, name)
    tried = []
    for way, candidate in _candidates(page, _config_locator(locators, page_name, name), params):
        answer = await candidate.evaluate_all(_SET_VALUE, value)
        if answer["count"] == 1:
            if answer.get("problem"):
                raise LocatorError(key, f"{answer['problem']} ที่ {page.url}")
            return
        if answer["count"] > 1:
            raise _too_many(key, answer["count"], way, page)
        tried.append(way)
    raise _none_found(key, tried, page)
