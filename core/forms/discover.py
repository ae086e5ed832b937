"""First contact with a site: what its pages hold, and a draft of our description to review.

``snapshot`` records one page as the push reaches it, reading only: its form's structure (labels,
field kinds, options, required marks, buttons, navigation), a screenshot and Playwright's ARIA
snapshot (the baseline a later ``doctor`` compares with). What the page shows of anyone's data —
typed values, table cells, headings, the user's name — is blanked in the page itself first (never
saved: nothing is clicked or sent), so only labels and option lists reach the folder.
``draft`` matches the logical fields of our forms.yaml to what was found, by Thai label
similarity, field kind and options, with a confidence for each, and writes a draft version folder.
"""
from __future__ import annotations

import difflib
import json
import re
import shutil
from pathlib import Path

import yaml

from .baseline import yaml_scalar
from .schema import Field, FormsFile, MonthsField, RowsField

CHOICES = ("select", "radio")  # kinds whose options are compared
SURE, UNSURE = 0.98, 0.6  # at or above SURE a match is taken as is; from UNSURE, taken for review; below, unmatched

# Blank what the page shows of anyone's data: typed values, and every text outside the page's
# own vocabulary (labels, legends, buttons, table heads, options, navigation). The DOM only.
# A label our forms.yaml matches by prefix (one per activity, KPI…) goes on with that record's own
# words ("…กิจกรรมที่ 1: จัดอบรมครู (ร้อยละ)"): only the prefix stays. ``hide`` are words known to
# be someone's (the account's name, the office's project names): cut wherever they show, as are
# amounts of money ("งบประมาณโครงการ 20,000.00 บาท" in a legend: the vocabulary stays, the figure goes).
# What it changed is kept in window.tidtamBlanked, for _UNBLANK to put back (doctor goes on using the page).
_BLANK = """([hide, prefixes]) => {
  const keep = "label, legend, button, th, option, h1, h3, h4, caption, nav a, [role=button]";
  const listed = "tbody button, tbody [role=button]";  // a list row's button names its row ("ลบไฟล์ <file name>")
  const was = window.tidtamBlanked = [[document, "title", document.title]];
  for (const el of document.querySelectorAll("input:not([type=hidden]), textarea")) { was.push([el, "value", el.value]); el.value = ""; }
  for (const el of document.querySelectorAll("select")) { was.push([el, "selectedIndex", el.selectedIndex]); el.selectedIndex = -1; }
  for (const el of document.querySelectorAll(listed)) {
    if (el.hasAttribute("aria-label")) { was.push([el, "ariaLabel", el.getAttribute("aria-label")]); el.setAttribute("aria-label", "…"); }
  }
  const starts = prefixes.map(p => new RegExp("^\\\\s*" + p));
  const amount = /[0-9๐-๙]{1,3}(?:,[0-9๐-๙]{3})+(?:\\.[0-9๐-๙]+)?|[0-9๐-๙]+\\.[0-9๐-๙]{2}(?![0-9๐-๙])/g;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    if (!node.nodeValue.trim()) continue;
    was.push([node, "nodeValue", node.nodeValue]);
    if (!node.parentElement.closest(keep) || node.parentElement.closest(listed)) { node.nodeValue = "…"; continue; }
    for (const word of hide) if (word) node.nodeValue = node.nodeValue.split(word).join("…");
    node.nodeValue = node.nodeValue.replace(amount, "…");
    const found = node.parentElement.closest("label") && starts.map(s => node.nodeValue.match(s)).find(Boolean);
    if (found && found[0].length < node.nodeValue.length) node.nodeValue = found[0] + " …";
  }
  document.title = "…";
}"""
_UNBLANK = """() => { for (const [node, key, value] of (window.tidtamBlanked || []).reverse()) node[key] = value; }"""


def prefixes(forms: FormsFile, key: str) -> list[str]:
    """Our prefix labels of page ``key`` as patterns ({n}: a number, any other placeholder: words)."""
    fields = _ours(forms, key) if key.split(".")[0] in ("forms", "pages") else {}
    return [re.sub(r"\\\{n\\\}", r"\\d+", re.sub(r"\\\{(?!n\\\})\w+\\\}", ".+?", re.escape(field.label)))
            for field in fields.values() if field.match == "prefix" and field.label]


