"""E-MES through a real browser (Playwright): what a person does on a point's page (its
narrative form or its ranked works, and its file uploads) and the round page. Every page, field and button is named in forms.yaml and
reached through ``core.forms.site``; this module knows the flow only.

Login happens in a separate context that is never traced, and only its cookies move to the
working context: the password never enters a trace, a screenshot or a log. Page loads are
retried (an expired session logs in again first); a save, an upload and the confirmation are
clicked once and judged by the answer to the page's own request.

Evidence is recognised by content: the files the point holds are listed, those of the same
size are downloaded and hashed, and a file whose sha256 is already there is never uploaded
again. A download that does not come back as the file (expired session, error page) is doubt,
never "not there".
"""
from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from tidtam.core.contract import Change, Remote, RemoteAnswered, RemoteError, RemoteRecord, RemoteRefused, SubmitResult
from tidtam.core.evidence import stored_path
from tidtam.core.forms import readback
from tidtam.core.forms.site import Site
from tidtam.core.push.browser import (answering_confirm, check_status, checked_pages, close_working_context, hand_over,
                                     load, login_state, sent_once, started, working_context)
from tidtam.core.push.retry import read

from .plan import EVIDENCE_FORM

ROUND_STATUS = "สถานะรอบการประเมิน"


class SessionExpired(RemoteAnswered):
    pass


