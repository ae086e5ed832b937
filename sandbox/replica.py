"""A replica of eMENSCR as ``discover emenscr`` found it (issue 17): the stand-in's description of its
pages rebuilt from a discover folder, so ``sandbox emenscr --data <folder>`` serves the forms the
office will meet and it can rehearse dry-run → approve → push offline.

Built here, from the folder, rather than written by discover: the stand-in's file format and the
field names its behaviour keys on are the stand-in's own and plugins may not import it, so discover
would have to carry a second copy of that knowledge; the folder stays one record of what was
found (labels and options, never a value).

Taken from the snapshots: labels, field kinds, required marks, select options, step order and
titles, button texts, and fields the site has that we lack. Matched fields keep our logical name,
which is the stand-in's name for the same field (``code``, ``name``, ``kpis`` …). What a snapshot
cannot show stays the stand-in's own or is left out: validation patterns and lengths are dropped;
catalogs (a cascade's options depend on the parent chosen), repeatable rows, monthly fields and
the progress form's per-project labels are drawn as the stand-in draws them. The projects are the
stand-in's own demo ones.
"""
from __future__ import annotations

import copy
import difflib
import json
import re
from pathlib import Path

from .site import load_yaml

ENTRY, PROGRESS = "forms.project_entry.steps.", "forms.progress.steps.progress"
UNKNOWABLE = ("pattern", "pattern_message", "max_length", "within_fiscal_year")
SAVED_MARK = "✓"  # the stand-in marks a saved step's link with it


def replica_data(folder: Path, base: dict) -> dict:
    """The stand-in description ``base`` reshaped to the discover folder ``folder``."""
    pages = {found["key"]: found for found in
             (json.loads(path.read_text(encoding="utf-8")) for path in (folder / "pages").glob("*.json"))}
    matches = load_yaml(folder / "matches.yaml")
    data = copy.deepcopy(base)
    for step in data["steps"]:
        if (key := ENTRY + step["code"]) in pages:
            step["fields"] = _fields(step["fields"], pages[key], matches[key])
            named = {field["name"] for field in step["fields"]}  # a check of a field the site lacks would fail every save
            if "checks" in step:
                step["checks"] = [c for c in step["checks"] if _checked(c) <= named]
    if "pages.project" in pages:
        data["steps"] = _in_site_order(data["steps"], pages["pages.project"]["navigation"])
        data["send"]["button"] = _button(data["send"]["button"], pages["pages.project"]["buttons"])
    entry_buttons = [b for key, found in pages.items() if key.startswith(ENTRY) for b in found["buttons"]]
    data["step_save_button"] = _button(data["step_save_button"], entry_buttons)
    if PROGRESS in pages:
        _progress(data["progress"], pages[PROGRESS], matches[PROGRESS])
    if "pages.projects" in pages:
        _statuses(data["statuses"], pages["pages.projects"])
    return data


def _fields(specs: list[dict], found: dict, result: dict) -> list[dict]:
    """A step's fields: ours where the site shows them (as it shows them), then the site's own."""
    by_label = {f["label"]: f for f in found["fields"]}
    fields = []
    for spec in specs:
        if spec["type"] in ("rows", "months"):
            fields.append(spec)
        elif (hit := result["matched"].get(spec["name"])) and hit["site"] in by_label:
            fields.append(_as_found(spec, by_label[hit["site"]]))
    shapes = {_shape(hit["site"]) for hit in result["matched"].values()}
    for i, site in enumerate(found["fields"]):  # another row of a matched field is that field's
        if (site["label"] or site["name"]) in result["unmatched_site"] and _shape(site["label"]) not in shapes:
            fields.append(_as_found({"name": f"site_{i}", "type": "text"}, site))
    return fields


def _as_found(spec: dict, site: dict) -> dict:
    """``spec`` with the site's label, required mark, kind and options; our checks only where the kind agrees."""
    field = {k: v for k, v in spec.items() if k not in UNKNOWABLE}
    field |= {"label": site["label"], "required": bool(site["required"])}
    chooses = spec["type"] in ("select", "month") or "catalog" in spec
    if site["kind"] == "select":
        if not chooses:
            field |= {"type": "select"}
        if "catalog" not in spec and spec["type"] != "month":
            field["options"] = [{"value": value, "label": label} for value, label in site["options"]]
    elif chooses or site["kind"] == "textarea" or spec["type"] == "textarea":
        field = {k: v for k, v in field.items() if k not in ("catalog", "parent", "options")}
        field["type"] = "textarea" if site["kind"] == "textarea" else "text"
    return field


def _checked(check: dict) -> set[str]:
    return {check[k].split(".")[0] for k in ("start", "end", "parts", "total") if k in check}


def _shape(label: str) -> str:
    return re.sub(r"\d+", "#", label)


def _in_site_order(steps: list[dict], navigation: list[str]) -> list[dict]:
    """Steps in the order the project page's navigation lists them, titled as it titles them."""
    place = {}
    for step in steps:
        link = next(((i, text) for i, text in enumerate(navigation) if text.startswith(step["code"] + " ")), None)
        place[step["code"]] = link[0] if link else len(navigation)
        if link:
            step["title"] = link[1][len(step["code"]):].strip().removesuffix(SAVED_MARK).strip()
    return sorted(steps, key=lambda step: place[step["code"]])


def _button(ours: str, found: list[str]) -> str:
    """The site's text for our button: the same, else the closest it shows, else ours."""
    return ours if ours in found else next(iter(difflib.get_close_matches(ours, found, 1, 0.6)), ours)


def _progress(progress: dict, found: dict, result: dict) -> None:
    """The progress form's own labels (``<name>_label``) and its status options as found."""
    for name, hit in result["matched"].items():
        if "{" not in progress.get(f"{name}_label", "{"):  # a label drawn per project stays the stand-in's
            progress[f"{name}_label"] = hit["site"]
    status = next((f for f in found["fields"] if f["label"] == progress["status_label"] and f.get("options")), None)
    if status:
        shown = [label for _, label in status["options"]]
        done = progress["statuses"].index(progress["completed_status"])
        progress["completed_status"] = progress["completed_status"] if progress["completed_status"] in shown \
            else shown[min(done, len(shown) - 1)]
        progress["statuses"] = shown
    progress["save_button"] = _button(progress["save_button"], found["buttons"])


def _statuses(statuses: dict, found: dict) -> None:
    """The project list's status names as its filter offers them (the stand-in's keys kept)."""
    for site in found["fields"]:
        statuses |= {value: label for value, label in site.get("options") or [] if value in statuses}
