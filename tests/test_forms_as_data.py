"""A form's shape lives in config/targets/<target>/<version>/forms.yaml, never in plugin code.

Read the plugins' source and find none of what a site change would break: a Playwright way of
finding an element, a css selector, a script reading the page, a label, button name or step code
that forms.yaml holds. A plugin names things only by their forms.yaml keys.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from tidtam.core.forms.schema import FormsFile
from tidtam.core.settings import PACKAGE_ROOT

# The plugin modules that speak to web pages (the others write documents and e-mail).
PLUGINS = sorted(path for path in (PACKAGE_ROOT / "plugins").rglob("*.py")
                 if any(word in path.read_text(encoding="utf-8") for word in ("core.forms", "core.push.browser", "playwright")))
FORMS = sorted((PACKAGE_ROOT / "config" / "targets").glob("*/*/forms.yaml"))
# Ways of reaching into a page that belong to core/forms (by description), never to a plugin.
PAGE_CALLS = ("get_by_label", "get_by_role", "get_by_text", "get_by_placeholder", "get_by_test_id", "locator",
              "query_selector", "query_selector_all", "evaluate", "evaluate_all", "wait_for_selector", "select_option",
              "fill", "check", "set_input_files")
CSS = re.compile(r"(\[[\w-]+(=|\^=|\]))|(^|[\s>])(#[A-Za-z][\w-]*)|\b(tr|td|nav|form|input|select|textarea|button|a)[#.\[][\w-]")


def _strings(tree) -> list[tuple[int, str]]:
    """Every string in the code but docstrings."""
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def _description_words() -> set[str]:
    """Every label, name, text and title forms.yaml gives (placeholders cut off), and the step
    codes of its wizards (a one-page form's single step is named after the form itself)."""
    words = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("label", "name", "text", "placeholder", "title") and isinstance(value, str):
                    head = value.split("{")[0].strip()
                    if len(head) >= 2:
                        words.add(head)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    for path in FORMS:
        description = yaml.safe_load(path.read_text(encoding="utf-8"))
        walk(description)
        for form in description.get("forms", {}).values():
            if len(form["steps"]) > 1:
                words |= {step["code"] for step in form["steps"]}
    return words


def _reaches_into_a_page(node) -> bool:
    """A call of a Playwright way of finding or setting elements on anything but core's Site."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in PAGE_CALLS):
        return False
    receiver = ast.unparse(node.func.value)
    return receiver not in ("self.site", "site", "remote.site")


def test_there_are_form_descriptions_and_they_load():
    assert {p.parent.parent.name for p in FORMS} >= {"emenscr", "emes"}
    assert {p.parent.name for p in PLUGINS} >= {"emenscr", "emes"}
    for path in FORMS:
        FormsFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", PLUGINS, ids=lambda p: str(p.relative_to(PACKAGE_ROOT)))
def test_no_plugin_reaches_into_a_page_or_names_what_forms_yaml_holds(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = [(node.lineno, ast.unparse(node.func)) for node in ast.walk(tree) if _reaches_into_a_page(node)]
    assert calls == [], f"{path}: finds or sets page elements itself (use core.forms): {calls}"
    selectors = [(line, text) for line, text in _strings(tree) if CSS.search(text)]
    assert selectors == [], f"{path}: css selectors belong in forms.yaml: {selectors}"
    words = _description_words()
    named = [(line, text) for line, text in _strings(tree) if text.strip() in words]
    assert named == [], f"{path}: labels, names or step codes of forms.yaml written in code: {named}"


def test_the_check_catches_what_it_looks_for(tmp_path):
    """The scan above would see each kind of thing it forbids."""
    sample = tmp_path / "sample.py"
    sample.write_text('page.get_by_label("x")\nself.site.fill("a", "b", {})\nrows = "tr[data-project-code]"\nstep = "M1"\n',
                      encoding="utf-8")
    tree = ast.parse(sample.read_text(encoding="utf-8"))
    assert [ast.unparse(n.func) for n in ast.walk(tree) if _reaches_into_a_page(n)] == ["page.get_by_label"]
    assert any(CSS.search(text) for _, text in _strings(tree))
    assert any(text in _description_words() for _, text in _strings(tree))


def test_the_draft_takes_the_sites_labels_and_option_texts_in_either_yaml_style(tmp_path):
    """discover's draft, without a browser: E-MES's level options are a block mapping with quoted
    keys; reworded options are each paired with the site's option of the same number, a label the
    site writes with a colon is taken and quoted, a blanked label ("…") is not taken, the YAML
    still loads, and a second draft from the first (its values now quoted) takes a change again."""
    from tidtam.core.forms.discover import draft

    folder = PACKAGE_ROOT / "config" / "targets" / "emes" / "2026.1"
    forms = FormsFile.model_validate(yaml.safe_load((folder / "forms.yaml").read_text(encoding="utf-8")))
    step = forms.forms["point"].step("point")
    site_levels = {**step.fields["level"].options, "3": "ระดับ 3 (ดี)", "4": "ระดับ 4 (ดีมาก)", "5": "ระดับ 5 (ดีเยี่ยม)"}

    def found(narrative: str, levels: dict) -> dict:
        return {"fields": [
            {"label": step.fields["level"].label, "kind": "radio", "name": "level", "required": True,
             "options": [[key, text] for key, text in reversed(levels.items())]},
            {"label": narrative, "kind": "textarea", "name": "narrative", "required": True},
            {"label": "ลิงก์หลักฐาน … (บรรทัดละ 1 ลิงก์)", "kind": "textarea", "name": "links", "required": False}]}

    def drafted(source, narrative: str, out, levels=site_levels):
        (out / "pages").mkdir(parents=True)
        (out / "pages" / "forms.point.steps.point.aria.yaml").write_text("- textbox\n", encoding="utf-8")
        source_forms = FormsFile.model_validate(yaml.safe_load((source / "forms.yaml").read_text(encoding="utf-8")))
        folder = draft(source, source_forms, {"forms.point.steps.point": found(narrative, levels)}, out)
        matches = yaml.safe_load((out / "matches.yaml").read_text(encoding="utf-8"))["forms.point.steps.point"]
        return folder, FormsFile.model_validate(yaml.safe_load((folder / "forms.yaml").read_text(encoding="utf-8"))), matches

    first, forms1, matches = drafted(folder, "ผลการดำเนินงาน: สรุป (ไม่เกิน 3000 ตัวอักษร)", tmp_path / "one")
    point = forms1.forms["point"].step("point")
    assert dict(point.fields["level"].options) == site_levels
    assert point.fields["narrative"].label == "ผลการดำเนินงาน: สรุป (ไม่เกิน 3000 ตัวอักษร)"
    assert point.fields["links"].label == step.fields["links"].label  # "…" is not the site's wording
    assert matches["matched"]["level"]["review"] and {k: o["site"] for k, o in matches["matched"]["level"]["options"].items()} \
        == {"3": "ระดับ 3 (ดี)", "4": "ระดับ 4 (ดีมาก)", "5": "ระดับ 5 (ดีเยี่ยม)"}
    assert "not_taken" not in matches
    _, forms2, matches = drafted(first, "ผลการดำเนินงาน: สรุปผล (ไม่เกิน 3000 ตัวอักษร)", tmp_path / "two")
    assert forms2.forms["point"].step("point").fields["narrative"].label == "ผลการดำเนินงาน: สรุปผล (ไม่เกิน 3000 ตัวอักษร)"
    assert "not_taken" not in matches
    # one option reworded: the field with options is the best match, the fields after it still drafted
    one = {**step.fields["level"].options, "3": "ระดับ 3 (ดี)"}
    _, forms3, matches = drafted(folder, "ผลการดำเนินงาน (สรุป)", tmp_path / "three", one)
    assert list(matches["matched"])[0] == "level" and dict(forms3.forms["point"].step("point").fields["level"].options) == one
    assert forms3.forms["point"].step("point").fields["narrative"].label == "ผลการดำเนินงาน (สรุป)"