class BrowserRemote(Remote):
    mode = "browser"
    ACTIONS = {"point_result": ("read_point", "preview_point", "submit_point"),
               "upload_evidence": ("find_evidence", "preview_evidence", "submit_evidence"),
               "confirm_round": ("read_round", "preview_round", "submit_round")}

    def __init__(self, browser, credentials, settings):
        self.browser, self.credentials, self.settings = browser, credentials, settings
        self.mapping = settings.config.mapping
        self.base = self.mapping.base_url.rstrip("/")
        self.site = Site(self)
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
        """Sign in where nothing is traced, then hand the session to the working context."""
        await hand_over(self.context, await login_state(self.browser, self.settings, self.credentials, self.base, "E-MES"))

    async def goto(self, path: str):
        """Load a page; log in again if the session expired (the caller retries through ``read``)."""
        response = await load(self.page, self.base + path, self.settings)
        if self.site.forms.login.signed_out(self.page.url):
            await self.login()
            raise SessionExpired("หมดเวลาการใช้งาน — เข้าสู่ระบบใหม่แล้ว")
        if response is not None and response.status == 404:
            raise RemoteRefused(f"ไม่พบหน้า {path} ในระบบ E-MES (รอบหรือประเด็นการพิจารณานี้ไม่มีในระบบ)")
        check_status(response)
        return response

    @staticmethod
    def _where(data: dict) -> dict:
        return {"year": data["year"], "round": data["round"], "code": data.get("code", "")}

    # ----- the point's form: a narrative point's or a works point's ---------------------------
    async def open_point(self, data: dict) -> None:
        form = data["form"]
        await self.site.open_step(form, form, **self._where(data))
        await self.site.step_element(form, form, "title", **self._where(data))  # the right point

    def _values(self, payload) -> dict:
        return payload.data["fill"]["steps"][payload.data["form"]]

    async def read_point(self, payload) -> RemoteRecord | None:
        await read(self.open_point, payload.data)
        form = payload.data["form"]
        shown = await self.site.read(form, form, self._values(payload))
        remote_id = f"{payload.data['year']}/{payload.data['round']}/{payload.data['code']}"
        return readback.record(self.site.forms, payload, remote_id, {form: shown})

    async def preview_point(self, payload, screenshot: Path) -> list:
        await read(self.open_point, payload.data)
        form = payload.data["form"]
        await self.site.fill(form, form, self._values(payload))
        findings = await self.site.verdict(form, form, self._values(payload))
        await self._shot(screenshot)
        return self.site.problems(payload, findings)

    async def submit_point(self, payload) -> SubmitResult:
        data, form = payload.data, payload.data["form"]
        await read(self.open_point, data)
        await self.site.fill(form, form, self._values(payload))
        await self._save(f"{form}.{form}", "save", data, f"ประเด็น {data['code']}", form, payload)
        return SubmitResult(f"{data['year']}/{data['round']}/{data['code']}")

    # ----- evidence ---------------------------------------------------------------------------
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
        await self.site.open_step(EVIDENCE_FORM, EVIDENCE_FORM, **self._where(data))
        spec = self.site.step(EVIDENCE_FORM, EVIDENCE_FORM).lists["files"]
        from tidtam.core.forms.page import read_list

        rows, _ = await read_list(self.page, spec, f"forms.{EVIDENCE_FORM}.steps.{EVIDENCE_FORM}.lists.files")
        for row in rows:
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

    def _file(self, value: dict) -> dict:
        """What a file field gets: the stored evidence itself, under its own name."""
        return {"name": value["filename"], "mimeType": mimetypes.guess_type(value["filename"])[0] or "application/octet-stream",
                "buffer": stored_path(value["sha256"]).read_bytes()}

    def _evidence_values(self, payload) -> dict:
        return payload.data["fill"]["steps"][EVIDENCE_FORM]

    async def preview_evidence(self, payload, screenshot: Path) -> list:
        data = payload.data
        held = await read(self._find_evidence, data)
        if held is not None:
            await self._shot(screenshot)
            return [f"ระบบมีไฟล์นี้แล้ว (sha256 ตรงกัน เลขที่ {held['id']} ชื่อ {held['filename']}) — จะไม่อัปโหลดซ้ำ"]
        await self.site.fill(EVIDENCE_FORM, EVIDENCE_FORM, self._evidence_values(payload), self._file)
        findings = await self.site.verdict(EVIDENCE_FORM, EVIDENCE_FORM, self._evidence_values(payload))
        await self._shot(screenshot)
        return self.site.problems(payload, findings)

    async def submit_evidence(self, payload) -> SubmitResult:
        """Upload once: the files already there are looked up by sha256 on the same page first."""
        data = payload.data
        held = await read(self._find_evidence, data)
        if held is not None:
            return SubmitResult(held["id"])
        await self.site.fill(EVIDENCE_FORM, EVIDENCE_FORM, self._evidence_values(payload), self._file)
        what = f"ประเด็น {data['code']} ไฟล์ {data['filename']}"
        await self._save(f"{EVIDENCE_FORM}.{EVIDENCE_FORM}", "save", data, what, EVIDENCE_FORM, payload)
        return SubmitResult("")

    # ----- the round --------------------------------------------------------------------------
    async def open_round(self, data: dict) -> bool:
        """Load the round's page; True when the site shows it confirmed (locked)."""
        await self.site.open("round", **self._where(data))
        return await self.site.element("round", "confirmed") == "true"

    async def read_round(self, payload) -> RemoteRecord:
        confirmed = await read(self.open_round, payload.data)
        shown = await self.site.element("round", "status")
        remote_id = f"{payload.data['year']}/{payload.data['round']}"
        if confirmed:
            return RemoteRecord(remote_id, {"confirmed": True, "status": shown}, matches=True)
        return RemoteRecord(remote_id, {"confirmed": False, "status": shown}, matches=False,
                            diff=[Change(ROUND_STATUS, shown, "ยืนยันการส่งข้อมูลแล้ว (ล็อก แก้ไขไม่ได้จนกว่า สพฐ. เปิดให้)")])

    async def preview_round(self, payload, screenshot: Path) -> list:
        confirmed = await read(self.open_round, payload.data)
        counts = await self.site.shown_rows("round", "standards")
        findings = [] if confirmed else await self.site.inspect_page("round", **self._where(payload.data))
        await self._shot(screenshot)
        notes = [f"{row['name']}: บันทึกแล้ว {row['saved']}/{row['points']} ประเด็นการพิจารณา" for row in counts]
        return notes + (["รอบนี้ยืนยันแล้วในระบบ"] if confirmed else []) + self.site.problems(payload, findings)

    async def submit_round(self, payload) -> SubmitResult:
        data = payload.data
        remote_id = f"{data['year']}/{data['round']}"
        if await read(self.open_round, data):
            return SubmitResult(remote_id)  # already locked: never a second confirmation
        confirm = self.site.button_spec("round", "confirm")
        with answering_confirm(self.page, confirm.confirm or ""):
            await self._save("round", "confirm", data, f"ยืนยันรอบ {remote_id}", ok=(200, 303))
        return SubmitResult(remote_id)

    # ----- shared -----------------------------------------------------------------------------
    async def _save(self, where: str, key: str, data: dict, what: str, form: str | None = None, payload=None, ok=(200,)):
        """Click a button once; wait for the answer to the POST it sends (its ``posts``) and for
        the page it leads to. No answer in time is a timeout (it may land later)."""
        button = await self.site.button(where, key, **self._where(data))
        posts = Site.path(self.site.button_spec(where, key).posts, **self._where(data))
        timeout = self.settings.action_timeout * 1000
        async with sent_once(self.page, self.settings, what):
            async with self.page.expect_navigation(timeout=timeout, wait_until="domcontentloaded") as page_load:
                async with self.page.expect_response(
                        lambda r: r.url.split("?")[0].endswith(posts) and r.request.method == "POST",
                        timeout=timeout) as answer:
                    await button.click(no_wait_after=True)  # the answer is awaited above, up to action_timeout
                response = await answer.value
            await page_load.value
        await self._judge(response.status, response.headers.get("location", ""), what, form, payload, ok)

    async def _judge(self, status: int, location: str, what: str, form, payload, ok) -> None:
        """200 saved (303 to the page itself for the round); 303 to the login page: the session
        expired before anything was looked at; 422 refused with the site's messages; 409 locked
        or closed; anything else is doubt."""
        login = self.site.forms.login.path
        if status in ok and login not in location:
            return
        if status == 303 and login in location:
            raise SessionExpired(f"{what}: หมดเวลาการใช้งานระหว่างบันทึก (ยังไม่ได้บันทึก)")
        if status in (409, 422):
            if form is not None:
                errors = await self.site.field_errors(form, form, payload.data["fill"]["steps"][form])
                raise RemoteRefused(f"{what}: {readback.refusal(self.site.step(form, form), errors)}")
            said = "; ".join(f.message for f in await self.site.page_errors())[:400]
            raise RemoteRefused(f"{what}: ระบบไม่รับ — {said or f'HTTP {status}'}")
        raise RemoteAnswered(f"{what}: บันทึกไม่สำเร็จ (HTTP {status})")

    async def check(self, period):  # a step's findings under its form
        return await checked_pages(self, period, lambda key: key.split(".steps.")[0])

    async def walk(self, period, look):
        from .doctor import walk

        await walk(self, period, look)

    async def _shot(self, path: Path) -> None:
        await self.site.screenshot(path)

    async def failure_screenshot(self, path: Path) -> None:
        if self.page is not None:
            await self._shot(path)


def open_browser(browser, credentials, settings):
    return started(BrowserRemote(browser, credentials("emes"), settings))
