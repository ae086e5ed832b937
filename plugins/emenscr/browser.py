"""eMENSCR through a real browser (Playwright): what a person does, field by field.

Every page, field and button is named in forms.yaml and reached through ``core.forms.site``; this
module knows the flow only: log in once for the run's workers, find a project by its code, open
its quarter's progress form, fill it, save it once and judge the answer, read back what the site
holds. Login happens in a separate context that is never traced, and only its cookies move to the
working context: the password never enters a trace, a screenshot or a log. Page loads are retried
(an expired session logs in again first); a save is clicked once and judged by its answer.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from tidtam.core.contract import Remote, RemoteAnswered, RemoteRefused, SubmitResult
from tidtam.core.forms import readback
from tidtam.core.forms.plan import from_inputs
from tidtam.core.forms.site import Site
from tidtam.core.push.browser import (at_the_site, check_status, checked_pages, close_working_context, hand_over, load,
                                     login_state, sent_once, started, working_context)
from tidtam.core.push.retry import read

from .entry_browser import EntryPages
from .plan import ENTRY_FORM, PROGRESS


class SessionExpired(RemoteAnswered):
    pass


@dataclass
class RunState:
    """What a run's workers share (RemoteSettings.run_wide): one logged-in browser context, and
    the site's id of each project, listed once."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    context: object = None
    users: int = 0
    session: int = 0  # logins so far: a worker takes a login made since its own request went out
    login_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    ids: dict[str, int | None] = field(default_factory=dict)
    listing: asyncio.Lock = field(default_factory=asyncio.Lock)
    listed: bool = False


class NotReportable(RemoteRefused):
    """The site has no progress form for the project yet: not on the site, or not approved."""


def not_on_site(code: str) -> NotReportable:
    return NotReportable(f"ไม่พบโครงการรหัส {code} ในระบบ eMENSCR — บันทึกโครงการก่อน "
                         "(push --dry-run --new-projects แล้วอนุมัติและ push) แล้วจึงรายงานผลได้หลังกระทรวงอนุมัติโครงการ")


def not_approved(code: str, said: str) -> NotReportable:
    return NotReportable(f"โครงการ {code} ยังไม่ได้รับอนุมัติในระบบ eMENSCR จึงยังบันทึกผลรายไตรมาสไม่ได้ — "
                         f"รอกระทรวงอนุมัติโครงการ แล้วรัน push อีกครั้ง (ระบบแจ้ง: {_lines(said)[:160]})")


def _lines(text: str) -> str:
    return " — ".join(line.strip() for line in text.splitlines() if line.strip())


