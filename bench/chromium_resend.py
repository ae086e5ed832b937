"""Does Chromium send a POST again by itself when the line drops before any answer?

    .venv/bin/python bench/chromium_resend.py [--tries 3] [--only plain|once]

Drives Debian's Chromium through Playwright (as the pushes do: core/push/browser.py) against the
eMENSCR stand-in with the drop knob on one route: the site applies the request in full, then
closes the connection without one byte of an answer. Three kinds of POST, each sent on a
connection the page has just used (kept alive), then as the first request of a new context (a
new connection):

  form      the send-for-approval form (urlencoded, a navigation)
  upload    the attachment form (multipart with a file, a navigation)
  fetch     the progress page's JSON endpoint through fetch()

and each with the connection closed two ways: ``fin`` (close: what the knob does) and ``rst``
(SO_LINGER 0, a reset). It prints how many times each POST arrived at the stand-in, and then the
same through ``core.push.browser.sent_once`` (the fix), which must be 1 everywhere. Figures, not asserts.
"""
from __future__ import annotations

import argparse
import asyncio
import socket
import struct
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT.parent))

from tidtam.core.contract import RemoteSettings, RemoteTimeout  # noqa: E402
from tidtam.core.forms.page import file_payload  # noqa: E402
from tidtam.core.push import browser as core_browser  # noqa: E402
from tidtam.sandbox import site as stand_in_site  # noqa: E402
from tidtam.sandbox.server import run_in_thread  # noqa: E402
from tidtam.sandbox.site import demo_credentials  # noqa: E402

PROJECT = 10003  # a draft in the stand-in's seed: sending it is allowed (422 for its missing steps is fine)
ROUTES = {"form": f"POST /projects/{PROJECT}/send", "upload": f"POST /projects/{PROJECT}/attachments",
          "fetch": f"POST /api/projects/{PROJECT}/progress/1"}


def rst_hang_up():
    plain = stand_in_site._hang_up

    async def reset(send, receive):
        sock = send.__self__.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        await plain(send, receive)
    return reset


async def log_in(page, url: str) -> None:
    user, password = demo_credentials()
    await page.goto(url + "/login")
    await page.get_by_label("ชื่อผู้ใช้").fill(user)
    await page.get_by_label("รหัสผ่าน").fill(password)
    async with page.expect_navigation():
        await page.get_by_role("button", name="เข้าสู่ระบบ").click()


async def post(page, url: str, kind: str, upload: Path, fresh: bool) -> str:
    """Send one POST of ``kind``; what the page saw. Kept alive: from the site's page just loaded
    (its connection stays open). Fresh: from a page of the same origin that came from no
    connection at all (fulfilled by a route, then unrouted), so the POST opens the first one."""
    if fresh:
        async def blank(route):
            await route.fulfill(content_type="text/html", body="<!doctype html><meta charset=utf-8>" + FORMS[kind])
        await page.route(f"{url}/blank", blank, times=1)
        await page.goto(f"{url}/blank")
        await page.unroute(f"{url}/blank")
    else:
        await page.goto(f"{url}/projects/{PROJECT}")
    if kind == "fetch":
        return await page.evaluate("""async (path) => {
            const meta = document.querySelector('meta[name=csrf-token]');
            try { const r = await fetch(path, {method: 'POST', body: '{}', headers: {'Content-Type': 'application/json',
                                                'X-CSRF-Token': meta ? meta.content : ''}});
                  return 'HTTP ' + r.status; } catch (e) { return String(e); }
        }""", f"/api/projects/{PROJECT}/progress/1")
    if kind == "upload":
        await page.set_input_files("#attachment-file", file_payload(upload))  # bytes, as core fills files
        button = page.locator("#attachment-form button")
    else:
        page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
        button = page.locator("#send-form button")
    try:
        async with page.expect_navigation(timeout=30_000):
            await button.click(no_wait_after=True)
        return f"navigated to {page.url}"
    except Exception as exc:
        return str(exc).splitlines()[0]


FORMS = {"form": f'<form method="post" action="/projects/{PROJECT}/send" id="send-form"><button>ส่ง</button></form>',
         "upload": f'<form method="post" action="/projects/{PROJECT}/attachments" enctype="multipart/form-data" '
                   'id="attachment-form"><input type="file" id="attachment-file" name="file"><button>แนบไฟล์</button></form>',
         "fetch": ""}


async def measure(url: str, admin, kind: str, fresh: bool, guarded: bool, upload: Path) -> tuple[int, str, float]:
    """(arrivals at the stand-in, what the page saw, seconds from the click to that)."""
    settings = RemoteSettings(config=None, run_dir=None, action_timeout=30)
    async with core_browser.chromium() as browser:
        context = await browser.new_context()
        page = await context.new_page()
        await log_in(page, url)
        if fresh:  # a context of its own has sockets of its own: none open yet
            cookies = await context.cookies()
            context = await browser.new_context()
            await context.add_cookies(cookies)
            page = await context.new_page()
        before = admin.state()["requests"]["by_route"].get(ROUTES[kind], 0)
        admin.set_knobs(drop_rate=1.0, drop_only=ROUTES[kind])
        started = time.monotonic()
        if guarded:
            try:
                async with core_browser.sent_once(page, settings, kind):
                    said = await post(page, url, kind, upload, fresh)
            except RemoteTimeout as exc:
                said = str(exc)
        else:
            said = await post(page, url, kind, upload, fresh)
        took = time.monotonic() - started
        await asyncio.sleep(1.0)  # a measurement: let any late resend arrive
        admin.set_knobs(drop_rate=0.0)
        return admin.state()["requests"]["by_route"].get(ROUTES[kind], 0) - before, said, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=3)
    parser.add_argument("--only", choices=["plain", "once"], help="only Chromium as it is, or only through once()")
    args = parser.parse_args()
    upload = Path(tempfile.mkdtemp()) / "หลักฐาน.pdf"
    upload.write_bytes(b"%PDF-1.4\n" + b"0" * 50_000 + b"\n%%EOF\n")
    plain = stand_in_site._hang_up
    with run_in_thread("emenscr") as stand_in:
        for guarded in [g for g in (False, True) if args.only in (None, "once" if g else "plain")]:
            for how in ("fin", "rst"):
                stand_in_site._hang_up = plain if how == "fin" else rst_hang_up()
                for fresh in (False, True):
                    for kind in ROUTES:
                        seen = [asyncio.run(measure(stand_in.url, stand_in.admin, kind, fresh, guarded, upload))
                                for _ in range(args.tries)]
                        print(f"{'once' if guarded else 'plain':5} {how} {'new' if fresh else 'kept-alive':10} "
                              f"{kind:6} arrivals {[n for n, _, _ in seen]}  page saw: {seen[0][1][:70]} "
                              f"({max(t for _, _, t in seen):.1f} s)", flush=True)


if __name__ == "__main__":
    main()
