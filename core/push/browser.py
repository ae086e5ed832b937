"""Chromium for every browser target: one browser per run, one context per worker, and the
strict locator resolver that turns a ``Locator`` from config into exactly one element."""
from __future__ import annotations

import os
from contextlib import asynccontextmanager

from ..config import Locator, LocatorFile

# Debian's, never downloaded: the headless shell (package chromium-headless-shell: no UI code,
# about a third less memory and faster to start) when installed, else the full chromium.
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
CHROMIUM = os.environ.get("TIDTAM_CHROMIUM") or (HEADLESS_SHELL if os.path.exists(HEADLESS_SHELL) else "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu",
                 # less memory: no extension system; /tmp instead of a small /dev/shm in containers; the
                 # pages of one context (one site) share a renderer process instead of one each
                 "--disable-extensions", "--disable-dev-shm-usage", "--renderer-process-limit=1"]


class LocatorError(LookupError):
    """A locator matched no element or several; the message names its config key."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key = key


@asynccontextmanager
async def chromium():
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


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


async def resolve(page, locators: LocatorFile, page_name: str, name: str, optional: bool = False, **params):
    """The one element ``pages.<page_name>.<name>`` points at, or ``LocatorError``.

    The first way that matches anything decides: exactly one element wins; two or more is an
    error (never a guess). ``params`` fill placeholders such as ``{n}`` in the config text.
    ``optional``: no match gives None (for "is this project on the site?"), two still fail."""
    key = locators.key_of(page_name, name)
    try:
        locator = locators.pages[page_name][name]
    except KeyError:
        raise LocatorError(key, "ไม่มีในไฟล์ locators.yaml") from None
    tried = []
    for way, candidate in _candidates(page, locator, params):
        count = await candidate.count()
        if count == 1:
            return candidate
        if count > 1:
            raise LocatorError(key, f"พบ {count} องค์ประกอบด้วย {way} (ต้องพบเพียง 1) ที่ {page.url}")
        tried.append(way)
    if optional:
        return None
    raise LocatorError(key, f"ไม่พบองค์ประกอบ (ลองด้วย {', '.join(tried)}) ที่ {page.url}")
