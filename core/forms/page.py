"""A form description at work on a live page (Playwright): find, fill, read back.

``find`` turns a ``Locator`` of forms.yaml into exactly one element or a ``LocatorError`` naming
the key to edit; ``fill_step`` fills a step's fields by kind; ``read_step`` reads them back in
the same shape; ``read_element`` and ``read_list`` read what a page shows. Nothing here clicks a
save button: saving, and judging its answer, belong to the flow (core/push/browser.py).
"""
from __future__ import annotations

import asyncio
import mimetypes
import re
from pathlib import Path

from ..config import Locator
from .plan import Values, month_label
from .schema import Element, Field, ListSpec, MonthsField, RowsField, Step

REQUIRED_MARK = "*"


class LocatorError(LookupError):
    """A locator matched no element or several; the message names its key in forms.yaml."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key, self.detail = key, message


# --- finding ---------------------------------------------------------------------------------


def _pattern(text: str, match: str, mark: str | None):
    """The text of a label, name or text as a regular expression: the whole text (spaces and the
    site's required mark at its end aside) or its beginning."""
    body = r"^\s*" + re.escape(text)
    if match == "prefix":
        return re.compile(body)
    tail = rf"(?:\s*{re.escape(mark)})?" if mark else ""
    return re.compile(body + tail + r"\s*$")


def candidates(page, locator: Locator, params: dict, mark: str | None = REQUIRED_MARK):
    """(way, Playwright locator) for each way the config gives, in the order written."""
    fill = lambda text: text.format(**params) if text else text  # noqa: E731
    if locator.label:
        yield "label", page.get_by_label(_pattern(fill(locator.label), locator.match, mark))
    if locator.role:
        name = fill(locator.name)
        yield "role", page.get_by_role(locator.role, name=_pattern(name, locator.match, None)) if name else page.get_by_role(locator.role)
    if locator.text:
        yield "text", page.get_by_text(_pattern(fill(locator.text), locator.match, None))
    if locator.placeholder:
        yield "placeholder", page.get_by_placeholder(_pattern(fill(locator.placeholder), locator.match, None))
    if locator.css:
        yield "css", page.locator(fill(locator.css))


def describe(locator: Locator, params: dict | None = None) -> str:
    """What a locator looks for, in words: 'ป้าย "ชื่อโครงการ"', 'ปุ่ม "บันทึก"'."""
    params = params or {}
    fill = lambda text: text.format(**params) if text else text  # noqa: E731
    ways = []
    if locator.label:
        ways.append(f'ป้าย "{fill(locator.label)}"' + (" (ขึ้นต้น)" if locator.match == "prefix" else ""))
    if locator.role:
        ways.append(f'{ROLE_TH.get(locator.role, locator.role)}' + (f' "{fill(locator.name)}"' if locator.name else ""))
    if locator.text:
        ways.append(f'ข้อความ "{fill(locator.text)}"')
    if locator.placeholder:
        ways.append(f'ข้อความในช่อง "{fill(locator.placeholder)}"')
    if locator.css:
        ways.append(f"css {fill(locator.css)}")
    return " หรือ ".join(ways)


ROLE_TH = {"button": "ปุ่ม", "link": "ลิงก์", "navigation": "แถบนำทาง", "textbox": "ช่องข้อความ", "combobox": "ช่องเลือก",
           "radio": "ตัวเลือก", "checkbox": "ช่องทำเครื่องหมาย", "group": "กลุ่ม", "table": "ตาราง"}


async def find(page, locator: Locator, key: str, /, optional: bool = False, mark: str | None = REQUIRED_MARK, **params):
    """The one element ``locator`` points at. The first way that matches anything decides:
    exactly one element wins, two or more is an error (never a guess). ``optional``: none gives None."""
    tried = []
    for way, candidate in candidates(page, locator, params, mark):
        count = await candidate.count()
        if count == 1:
            return candidate
        if count > 1:
            raise LocatorError(key, f"พบ {count} องค์ประกอบด้วย{describe(locator, params)} (ต้องพบเพียง 1) ที่ {page.url}")
        tried.append(way)
    if optional:
        return None
    raise LocatorError(key, f"ไม่พบ{describe(locator, params)} ที่ {page.url}")


async def appears(page, locator: Locator | list, key: str, /, timeout_ms: float | None = None, **params) -> None:
    """Wait until what ``locator`` points at shows (a page drawn by JavaScript, a redirect by
    script), by any of its ways (or of any locator of a list; None ones left out); not in time
    (the page's default timeout unless given) is a LocatorError naming ``key``."""
    from playwright.async_api import TimeoutError as NotInTime

    each = [one for one in (locator if isinstance(locator, list) else [locator]) if one is not None]
    ways = [candidate for one in each for _, candidate in candidates(page, one, params, None)]
    locator = each[0]
    either = ways[0]
    for other in ways[1:]:
        either = either.or_(other)
    try:
        await either.first.wait_for(state="visible", timeout=timeout_ms)
    except NotInTime:
        raise LocatorError(key, f"ไม่พบ{describe(locator, params)} ที่ {page.url} (รอจนหมดเวลาแล้ว)") from None


# --- filling -----------------------------------------------------------------------------------

# Sets one text field as the page's own script will read it on save: the value through the
# element's native setter (so a framework that wraps .value still sees it), then the input and
# change events typing fires; answers how many elements matched, so finding strictly and setting
# is one call to the browser (Playwright's ``fill`` costs five or so protocol commands a field).
_SET_TEXT = """(elements, value) => {
  if (elements.length !== 1) return {count: elements.length};
  const el = elements[0];
  if (el.disabled || el.readOnly) return {count: 1, problem: "แก้ไขไม่ได้ (disabled หรือ readonly)"};
  if (el.tagName === "SELECT") return {count: 1, problem: "เป็นช่องเลือก (select) ไม่ใช่ช่องข้อความ"};
  Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), "value").set.call(el, value);
  el.dispatchEvent(new Event("input", {bubbles: true}));
  el.dispatchEvent(new Event("change", {bubbles: true}));
  return {count: 1};
}"""

TEXT_KINDS = ("text", "textarea", "password", "number", "money", "date_be")


async def set_text(page, locator: Locator, key: str, value: str, /, **params) -> None:
    tried = []
    for way, candidate in candidates(page, locator, params):
        answer = await candidate.evaluate_all(_SET_TEXT, value)
        if answer["count"] == 1:
            if answer.get("problem"):
                raise LocatorError(key, f"{answer['problem']} ที่ {page.url}")
            return
        if answer["count"] > 1:
            raise LocatorError(key, f"พบ {answer['count']} องค์ประกอบด้วย{describe(locator, params)} (ต้องพบเพียง 1) ที่ {page.url}")
        tried.append(way)
    raise LocatorError(key, f"ไม่พบ{describe(locator, params)} ที่ {page.url}")


async def choose(page, field: Field, key: str, text: str, /, **params) -> None:
    """A select's option by its text (or value), or a radio button by its option text."""
    if field.kind == "radio":
        radio = Locator(label=text, match="exact")
        await (await find(page, radio, f"{key}.options", **params)).check()
        return
    element = await find(page, field, key, **params)
    await settled(page, element)
    if not field.parent:  # a plain select has its options once settled: a missing one is said at once
        have = await element.evaluate("(e, byValue) => Array.from(e.options).map(o => byValue ? o.value : o.label.trim())",
                                      field.option_by == "value")
        if text not in have:
            shown = ", ".join(repr(h) for h in have if h)[:300]
            raise LocatorError(key, f'ไม่มีตัวเลือก "{text}" ที่ {page.url} (มี: {shown})')
    # select_option waits until the option is there: a cascading child's options arrive
    # after its parent's choice
    await element.select_option(**({"value": text} if field.option_by == "value" else {"label": text}))


async def settled(page, element) -> None:
    """Wait while the element is ``aria-busy`` (a select whose options a script still fetches),
    found again should the page be drawn anew meanwhile."""
    await element.and_(page.locator(":not([aria-busy=true])")).wait_for(state="attached")


# The outcome a page says after a save made by its script: the attribute once it is none of the
# pending values; "" when the element left the page (redrawn elsewhere: a doubt).
_OUTCOME = """([e, attribute, pending]) => {
  if (!e.isConnected) return "";
  const value = e.getAttribute(attribute);
  return value && !pending.includes(value) ? value : false;
}"""


async def click_for_outcome(page, button, outcome, key: str, timeout_ms: float) -> str | None:
    """Click ``button`` on a page that saves without leaving and return what ``outcome`` (a
    ``schema.Outcome``) says once the save is over; None when the page left (a sign-in page):
    nothing to tell. The attribute is cleared first, so an earlier save's outcome is never read."""
    element = await (await find(page, outcome, key)).element_handle()
    await element.evaluate("(e, a) => e.removeAttribute(a)", outcome.attribute)
    await button.click(no_wait_after=True)
    try:
        said = await page.wait_for_function(_OUTCOME, arg=[element, outcome.attribute, outcome.pending], timeout=timeout_ms)
    except Exception as exc:  # Playwright's: the document was replaced (a navigation), or the time ran out
        if type(exc).__name__ == "TimeoutError":
            raise
        return None
    return await said.json_value()


async def fill_step(page, step: Step, values: Values, where: str, files=None) -> None:
    """Fill every field of ``step`` that ``values`` holds, in the order the description gives.
    Plain text fields go out together; selects and radios one at a time in order (a cascading
    child waits for its parent); rows are added or removed to match; ``files(value)`` gives the
    file of a file field's value (a path, or ``set_input_files``' name/mimeType/buffer)."""
    batch = []
    for key, field in step.fields.items():
        if key not in values:
            continue
        here = f"{where}.fields.{key}"
        value = values[key]
        if isinstance(field, RowsField):
            await _flush(batch)
            await _fill_rows(page, field, here, value)
        elif isinstance(field, MonthsField):
            batch += [set_text(page, field, here, amount, month=month_label(month)) for month, amount in value.items()]
        elif field.kind in TEXT_KINDS:
            batch.append(set_text(page, field, here, value))
        elif field.kind == "file":
            await _flush(batch)
            await (await find(page, field, here)).set_input_files(file_payload(files(value)))
        elif value:
            await _flush(batch)
            await choose(page, field, here, value)
    await _flush(batch)


def file_payload(file):
    """A file as bytes the page holds: Chromium reads a file given by path from disk only as it
    sends, so the body a save's guard (``core.push.browser.sent_once``) passes on would lack it."""
    if not isinstance(file, (str, Path)):
        return file
    path = Path(file)
    return {"name": path.name, "mimeType": mimetypes.guess_type(path.name)[0] or "application/octet-stream",
            "buffer": path.read_bytes()}


async def _flush(batch: list) -> None:
    if batch:
        await asyncio.gather(*batch)
        batch.clear()


async def shown_rows(page, field: RowsField, where: str) -> int:
    """How many rows the page shows now (found by the first column's locator with n = 1, 2 …)."""
    first_key, first = next(iter(field.columns.items()))
    shown = 0
    while await find(page, first, f"{where}.columns.{first_key}", optional=True, n=shown + 1) is not None:
        shown += 1
    return shown


async def _fill_rows(page, field: RowsField, where: str, rows: list[dict]) -> None:
    if field.add is not None:
        shown = await shown_rows(page, field, where)
        for _ in range(shown, len(rows)):
            await (await find(page, field.add, f"{where}.add")).click()
        for n in range(shown, len(rows), -1):  # rows the site holds beyond ours, from the last
            await (await find(page, field.remove, f"{where}.remove", n=n)).click()
    for n, row in enumerate(rows, start=1):
        for column, value in row.items():
            spec = field.columns[column]
            if spec.kind in TEXT_KINDS:
                await set_text(page, spec, f"{where}.columns.{column}", value, n=n)
            elif value:
                await choose(page, spec, f"{where}.columns.{column}", value, n=n)


# --- reading back --------------------------------------------------------------------------------

_VALUE_OF = """(el, byValue) => {
  if (el.tagName === "SELECT") {
    const option = el.selectedOptions[0];
    return option && option.value !== "" ? (byValue ? option.value : option.label.trim()) : "";
  }
  return el.value;
}"""


async def read_field(page, field: Field, key: str, /, **params) -> str:
    if field.kind == "radio":
        for text in field.options.values():
            radio = await find(page, Locator(label=text), f"{key}.options", optional=True, **params)
            if radio is not None and await radio.is_checked():
                return text
        return ""
    element = await find(page, field, key, **params)
    if field.kind == "select":
        await settled(page, element)
    return normal(await element.evaluate(_VALUE_OF, field.option_by == "value"))


def normal(value) -> str:
    """A value as compared with ours: browsers send a textarea's line breaks as CRLF and show them
    back as LF; the ends' blanks are never kept by a site."""
    return str(value if value is not None else "").replace("\r\n", "\n").strip()


async def read_step(page, step: Step, like: Values, where: str) -> Values:
    """What the page shows for the fields ``like`` holds, in the same shape (rows: as many as
    the page shows; months: the months ``like`` has)."""
    shown: Values = {}
    for key, field in step.fields.items():
        if key not in like or field.kind == "file":
            continue
        here = f"{where}.fields.{key}"
        if isinstance(field, RowsField):
            count = await shown_rows(page, field, here) if field.add is not None else len(like[key])
            shown[key] = [{column: await read_field(page, spec, f"{here}.columns.{column}", n=n)
                           for column, spec in field.columns.items() if column in (like[key][0] if like[key] else field.columns)}
                          for n in range(1, count + 1)]
        elif isinstance(field, MonthsField):
            shown[key] = {month: await read_field(page, field, here, month=month_label(month)) for month in like[key]}
        else:
            shown[key] = await read_field(page, field, here)
    return shown


_READ = """(el, how) => {
  if (how.attribute) return el.getAttribute(how.attribute);
  const text = (el.textContent || "").trim();
  if (how.number) { const digits = text.replace(/[^0-9]/g, ""); return digits ? parseInt(digits, 10) : null; }
  return text;
}"""


async def read_element(page, element: Element, key: str, /, optional: bool = False, **params):
    """What ``element`` says (its attribute or text); None when ``optional`` and it is not there."""
    found = await find(page, element, key, optional=optional, **params)
    if found is None:
        return None
    return await found.evaluate(_READ, element.read.model_dump())


_ROWS = """(rows, columns) => rows.map(row => {
  const values = {};
  for (const [name, how] of Object.entries(columns)) {
    const el = how.css ? row.querySelector(how.css) : (how.cell !== null && how.cell !== undefined ? row.cells[how.cell] : row);
    if (!el) { values[name] = null; continue; }
    if (how.attribute) { values[name] = el.getAttribute(how.attribute); continue; }
    const text = (el.textContent || "").trim();
    if (how.number) { const digits = text.replace(/[^0-9]/g, ""); values[name] = digits ? parseInt(digits, 10) : null; }
    else values[name] = text;
  }
  return values;
})"""


def _column(spec) -> dict:
    """A list column as the page's script reads it: the row itself, a cell, or an element in the row."""
    how = spec.read if isinstance(spec, Element) else spec
    inside = spec.css if isinstance(spec, Element) else None
    return {"css": inside, "cell": how.cell, "attribute": how.attribute, "number": how.number}


async def read_list(page, spec: ListSpec, key: str, /, **params) -> tuple[list[dict], bool]:
    """The rows the page shows, each as ``{column: value}``, and whether a next page exists."""
    rows = [locator async for _, locator in _first_way(page, spec.rows, params)]
    columns = {name: _column(column) for name, column in spec.columns.items()}
    values = await rows[0].evaluate_all(_ROWS, columns) if rows else []
    more = spec.next is not None and await find(page, spec.next, f"{key}.next", optional=True, **params) is not None
    return values, more


async def _first_way(page, locator: Locator, params: dict):
    """The first way of a locator that matches anything (for a list, every match is a row)."""
    for way, candidate in candidates(page, locator, params):
        if await candidate.count():
            yield way, candidate
            return