class BrowserRemote(EntryPages, Remote):
    mode = "browser"
    ACTIONS = {"progress": ("read_progress", "preview_progress", "submit_progress"),
               "create_project": ("lookup_entry", "preview_entry", "submit_entry"),
               "send_for_approval": ("lookup_send", "preview_send", "submit_send")}

    def __init__(self, browser, credentials, settings):
        self.browser, self.credentials, self.settings = browser, credentials, settings
        self.mapping = settings.config.mapping
        self.base = self.mapping.base_url.rstrip("/")
        self.site = Site(self)
        self.shared = settings.run_wide(RunState)
        self.ids = self.shared.ids
        self.seen = 0  # the login (shared.session) this worker's requests go out with
        self.context = self.page = None

    async def start(self) -> None:
        """One context for the run's workers, one page each: they share one logged-in session
        (one login per run, not per worker); each page has its own renderer process."""
        shared = self.shared
        async with shared.lock:
            if shared.context is None:
                shared.context = await working_context(self.browser, self.settings)
            shared.users += 1
        self.context = shared.context
        self.page = await self.context.new_page()
        await read(self.login)

    async def close(self, failed: bool = False) -> None:
        if self.context is None:
            return
        shared = self.shared
        if self.page is not None:
            await self.page.close()
        async with shared.lock:
            shared.users -= 1
            if shared.users or shared.context is None:
                return
            context, shared.context = shared.context, None
        await close_working_context(context, self.settings)

    async def login(self) -> None:
        """Sign in where nothing is traced, then hand the session to the shared context.
        A worker whose session expired takes a login another worker made since its own request
        went out instead of logging in again."""
        async with self.shared.login_lock:
            if self.shared.session > self.seen:
                self.seen = self.shared.session
                return
            async with at_the_site(self.settings):
                state = await login_state(self.browser, self.settings, self.credentials, self.base, "eMENSCR")
            await hand_over(self.context, state)
            self.shared.session += 1
            self.seen = self.shared.session

    async def goto(self, path: str):
        """Load a page; log in again if the session expired (the caller retries through ``read``)."""
        response = await load(self.page, self.base + path, self.settings)
        if self.site.forms.login.signed_out(self.page.url):
            await self.login()
            raise SessionExpired("หมดเวลาการใช้งาน — เข้าสู่ระบบใหม่แล้ว")
        check_status(response, allow=(409,))
        return response

    # ----- finding a project ------------------------------------------------------------------
    async def project_id(self, code: str) -> int | None:
        """The site's id of a project: from one listing of every project per run (a few pages
        instead of a search per record), then a search for codes the listing did not have."""
        async with self.shared.listing:
            if not self.shared.listed:
                await self.project_codes()
                self.shared.listed = True
        if self.ids.get(code) is None:
            self.ids[code] = await read(self.find_code, code)
        return self.ids[code]

    async def keys(self) -> set[str]:
        """Projects the site holds *complete*: a draft (entered in part by a killed run, or by
        hand) or a project returned for correction still needs project entry."""
        return {f"project:{code}" for code in await self.project_codes() - await self.open_codes()}

    async def check(self, period):  # a step's findings under its form, the entry form's per step
        return await checked_pages(self, period, lambda key: key if key.startswith("pages") or ENTRY_FORM in key
                                   else f"forms.{PROGRESS}")

    async def walk(self, period, look):
        from .doctor import walk

        await walk(self, period, look)

    async def project_codes(self) -> set[str]:
        rows = await read(self.site.rows, "projects", "projects", q="")
        for row in rows:
            self.ids.setdefault(row["code"], int(row["id"]))
        return {row["code"] for row in rows}

    # ----- the progress form ------------------------------------------------------------------
    async def open_progress(self, payload) -> int:
        code = payload.data["project_code"]
        pid = await self.project_id(code)
        if pid is None:
            raise not_on_site(code)
        response = await read(self.site.open_step, PROGRESS, PROGRESS, id=pid, quarter=payload.data["quarter"])
        if response.status == 409:
            said = [finding.message for finding in await self.site.page_errors()]  # the message, not the page's links
            raise not_approved(code, "\n".join(said) or await self.site.text())
        return pid

    def _values(self, payload) -> dict:
        return payload.data["fill"]["steps"][PROGRESS]

    async def read_progress(self, payload):
        """What the site holds for the quarter, from the JSON endpoint the progress page's own
        script reads and saves through (forms.progress.api), requested inside the logged-in
        browser context: its cookies, one round trip and no page to render. None when the site
        has no report for the project yet: not on the site, not approved, or nothing saved."""
        code, quarter = payload.data["project_code"], payload.data["quarter"]
        pid = await self.project_id(code)
        if pid is None:
            return None
        api = self.site.path(self.site.forms.forms[PROGRESS].api, id=pid, quarter=quarter)
        response = await read(self._get_json, api)
        if response.status == 409:
            return None
        entry = (await response.json()).get("entry") or {}
        held = entry.get("values")
        if held is None:
            return None
        shown = from_inputs(self.site.step(PROGRESS, PROGRESS), held, self._values(payload))
        return readback.record(self.site.forms, payload, f"{pid}/Q{quarter}", {PROGRESS: shown})

    async def _get_json(self, path: str):
        headers = await self._api_headers()
        async with at_the_site(self.settings):
            response = await self.context.request.get(self.base + path, timeout=self.settings.read_timeout * 1000,
                                                      max_redirects=0, headers=headers)
        if response.status == 401:
            if headers:  # a token the app keeps: loading the app has it renew the token (or sign in)
                await self._to_the_app()
            else:
                await self.login()
            raise SessionExpired("หมดเวลาการใช้งาน — เข้าสู่ระบบใหม่แล้ว")
        check_status(response, allow=(409,))
        return response

    async def _api_headers(self) -> dict[str, str]:
        """Headers the progress endpoint takes from the app's web storage (a bearer token), read in
        this worker's page, first brought to the app if it is elsewhere (a new page)."""
        if not any(h.storage for h in self.site.forms.forms[PROGRESS].api_headers):
            return {}
        if not self.page.url.startswith(self.base):
            await read(self._to_the_app)
        return await self.site.storage_headers(PROGRESS)

    async def _to_the_app(self) -> None:
        """Load the app (login.path): it renews its token as it starts, or signs in again."""
        await self.goto(self.site.forms.login.path)
        await self.site.signed_in()

    async def preview_progress(self, payload, screenshot: Path) -> list[str]:
        try:
            await read(self.open_progress, payload)
        except NotReportable as exc:  # shown in the preview; the push reports it the same way
            return [f"ยังบันทึกไม่ได้: {exc}"]
        await self.site.fill(PROGRESS, PROGRESS, self._values(payload))
        findings = await self.site.verdict(PROGRESS, PROGRESS, self._values(payload))
        await self._shot(screenshot)
        return self.site.problems(payload, findings)

    async def submit_progress(self, payload) -> SubmitResult:
        pid = await self.open_progress(payload)
        await self.site.fill(PROGRESS, PROGRESS, self._values(payload))
        api = self.site.path(self.site.forms.forms[PROGRESS].api, id=pid, quarter=payload.data["quarter"])
        if self.site.button_spec(f"{PROGRESS}.{PROGRESS}", "save").saved is not None:  # the page says the outcome
            await self._click_and_judge(f"{PROGRESS}.{PROGRESS}", "save", "บันทึกรายงานผลรายไตรมาส", PROGRESS, payload,
                                        form=PROGRESS)
            return SubmitResult(f"{pid}/Q{payload.data['quarter']}")
        save = await self.site.button(f"{PROGRESS}.{PROGRESS}", "save")
        await save.click(trial=True)  # a person could click it (visible, enabled, not covered): checked
        # before taking a slot, so the slot is held only for the click itself and the answer
        async with sent_once(self.page, self.settings, "บันทึกรายงานผลรายไตรมาส"):
            async with at_the_site(self.settings), self.page.expect_response(
                    lambda r: r.url.endswith(api) and r.request.method == "POST",
                    timeout=self.settings.action_timeout * 1000) as answer:
                await save.click(force=True, no_wait_after=True)
            response = await answer.value
        await _judge(response.status, lambda: response.json(), self.site.step(PROGRESS, PROGRESS), payload)
        return SubmitResult(f"{pid}/Q{payload.data['quarter']}")

    async def _shot(self, path: Path) -> None:
        await self.site.screenshot(path)

    async def failure_screenshot(self, path: Path) -> None:
        if self.page is not None:
            await self._shot(path)


async def _judge(status: int, body, step, payload) -> None:
    """The answer of a save: 200 saved; 422 refused with messages; anything else is doubt."""
    if status == 200:
        return
    if status == 422:
        values = payload.data["fill"]["steps"][step.code]
        raise readback.refusal(step, readback.by_input(step, values, (await body()).get("errors", {})))
    if status == 401:
        raise SessionExpired("หมดเวลาการใช้งานระหว่างบันทึก (ยังไม่ได้บันทึก)")
    raise RemoteAnswered(f"บันทึกไม่สำเร็จ: HTTP {status}")


def open_browser(browser, credentials, settings):
    return started(BrowserRemote(browser, credentials("emenscr"), settings))


__all__ = ["open_browser", "BrowserRemote", "SessionExpired"]
