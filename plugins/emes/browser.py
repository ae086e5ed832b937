"""E-MES through a real browser (Playwright): what a person does on the indicator form, the
evidence form and the round page.

Login happens in a separate context that is never traced, and only its cookies move to the
working context: the password never enters a trace, a screenshot or a log. Page loads are
retried (an expired session logs in again first); a save, an upload and the confirmation are
clicked once and judged by the answer to the page's own request.

Evidence is recognised by content: the files the indicator holds are listed, those of the same
size are downloaded and hashed, and a file whose sha256 is already there is never uploaded
again. A download that does not come back as the file (expired session, error page) is doubt,
never "not there".
"""
from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from tidtam.core.contract import Change, RemoteError, RemoteRecord, RemoteRefused, SubmitResult
from tidtam.core.evidence import stored_path
from tidtam.core.push.browser import (answered_in_time, answering_confirm, check_status, close_working_context, load,
                                     login_cookies, resolve, started, working_context)
from tidtam.core.push.retry import read

from .plan import narrative_text

LEVEL, NARRATIVE, LINKS = "ระดับผลการประเมินตนเอง", "ผลการดำเนินงาน", "ลิงก์หลักฐานเพิ่มเติม"
ROUND_STATUS = "สถานะรอบการประเมิน"


class SessionExpired(RemoteError):
    pass


