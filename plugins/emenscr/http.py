"""eMENSCR over HTTP (httpx): the same saves through the JSON endpoint the progress page's own
script calls, after a form login. No screenshots: a dry-run in this mode shows the diff only."""
from __future__ import annotations

import re
from contextlib import asynccontextmanager

import httpx

from tidtam.core.contract import LoginRefused, RemoteError, RemoteRefused, RemoteTimeout, SubmitResult
from tidtam.core.push.retry import read

from . import progress
from .browser import NotReportable, SessionExpired, _judge, not_approved, not_on_site

_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
_CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
_ROW = re.compile(r'data-project-id="(\d+)" data-project-code="([^"]*)"')


class HttpRemote:
    mode = "http"

    def __init__(self, credentials, settings):
        self.credentials, self.settings = credentials, settings
        self.mapping = settings.config.mapping
        self.ids: dict[str, int | None] = settings.shared.setdefault("project_ids", {})
        self.client = httpx.AsyncClient(base_url=self.mapping.base_url.rstrip("/"), timeout=settings.read_timeout,
                                        follow_redirects=False)
        self.csrf = ""

    async def login(self) -> None:
        self.client.cookies.clear()
        page = await self.client.get(self.mapping.paths.login)
        _ok(page)
        form = {"username": self.credentials.username, "password": self.credentials.password.reveal(),
                "csrf_token": _CSRF_FIELD.search(page.text).group(1)}
        answer = await self.client.post(self.mapping.paths.login, data=form)
        if answer.status_code == 401:
            raise LoginRefused("เข้าสู่ระบบ eMENSCR ไม่สำเร็จ: ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง")
        if answer.status_code != 303 or "/login" in answer.headers.get("location", ""):
            raise RemoteError(f"เข้าสู่ระบบไม่สำเร็จ (HTTP {answer.status_code}) — จะลองใหม่")
        self.csrf = ""  # the token belongs to the new session: read it from the next page

    async def get(self, path: str) -> httpx.Response:
        response = await self.client.get(path)
        if response.status_code in (303, 401) and (response.status_code == 401 or "/login" in response.headers.get("location", "")):
            await self.login()
            raise SessionExpired("หมดเวลาการใช้งาน — เข้าสู่ระบบใหม่แล้ว")
        _ok(response, allow=(409,))
        if not self.csrf and (meta := _CSRF_META.search(response.text)):
            self.csrf = meta.group(1)
        return response

    async def project_id(self, code: str) -> int | None:
        if self.ids.get(code) is None:
            self.ids[code] = await read(self._find_project, code)
        return self.ids[code]

    async def _find_project(self, code: str) -> int | None:
        page = await self.get(self.mapping.paths.projects.format(q=code, page=1))
        found = [int(pid) for pid, c in _ROW.findall(page.text) if c == code]
        if len(found) > 1:
            raise RemoteRefused(f"พบโครงการรหัส {code} ซ้ำกัน {len(found)} รายการในระบบ (เลขที่ {found})")
        return found[0] if found else None

    async def project_codes(self) -> set[str]:
        codes, page = set(), 1
        while True:
            text = (await read(self.get, self.mapping.paths.projects.format(q="", page=page))).text
            codes |= {code for _, code in _ROW.findall(text)}
            if 'rel="next"' not in text:
                return codes
            page += 1

    async def _progress_url(self, payload) -> tuple[int, str]:
        pid = await self.project_id(payload.data["project_code"])
        if pid is None:
            raise not_on_site(payload.data["project_code"])
        return pid, self.mapping.paths.progress_api.format(id=pid, quarter=payload.data["quarter"])

    async def read_progress(self, payload):
        try:
            pid, url = await self._progress_url(payload)
        except NotReportable:
            return None
        response = await read(self.get, url)
        if response.status_code == 409:
            return None  # not approved yet: the site holds no report (submit says so plainly)
        entry = response.json().get("entry") or {}
        return progress.record(payload, self.mapping, f"{pid}/Q{payload.data['quarter']}", entry.get("values"))

    async def preview_progress(self, payload, screenshot) -> list[str]:
        try:
            pid, url = await self._progress_url(payload)
        except NotReportable as exc:
            return [f"ยังบันทึกไม่ได้: {exc}"]
        if (await read(self.get, url)).status_code == 409:
            return [f"ยังบันทึกไม่ได้: {not_approved(payload.data['project_code'], '')}"]
        return []

    async def submit_progress(self, payload) -> SubmitResult:
        pid, url = await self._progress_url(payload)
        if not self.csrf:
            await read(self.get, self.mapping.paths.projects.format(q="", page=1))
        try:
            response = await self.client.post(url, json=progress.values(payload, self.mapping),
                                              headers={"X-CSRF-Token": self.csrf}, timeout=self.settings.action_timeout)
        except httpx.TimeoutException:
            raise RemoteTimeout(f"ไม่ได้รับคำตอบการบันทึกภายใน {self.settings.action_timeout:g} วินาที") from None
        except httpx.TransportError as exc:
            raise RemoteError(f"การเชื่อมต่อขัดข้องระหว่างบันทึก: {type(exc).__name__}") from None
        if response.status_code == 401:
            await read(self.login)
        if response.status_code == 409:  # refused before anything was saved: not approved yet
            raise not_approved(payload.data["project_code"], response.json().get("message", ""))
        await _judge(response.status_code, _async(response.json))
        return SubmitResult(f"{pid}/Q{payload.data['quarter']}")

    async def failure_screenshot(self, path) -> None:
        return None


def _async(fn):
    async def call():
        return fn()
    return call


def _ok(response: httpx.Response, allow=()) -> None:
    if response.status_code >= 400 and response.status_code not in allow:
        raise RemoteError(f"ระบบตอบกลับ HTTP {response.status_code} ({response.url.path})")


@asynccontextmanager
async def open_http(credentials, settings):
    remote = HttpRemote(credentials, settings)
    try:
        await read(remote.login)
        yield remote
    finally:
        await remote.client.aclose()
