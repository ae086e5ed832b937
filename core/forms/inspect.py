"""What ``doctor`` and the dry-run ask a live page about a form description — the same
questions, so the two never disagree about the same site.

``inspect_step`` (nothing is typed): every field and button of the step is there, exactly once
and of the right kind; every option our values map to is among the site's options; every field
the page marks as required (the ``required`` attribute, ``aria-required``, a required mark in
its label) is one we fill. ``verdict`` (after filling, before saving): would the page accept
it — the browser's own constraint validation of every field, the site's inline messages, and a
trial click of the save button that does not click. Each finding names the key of forms.yaml to
edit, what was looked for and what the page has instead.
"""
from __future__ import annotations

import difflib

from ..config import Locator
from .page import LocatorError, candidates, describe, find, month_label, settled
from .plan import Finding
from .schema import Button, Field, FormsFile, MonthsField, Page, RowsField, Step

OURS = "tidtamOurs"  # data attribute set on the elements we fill while the page is inspected


async def inspect_step(page, forms: FormsFile, where: str, step: Step, values: dict | None = None,
                       months: list[str] | None = None) -> list[Finding]:
    """Findings for one step of a form, or a page that has fields (login). ``values``: the
    record's values (their rows and months are checked, and each select's choice among its
    options; a field they leave out is not asked about); ``months``: month keys to look for when
    there are no values."""
    findings: list[Finding] = []
    ours = []
    for key, field in step.fields.items():
        if values is not None and key not in values:
            continue  # a field the record leaves out (a level the year does not ask) is not looked for
        here = f"{where}.fields.{key}"
        given = (values or {}).get(key)
        if isinstance(field, RowsField):
            ours += await _rows(page, field, here, given, findings)
        elif isinstance(field, MonthsField):
            keys = list(given) if given else (months or [])
            for month in keys:
                ours += await _present(page, field, here, findings, month=month_label(month))
        else:
            ours += await _scalar(page, field, here, given if values is not None else None, findings)
    for key, button in step.buttons.items():
        await _present(page, button, f"{where}.buttons.{key}", findings)
    save = step.buttons.get("save")
    required = []
    if save is not None and not any(f.key == f"{where}.buttons.save" for f in findings):
        required = await _unfilled_required(page, forms, save, ours, where)
    findings = await _with_candidates(page, findings, ours)
    # a required field that is what a missing one of ours was renamed to is said once, by that one
    named = " ".join(f.message for f in findings)
    return findings + [f for f in required if f"'{f.field.rstrip(' *')}'" not in named]


async def inspect_page(page, where: str, spec: Page, /, **params) -> list[Finding]:
    """A page read without saving: its elements, its lists' rows and its buttons are there."""
    findings: list[Finding] = []
    for key, field in spec.fields.items():
        if not isinstance(field, (RowsField, MonthsField)):
            await _scalar(page, field, f"{where}.fields.{key}", None, findings, **params)
    for key, element in spec.elements.items():
        await _present(page, element, f"{where}.elements.{key}", findings, **params)
    for key, listing in spec.lists.items():
        if not await _count(page, listing.rows, params):
            findings.append(Finding(f"{where}.lists.{key}.rows", key, f"ไม่พบแถวของรายการ ({describe(listing.rows, params)}) ที่ {page.url}"))
    for key, button in spec.buttons.items():
        await _present(page, button, f"{where}.buttons.{key}", findings, **params)
    return await _with_candidates(page, findings, [])


async def _count(page, locator: Locator, params: dict) -> int:
    for _, candidate in candidates(page, locator, params):
        count = await candidate.count()
        if count:
            return count
    return 0


async def _present(page, locator: Locator, key: str, findings: list[Finding], /, **params) -> list:
    """The element as a one-item list, or a finding and []."""
    try:
        return [await find(page, locator, key, **params)]
    except LocatorError as exc:
        findings.append(Finding(key, describe(locator, params), exc.detail, wanted=_wanted(locator, params)))
        return []


def _wanted(locator: Locator, params: dict) -> tuple[str, str] | None:
    """(how, text) of what a locator looks for, to find what the page has instead."""
    for how in ("label", "name", "text", "placeholder"):
        text = getattr(locator, how)
        if text:
            return ("label" if how == "label" else "button" if locator.role in ("button", "link") else "text", text.format(**params))
    return None