class BrowserRemote:
    mode = "browser"

    def __init__(self, browser, credentials, settings):
        self.browser, self.credentials, self.settings = browser, credentials, settings
        self.mapping, self.locators = settings.config.mapping, settings.config.locators
        self.base = self.mapping.base_url.rstrip("/")
        self.context = self.page = None

    async def start(self) -> None:
        self.context = await working_context(self.browser, self.settings)
        self.page = await self.context.new_page()
        await read(self.login)

    async def close(self) -> None:
        if self.context is None:
            return
        await close_working_context(self.context, self.settings)

    async def login(self) -> None:
        """Log in where nothing is traced, then hand the session cookie to the working context."""
        cookies = await login_cookies(self.browser, self.settings, self.credentials,
                                      self.base + self.mapping.paths.login, "E-MES")
        await self.context.clear_cookies()
        await self.context.add_cookies(cookies)

    async def goto(self, path: str):
        """Load a page; log in again if the session expired (the caller retries through ``read``)."""
        response = await load(self.page, self.base + path, self.settings)
        if "/login" in self.page.url:
            await self.login()
            raise SessionExpired("หมดเวลาการใช้งาน — เข้าสู่ระบบใหม่แล้ว")
        if response is not None and response.status == 404:
            raise RemoteRefused(f"ไม่พบหน้า {path} ในระบบ E-MES (รอบหรือตัวบ่งชี้นี้ไม่มีในระบบ)")
        check_status(response)
        return response

    def _path(self, name: str, data: dict) -> str:
        return getattr(self.mapping.paths, name).format(year=data["year"], round=data["round"], code=data.get("code", ""))

    # ----- the indicator form -----------------------------------------------------------------
    async def open_indicator(self, data: dict) -> None:
        await self.goto(self._path("indicator", data))
        await resolve(self.page, self.locators, "indicator", "title", code=data["code"])  # the right indicator

    async def read_indicator(self, payload) -> RemoteRecord | None:
        await read(self.open_indicator, payload.data)
        form = await resolve(self.page, self.locators, "indicator", "form")
        shown = await form.evaluate("""f => ({
            level: (f.querySelector('input[name=level]:checked') || {value: ''}).value,
            narrative: (f.elements.namedItem('narrative') || {value: ''}).value,
            links: (f.elements.namedItem('links') || {value: ''}).value})""")
        return indicator_record(payload, f"{payload.data['year']}/{payload.data['round']}/{payload.data['code']}", shown)

    async def fill_indicator(self, payload) -> None:
        data = payload.data
        await (await resolve(self.page, self.locators, "indicator", "level", level=data["level"])).check()
        await (await resolve(self.page, self.locators, "indicator", "narrative")).fill(data["narrative"])
        await (await resolve(self.page, self.locators, "indicator", "links")).fill("\n".join(data["links"]))

    async def preview_indicator(self, payload, screenshot: Path) -> list[str]:
        await read(self.open_indicator, payload.data)
        await self.fill_indicator(payload)
        await self._shot(screenshot)
        return []

    async def submit_indicator(self, payload) -> SubmitResult:
        data = payload.data
        await read(self.open_indicator, data)
        await self.fill_indicator(payload)
        save = await resolve(self.page, self.locators, "indicator", "save")
        what = f"ตัวบ่งชี้ {data['code']}"
        await self._judge(await self._answer_of(save, self._path("indicator", data), what), what)
        return SubmitResult(f"{data['year']}/{data['round']}/{data['code']}")

    # ----- evidence ---------------------------------------------------------------------------
    async def site_evidence(self) -> list[dict]:
        """The files the open indicator page lists: id, link, name, size, description."""
        css = self.locators.pages["indicator"]["evidence_rows"].css
        return await self.page.locator(css).evaluate_all("""rows => rows.map(r => {
            const link = r.querySelector('a[href]');
            return {id: r.dataset.evidenceId, href: link ? link.getAttribute('href') : '',
                    filename: link ? link.textContent.trim() : '', description: r.cells[2].textContent.trim(),
                    size: parseInt(r.cells[3].textContent.replace(/[^0-9]/g, ''), 10)};
        })""")

    async def _sha_of(self, href: str) -> str:
        """Download one listed file and hash it; anything but the file itself is doubt."""
        answer = await self.context.request.get(self.base + href, max_redirects=0,
                                                timeout=self.settings.read_timeout * 1000)
        if answer.status in (301, 302, 303, 401):
            await self.login()
            raise SessionExpired("หมดเวลาการใช้งานระหว่างตรวจไฟล์หลักฐาน — เข้าสู่ระบบใหม่แล้ว")
        if answer.status != 200 or "text/html" in answer.headers.get("content-type", ""):
            raise RemoteError(f"ดาวน์โหลดไฟล์หลักฐาน {href} เพื่อตรวจ sha256 ไม่ได้ (HTTP {answer.status})")
        return hashlib.sha256(await answer.body()).hexdigest()

    async def _find_evidence(self, data: dict) -> dict | None:
        await self.open_indicator(data)
        for row in await self.site_evidence():
            if row["size"] == data["size"] and await self._sha_of(row["href"]) == data["sha256"]:
                return row
        return None

    async def find_evidence(self, payload) -> RemoteRecord | None:
        row = await read(self._find_evidence, payload.data)
        if row is None:
            return None
        values = {"id": row["id"], "filename": row["filename"], "size": row["size"],
                  "description": row["description"], "sha256": payload.data["sha256"]}
        return RemoteRecord(row["id"], values, matches=True)

    async def fill_evidence(self, data: dict) -> None:
        content = stored_path(data["sha256"]).read_bytes()
        mime = mimetypes.guess_type(data["filename"])[0] or "application/octet-stream"
        chooser = await resolve(self.page, self.locators, "indicator", "evidence_file")
        await chooser.set_input_files({"name": data["filename"], "mimeType": mime, "buffer": content})
        await (await resolve(self.page, self.locators, "indicator", "evidence_description")).fill(data["description"])

    async def preview_evidence(self, payload, screenshot: Path) -> list[str]:
        data = payload.data
        held = await read(self._find_evidence, data)
        if held is not None:
            await self._shot(screenshot)
            return [f"ระบบมีไฟล์นี้แล้ว (sha256 ตรงกัน เลขที่ {held['id']} ชื่อ {held['filename']}) — จะไม่อัปโหลดซ้ำ"]
        await self.fill_evidence(data)
        await self._shot(screenshot)
        return []

    async def submit_evidence(self, payload) -> SubmitResult:
        """Upload once: the files already there are looked up by sha256 on the same page first."""
        data = payload.data
        held = await read(self._find_evidence, data)
        if held is not None:
            return SubmitResult(held["id"])
        await self.fill_evidence(data)
        upload = await resolve(self.page, self.locators, "indicator", "evidence_upload")
        what = f"ตัวบ่งชี้ {data['code']} ไฟล์ {data['filename']}"
        await self._judge(await self._answer_of(upload, self._path("evidence_upload", data), what), what)
        return SubmitResult("")

    # ----- the round --------------------------------------------------------------------------
    async def open_round(self, data: dict) -> bool:
        """Load the round's page; True when the site shows it confirmed (locked)."""
        await self.goto(self._path("round_page", data))
        status = await resolve(self.page, self.locators, "round", "status")
        return (await status.get_attribute("data-confirmed")) == "true"

    async def read_round(self, payload) -> RemoteRecord:
        confirmed = await read(self.open_round, payload.data)
        shown = (await (await resolve(self.page, self.locators, "round", "status")).inner_text()).strip()
        remote_id = f"{payload.data['year']}/{payload.data['round']}"
        if confirmed:
            return RemoteRecord(remote_id, {"confirmed": True, "status": shown}, matches=True)
        return RemoteRecord(remote_id, {"confirmed": False, "status": shown}, matches=False,
                            diff=[Change(ROUND_STATUS, shown, "ยืนยันการส่งข้อมูลแล้ว (ล็อก แก้ไขไม่ได้จนกว่า สพฐ. เปิดให้)")])

    async def preview_round(self, payload, screenshot: Path) -> list[str]:
        confirmed = await read(self.open_round, payload.data)
        table = await resolve(self.page, self.locators, "round", "standards")
        counts = await table.locator("tbody tr").evaluate_all(
            "rows => rows.map(r => [r.cells[0].textContent.trim(), r.cells[1].textContent.trim(), r.cells[2].textContent.trim()])")
        if not confirmed:
            await resolve(self.page, self.locators, "round", "confirm")  # the button is there (not clicked)
        await self._shot(screenshot)
        notes = [f"{name}: บันทึกแล้ว {saved}/{total} ตัวบ่งชี้" for name, total, saved in counts]
        return notes + (["รอบนี้ยืนยันแล้วในระบบ"] if confirmed else [])

    async def submit_round(self, payload) -> SubmitResult:
        data = payload.data
        remote_id = f"{data['year']}/{data['round']}"
        if await read(self.open_round, data):
            return SubmitResult(remote_id)  # already locked: never a second confirmation
        button = await resolve(self.page, self.locators, "round", "confirm")
        what = f"ยืนยันรอบ {remote_id}"
        with answering_confirm(self.page):  # the round's confirm(), whatever its wording
            answer = await self._answer_of(button, self._path("confirm", data), what)
        await self._judge(answer, what, ok=(200, 303))
        return SubmitResult(remote_id)

    # ----- shared -----------------------------------------------------------------------------
    async def _answer_of(self, button, path: str, what: str) -> tuple[int, str]:
        """Click once; wait for the answer to the POST it sends and for the page it leads to.
        Gives (status, redirect location). No answer in time is a timeout (it may land later)."""
        timeout = self.settings.action_timeout * 1000
        with answered_in_time(self.settings, what):
            async with self.page.expect_navigation(timeout=timeout, wait_until="domcontentloaded") as page_load:
                async with self.page.expect_response(
                        lambda r: r.url.split("?")[0].endswith(path) and r.request.method == "POST",
                        timeout=timeout) as answer:
                    await button.click(no_wait_after=True)  # the answer is awaited above, up to action_timeout
                response = await answer.value
            await page_load.value
        return response.status, response.headers.get("location", "")

    async def _judge(self, answer: tuple[int, str], what: str, ok=(200,)) -> None:
        """200 saved (303 to the page itself for the round); 303 to the login page: the session
        expired before anything was looked at; 422 refused with the site's messages; 409 locked
        or closed; anything else is doubt."""
        status, location = answer
        if status in ok and "/login" not in location:
            return
        if status == 303 and "/login" in location:
            raise SessionExpired(f"{what}: หมดเวลาการใช้งานระหว่างบันทึก (ยังไม่ได้บันทึก)")
        if status in (409, 422):
            messages = await self.page.locator("p.field-error:not([hidden]), .alert-error").all_inner_texts()
            text = "; ".join(dict.fromkeys(m.strip() for m in messages if m.strip()))[:400]
            raise RemoteRefused(f"{what}: ระบบไม่รับข้อมูล — {text or f'HTTP {status}'}")
        raise RemoteError(f"{what}: บันทึกไม่สำเร็จ (HTTP {status})")

    async def _shot(self, path: Path) -> None:
        await self.page.screenshot(path=str(path), full_page=True, mask=[self.page.locator("input[type=password]")])

    async def failure_screenshot(self, path: Path) -> None:
        if self.page is not None:
            await self._shot(path)


def indicator_record(payload, remote_id: str, shown: dict) -> RemoteRecord | None:
    """What the indicator form holds, compared with the payload; None when nothing is saved."""
    level, narrative = str(shown.get("level") or ""), narrative_text(shown.get("narrative") or "")
    links = [line.strip() for line in str(shown.get("links") or "").splitlines() if line.strip()]
    if not level and not narrative and not links:
        return None
    data = payload.data
    diff = []
    if level != data["level"]:
        diff.append(Change(LEVEL, f"ระดับ {level}" if level else "", f"ระดับ {data['level']}"))
    if narrative != data["narrative"]:
        diff.append(Change(NARRATIVE, narrative, data["narrative"]))
    if links != data["links"]:
        diff.append(Change(LINKS, "\n".join(links), "\n".join(data["links"])))
    return RemoteRecord(remote_id, {"level": level, "narrative": narrative, "links": links}, matches=not diff, diff=diff)


def open_browser(browser, credentials, settings):
    return started(BrowserRemote(browser, credentials, settings))
