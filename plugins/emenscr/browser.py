"""eMENSCR through a real browser (Playwright): what a person does, field by field.

Login happens in a separate context that is never traced, and only its cookies move to the
working context: the password never enters a trace, a screenshot or a log. Page loads are
retried (an expired session logs in again first); a save is clicked once and judged by the
answer of the page's own request.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

from tidtam.core.contract import RemoteError, RemoteRefused, SubmitResult
from tidtam.core.push.browser import (answered_in_time, at_the_site, check_status, close_working_context, load, login_cookies, resolve,
                                     set_values, started, working_context)
from tidtam.core.push.retry import read

from . import progress
from .entry_browser import EntryPages
from .plan import month_label


class SessionExpired(RemoteError):
    pass


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


class BrowserRemote(EntryPages):
    mode = "browser"

    def __init__(self, browser, credentials, settings):
        self.browser, self.credentials, self.settings = browser, credentials, settings
        self.mapping, self.locators = settings.config.mapping, settings.config.locators
        self.base = self.mapping.base_url.rstrip("/")
        self.ids: dict[str, int | None] = settings.shared.setdefault("project_ids", {})
        self.shared = settings.shared.setdefault("browser", {"lock": asyncio.Lock(), "context": None, "users": 0,
                                                             "session": 0})
        self.seen = 0  # the login (shared["session"]) this worker's requests go out with
        self.context = self.page = None

    async def start(self) -> None:
        """One context for the run's workers, one page each: they share one logged-in session
        (one login per run, not per worker); each page has its own renderer process."""
        shared = self.shared
        async with shared["lock"]:
            if shared["context"] is None:
                shared["context"] = await working_context(self.browser, self.settings)
            shared["users"] += 1
        self.context = shared["context"]
        self.page = await self.context.new_page()
        await read(self.login)

    async def close(self, failed: bool = False) -> None:
        if self.context is None:
            return
        shared = self.shared
        if self.page is not None:
            await self.page.close()
        async with shared["lock"]:
            shared["users"] -= 1
            if shared["users"] or shared["context"] is None:
                return
            context, shared["context"] = shared["context"], None
        await close_working_context(context, self.settings)

    async def login(self) -> None:
        """Log in where nothing is traced, then hand the session cookie to the shared context.
        A worker whose session expired takes a login another worker made since its own request
        went out instead of logging in again."""
        async with self.shared.setdefault("login_lock", asyncio.Lock()):
            if self.shared["session"] > self.seen:
                self.seen = self.shared["session"]
                return
            async with at_the_site(self.settings):
                cookies = await login_cookies(self.browser, self.settings, self.credentials,
                                              self.base + self.mapping.paths.login, "eMENSCR")
            await self.context.clear_cookies()
            await self.context.add_cookies(cookies)
            self.shared["session"] += 1
            self.seen = self.shared["session"]

    async def goto(self, path: str):
        """Load a page; log in again if the session expired (the caller retries through ``read``)."""
        response = await load(self.page, self.base + path, self.settings)
        if "/login" in self.page.url:
            await self.login()
            raise SessionExpired("หมดเวลาการใช้งาน — เข้าสู่ระบบใหม่แล้ว")
        check_status(response, allow=(409,))
        return response

    # ----- finding a project ------------------------------------------------------------------
    async def project_id(self, code: str) -> int | None:
        """The site's id of a project: from one listing of every project per run (a few pages
        instead of a search per record), then a search for codes the listing did not have."""
        listing = self.settings.shared.setdefault("listing", asyncio.Lock())
        async with listing:
            if not self.settings.shared.get("listed"):
                await self.project_codes()
                self.settings.shared["listed"] = True
        if self.ids.get(code) is None:
            self.ids[code] = await read(self._find_project, code)
        return self.ids[code]

    async def _find_project(self, code: str) -> int | None:
        await self.goto(self.mapping.paths.projects.format(q=code, page=1))
        row = await resolve(self.page, self.locators, "project_list", "row", optional=True, code=code)
        return int(await row.get_attribute("data-project-id")) if row is not None else None

    async def project_codes(self) -> set[str]:
        codes, page = set(), 1
        while True:
            await read(self.goto, self.mapping.paths.projects.format(q="", page=page))
            rows = await self.page.locator("tr[data-project-code]").evaluate_all(
                "rows => rows.map(r => [r.dataset.projectCode, r.dataset.projectId])")
            for code, pid in rows:
                codes.add(code)
                self.ids.setdefault(code, int(pid))
            if await resolve(self.page, self.locators, "project_list", "next_page", optional=True) is None:
                return codes
            page += 1

    # ----- the progress form ------------------------------------------------------------------
    async def open_progress(self, payload) -> int:
        code = payload.data["project_code"]
        pid = await self.project_id(code)
        if pid is None:
            raise not_on_site(code)
        response = await read(self.goto, self.mapping.paths.progress_page.format(id=pid, quarter=payload.data["quarter"]))
        if response.status == 409:
            raise not_approved(code, await self.page.locator("main, body").last.inner_text())
        return pid

    def _inputs(self, payload):
        """(input name, page, locator name, params) of every field of the payload."""
        names = self.mapping.progress_fields
        for a in payload.data["activities"]:
            yield names.activity.format(n=a["n"]), "activity", {"n": a["n"]}
        for k in payload.data["kpis"]:
            yield names.kpi.format(n=k["n"]), "kpi_result", {"n": k["n"]}
        for month in payload.data["disbursed"]:
            yield names.disbursed.format(month=month), "disbursed", {"month": month_label(month)}
        yield names.problems, "problems", {}
        yield names.status, "status", {}

    async def read_progress(self, payload):
        """What the site holds for the quarter, from the JSON endpoint the progress page's own
        script reads and saves through, requested inside the logged-in browser context (its
        cookies, one round trip and no page to render). None when the site has no report for
        the project yet: not on the site, not approved, or nothing saved."""
        code, quarter = payload.data["project_code"], payload.data["quarter"]
        pid = await self.project_id(code)
        if pid is None:
            return None
        response = await read(self._get_json, self.mapping.paths.progress_api.format(id=pid, quarter=quarter))
        if response.status == 409:
            return None
        entry = (await response.json()).get("entry") or {}
        held = entry.get("values")
        if held is not None:
            held = {name: held.get(name, "") for name, _, _ in self._inputs(payload)}
        return progress.record(payload, self.mapping, f"{pid}/Q{quarter}", held)

    async def _get_json(self, path: str):
        async with at_the_site(self.settings):
            response = await self.context.request.get(self.base + path, timeout=self.settings.read_timeout * 1000,
                                                      max_redirects=0)
        if response.status == 401:
            await self.login()
            raise SessionExpired("หมดเวลาการใช้งาน — เข้าสู่ระบบใหม่แล้ว")
        check_status(response, allow=(409,))
        return response

    async def fill_progress(self, payload) -> None:
        wanted = progress.values(payload, self.mapping)
        await set_values(self.page, self.locators, "progress",
                         [(locator, params, wanted[name]) for name, locator, params in self._inputs(payload)])

    async def preview_progress(self, payload, screenshot: Path) -> list[str]:
        try:
            await read(self.open_progress, payload)
        except NotReportable as exc:  # shown in the preview; the push reports it the same way
            return [f"ยังบันทึกไม่ได้: {exc}"]
        await self.fill_progress(payload)
        await self.page.screenshot(path=str(screenshot), full_page=True, mask=[self.page.locator("input[type=password]")])
        return []

    async def submit_progress(self, payload) -> SubmitResult:
        pid = await self.open_progress(payload)
        await self.fill_progress(payload)
        api = self.mapping.paths.progress_api.format(id=pid, quarter=payload.data["quarter"])
        save = await resolve(self.page, self.locators, "progress", "save")
        await save.click(trial=True)  # a person could click it (visible, enabled, not covered): checked
        # before taking a slot, so the slot is held only for the click itself and the answer
        with answered_in_time(self.settings, "บันทึกผลการดำเนินงาน"):
            async with at_the_site(self.settings), self.page.expect_response(
                    lambda r: r.url.endswith(api) and r.request.method == "POST",
                    timeout=self.settings.action_timeout * 1000) as answer:
                await save.click(force=True, no_wait_after=True)
            response = await answer.value
        await _judge(response.status, lambda: response.json())
        return SubmitResult(f"{pid}/Q{payload.data['quarter']}")

    async def failure_screenshot(self, path: Path) -> None:
        if self.page is not None:
            await self.page.screenshot(path=str(path), full_page=True, mask=[self.page.locator("input[type=password]")])


async def _judge(status: int, body) -> None:
    """The answer of a save: 200 saved; 422 refused with messages; anything else is doubt."""
    if status == 200:
        return
    if status == 422:
        errors = (await body()).get("errors", {})
        raise RemoteRefused("ระบบไม่รับข้อมูล: " + "; ".join(f"{k}: {v}" for k, v in errors.items()))
    if status == 401:
        raise SessionExpired("หมดเวลาการใช้งานระหว่างบันทึก (ยังไม่ได้บันทึก)")
    raise RemoteError(f"บันทึกไม่สำเร็จ: HTTP {status}")


def open_browser(browser, credentials, settings):
    return started(BrowserRemote(browser, credentials, settings))


__all__ = ["open_browser", "BrowserRemote", "SessionExpired"]


async def check_locators(remote: BrowserRemote) -> list:
    """Resolve every locator the push needs on every page it visits; nothing is saved."""
    from tidtam.core.contract import CheckResult
    from tidtam.core.push.browser import LocatorError

    results = [CheckResult("pages.login.*", True, "เข้าสู่ระบบได้ (ตรวจ username, password, submit แล้ว)")]

    async def check(page_name: str, name: str, **params) -> None:
        key = remote.locators.key_of(page_name, name)
        try:
            await resolve(remote.page, remote.locators, page_name, name, **params)
            results.append(CheckResult(key, True))
        except LocatorError as exc:
            results.append(CheckResult(key, False, str(exc)))

    await read(remote.goto, remote.mapping.paths.projects.format(q="", page=1))
    await check("project_list", "search")
    await check("project_list", "search_button")
    rows = await remote.page.locator("tr[data-project-code]").evaluate_all(
        "rows => rows.map(r => [r.dataset.projectId, r.dataset.projectCode])")
    if rows:
        await check("project_list", "row", code=rows[0][1])
    for project_id, code in rows:
        response = await read(remote.goto, remote.mapping.paths.progress_page.format(id=project_id, quarter=1))
        if response.status == 200:
            fy = int(await remote.page.locator("form#progress-form, form").first.evaluate(
                "f => (document.querySelector('[name^=disbursed-]') || {name: 'disbursed-0-10'}).name.split('-')[1]"))
            await check("progress", "activity", n=1)
            await check("progress", "kpi_result", n=1)
            await check("progress", "disbursed", month=f"ต.ค. {fy}")
            for name in ("problems", "status", "save", "saved_at", "form"):
                await check("progress", name)
            break
    else:
        results.append(CheckResult("pages.progress.*", False, "ไม่พบโครงการที่อนุมัติแล้วสำหรับเปิดหน้ารายงานผล"))
    await check_entry_locators(remote, rows[0][0] if rows else None, check)
    return results


ENTRY_FIELDS = {
    "M1": ("code", "name", "fiscal_year", "project_type", "owner", "phone", "start_date", "end_date"),
    "M2": ("strategy", "strategy_goal", "master_plan", "master_plan_target", "sub_plan", "sub_plan_target",
           "reform_plan", "sdg"),
    "M3": ("rationale", "objectives", "target_groups", "kpi_name", "kpi_target", "kpi_unit", "kpi_add", "kpi_remove"),
    "M4": ("activity_name", "activity_start_month", "activity_end_month", "activity_add", "activity_remove"),
    "M5": ("budget_total", "budget_line_source", "budget_line_line", "budget_line_amount", "budget_line_add",
           "budget_line_remove", "spending_plan"),
}


async def check_entry_locators(remote: BrowserRemote, project_id, check) -> None:
    """Project entry's pages, read only: the blank M1 form, one project's page and its M2–M5."""
    await read(remote.goto, remote.mapping.paths.new_project)
    for name in ("form", "steps_nav", "save", *ENTRY_FIELDS["M1"]):
        await check("entry", name)
    if project_id is None:
        return
    await read(remote.goto, remote.mapping.paths.project.format(id=project_id))
    for name in ("status", "steps_nav", "send"):
        await check("project", name)
    for step in ("M2", "M3", "M4", "M5"):
        await read(remote.goto, remote.mapping.paths.step.format(id=project_id, step=step))
        fy = await remote.page.locator("[name^=spending_plan-]").first.get_attribute("name") if step == "M5" else None
        for name in ENTRY_FIELDS[step]:
            await check("entry", name, n=1, month=month_label("-".join(fy.split("-")[1:])) if fy else "")
