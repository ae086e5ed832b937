"""The browser every browser target shares (core/push/browser.py): how Chromium and Playwright's
driver are started, and the context a remote works in."""
from __future__ import annotations

import asyncio
import io

import psutil
import pytest
from PIL import Image

from tidtam.core.contract import RemoteSettings
from tidtam.core.push.browser import (DRIVER_NODE_OPTIONS, TRACED_VIEWPORT, VIEWPORT, chromium, close_working_context,
                                      working_context)

pytestmark = pytest.mark.browser


def _driver_node_options() -> str | None:
    """NODE_OPTIONS of this process's Playwright driver (its Node child), as the driver got it."""
    driver = next(p for p in psutil.Process().children() if "run-driver" in " ".join(p.cmdline()))
    return driver.environ().get("NODE_OPTIONS")


@pytest.mark.parametrize("users_own", [None, "--max-old-space-size=2048"])
def test_the_driver_gets_its_node_options_after_the_users_own_and_the_environment_is_left_as_it_was(monkeypatch, users_own):
    import os

    if users_own is None:
        monkeypatch.delenv("NODE_OPTIONS", raising=False)
    else:
        monkeypatch.setenv("NODE_OPTIONS", users_own)

    async def started_driver_options():
        async with chromium():
            return _driver_node_options()

    seen = asyncio.run(started_driver_options())
    assert seen == (f"{users_own} {DRIVER_NODE_OPTIONS}" if users_own else DRIVER_NODE_OPTIONS)
    assert os.environ.get("NODE_OPTIONS") == users_own


@pytest.mark.parametrize("trace", [False, True])
def test_a_working_context_is_short_unless_traced_and_its_screenshots_still_show_the_whole_page(tmp_path, trace):
    """A push's pages are nobody's to watch: a short viewport (less memory for frames); a full-page
    screenshot, as previews and failures take, still shows the form down to its last button.
    A traced run keeps a tall viewport (the trace's filmstrip is the viewport) and writes its trace."""
    settings = RemoteSettings(config=None, run_dir=tmp_path, trace=trace)
    form = "".join(f'<p><label for="f{n}">ช่องที่ {n}</label><input id="f{n}"></p>' for n in range(40)) + \
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
    assert viewport == (TRACED_VIEWPORT if trace else VIEWPORT)
    width, height = Image.open(io.BytesIO(png)).size
    assert width == viewport["width"] and height >= bottom > VIEWPORT["height"]
    assert bool(list(tmp_path.glob("trace-*.zip"))) is trace
