"""eMENSCR over HTTP (httpx): the same saves through the JSON endpoint the progress page's own
script calls (forms.yaml › forms.progress.api), after a form login. No screenshots: a dry-run in
this mode shows the diff only. Pages are read by ``core.forms.html`` from the same description."""
from __future__ import annotations

from contextlib import asynccontextmanager

import httpx

from tidtam.core.contract import LoginRefused, Remote, RemoteAnswered, RemoteError, RemoteRefused, RemoteTimeout, SubmitResult
from tidtam.core.forms import html, readback
from tidtam.core.forms.plan import from_inputs, inputs_of
from tidtam.core.forms.site import Site
from tidtam.core.push.oidc import KeycloakSignIn
from tidtam.core.push.retry import read

from .browser import NotReportable, RunState, SessionExpired, _judge, not_approved, not_on_site
from .plan import PROGRESS


class HttpRemote(Remote):
    mode = "http"
    ACTIONS = {"progress": ("read_progress", "preview_progress", "submit_progress")}
    WHY_NOT = (": การบันทึกโครงการ (M1–M5) และส่งขออนุมัติ (M7) บนเว็บเป็นแบบฟอร์มหลายขั้นตอนที่ไม่มี JSON endpoint "
               "— ใช้ --mode browser")

    def __init__(self, credentials, settings):
        self.credentials, self.settings = credentials, settings
        self.mapping, self.forms = settings.config.mapping, settings.config.forms
        self.ids = settings.run_wide(RunState).ids
        self.client = httpx.AsyncClient(base_url=self.mapping.base_url.rstrip("/"), timeout=settings.read_timeout,
                                        follow_redirects=False)
        self.headers: dict[str, str] = {}
        self.oidc: KeycloakSignIn | None = None
        self.step = self.forms.forms[PROGRESS].step(PROGRESS)

    async def login(self) -> None:
        login = self.forms.login
        if login.kind == "keycloak":  # code + PKCE; the API then wants the bearer token
            self.oidc = self.oidc or KeycloakSignIn(self.client, login, self.credentials, self.mapping.base_url, "eMENSCR")
            return await self.oidc.sign_in()
        self.client.cookies.clear()
        page = await self.client.get(login.path)
        _ok(page)
        typed = {"username": self.credentials.username, "password": self.credentials.password.reveal()}
        form = {**html.hidden_inputs(page.text),
                **{field.input or key: typed.get(key, "") for key, field in login.fields.items()}}
        answer = await self.client.post(login.path, data=form)
        if answer.status_code == 401:
            raise LoginRefused("เข้าสู่ระบบ eMENSCR ไม่สำเร็จ: ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง")
        if answer.status_code != 303 or login.path in answer.headers.get("location", ""):
            raise RemoteError(f"เข้าสู่ระบบไม่สำเร็จ (HTTP {answer.status_code}) — จะลองใหม่")
        self.headers = {}  # tokens belong to the new session: read them from the next page

    async def _auth(self) -> dict[str, str]:
        return await self.oidc.headers() if self.oidc else {}

    async def _signed_in_again(self) -> None:
        await (self.oidc.renew() if self.oidc else self.login())

    async def get(self, path: str) -> httpx.Response:
        response = await self.client.get(path, headers=await self._auth())
        expired = response.status_code == 401 or (
            response.status_code == 303 and self.forms.login.path in response.headers.get("location", ""))
        if expired:
            await self._signed_in_again()
            raise SessionExpired("หมดเวลาการใช้งาน — เข้าสู่ระบบใหม่แล้ว")
        _ok(response, allow=(409,))
        if not self.headers and "text/html" in response.headers.get("content-type", ""):
            self.headers = {item.header: html.meta(response.text, item.meta) or ""
                            for item in self.forms.forms[PROGRESS].api_headers}
        return response

    async def _rows(self, page_name: str, **params) -> list[dict]:
        spec, found, number = self.forms.pages[page_name], [], 1
        while True:
            if spec.api:  # the site's JSON API
                answer = (await read(self.get, Site.path(spec.api.path, **params, page_number=number))).json()
                rows, more = answer[spec.api.rows], answer[spec.api.page] < answer[spec.api.pages]
            else:
                text = (await read(self.get, Site.path(spec.path, **params, page_number=number))).text
                rows, more = html.rows(text, spec.lists["projects"])
            found += rows
            if not more:
                return found
            number += 1

    async def project_id(self, code: str) -> int | None:
        if self.ids.get(code) is None:
            found = [int(r["id"]) for r in await self._rows("projects", q=code) if r["code"] == code]
            if len(found) > 1:
                raise RemoteRefused(f"พบโครงการรหัส {code} ซ้ำกัน {len(found)} รายการในระบบ (เลขที่ {found})")
            self.ids[code] = found[0] if found else None
        return self.ids[code]

    async def keys(self) -> set[str]:
        return {f"project:{code}" for code in await self.project_codes()}

    async def project_codes(self) -> set[str]:
        return {row["code"] for row in await self._rows("projects", q="")}

    async def _progress_url(self, payload) -> tuple[int, str]:
        pid = await self.project_id(payload.data["project_code"])
        if pid is None:
            raise not_on_site(payload.data["project_code"])
        return pid, Site.path(self.forms.forms[PROGRESS].api, id=pid, quarter=payload.data["quarter"])

    def _values(self, payload) -> dict:
        return payload.data["fill"]["steps"][PROGRESS]

    async def read_progress(self, payload):
        try:
            pid, url = await self._progress_url(payload)
        except NotReportable:
            return None
        response = await read(self.get, url)
        if response.status_code == 409:
            return None  # not approved yet: the site holds no report (submit says so plainly)
        held = (response.json().get("entry") or {}).get("values")
        if held is None:
            return None
        shown = from_inputs(self.step, held, self._values(payload))
        return readback.record(self.forms, payload, f"{pid}/Q{payload.data['quarter']}", {PROGRESS: shown})

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
        if not self.headers and self.forms.forms[PROGRESS].api_headers:  # tokens a page carries
            await read(self.get, Site.path(self.forms.pages["projects"].path, q="", page_number=1))
        try:
            response = await self.client.post(url, json=inputs_of(self.step, self._values(payload)),
                                              headers={**self.headers, **await self._auth()},
                                              timeout=self.settings.action_timeout)
        except httpx.TimeoutException:
            raise RemoteTimeout(f"ไม่ได้รับคำตอบการบันทึกภายใน {self.settings.action_timeout:g} วินาที") from None
        except httpx.ConnectError:  # no connection: nothing went out
            raise RemoteAnswered("เชื่อมต่อระบบไม่ได้ (ยังไม่ได้บันทึก)") from None
        except httpx.TransportError:  # the request may have gone out: no answer
            raise RemoteError("การเชื่อมต่อขัดข้องระหว่างบันทึก (ระบบอาจบันทึกแล้ว จะตรวจก่อนส่งซ้ำ)") from None
        if response.status_code == 401:
            await read(self._signed_in_again)
        if response.status_code == 409:  # refused before anything was saved: not approved yet
            raise not_approved(payload.data["project_code"], response.json().get("message", ""))
        await _judge(response.status_code, _async(response.json), self.step, payload)
        return SubmitResult(f"{pid}/Q{payload.data['quarter']}")



def _async(fn):
    async def call():
        return fn()
    return call


def _ok(response: httpx.Response, allow=()) -> None:
    if response.status_code >= 400 and response.status_code not in allow:
        raise RemoteAnswered(f"ระบบตอบกลับ HTTP {response.status_code} ({response.url.path})")


@asynccontextmanager
async def open_http(credentials, settings):
    remote = HttpRemote(credentials("emenscr"), settings)
    try:
        await read(remote.login)
        yield remote
    finally:
        await remote.client.aclose()