async def _rows(page, field: RowsField, where: str, given, findings: list[Finding]) -> list:
    """Every row the page shows now (after filling: as many as ours), at least the first."""
    from .page import shown_rows

    if field.add is not None:
        await _present(page, field.add, f"{where}.add", findings)
    count = max(1, len(given) if given is not None else await shown_rows(page, field, where))
    found = []
    for n in range(1, count + 1):
        for column, spec in field.columns.items():
            value = (given[n - 1].get(column) if given and n <= len(given) else None)
            found += await _scalar(page, spec, f"{where}.columns.{column}", value, findings, n=n)
    return found


async def _scalar(page, field: Field, key: str, value, findings: list[Finding], /, **params) -> list:
    if field.kind == "radio":
        radios = []
        for ours, text in field.options.items():
            radios += await _present(page, Locator(label=text), f"{key}.options.{ours}", findings, **params)
        return radios
    found = await _present(page, field, key, findings, **params)
    if not found:
        return []
    element = found[0]
    if field.kind == "select":
        await settled(page, element)
    shape = await element.evaluate("e => ({tag: e.tagName, type: (e.type || '').toLowerCase(), "
                                   "options: e.tagName === 'SELECT' ? Array.from(e.options).map(o => [o.value, o.label.trim()]) : null})")
    problem = _wrong_kind(field.kind, shape)
    if problem:
        findings.append(Finding(f"{key}.kind", describe(field, params), problem))
    elif field.kind == "select":
        _options(field, key, shape["options"], value, findings, params)
    return found


def _wrong_kind(kind: str, shape: dict) -> str | None:
    tag, kind_th = shape["tag"], {"select": "ช่องเลือก (select)", "file": "ช่องเลือกไฟล์", "textarea": "ช่องข้อความหลายบรรทัด"}
    if kind == "select" and tag != "SELECT":
        return f"ควรเป็น{kind_th['select']} แต่บนหน้าเป็น {tag.lower()} — แก้ kind ให้ตรงกับหน้าเว็บ"
    if kind == "file" and not (tag == "INPUT" and shape["type"] == "file"):
        return f"ควรเป็น{kind_th['file']} แต่บนหน้าเป็น {tag.lower()}"
    if kind not in ("select", "file") and tag == "SELECT":
        return "บนหน้าเป็นช่องเลือก (select) — แก้ kind เป็น select และกำหนด options"
    return None


def _options(field: Field, key: str, options: list, value, findings: list[Finding], params: dict) -> None:
    """Each option text our values map to is among the select's options; with ``value``, that one."""
    have = [v if field.option_by == "value" else label for v, label in options if v != ""]
    wanted = {ours: text for ours, text in field.options.items()} if field.options else {}
    if value:
        wanted = {ours: text for ours, text in wanted.items() if text == value} or {"": value}
    elif field.parent:
        return  # a cascading select's options come with its parent's choice: checked after filling
    for ours, text in wanted.items():
        if text not in have:
            near = difflib.get_close_matches(text, have, n=2, cutoff=0.5)
            instead = f" — บนหน้ามีตัวเลือกที่คล้ายกัน: {', '.join(repr(n) for n in near)}" if near else \
                      f" — บนหน้ามี: {', '.join(repr(h) for h in have[:8])}" if have else " — ช่องนี้ยังไม่มีตัวเลือก"
            suffix = f".options.{ours}" if ours else ""
            findings.append(Finding(f"{key}{suffix}", describe(field, params),
                                    f'ไม่มีตัวเลือก "{text}"{instead}'))


_REQUIRED_LEFT = """(form, mark) => {
  const root = form || document;
  const label = el => {
    const own = el.labels && el.labels.length ? Array.from(el.labels).map(l => l.textContent.trim()).join(" ") : "";
    const group = el.closest("fieldset") && el.type === "radio" ? (el.closest("fieldset").querySelector("legend") || {}).textContent : "";
    return (own || el.getAttribute("aria-label") || group || el.name || el.id || "").trim();
  };
  const required = el => el.required || el.getAttribute("aria-required") === "true" ||
                         (mark && label(el).endsWith(mark));
  return Array.from(root.querySelectorAll("input, select, textarea"))
    .filter(el => el.type !== "hidden" && el.type !== "submit" && !el.disabled && el.offsetParent !== null)
    .filter(el => required(el) && !el.dataset.tidtamOurs)
    .map(el => ({label: label(el), name: el.name || el.id || ""}));
}"""


