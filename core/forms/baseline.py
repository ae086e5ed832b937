"""``doctor`` against the baseline: each page's ARIA snapshot, as discover kept it in the version
folder (``baseline/<forms.yaml key>.aria.yaml``), compared with the live page blanked the same way.

For each page: what was added, removed or renamed (role and accessible name). For each locator of
forms.yaml that finds no element or several, or whose element was renamed, a proposal: a candidate
locator that matches exactly one element on the live page — role and accessible name first, then
label, then text, then css — with its match count. Proposals are written as a unified diff against
forms.yaml for a person to review and apply; nothing here edits the config, and push never reads them.
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..config import Locator
from ..contract import CheckResult
from .page import ROLE_TH, LocatorError, candidates, describe, find
from .schema import MonthsField, Page, RowsField

WAYS = ("label", "role", "name", "text", "placeholder", "css")
CONTROLS = ("textbox", "combobox", "spinbutton", "checkbox", "radio", "listbox", "searchbox", "slider")
_ENTRY = re.compile(r'^\s*- ([\w-]+) "((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class Difference:
    """One named element of a page: ``was`` in the baseline, ``now`` live (role, name); one of them None."""

    was: tuple[str, str] | None
    now: tuple[str, str] | None

    def th(self) -> str:
        said = lambda e: f'{ROLE_TH.get(e[0], e[0])} "{e[1]}"'  # noqa: E731
        if self.was is None:
            return f"เพิ่ม {said(self.now)}"
        if self.now is None:
            return f"ไม่มี {said(self.was)} แล้ว"
        return f'{said(self.was)} เปลี่ยนเป็น "{self.now[1]}"'


@dataclass
class Proposal:
    key: str
    old: Locator
    new: Locator | None  # None: no candidate matched exactly one element
    count: int  # how many elements ``new`` matches on the live page (1), or the best tried
    tried: list[tuple[Locator, int]] = field(default_factory=list)


@dataclass
class Drift:
    """One page against its baseline."""

    key: str
    differences: list[Difference]
    proposals: list[Proposal]


# --- the snapshots -------------------------------------------------------------------------------


def entries(snapshot: str) -> list[tuple[str, str]]:
    """The named elements of an ARIA snapshot, in page order: (role, accessible name)."""
    named = [(m[1], json.loads(f'"{m[2]}"')) for m in map(_ENTRY.match, snapshot.splitlines()) if m]
    return [(role, name) for role, name in named if name.strip("… ")]  # a blanked value names nothing


def differences(baseline: str, live: str) -> list[Difference]:
    """Added, removed and renamed elements; a renamed one keeps its role and its place."""
    was, now = entries(baseline), entries(live)
    found: list[Difference] = []
    for op, a, b, c, d in difflib.SequenceMatcher(None, was, now, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        old, new = was[a:b], now[c:d]
        for i, before in enumerate(old):  # the same role at the same place in the changed run: renamed
            j = next((j for j, after in enumerate(new) if after and after[0] == before[0]), None)
            found.append(Difference(before, new[j] if j is not None else None))
            if j is not None:
                new[j] = None
        found += [Difference(None, after) for after in new if after]
    return found


# --- candidates ----------------------------------------------------------------------------------

_FACTS = """el => ({
  label: el.labels && el.labels.length ? Array.from(el.labels).map(l => l.textContent).join(" ").replace(/\\s+/g, " ").trim() : "",
  text: ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName) ? "" : (el.textContent || "").replace(/\\s+/g, " ").trim(),
  id: el.id || "", name: el.getAttribute("name") || "", tag: el.tagName.toLowerCase()})"""


def ways(role: str | None, name: str | None, facts: dict, mark: str | None) -> list[Locator]:
    """The locators that could find one element, best first: role and accessible name, label, text, css."""
    found = [Locator(role=role, name=name)] if role and name else []
    label = re.sub(rf"\s*{re.escape(mark)}$", "", facts["label"]) if mark else facts["label"]
    found += [Locator(label=label)] if label else []
    found += [Locator(text=facts["text"])] if facts["text"] and len(facts["text"]) < 120 else []
    if re.fullmatch(r"[A-Za-z][\w-]*", facts["id"]):
        found.append(Locator(css=f"#{facts['id']}"))
    elif facts["name"]:
        found.append(Locator(css=f'{facts["tag"]}[name={json.dumps(facts["name"])}]'))
    return found


def best(counted: list[tuple[Locator, int]]) -> tuple[Locator | None, int]:
    """The first candidate that matches exactly one element, and its count; else (None, the least count above 0)."""
    for locator, count in counted:
        if count == 1:
            return locator, 1
    return None, min((count for _, count in counted if count), default=0)


async def _propose(page, key: str, old: Locator, element, live: str, mark: str | None) -> Proposal:
    role, name = (entries(await element.aria_snapshot()) or [(None, None)])[0]
    facts = await element.evaluate(_FACTS)
    shown = [way for way in ways(role, name, facts, mark)  # only words the blanked page shows: never anyone's data
             if all(json.dumps(t, ensure_ascii=False)[1:-1] in live for t in (way.label, way.name, way.text) if t)]
    counted = [(way, await next(candidates(page, way, {}))[1].count()) for way in shown]
    new, count = best(counted)
    return Proposal(key, old, new, count, counted)


def locators(where: str, spec: Page) -> dict[str, Locator]:
    """Every locator of a page or step by its forms.yaml key; those taking a placeholder ({n},
    {month}, {id} …) are left out: a candidate read off one element could not stand for all."""
    found: dict[str, Locator] = {}
    for key, item in spec.fields.items():
        if isinstance(item, RowsField):
            found |= {f"{where}.fields.{key}.columns.{c}": col for c, col in item.columns.items()}
            found |= {f"{where}.fields.{key}.{b}": getattr(item, b) for b in ("add", "remove") if getattr(item, b)}
        elif not isinstance(item, MonthsField) and item.kind != "radio":
            found[f"{where}.fields.{key}"] = item
    found |= {f"{where}.buttons.{k}": b for k, b in spec.buttons.items()}
    found |= {f"{where}.elements.{k}": e for k, e in spec.elements.items()}
    return {k: v for k, v in found.items() if "{" not in json.dumps([getattr(v, w) for w in WAYS])}


def _fits(locator: Locator, role: str) -> bool:
    """Whether an element of ``role`` could be what ``locator`` looks for (a label: a form control)."""
    return role == locator.role if locator.role else role in CONTROLS if locator.label else True


def _nearest(added: list[tuple[str, str]], locator: Locator, ours: set[str]) -> tuple[str, str] | None:
    fitting = [e for e in added if _fits(locator, e[0])]
    near = difflib.get_close_matches(next(iter(ours), ""), [name for _, name in fitting], n=1, cutoff=0.5)
    return next((e for e in fitting if near and e[1] == near[0]), None)


def _texts(locator: Locator, mark: str | None) -> set[str]:
    return {_unmarked(t, mark) for t in (locator.label, locator.name, locator.text) if t}


def _unmarked(text: str, mark: str | None) -> str:
    return text.removesuffix(mark).strip() if mark else text.strip()


async def compare(page, where: str, spec: Page, baseline: str, live: str, failing: set[str], mark: str | None) -> Drift:
    """Page ``where`` (its ``spec``) against its baseline; ``failing``: keys doctor found no element for, or several."""
    found = differences(baseline, live)
    renamed = [d for d in found if d.was and d.now]
    added = [d.now for d in found if d.was is None]
    proposals = []
    for key, locator in locators(where, spec).items():
        ours = _texts(locator, mark)
        now = next((d.now for d in renamed if _unmarked(d.was[1], mark) in ours and _fits(locator, d.was[0])), None)
        if key in failing:  # found nowhere, or twice: the element renamed in place, else the nearest added one
            now = now or _nearest(added, locator, ours)
            element = page.get_by_role(now[0], name=now[1], exact=True).first if now else None
        elif now is not None:  # renamed, yet still found (a prefix, another way): the element found
            try:
                element = await find(page, locator, key, optional=True)
            except LocatorError:  # several: not one element to read a candidate off
                continue
        else:
            continue
        proposals.append(await _propose(page, key, locator, element, live, mark) if element else Proposal(key, locator, None, 0))
    return Drift(where, found, proposals)


# --- the reviewable patch ------------------------------------------------------------------------


def _node(root, key: str):
    """The YAML node of a dotted forms.yaml key (a step found among ``steps`` by its code)."""
    node = root
    for part in key.split("."):
        if isinstance(node, yaml.SequenceNode):
            node = next(item for item in node.value if any(k.value == "code" and v.value == part for k, v in item.value))
        else:
            node = next(v for k, v in node.value if k.value == part)
    return node


def with_locator(text: str, key: str, new: Locator) -> str:
    """``text`` (forms.yaml) with the ways of ``key``'s locator replaced by ``new``'s, the rest of
    the entry (kind, value, anchors, comments) kept as written."""
    node = _node(yaml.compose(text), key)
    pairs = node.value
    items = [f"{way}: {yaml_scalar(getattr(new, way))}" for way in WAYS if getattr(new, way)]
    at = next(i for i, (k, _) in enumerate(pairs) if k.value in WAYS)
    if node.flow_style:
        starts = [k.start_mark.index for k, _ in pairs] + [node.end_mark.index - 1]
        kept = [text[starts[i]:starts[i + 1]].rstrip().rstrip(",").rstrip() for i in range(len(pairs))]
        kept = [t for t, (k, _) in zip(kept, pairs) if k.value not in WAYS]
        kept[at:at] = items
        return text[:node.start_mark.index] + "{" + ", ".join(kept) + "}" + text[node.end_mark.index:]
    lines = text.splitlines(keepends=True)
    indent = " " * pairs[at][0].start_mark.column
    for k, v in reversed(pairs):
        if k.value in WAYS:
            end = v.end_mark.line + (1 if v.end_mark.column else 0)
            del lines[k.start_mark.line:max(end, k.start_mark.line + 1)]
    first = pairs[at][0].start_mark.line
    lines[first:first] = [f"{indent}{item}\n" for item in items]
    return "".join(lines)


def yaml_scalar(text: str) -> str:
    """``text`` as YAML writes it inside a flow mapping: plain where it can be, else quoted."""
    return yaml.safe_dump({"k": text}, allow_unicode=True, default_flow_style=True, width=10**9)[4:-2]


def report(drift: list[Drift], forms: Path, out: Path) -> list[CheckResult]:
    """Doctor's notes on the pages that differ from their baselines, each proposal, and the
    proposals as ``out/forms.yaml.patch`` (a unified diff against ``forms``), which nothing applies."""
    notes = [CheckResult(d.key, True, "ต่างจากภาพที่บันทึกไว้ (baseline): " + "; ".join(x.th() for x in d.differences), note=True)
             for d in drift if d.differences]
    before = after = forms.read_text(encoding="utf-8")
    for p in (p for d in drift for p in d.proposals):
        if p.new is None:
            tried = ", ".join(f"{describe(way)} พบ {n}" for way, n in p.tried) or "ไม่พบองค์ประกอบที่น่าจะใช่"
            notes.append(CheckResult(p.key, True, f"ยังเสนอตัวค้นหาไม่ได้ ({tried}) — แก้เองตามภาพหน้าจอ", note=True))
            continue
        after = with_locator(after, p.key, p.new)
        notes.append(CheckResult(p.key, True, f"เสนอ {describe(p.new)} (พบ {p.count} องค์ประกอบ) แทน {describe(p.old)}", note=True))
    if after != before:
        patch = out / "forms.yaml.patch"
        out.mkdir(parents=True, exist_ok=True)
        name = f"{forms.parent.name}/forms.yaml"
        patch.write_text("".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), name, name)),
                         encoding="utf-8")
        notes.append(CheckResult("ข้อเสนอแก้ forms.yaml", True, f"อยู่ในไฟล์ {patch} — doctor ยังไม่ได้แก้ไฟล์ตั้งค่าใดเลย และ push ไม่ใช้ข้อเสนอนี้; "
                                 f"อ่านทีละบรรทัด ถ้าเห็นด้วยให้ใช้คำสั่ง patch {forms} {patch} แล้วรัน doctor อีกครั้ง", note=True))
    return notes
