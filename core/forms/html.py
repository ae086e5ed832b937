"""The same form description read from a page's HTML without a browser (http mode).

Only what a parser can see: lists found by css, links and buttons by their text, hidden inputs
of a form, ``<meta>`` values. Labels and roles need a browser's accessibility tree, so http mode
never looks for a field by label: it posts values under the fields' ``input`` names.
"""
from __future__ import annotations

import re

from lxml import html as lxml_html

from ..config import Locator
from .schema import Element, ListSpec


def _tree(text: str):
    return lxml_html.fromstring(text or "<html></html>")


def hidden_inputs(text: str) -> dict[str, str]:
    """Every ``<input type=hidden>`` of the page's first form: what its own submit would carry
    (a CSRF token, a "next" address)."""
    forms = _tree(text).forms
    return hidden_of(forms[0]) if forms else {}


def hidden_of(form) -> dict[str, str]:
    """The hidden inputs of one form as lxml reads it."""
    return {i.get("name"): i.get("value", "") for i in form.inputs if i.get("type") == "hidden" and i.get("name")}


def form(text: str, locator: Locator):
    """The form ``locator`` (css) finds, as lxml reads it (``action``, ``inputs``), or None."""
    found = _tree(text).cssselect(locator.css) if locator is not None and locator.css else []
    return found[0] if found and found[0].tag == "form" else None


def meta(text: str, name: str) -> str | None:
    found = _tree(text).xpath("//meta[@name=$name]/@content", name=name)
    return found[0] if found else None


def rows(text: str, spec: ListSpec) -> tuple[list[dict], bool]:
    """A list's rows (css only) and whether its next-page link is there."""
    if not spec.rows.css:
        raise ValueError("โหมด http อ่านรายการได้เฉพาะที่ระบุด้วย css (lists.*.rows.css)")
    tree = _tree(text)
    found = [{name: _column(row, column) for name, column in spec.columns.items()} for row in tree.cssselect(spec.rows.css)]
    return found, spec.next is not None and present(tree, spec.next)


def _column(row, spec):
    how = spec.read if isinstance(spec, Element) else spec
    element = row
    if isinstance(spec, Element) and spec.css:
        matches = row.cssselect(spec.css)
        element = matches[0] if matches else None
    elif how.cell is not None:
        cells = row.xpath("./td|./th")
        element = cells[how.cell] if how.cell < len(cells) else None
    if element is None:
        return None
    if how.attribute:
        return element.get(how.attribute)
    content = element.text_content().strip()
    if how.number:
        digits = re.sub(r"\D", "", content)
        return int(digits) if digits else None
    return content


def present(tree, locator: Locator) -> bool:
    """Whether a link or button with that text (or that css) is on the page."""
    if locator.css:
        return bool(tree.cssselect(locator.css))
    tags = {"link": "//a", "button": "//button"}.get(locator.role or "", "//a|//button")
    return any(element.text_content().strip() == (locator.name or locator.text) for element in tree.xpath(tags))
