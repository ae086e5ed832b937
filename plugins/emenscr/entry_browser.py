"""Project entry (M1–M5) and send for approval (M7) through the browser, exactly once.

Creating a project and sending it are not idempotent on the site (every create makes another
project, every send is recorded again), so neither is done before a lookup by the project's
code: ``submit_entry`` creates only when the search finds no project with that code, and
otherwise continues from the first step the site does not hold as planned (a run killed
between M1 and M5 resumes at the next step). ``submit_send`` sends only when the project page
shows it is not already sent or approved, and only after M1–M5 read back exactly as approved.

Used as a mixin of ``BrowserRemote`` (``self.page``, ``self.goto``, ``self.locators``...).
"""
from __future__ import annotations

import re

from tidtam.core.contract import Change, RemoteError, RemoteRecord, RemoteRefused, SubmitResult
from tidtam.core.push.browser import answered_in_time, answering_confirm, at_the_site, resolve
from tidtam.core.push.retry import read

from . import entry
from .plan import month_label

_PROJECT_IN_URL = re.compile(r"/projects/(\d+)(?:/|\?|$)")


class EntryPages:
    # ----- finding a project by its code -----------------------------------------------------
    async def find_code(self, code: str) -> int | None:
        """A fresh search by code (never a cached id): the one project with that code, None when
        there is none; two or more is refused, since a person must decide which one is real."""
        await self.goto(self.mapping.paths.projects.format(q=code, page=1))
        rows = await self.page.locator("tr[data-project-code]").evaluate_all(
            "rows => rows.map(r => [r.dataset.projectCode, Number(r.dataset.projectId)])")
        found = [pid for c, pid in rows if c == code]
        if len(found) > 1:
            raise RemoteRefused(f"พบโครงการรหัส {code} ซ้ำกัน {len(found)} รายการในระบบ eMENSCR (เลขที่ {found}) "
                                "— ให้ผู้ดูแลลบรายการที่เกินในระบบก่อน แล้วรัน push อีกครั้ง")
        if found:
            self.ids[code] = found[0]
        return found[0] if found else None

    async def open_codes(self) -> set[str]:
        """Codes of projects still open on the site (draft or returned): entered in part, or sent
        back for correction, so project entry still has work on them."""
        codes: set[str] = set()
        for status in self.mapping.entry.open_statuses:
            page = 1
            while True:
                await read(self.goto, self.mapping.paths.projects_by_status.format(status=status, page=page))
                codes |= set(await self.page.locator("tr[data-project-code]").evaluate_all(
                    "rows => rows.map(r => r.dataset.projectCode)"))
                if await resolve(self.page, self.locators, "project_list", "next_page", optional=True) is None:
                    break
                page += 1
        return codes

    # ----- reading what the site holds ---------------------------------------------------------
    async def _saved_steps(self, page_name: str) -> set[str]:
        nav = await resolve(self.page, self.locators, page_name, "steps_nav")
        links = await nav.get_by_role("link").evaluate_all("links => links.map(a => a.textContent.trim())")
        mark = self.mapping.entry.saved_mark
        return {text.split()[0] for text in links if text.endswith(mark)}

    async def project_state(self, pid: int) -> tuple[str, set[str]]:
        """(status code, steps saved) from the project's page."""
        await self.goto(self.mapping.paths.project.format(id=pid))
        status = await (await resolve(self.page, self.locators, "project", "status")).get_attribute("data-status")
        return status or "", await self._saved_steps("project")

    async def _shown_step(self) -> dict[str, str]:
        form = await resolve(self.page, self.locators, "entry", "form")
        return await form.evaluate("f => Object.fromEntries(Array.from(f.elements)"
                                   ".filter(e => e.name && e.name !== 'csrf_token').map(e => [e.name, e.value]))")

    async def read_step(self, pid: int, code: str) -> dict[str, str]:
        await self.goto(self.mapping.paths.step.format(id=pid, step=code))
        return await self._shown_step()

    async def read_entry(self, pid: int) -> tuple[str, dict[str, dict[str, str] | None]]:
        status, saved = await read(self.project_state, pid)
        held = {code: (await read(self.read_step, pid, code) if code in saved else None) for code in entry.STEPS}
        return status, held

    async def lookup_entry(self, payload) -> RemoteRecord | None:
        pid = await read(self.find_code, payload.data["project_code"])
        if pid is None:
            return None
        status, held = await self.read_entry(pid)
        return entry.record(payload.data["steps"], str(pid), status, held)

    async def lookup_send(self, payload) -> RemoteRecord | None:
        pid = await read(self.find_code, payload.data["project_code"])
        if pid is None:
            return None
        status, _ = await read(self.project_state, pid)
        sent = status in self.mapping.entry.locked_statuses
        diff = [] if sent else [Change("สถานะโครงการ (M7)", status, "ส่งขออนุมัติแล้ว")]
        return RemoteRecord(str(pid), {"status": status}, matches=sent, diff=diff)

    # ----- filling a step ----------------------------------------------------------------------
    async def _set(self, element, value: str) -> None:
        if await element.evaluate("e => e.tagName") == "SELECT":
            await element.select_option(value=value)  # waits for a cascading child's options
        else:
            await element.fill(value)

    async def _rows(self, name: str, rows: list[dict]) -> None:
        prefix = entry.ROWS[name]
        first = f"{prefix}_{next(iter(rows[0])) if rows else 'name'}"
        shown = 0
        while await resolve(self.page, self.locators, "entry", first, optional=True, n=shown + 1) is not None:
            shown += 1
        for _ in range(shown, len(rows)):
            await (await resolve(self.page, self.locators, "entry", f"{prefix}_add")).click()
        for n in range(shown, len(rows), -1):  # rows the site holds beyond ours, from the last
            await (await resolve(self.page, self.locators, "entry", f"{prefix}_remove", n=n)).click()
        for n, row in enumerate(rows, start=1):
            for column, value in row.items():
                await self._set(await resolve(self.page, self.locators, "entry", f"{prefix}_{column}", n=n),
                                entry.normal(value))

    async def fill_step(self, values: dict) -> None:
        # A parent select's change makes the page fetch its child's options: the step's filling
        # holds a request slot (the child, set after its parent, waits for that answer).
        async with at_the_site(self.settings):
            for name, value in values.items():
                if name in entry.ROWS:
                    await self._rows(name, value)
                elif name in entry.MONTHS:
                    for key, amount in value.items():
                        element = await resolve(self.page, self.locators, "entry", name, month=month_label(key))
                        await element.fill(entry.normal(amount))
                else:
                    await self._set(await resolve(self.page, self.locators, "entry", name), entry.normal(value))

    async def _click_and_judge(self, button, what: str):
        """Click a button that posts a form once; the answer decides: a redirect is saved, a page
        with messages is refused (nothing saved), anything else is doubt."""
        with answered_in_time(self.settings, what):
            async with at_the_site(self.settings), self.page.expect_navigation(
                    wait_until="domcontentloaded", timeout=self.settings.action_timeout * 1000) as navigation:
                await button.click(no_wait_after=True)  # the answer is awaited above, up to action_timeout
            response = await navigation.value
        if response is None:
            raise RemoteError(f"{what}: ไม่ได้รับคำตอบ")
        if response.request.method == "POST":  # answered without a redirect
            if response.status in (409, 422):
                alerts = await self.page.get_by_role("alert").evaluate_all(
                    "nodes => nodes.filter(n => !n.hidden && n.textContent.trim()).map(n => n.textContent.trim())")
                raise RemoteRefused(f"{what}: ระบบไม่รับ — " + "; ".join(alerts[:8]))
            raise RemoteError(f"{what}: ระบบตอบกลับ HTTP {response.status}")
        if "/login" in self.page.url:
            from .browser import SessionExpired

            await self.login()  # the form body was never looked at: nothing was saved
            raise SessionExpired(f"{what}: หมดเวลาการใช้งาน (ยังไม่ได้บันทึก) — เข้าสู่ระบบใหม่แล้ว")
        if response.status >= 400:
            raise RemoteError(f"{what}: ระบบตอบกลับ HTTP {response.status} ({response.url})")
        return response

    async def _save_step(self, code: str) -> None:
        await self._click_and_judge(await resolve(self.page, self.locators, "entry", "save"), f"บันทึก {code}")

    # ----- the actions -------------------------------------------------------------------------
    async def submit_entry(self, payload) -> SubmitResult:
        code, steps = payload.data["project_code"], payload.data["steps"]
        wanted = entry.entry_inputs(steps)
        pid = await read(self.find_code, code)
        todo = list(entry.STEPS)
        if pid is None:  # not on the site: the one non-idempotent step, done once
            await read(self.goto, self.mapping.paths.new_project)
            await self.fill_step(steps["M1"])
            await self._save_step("M1 (สร้างโครงการ)")
            found = _PROJECT_IN_URL.search(self.page.url)
            if not found:
                raise RemoteError(f"บันทึก M1 แล้วแต่ไม่พบเลขที่โครงการใน {self.page.url}")
            pid = self.ids[code] = int(found.group(1))
            todo = todo[1:]
        else:
            status, _ = await read(self.project_state, pid)
            if status in self.mapping.entry.locked_statuses:
                _, held = await self.read_entry(pid)
                record = entry.record(steps, str(pid), status, held)
                if record.matches:
                    return SubmitResult(str(pid))
                raise RemoteRefused(f"โครงการ {code} ส่งขออนุมัติ/อนุมัติแล้ว (สถานะ {status}) แก้ไขไม่ได้ แต่ข้อมูลต่างจากที่อนุมัติ: "
                                    + "; ".join(c.field for c in record.diff[:10]))
        for step in todo:  # continue from what the site holds: a saved, equal step is left alone
            path = self.mapping.paths.step.format(id=pid, step=step)
            if not self.page.url.split("?")[0].endswith(path):
                await read(self.goto, path)
            if step in await self._saved_steps("entry") and not entry.step_diff(step, wanted[step], await self._shown_step()):
                continue
            await self.fill_step(steps[step])
            await self._save_step(step)
        return SubmitResult(str(pid))

    async def submit_send(self, payload) -> SubmitResult:
        code = payload.data["project_code"]
        pid = await read(self.find_code, code)
        if pid is None:
            raise RemoteRefused(f"ยังไม่มีโครงการรหัส {code} ในระบบ — ต้องบันทึก M1–M5 ก่อนส่งขออนุมัติ")
        status, held = await self.read_entry(pid)
        if status in self.mapping.entry.locked_statuses:
            return SubmitResult(str(pid))  # already sent or approved: never a second send
        if entry.held_hash(held) != payload.data["entry_hash"]:
            missing = [c for c in entry.STEPS if held[c] is None]
            raise RemoteRefused(f"ไม่ส่งขออนุมัติโครงการ {code}: ข้อมูล M1–M5 ในระบบ"
                                + (f"ยังไม่ครบ (ขาด {', '.join(missing)})" if missing else "ไม่ตรงกับที่อนุมัติ"))
        await read(self.goto, self.mapping.paths.project.format(id=pid))
        with answering_confirm(self.page, self.mapping.entry.send_confirm):
            await self._click_and_judge(await resolve(self.page, self.locators, "project", "send"), f"ส่งขออนุมัติ {code}")
        return SubmitResult(str(pid))

    # ----- previews (nothing is saved) ---------------------------------------------------------
    async def preview_entry(self, payload, screenshot) -> list[str]:
        code, steps = payload.data["project_code"], payload.data["steps"]
        pid = await read(self.find_code, code)
        if pid is None:
            await read(self.goto, self.mapping.paths.new_project)
            await self.fill_step(steps["M1"])
            notes = ["ภาพแสดงแบบฟอร์ม M1 ที่กรอกแล้ว (ยังไม่บันทึก); M2–M5 กรอกต่อหลังบันทึก M1 — ตรวจตามกฎของระบบแล้ว"]
        else:
            status, held = await self.read_entry(pid)
            record = entry.record(steps, str(pid), status, held)
            step = next((c for c in entry.STEPS if entry.step_diff(c, entry.step_inputs(steps[c]), held[c])), None)
            if status in self.mapping.entry.locked_statuses or step is None:
                await read(self.goto, self.mapping.paths.project.format(id=pid))
                notes = [f"มีโครงการนี้ในระบบแล้ว (เลขที่ {pid}, สถานะ {status})"
                         + ("" if record.matches else " และแก้ไขไม่ได้ แต่ข้อมูลต่างจากนี้")]
            else:
                await read(self.goto, self.mapping.paths.step.format(id=pid, step=step))
                await self.fill_step(steps[step])
                notes = [f"มีโครงการนี้ในระบบแล้ว (เลขที่ {pid}) บันทึกไว้ถึงก่อน {step}: จะบันทึกต่อจาก {step} ไม่สร้างใหม่"]
        await self.page.screenshot(path=str(screenshot), full_page=True, mask=[self.page.locator("input[type=password]")])
        return notes

    async def preview_send(self, payload, screenshot) -> list[str]:
        pid = await read(self.find_code, payload.data["project_code"])
        if pid is None:
            return ["จะส่งขออนุมัติ (M7) หลังบันทึก M1–M5 และอ่านกลับครบถ้วนแล้ว"]
        await read(self.goto, self.mapping.paths.project.format(id=pid))
        await self.page.screenshot(path=str(screenshot), full_page=True)
        return ["จะส่งขออนุมัติ (M7) เมื่อ M1–M5 ในระบบตรงกับที่อนุมัติ และโครงการยังไม่ถูกส่ง"]