_STRUCTURE = """(mark) => {
  const strip = t => (t || "").replace(/\\s+/g, " ").trim();
  const shown = el => el.offsetParent !== null;
  const label = el => strip(el.labels && el.labels.length ? Array.from(el.labels).map(l => l.textContent).join(" ")
                                                          : el.getAttribute("aria-label") || "");
  const kind = el => el.tagName === "SELECT" ? "select" : el.tagName === "TEXTAREA" ? "textarea" : (el.type || "text");
  // a radio group is one field: labelled by its fieldset's legend (or radiogroup), its buttons' labels its options
  const group = el => { const set = el.closest("fieldset, [role=radiogroup]"), legend = set && set.querySelector("legend");
                        return strip(legend ? legend.textContent : set ? set.getAttribute("aria-label") : ""); };
  const fields = [], radios = {};
  for (const el of Array.from(document.querySelectorAll("input, select, textarea"))
                         .filter(el => el.type !== "hidden" && el.type !== "submit" && shown(el))) {
    if (el.type === "radio" && radios[el.name]) { radios[el.name].options.push([el.value, label(el)]); continue; }
    const text = el.type === "radio" ? group(el) : label(el);
    const field = {label: text.replace(new RegExp("\\\\s*" + mark.replace(/[*]/g, "\\\\*") + "$"), ""),
                   kind: kind(el), name: el.name || el.id || "",
                   required: el.required || el.getAttribute("aria-required") === "true" || (!!mark && text.endsWith(mark)),
                   options: el.tagName === "SELECT" ? Array.from(el.options).filter(o => o.value).map(o => [o.value, strip(o.label)])
                            : el.type === "radio" ? [[el.value, label(el)]] : undefined};
    if (el.type === "radio") radios[el.name] = field;
    fields.push(field);
  }
  return {
    title: strip(document.title),
    fields,
    buttons: Array.from(document.querySelectorAll("button, input[type=submit], [role=button]")).filter(shown)
      .map(el => strip(el.getAttribute("aria-label") || el.textContent || el.value)).filter(Boolean),
    navigation: Array.from(document.querySelectorAll("nav a")).filter(shown).map(el => strip(el.textContent)).filter(Boolean),
  };
}"""


async def blank(page, hide: list[str], prefixes: list[str]) -> None:
    """Blank the page's data in the page itself (typed values, text outside its vocabulary, ``hide``,
    what follows a label's ``prefixes``)."""
    from .page import settled

    for select in await page.locator("select").all():  # options a script fetches: wait for them
        await settled(page, select)
    await page.evaluate(_BLANK, [[word for word in hide if word], prefixes])


async def aria(page, hide: list[str], prefixes: list[str]) -> str:
    """The page's ARIA snapshot blanked as discover blanks it, the page put back afterwards."""
    await blank(page, hide, prefixes)
    try:
        return await page.locator("body").aria_snapshot()
    finally:
        await page.evaluate(_UNBLANK)


async def snapshot(page, forms: FormsFile, key: str, out: Path, hide: list[str]) -> dict:
    """Page ``key`` (its forms.yaml key) as shown now: ``<key>.json`` (structure), ``.png``, ``.aria.yaml``."""
    await blank(page, hide, prefixes(forms, key))
    found = await page.evaluate(_STRUCTURE, forms.site.required_mark or "")
    found["key"] = key
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{key}.json").write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / f"{key}.aria.yaml").write_text(await page.locator("body").aria_snapshot(), encoding="utf-8")
    await page.screenshot(path=str(out / f"{key}.png"), full_page=True)
    return found


# --- the draft --------------------------------------------------------------------------------------


def _ours(forms: FormsFile, key: str) -> dict[str, Field]:
    """The scalar fields of the step, page or login ``key`` by dotted logical name (rows: their columns)."""
    parts = key.split(".")
    spec = forms.login if key == "login" else forms.forms[parts[1]].step(parts[3]) if parts[0] == "forms" else forms.pages[parts[1]]
    fields: dict[str, Field] = {}
    for name, field in spec.fields.items():
        if isinstance(field, RowsField):
            fields |= {f"{name}.columns.{column}": spec for column, spec in field.columns.items()}
        else:
            fields[name] = field
    return fields


def _text(field: Field) -> str:
    """Our label with its placeholders as the site fills them for the first row ({n} = 1); a
    month's label is compared up to its month."""
    label = field.label or field.name or ""
    return label.replace("{n}", "1").split("{")[0].strip() if isinstance(field, MonthsField) else label.replace("{n}", "1")


def _score(field: Field, found: dict) -> float:
    ours, theirs = _text(field), found["label"]
    if isinstance(field, MonthsField) or field.match == "prefix":
        theirs = theirs[:len(ours)]
    score = difflib.SequenceMatcher(None, ours, theirs).ratio()
    if (field.kind in CHOICES) != (found["kind"] in CHOICES):
        score *= 0.6
    if field.options and found.get("options"):
        have = {label for _, label in found["options"]} | {value for value, _ in found["options"]}
        score = 0.7 * score + 0.3 * sum(text in have for text in field.options.values()) / len(field.options)
    return round(score, 2)


