"""A target's form description bound to one browser worker: open a page or a step by name, read
what it shows, fill and read back a step, find a button. Plugins speak to the site only through
this, by the logical names of forms.yaml, so no selector or field list lives in their code.

``remote`` is the plugin's browser remote: it has ``page`` and ``goto(path)`` (which loads a path
under the site's address, logs in again when the session expired, and raises so the caller's
``read`` retries), and ``settings`` (whose ``config.forms`` is the description).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from ..contract import Problem, RemoteAnswered
from . import baseline, inspect, page as pages
from .schema import Button, FormsFile, Page, Step


_LOADED = "tidtamLoaded"  # set on a page drawn by script once it is ready: gone when the page is left


@dataclass(frozen=True)
class Shown:
    """What a page drawn by script answered, as a page load's response would."""

    status: int
    url: str


class Site:
    def __init__(self, remote):
        self.remote = remote
        self.forms: FormsFile = remote.settings.config.forms
        self.drift: list[baseline.Drift] = []  # doctor: the pages compared with their baselines

    @property
    def page(self):
        return self.remote.page

    # --- where things are ------------------------------------------------------------------

    def spec(self, name: str) -> Page:
        return self.forms.pages[name]

    def step(self, form: str, code: str) -> Step:
        return self.forms.forms[form].step(code)

    def steps(self, form: str) -> list[Step]:
        return self.forms.forms[form].steps

    @staticmethod
    def where(form: str, code: str) -> str:
        return f"forms.{form}.steps.{code}"

    @staticmethod
    def path(template: str, /, **params) -> str:
        return template.format(**{k: quote(str(v), safe="") for k, v in params.items()})

    # --- opening -----------------------------------------------------------------------------

    async def open(self, name: str, /, **params):
        """Load page ``name`` (forms.yaml › pages) with its path's placeholders filled."""
        return await self._load(self.spec(name), **params)

    async def open_step(self, form: str, code: str, /, new: bool = False, **params):
        """Load one step of a form: its ``path``, or its ``new_path`` for a record the site lacks."""
        step = self.step(form, code)
        return await self._load(step, new=new, **params)

    async def _load(self, spec: Page, /, new: bool = False, **params):
        """The page loaded; one drawn by script is waited for until ``ready`` shows, or ``refused``
        (then answered as HTTP 409), or the sign-in page (then the remote signs in again and this
        raises, for the caller's ``read`` to load it again)."""
        response = await self.remote.goto(self.path(spec.new_path if new else spec.path, **params))
        if spec.ready is None:
            return response
        try:
            await pages.appears(self.page, [spec.ready, spec.refused], "ready", **params)
        except pages.LocatorError:
            if not self.forms.login.signed_out(self.page.url):
                raise
            await self.remote.login()
            raise RemoteAnswered("พบหน้าเข้าสู่ระบบแทนหน้าที่เปิด (หมดเวลาการใช้งาน) — เข้าสู่ระบบใหม่แล้ว") from None
        await self.page.evaluate(f"() => {{ window.{_LOADED} = true }}")
        if spec.refused is not None and await pages.find(self.page, spec.refused, "refused", optional=True, **params):
            return Shown(409, self.page.url)
        return response

    async def same_page(self) -> None:
        """Raise (for ``read`` to load again) when the page drawn by script that ``_load`` waited
        for has been left since: an app that signs in again mid-page comes back with a new page,
        whose fields hold nothing of what was read or typed before."""
        if self.page.url.startswith("http") and await self._drawn_anew():
            raise RemoteAnswered("หน้าเว็บโหลดใหม่ระหว่างทำงาน (เข้าสู่ระบบใหม่) — จะเปิดหน้านี้อีกครั้ง")

    def params_in_url(self, path_template: str) -> dict[str, str] | None:
        """The placeholders' values of ``path_template`` in the page shown now, or None."""
        path = path_template.split("?")[0]
        pattern = re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>[^/?#]+)", re.escape(path))
        found = re.fullmatch(pattern, urlsplit(self.page.url).path)
        return {k: unquote(v) for k, v in found.groupdict().items()} if found else None

    def on(self, path_template: str, /, **params) -> bool:
        """Whether the page shown now is ``path_template`` with these values (query ignored)."""
        return self.page.url.split("?")[0].endswith(self.path(path_template, **params).split("?")[0])

    async def text(self) -> str:
        """What the page shown now says in its main region (its <main>, or the whole body)."""
        return await self.page.locator("main, body").last.inner_text()

    async def screenshot(self, path) -> None:
        """The whole page, password fields masked."""
        await self.page.screenshot(path=str(path), full_page=True, mask=[self.page.locator("input[type=password]")])

    async def signed_in(self) -> None:
        """Wait until the app shows it is signed in and drawn (forms.yaml › login.signed_in)."""
        await pages.appears(self.page, self.forms.login.signed_in, "login.signed_in")

    async def storage_headers(self, form: str) -> dict[str, str]:
        """The headers forms.<form>.api_headers takes from the page's web storage (a token an
        app keeps in sessionStorage or localStorage), as the page holds them now."""
        wanted = [h for h in self.forms.forms[form].api_headers if h.storage]
        held = await self.page.evaluate("names => names.map(n => sessionStorage.getItem(n) ?? localStorage.getItem(n))",
                                        [h.storage for h in wanted])
        return {h.header: h.prefix + str(json.loads(raw).get(h.json_key) if h.json_key else raw)
                for h, raw in zip(wanted, held) if raw}

    # --- reading -------------------------------------------------------------------------------

    async def element(self, name: str, key: str, /, optional: bool = False, **params):
        """What element ``key`` of page ``name`` says (its attribute or text)."""
        return await pages.read_element(self.page, self.spec(name).elements[key], f"pages.{name}.elements.{key}",
                                        optional=optional, **params)

    async def step_element(self, form: str, code: str, key: str, /, optional: bool = False, **params):
        return await pages.read_element(self.page, self.step(form, code).elements[key],
                                        f"{self.where(form, code)}.elements.{key}", optional=optional, **params)

    async def rows(self, name: str, list_key: str, /, **params) -> list[dict]:
        """Every row of list ``list_key`` of page ``name``, page after page when its path takes {page_number}."""
        spec = self.spec(name)
        listing = spec.lists[list_key]
        key = f"pages.{name}.lists.{list_key}"
        if "{page_number}" not in (spec.path or ""):
            return (await pages.read_list(self.page, listing, key, **params))[0]
        found, number = [], 1
        while True:
            await self._load(spec, **params, page_number=number)
            rows, more = await pages.read_list(self.page, listing, key, **params)
            if spec.ready is not None:
                await self.same_page()
            found += rows
            if not more:
                return found
            number += 1

    async def shown_rows(self, name: str, list_key: str, /, **params) -> list[dict]:
        """The rows of a list on the page shown now (no loading, no paging)."""
        return (await pages.read_list(self.page, self.spec(name).lists[list_key], f"pages.{name}.lists.{list_key}", **params))[0]

    async def choose(self, name: str, key: str, text: str) -> None:
        """Pick ``text`` in select ``key`` of page ``name`` (by its text, or value: option_by)."""
        await pages.choose(self.page, self.spec(name).fields[key], f"pages.{name}.fields.{key}", text)

    async def options(self, name: str, key: str) -> list[str]:
        """The texts (or values: option_by) a select of page ``name`` offers, blanks left out —
        once it offers any (a cascading select fills after its parent's choice)."""
        field = self.spec(name).fields[key]
        element = await pages.find(self.page, field, f"pages.{name}.fields.{key}")
        await self.page.wait_for_function("s => !s.disabled && Array.from(s.options).some(o => o.value)",
                                          arg=await element.element_handle())
        found = await element.evaluate("e => Array.from(e.options).map(o => [o.value, o.label.trim()])")
        return [value if field.option_by == "value" else label for value, label in found if value]

    # --- a form's step -------------------------------------------------------------------------

    async def fill(self, form: str, code: str, values: dict, files=None) -> None:
        """Type ``values`` into the step shown. A field that never gets ready (a select whose
        options never come) or a page left midway (a sign-in, a redirect) is no doubt: nothing
        was clicked yet, so the engine looks the record up and may fill it again from the start."""
        step, where = self.step(form, code), self.where(form, code)
        try:
            await pages.fill_step(self.page, step, values, where, files)
        except pages.LocatorError:
            if await self._left(step):
                raise RemoteAnswered(f"ยังไม่ได้บันทึก: หน้าเว็บเปลี่ยนไปที่ {self.page.url} ระหว่างกรอก {where} "
                                     "— จะเปิดหน้านี้แล้วกรอกใหม่") from None
            raise  # the page is the one forms.yaml names, and it lacks the field: a config fix
        except Exception as exc:
            if type(exc).__name__ != "TimeoutError":  # Playwright's (not imported here: http runs need none)
                raise
            raise RemoteAnswered(f"ยังไม่ได้บันทึก: ช่องใน {where} ไม่พร้อมภายในเวลาที่รอ "
                                 f"({self.page.url}) — จะเปิดหน้านี้แล้วกรอกใหม่") from None

    async def read(self, form: str, code: str, like: dict) -> dict:
        step = self.step(form, code)
        try:
            shown = await pages.read_step(self.page, step, like, self.where(form, code))
        except pages.LocatorError:
            if await self._left(step):  # for ``read`` to load it again
                raise RemoteAnswered(f"หน้าเว็บเปลี่ยนไปที่ {self.page.url} ระหว่างอ่าน — จะเปิดหน้านี้อีกครั้ง") from None
            raise
        if step.ready is not None:
            await self.same_page()
        return shown

    async def _drawn_anew(self) -> bool:
        """Whether the page shown is not the one ``_load`` waited for (its ready flag is gone)."""
        return not await self.page.evaluate(f"() => window.{_LOADED} === true")

    async def _left(self, step: Step) -> bool:
        """Whether the page shown is no longer ``step``'s: drawn anew by script since it was
        ready, or at an address neither of its paths describes."""
        if step.ready is not None:
            return await self._drawn_anew()
        return not any(self.params_in_url(path) is not None for path in (step.path, step.new_path) if path)

    async def button(self, where: str, key: str, /, **params):
        """Button ``key`` of page ``where`` (a page name, or "form.step")."""
        spec = self._holder(where)
        return await pages.find(self.page, spec.buttons[key], f"{self._key(where)}.buttons.{key}", **params)

    def button_spec(self, where: str, key: str) -> Button:
        return self._holder(where).buttons[key]

    def _holder(self, where: str) -> Page:
        if "." in where:
            form, code = where.split(".", 1)
            return self.step(form, code)
        return self.spec(where)

    def _key(self, where: str) -> str:
        if "." in where:
            form, code = where.split(".", 1)
            return self.where(form, code)
        return f"pages.{where}"

    # --- would the page take it? -------------------------------------------------------------

    async def verdict(self, form: str, code: str, values: dict) -> list:
        """After filling ``values``, before saving: doctor's questions about this step (asked of the
        filled page: every field there, every required one ours) and whether the page would take
        it — so the dry-run and doctor never disagree about the same site."""
        where, step = self.where(form, code), self.step(form, code)
        findings = await inspect.inspect_step(self.page, self.forms, where, step, values)
        findings += await inspect.verdict(self.page, self.forms, where, step,
                                          trial_timeout=min(5.0, self.remote.settings.read_timeout))
        return list({(f.key, f.message): f for f in findings}.values())

    async def inspect_step(self, form: str, code: str, values: dict | None = None, months: list[str] | None = None) -> list:
        return await inspect.inspect_step(self.page, self.forms, self.where(form, code), self.step(form, code), values, months)

    async def inspect_page(self, name: str, /, **params) -> list:
        return await inspect.inspect_page(self.page, f"pages.{name}", self.spec(name), **params)

    async def against_baseline(self, where: str, findings: list) -> None:
        """doctor: page ``where`` (a forms.yaml key: pages.x, forms.f.steps.c), shown now and asked
        already (``findings``), compared with the version folder's baseline/<where>.aria.yaml if any."""
        from .discover import aria, prefixes

        file = self.remote.settings.config.folder / "baseline" / f"{where}.aria.yaml"
        if not file.exists():
            return
        parts = where.split(".")
        spec = self.spec(parts[1]) if parts[0] == "pages" else self.step(parts[1], parts[3])
        hide = [self.remote.credentials.username, *self.remote.settings.hide]
        live = await aria(self.page, hide, prefixes(self.forms, where))
        failing = {f.key for f in findings}
        self.drift.append(await baseline.compare(self.page, where, spec, file.read_text(encoding="utf-8"), live, failing,
                                                 self.forms.site.required_mark))

    async def field_errors(self, form: str, code: str, values: dict) -> list[tuple[str, str, str]]:
        return await inspect.field_errors(self.page, self.forms, self.where(form, code), self.step(form, code), values)

    async def page_errors(self) -> list:
        return await inspect.page_errors(self.page, self.forms)

    def problems(self, payload, findings: list) -> list[Problem]:
        """Findings as the blocking problems of a payload's preview, each naming the key to edit."""
        file = self.remote.settings.config.folder / "forms.yaml"
        return [Problem(payload.record_key, f.field or f.key, f"{f.message} ({file} › {f.key})", action=payload.action)
                for f in findings]