async def _unfilled_required(page, forms: FormsFile, save: Button, ours: list, where: str) -> list[Finding]:
    """Fields the page marks as required that no field of ours fills, in the save button's form."""
    for element in ours:
        await element.evaluate(f"e => e.dataset.{OURS} = '1'")
    try:
        button = await find(page, save, f"{where}.buttons.save")
        form = await button.evaluate_handle("b => b.closest('form')")
        left = await form.evaluate(_REQUIRED_LEFT, forms.site.required_mark)
    finally:
        for element in ours:
            await element.evaluate(f"e => delete e.dataset.{OURS}")
    seen, findings = set(), []
    for item in left:
        if item["name"] in seen:
            continue
        seen.add(item["name"])
        findings.append(Finding(f"{where}.fields", item["label"],
                                f'หน้าเว็บกำหนดให้กรอก "{item["label"]}" (name={item["name"]}) แต่ forms.yaml ไม่มีช่องนี้ — '
                                "เพิ่มช่องนี้ใน fields พร้อม value (ค่าจากข้อมูลของเรา ค่าคงที่ หรือค่าที่คำนวณได้)"))
    return findings


_CANDIDATES = """() => {
  const strip = t => (t || "").replace(/\\s+/g, " ").trim();
  const label = el => el.labels && el.labels.length ? strip(Array.from(el.labels).map(l => l.textContent).join(" ")) :
                      strip(el.getAttribute("aria-label") || "");
  const controls = Array.from(document.querySelectorAll("input, select, textarea"))
    .filter(el => el.type !== "hidden" && el.offsetParent !== null);
  return {
    unclaimed: controls.filter(el => !el.dataset.tidtamOurs).map(label).filter(Boolean),
    buttons: Array.from(document.querySelectorAll("button, a, [role=button], input[type=submit]"))
      .map(el => strip(el.getAttribute("aria-label") || el.textContent || el.value)).filter(t => t && t.length < 120),
    texts: Array.from(document.querySelectorAll("h1, h2, h3, h4, th, legend, label, p, span, td"))
      .map(el => strip(el.textContent)).filter(t => t && t.length < 120),
  };
}"""


async def _with_candidates(page, findings: list[Finding], ours: list) -> list[Finding]:
    """Each "not found" finding with what the page has instead: for a field, the labels of the
    page's fields that no field of ours takes (a reworded label is among them) first; for a
    button, the names of its buttons."""
    if not any(f.wanted for f in findings):
        return findings
    for element in ours:
        await element.evaluate(f"e => e.dataset.{OURS} = '1'")
    try:
        have = await page.evaluate(_CANDIDATES)
    finally:
        for element in ours:
            await element.evaluate(f"e => delete e.dataset.{OURS}")
    return [_suggest(f, have) for f in findings]


def _suggest(finding: Finding, have: dict) -> Finding:
    if not finding.wanted:
        return finding
    how, text = finding.wanted
    if how == "label" and not have["unclaimed"]:  # every field on the page is one of ours already
        return Finding(finding.key, finding.field, finding.message + " — ทุกช่องบนหน้านี้มีในไฟล์แล้ว: ช่องนี้อาจถูกลบ "
                       "หรือย้ายไปหน้า/ขั้นตอนอื่น (ดูบรรทัดที่บอกว่าหน้าอื่นมีช่องบังคับกรอกที่ไฟล์ไม่มี)")
    pool = {"label": have["unclaimed"], "button": have["buttons"], "text": have["texts"]}[how]
    pool = list(dict.fromkeys(t.rstrip(" *") for t in pool))
    near = difflib.get_close_matches(text, pool, n=3, cutoff=0.3) or (pool if how == "label" and len(pool) <= 3 else [])
    instead = f" — บนหน้ามีที่อาจเป็นช่องนี้: {', '.join(repr(n) for n in near)}" if near else ""
    return Finding(finding.key, finding.field, finding.message + instead)


