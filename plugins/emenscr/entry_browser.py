"""Project entry (forms.yaml › forms.project_entry, M1–M5) and send for approval (M7), exactly once.

Creating a project and sending it are not idempotent on the site (every create makes another
project, every send is recorded again), so neither is done before a lookup by the project's
code: ``submit_entry`` creates only when the site has no project with that code, and otherwise
continues from the first step the site does not hold as planned (a run killed between two steps
resumes at the next). ``submit_send`` sends only when the project page shows it is not already
sent or approved, and only after every step reads back exactly as approved.

Used as a mixin of ``BrowserRemote`` (``self.site``, ``self.page``, ``self.goto``...).
"""
from __future__ import annotations

from contextlib import nullcontext

from tidtam.core.contract import Change, RemoteAnswered, RemoteError, RemoteRecord, RemoteRefused, SubmitResult
from tidtam.core.forms import readback
from tidtam.core.forms.plan import differences
from tidtam.core.push.browser import answering_confirm, at_the_site, saved_in_page, sent_once
from tidtam.core.push.retry import read

from .plan import ENTRY_FORM


class EntryPages:
    # ----- finding a project by its code -----------------------------------------------------
    async def find_code(self, code: str) -> int | None:
        """A fresh search by code (never a cached id): the one project with that code, None when
        there is none; two or more is refused, since a person must decide which one is real."""
        found = [int(row["id"]) for row in await self.site.rows("projects", "projects", q=code) if row["code"] == code]
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
            codes |= {row["code"] for row in await read(self.site.rows, "projects_by_status", "projects", status=status)}
        return codes

    # ----- reading what the site holds ---------------------------------------------------------
    def _codes(self) -> list[str]:
        return [step.code for step in self.site.steps(ENTRY_FORM)]

    async def _saved_steps(self) -> list[str]:
        """Step codes the steps navigation marks as saved, in the order the site shows them."""
        mark, codes = self.mapping.entry.saved_mark, self._codes()
        saved = []
        for row in await self.site.shown_rows("project", "steps"):
            text = (row.get("text") or "").strip()
            code = next((c for c in codes if text.startswith(c)), None)
            if code and text.endswith(mark):
                saved.append(code)
        return saved

    async def step_order(self) -> list:
        """A finding when the steps navigation shown now orders the steps otherwise than
        forms.yaml (the site takes them in its own order: ours would open a step too early)."""
        from tidtam.core.forms.plan import Finding

        codes = self._codes()
        shown = [code for row in await self.site.shown_rows("project", "steps")
                 for code in [next((c for c in codes if (row.get("text") or "").strip().startswith(c)), None)] if code]
        if not shown or shown == codes:
            return []
        return [Finding(f"forms.{ENTRY_FORM}.steps", "ลำดับขั้นตอน", f"ลำดับขั้นตอนบนเว็บคือ {', '.join(shown)} แต่ forms.yaml "
                        f"เรียงเป็น {', '.join(codes)} — เรียงรายการ steps ใน forms.{ENTRY_FORM} ใหม่ให้ตรงกับเว็บ")]

    async def project_state(self, pid: int) -> tuple[str, list[str]]:
        """(status code, steps saved) from the project's page."""
        await self.site.open("project", id=pid)
        return await self.site.element("project", "status") or "", await self._saved_steps()

    async def read_step(self, pid: int, code: str, like: dict) -> dict:
        await self.site.open_step(ENTRY_FORM, code, id=pid)
        return await self.site.read(ENTRY_FORM, code, like)

    async def read_entry(self, pid: int, fill: dict) -> tuple[str, dict[str, dict | None]]:
        status, saved = await read(self.project_state, pid)
        held = {code: (await read(self.read_step, pid, code, fill["steps"][code]) if code in saved else None)
                for code in self._codes()}
        return status, held

    async def lookup_entry(self, payload) -> RemoteRecord | None:
        pid = await read(self.find_code, payload.data["project_code"])
        if pid is None:
            return None
        status, held = await self.read_entry(pid, payload.data["fill"])
        found = readback.record(self.site.forms, payload, str(pid), held) or RemoteRecord(
            str(pid), {"steps": held}, diff=[Change(", ".join(self._codes()), "(ยังไม่ได้บันทึก)", "บันทึกทุกขั้นตอน")])
        found.values["status"] = status
        return found

    async def lookup_send(self, payload) -> RemoteRecord | None:
        pid = await read(self.find_code, payload.data["project_code"])
        if pid is None:
            return None
        status, _ = await read(self.project_state, pid)
        sent = status in self.mapping.entry.locked_statuses
        diff = [] if sent else [Change("สถานะโครงการ (M7)", status, "ส่งขออนุมัติแล้ว")]
        return RemoteRecord(str(pid), {"status": status}, matches=sent, diff=diff)

    async def _fill(self, step: str, values: dict) -> None:
        """Fill a step; one whose selects fetch their children's options (a cascade) holds a
        request slot meanwhile: those fetches are the run's own requests, not the page's."""
        cascade = any(getattr(field, "parent", None) for field in self.site.step(ENTRY_FORM, step).fields.values())
        async with at_the_site(self.settings) if cascade else nullcontext():
            await self.site.fill(ENTRY_FORM, step, values)

    # ----- saving a step -----------------------------------------------------------------------
    async def _click_and_judge(self, where: str, key: str, what: str, step=None, payload=None, form: str = ENTRY_FORM):
        """Click a button that saves, once. A page that stays and says the outcome itself
        (buttons.*.saved): its word decides. A form post: a redirect is saved, a page with
        messages is refused (nothing saved), anything else is doubt."""
        button, spec = await self.site.button(where, key), self.site.button_spec(where, key)
        if spec.saved is not None:
            await self.site.same_page()  # what was typed is still there: never a save of a page drawn anew
            said = await saved_in_page(self.page, button, spec, f"{self.site._key(where)}.buttons.{key}", self.settings, what)
            if said in spec.saved.refused:
                raise await self._refused(what, step, payload, form)
            return None
        async with sent_once(self.page, self.settings, what):
            async with at_the_site(self.settings), self.page.expect_navigation(
                    wait_until="domcontentloaded", timeout=self.settings.action_timeout * 1000) as navigation:
                await button.click(no_wait_after=True)  # the answer is awaited above, up to action_timeout
            response = await navigation.value
        if response is None:
            raise RemoteError(f"{what}: ไม่ได้รับคำตอบ")
        if response.request.method == "POST":  # answered without a redirect
            if response.status in (409, 422):
                raise await self._refused(what, step, payload)
            raise RemoteAnswered(f"{what}: ระบบตอบกลับ HTTP {response.status}")
        if self.site.forms.login.signed_out(self.page.url):
            from .browser import SessionExpired

            await self.login()  # the form body was never looked at: nothing was saved
            raise SessionExpired(f"{what}: หมดเวลาการใช้งาน (ยังไม่ได้บันทึก) — เข้าสู่ระบบใหม่แล้ว")
        if response.status >= 400:
            raise RemoteAnswered(f"{what}: ระบบตอบกลับ HTTP {response.status} ({response.url})")
        return response

    async def _refused(self, what: str, step, payload, form: str = ENTRY_FORM) -> RemoteRefused:
        """What the site said about each of our fields (and anything else it said)."""
        if step is None:
            findings = await self.site.page_errors()
            return RemoteRefused(f"{what}: ระบบไม่รับ — " + "; ".join(f.message for f in findings[:8]))
        errors = await self.site.field_errors(form, step, payload.data["fill"]["steps"][step])
        return RemoteRefused(f"{what}: {readback.refusal(self.site.step(form, step), errors)}")

    async def _save_step(self, code: str, payload, what: str | None = None) -> None:
        await self._click_and_judge(f"{ENTRY_FORM}.{code}", "save", what or f"บันทึก {code}", code, payload)

    # ----- the actions -------------------------------------------------------------------------
    async def submit_entry(self, payload) -> SubmitResult:
        code, fill = payload.data["project_code"], payload.data["fill"]
        codes = self._codes()
        pid = await read(self.find_code, code)
        todo = list(codes)
        if pid is None:  # not on the site: the one non-idempotent step, done once
            first = codes[0]
            await read(self.site.open_step, ENTRY_FORM, first, new=True)
            await self._fill(first, fill["steps"][first])
            await self._save_step(first, payload, f"บันทึก {first} (สร้างโครงการ)")
            pid = self.ids[code] = self._id_in_url()
            todo = todo[1:]
        else:
            status, _ = await read(self.project_state, pid)
            if status in self.mapping.entry.locked_statuses:
                _, held = await self.read_entry(pid, fill)
                found = readback.record(self.site.forms, payload, str(pid), held)
                if found is not None and found.matches:
                    return SubmitResult(str(pid))
                raise RemoteRefused(f"โครงการ {code} ส่งขออนุมัติ/อนุมัติแล้ว (สถานะ {status}) แก้ไขไม่ได้ แต่ข้อมูลต่างจากที่อนุมัติ: "
                                    + "; ".join(c.field for c in (found.diff if found else [])[:10]))
        for step in todo:  # continue from what the site holds: a saved, equal step is left alone
            spec = self.site.step(ENTRY_FORM, step)
            if not self.site.on(spec.path, id=pid):
                await read(self.site.open_step, ENTRY_FORM, step, id=pid)
            if step in await self._saved_steps() and not differences(
                    spec, fill["steps"][step], await self.site.read(ENTRY_FORM, step, fill["steps"][step])):
                continue
            await self._fill(step, fill["steps"][step])
            await self._save_step(step, payload)
        return SubmitResult(str(pid))

    def _id_in_url(self) -> int:
        """The site's number of a project just created, from the page it led to (any step's path,
        or the project page's, as forms.yaml writes them with {id})."""
        templates = [step.path for step in self.site.steps(ENTRY_FORM)] + [self.site.spec("project").path]
        for template in templates:
            found = self.site.params_in_url(template)
            if found and "id" in found:
                return int(found["id"])
        raise RemoteError(f"บันทึกขั้นตอนแรกแล้วแต่ไม่พบเลขที่โครงการใน {self.page.url} "
                          "(ตรวจ path ของขั้นตอนใน forms.yaml › forms.project_entry)")

    async def submit_send(self, payload) -> SubmitResult:
        code, entry = payload.data["project_code"], payload.data["entry"]
        pid = await read(self.find_code, code)
        if pid is None:
            raise RemoteRefused(f"ยังไม่มีโครงการรหัส {code} ในระบบ — ต้องบันทึก M1–M5 ก่อนส่งขออนุมัติ")
        status, held = await self.read_entry(pid, entry)
        if status in self.mapping.entry.locked_statuses:
            return SubmitResult(str(pid))  # already sent or approved: never a second send
        missing = [c for c, values in held.items() if values is None]
        changed = [f"{c} {label}: ระบบ={site!r} ที่อนุมัติ={ours!r}" for c, values in held.items() if values is not None
                   for label, site, ours in differences(self.site.step(ENTRY_FORM, c), entry["steps"][c], values)]
        if missing or changed:
            raise RemoteRefused(f"ไม่ส่งขออนุมัติโครงการ {code}: ข้อมูลในระบบ"
                                + (f"ยังไม่ครบ (ขาด {', '.join(missing)})" if missing else f"ไม่ตรงกับที่อนุมัติ ({'; '.join(changed[:5])})"))
        await read(self.site.open, "project", id=pid)
        send = self.site.button_spec("project", "send")
        with answering_confirm(self.page, send.confirm or ""):
            await self._click_and_judge("project", "send", f"ส่งขออนุมัติ {code}")
        return SubmitResult(str(pid))

    # ----- previews (nothing is saved) ---------------------------------------------------------
    async def preview_entry(self, payload, screenshot) -> list:
        code, fill = payload.data["project_code"], payload.data["fill"]
        codes = self._codes()
        pid = await read(self.find_code, code)
        findings = []
        if pid is None:
            await read(self.site.open_step, ENTRY_FORM, codes[0], new=True)
            await self._fill(codes[0], fill["steps"][codes[0]])
            findings = await self.step_order() + await self.site.verdict(ENTRY_FORM, codes[0], fill["steps"][codes[0]])
            notes = [f"ภาพแสดงแบบฟอร์ม {codes[0]} ที่กรอกแล้ว (ยังไม่บันทึก); ขั้นตอนถัดไปเปิดได้หลังบันทึก {codes[0]} "
                     "— ค่าที่จะกรอกทุกขั้นตอนแสดงอยู่ใต้ภาพ"]
        else:
            status, held = await self.read_entry(pid, fill)
            step = next((c for c in codes if held[c] is None
                         or differences(self.site.step(ENTRY_FORM, c), fill["steps"][c], held[c])), None)
            if status in self.mapping.entry.locked_statuses or step is None:
                found = readback.record(self.site.forms, payload, str(pid), held)
                await read(self.site.open, "project", id=pid)
                notes = [f"มีโครงการนี้ในระบบแล้ว (เลขที่ {pid}, สถานะ {status})"
                         + ("" if found is not None and found.matches else " และแก้ไขไม่ได้ แต่ข้อมูลต่างจากนี้")]
            else:
                await read(self.site.open_step, ENTRY_FORM, step, id=pid)
                await self._fill(step, fill["steps"][step])
                findings = await self.site.verdict(ENTRY_FORM, step, fill["steps"][step])
                notes = [f"มีโครงการนี้ในระบบแล้ว (เลขที่ {pid}) บันทึกไว้ถึงก่อน {step}: จะบันทึกต่อจาก {step} ไม่สร้างใหม่"]
        await self._shot(screenshot)
        return notes + self.site.problems(payload, findings)

    async def preview_send(self, payload, screenshot) -> list:
        pid = await read(self.find_code, payload.data["project_code"])
        if pid is None:
            return ["จะส่งขออนุมัติ (M7) หลังบันทึก M1–M5 และอ่านกลับครบถ้วนแล้ว"]
        await read(self.site.open, "project", id=pid)
        findings = await self.site.inspect_page("project", id=pid)
        await self._shot(screenshot)
        return ["จะส่งขออนุมัติ (M7) เมื่อ M1–M5 ในระบบตรงกับที่อนุมัติ และโครงการยังไม่ถูกส่ง"] + self.site.problems(payload, findings)