def _options(field: Field, found: dict) -> dict:
    """Our option texts the site does not show, each paired with a site option no other of ours
    takes, best pairs first (from UNSURE, or whatever the score when one is left on each side),
    never across different numbers ("ระดับ 4" is not "ระดับ 5"), never with a blanked text: the
    draft takes them, for review."""
    have = [label for _, label in found.get("options") or []] if field.option_by == "label" else []
    missing = {key: text for key, text in field.options.items() if text not in have}
    spare = [label for label in have if label not in field.options.values() and "…" not in label]
    alone = len(missing) == len(spare) == 1
    pairs = sorted(((round(difflib.SequenceMatcher(None, text, label).ratio(), 2), key, label)
                    for key, text in missing.items() for label in spare if _numbers(text) == _numbers(label)), reverse=True)
    closest, taken = {}, set()
    for score, key, label in pairs:
        if key not in closest and label not in taken and (score >= UNSURE or alone):
            closest[key] = {"ours": missing[key], "site": label, "confidence": score}
            taken.add(label)
    return closest


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+", text.translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")))


def match(forms: FormsFile, key: str, found: dict) -> dict:
    """Our fields of page ``key`` matched to the fields found on it, best first, each found field
    taken once; months and rows may take several (one per month or row) but are matched once."""
    ours = _ours(forms, key)
    pairs = sorted(((_score(field, f), name, i) for name, field in ours.items() for i, f in enumerate(found["fields"])),
                   reverse=True)
    matched, used = {}, set()
    for score, name, i in pairs:
        if name in matched or i in used or score < UNSURE:
            continue
        options = _options(ours[name], found["fields"][i])
        matched[name] = {"ours": _text(ours[name]), "site": found["fields"][i]["label"], "kind": found["fields"][i]["kind"],
                         "confidence": score, "review": score < SURE or bool(options), **({"options": options} if options else {})}
        used.add(i)
        if isinstance(ours[name], MonthsField):  # its other months are its own too
            head = _text(ours[name])
            used |= {j for j, f in enumerate(found["fields"]) if f["label"].startswith(head)}
    return {"matched": matched, "unmatched_ours": sorted(set(ours) - set(matched)),
            "unmatched_site": [f["label"] or f["name"] for i, f in enumerate(found["fields"]) if i not in used]}


def _takes_label(field: Field, found: dict) -> bool:
    """Whether the draft writes the site's label for ours: it differs, ours is one whole label (no
    placeholder, not a prefix, not a month's), and the site's was not blanked ("…": an amount or
    someone's words cut)."""
    whole = not isinstance(field, MonthsField) and field.match != "prefix" and "{" not in (field.label or "")
    return whole and found["site"] != found["ours"] and "…" not in found["site"]


def _say_what_was_not_taken(report: dict, drafted: FormsFile) -> None:
    """A label or option the draft meant to take but forms.yaml writes in a way it did not find
    (a comment after it, an anchor...): listed under ``not_taken`` of its page, to edit by hand."""
    for key, result in report.items():
        fields, missed = _ours(drafted, key), []
        for name, found in result["matched"].items():
            if _takes_label(fields[name], found) and fields[name].label != found["site"]:
                missed.append(f"{name}.label: {found['site']}")
            missed += [f"{name}.options.{k}: {o['site']}" for k, o in found.get("options", {}).items()
                       if fields[name].options.get(k) != o["site"]]
        if missed:
            result["not_taken"] = missed


def draft(folder: Path, forms: FormsFile, pages: dict[str, dict], out: Path) -> Path:
    """A copy of our version folder ``folder`` in ``out`` whose labels and option texts are the
    site's where a match says they differ, with each page's ARIA snapshot in ``baseline/``, and
    ``matches.yaml`` beside it (every match with its confidence, the options taken, and what is
    unmatched on either side) for a person to review."""
    target = out / f"{folder.name}-draft"
    shutil.copytree(folder, target, dirs_exist_ok=True)
    for key in pages:  # each page's ARIA snapshot, the baseline doctor compares the live page with
        (target / "baseline").mkdir(exist_ok=True)
        shutil.copy(out / "pages" / f"{key}.aria.yaml", target / "baseline")
    report = {key: match(forms, key, found) for key, found in pages.items()}
    text = (target / "forms.yaml").read_text(encoding="utf-8")
    quoted = "[\"']?"  # a value as written: plain, "double" or 'single' quoted
    for key, result in report.items():
        ours = _ours(forms, key)
        for name, found in result["matched"].items():
            if _takes_label(ours[name], found):
                text = re.sub(rf"(label: ){quoted}{re.escape(found['ours'])}{quoted}(?=[,}}\n])",
                              lambda m, site=found["site"]: m.group(1) + yaml_scalar(site), text)
            for value, option in found.get("options", {}).items():  # "in_progress: …" inline or a block's '"3": …'
                text = re.sub(rf"([{{,\n]\s*{quoted}{re.escape(value)}{quoted}: ){quoted}{re.escape(option['ours'])}{quoted}(?=\s*[,}}\n#])",
                              lambda m, site=option["site"]: m.group(1) + yaml_scalar(site), text)
    (target / "forms.yaml").write_text(text, encoding="utf-8")
    _say_what_was_not_taken(report, FormsFile.model_validate(yaml.safe_load(text)))
    (out / "matches.yaml").write_text(yaml.safe_dump(report, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target