# --- would the page accept what was filled? --------------------------------------------------------

_INVALID = """(form) => {
  const root = form || document;
  const label = el => (el.labels && el.labels.length ? el.labels[0].textContent : (el.getAttribute("aria-label") || el.name || "")).trim();
  return Array.from(root.querySelectorAll("input, select, textarea"))
    .filter(el => el.willValidate && !el.checkValidity())
    .map(el => ({label: label(el), message: el.validationMessage, ours: !!el.dataset.tidtamOurs}));
}"""


async def verdict(page, forms: FormsFile, where: str, step: Step, trial_timeout: float = 5.0) -> list[Finding]:
    """After filling, before saving: every field the browser's constraint validation refuses, every
    message the site shows, and whether the save button could be clicked (a trial that does not click)."""
    findings: list[Finding] = []
    save = await find(page, step.buttons["save"], f"{where}.buttons.save")
    form = await save.evaluate_handle("b => b.closest('form')")
    for item in await form.evaluate(_INVALID):
        findings.append(Finding(f"{where}.fields", item["label"],
                                f'หน้าเว็บไม่รับค่าในช่อง "{item["label"]}": {item["message"]}'))
    findings += [Finding(f.key, "", f"หน้าเว็บแสดงข้อความ: {f.message}") for f in await page_errors(page, forms)]
    try:
        await save.click(trial=True, timeout=trial_timeout * 1000)
    except Exception as exc:  # Playwright's TimeoutError: not visible, disabled or covered
        if type(exc).__name__ != "TimeoutError":
            raise
        findings.append(Finding(f"{where}.buttons.save", describe(step.buttons["save"]),
                                f"ปุ่มบันทึกกดไม่ได้ภายใน {trial_timeout:g} วินาที (ถูกปิดใช้งาน ซ่อน หรือมีสิ่งบัง)"))
    return findings


# --- what the site said about what was saved ---------------------------------------------------

_DESCRIBED = """el => (el.getAttribute("aria-describedby") || "").split(/\\s+/)
  .map(id => id && document.getElementById(id))
  .filter(e => e && !e.hidden && e.offsetParent !== null && e.textContent.trim())
  .map(e => e.textContent.trim())"""


async def field_errors(page, forms: FormsFile, where: str, step: Step, values: dict) -> list[tuple[str, str, str]]:
    """(label, our field key, message) for each message the site shows about one of our fields
    (the elements an input's ``aria-describedby`` names), then any other message it shows."""
    found: list[tuple[str, str, str]] = []
    for key, field, params, label in _each_input(step, values):
        element = await find(page, field, f"{where}.fields.{key}", optional=True, **params)
        if element is not None:
            found += [(label, key, message) for message in await element.evaluate(_DESCRIBED)]
    said = {message for *_, message in found}
    found += [("", "", f.message) for f in await page_errors(page, forms) if f.message not in said]
    return found


def _each_input(step: Step, values: dict):
    """(field key, the Locator, its params, its label) of every input the values fill."""
    from .plan import _label

    for key, field in step.fields.items():
        if key not in values:
            continue
        if isinstance(field, RowsField):
            for n in range(1, len(values[key]) + 1):
                for spec in field.columns.values():
                    yield key, spec, {"n": n}, _label(spec).format(n=n)
        elif isinstance(field, MonthsField):
            for month in values[key]:
                yield key, field, {"month": month_label(month)}, _label(field).format(month=month_label(month), key=month)
        elif field.kind != "radio":
            yield key, field, {}, _label(field)


async def page_errors(page, forms: FormsFile) -> list[Finding]:
    """Every message the site shows in its error elements (site.errors), visible ones only."""
    if forms.site.errors is None:
        return []
    for _, candidate in candidates(page, forms.site.errors, {}):
        texts = await candidate.evaluate_all(
            "els => els.filter(e => !e.hidden && e.offsetParent !== null).map(e => e.textContent.trim()).filter(Boolean)")
        return [Finding("site.errors", "", text) for text in dict.fromkeys(texts)]
    return []
