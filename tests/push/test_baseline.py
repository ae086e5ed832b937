"""doctor against the baselines discover keeps (each page's ARIA snapshot in the draft version
folder): an unchanged site differs in nothing; on a changed site (a label and a button renamed)
doctor lists the differences and proposes, for each broken key, a locator matching one element,
as a patch that nothing applies, and which once applied to a copy of the config makes doctor pass."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from tidtam.core.config import Locator
from tidtam.core.forms.baseline import best, differences, ways, with_locator
from tidtam.core.periods import parse_period
from tidtam.core.push import run
from tidtam.sandbox.emenscr import DEFAULT_DATA
from tidtam.sandbox.server import run_in_thread
from tidtam.sandbox.site import demo_credentials

from pushkit import SPA, config_for, credentials, make_target, options

Q1 = parse_period("2570Q1")
PROGRESS = "forms.progress.steps.progress"
BROKEN = {f"{PROGRESS}.fields.problems", f"{PROGRESS}.buttons.save"}


def _doctor(folder, url):
    config_for(folder, url, SPA)
    doctor_options = options("doctor")
    results = run.doctor(make_target(None, folder), credentials(), doctor_options, Q1)
    return ({r.name for r in results if not r.ok}, [r for r in results if r.note], doctor_options.run_dir / "forms.yaml.patch")


@pytest.mark.browser
@pytest.mark.slow
def test_doctor_compares_with_the_baseline_and_proposes_a_patch(tmp_path):
    config = tmp_path / "config"
    with run_in_thread("emenscr", profile="spa", demo_data="office") as site:
        config_for(config, site.url, SPA)
        t = make_target(None, config)
        draft, _ = run.discover(t, credentials(), options("discover"), tmp_path / "found", Q1)
        assert (draft / "baseline" / f"{PROGRESS}.aria.yaml").exists()
        shutil.rmtree(t.config.folder)
        shutil.copytree(draft, t.config.folder)
        failing, notes, patch = _doctor(config, site.url)
        assert failing == set() and notes == [] and not patch.exists()  # unchanged: no differences
    forms = t.config.folder / "forms.yaml"
    before = forms.read_text(encoding="utf-8")
    changed = tmp_path / "emenscr.yaml"
    text = DEFAULT_DATA.read_text(encoding="utf-8")
    changed.write_text(text.replace("ปัญหาอุปสรรคในการดำเนินงาน", "ปัญหาและอุปสรรคในการดำเนินงาน")
                       .replace("save_button: บันทึกผลการดำเนินงาน", "save_button: บันทึกผลรายไตรมาส"), encoding="utf-8")
    with run_in_thread("emenscr", profile="spa", demo_data="office", data_path=changed) as site:
        failing, notes, patch = _doctor(config, site.url)
        assert BROKEN <= failing
        said = {n.name: n.detail for n in notes}
        assert "ปัญหาและอุปสรรคในการดำเนินงาน" in said[PROGRESS] and "บันทึกผลรายไตรมาส" in said[PROGRESS]
        for key in BROKEN:
            assert "(พบ 1 องค์ประกอบ)" in said[key], said[key]
        assert str(patch) in said["ข้อเสนอแก้ forms.yaml"]
        assert forms.read_text(encoding="utf-8") == before  # nothing changed by itself
        diff = patch.read_text(encoding="utf-8")
        assert "+          save: {role: button, name: บันทึกผลรายไตรมาส, saved: *saved}" in diff
        user, password = demo_credentials()
        for secret in (password, user, "นางอุไรวรรณ", "10,920"):  # labels only: no account, no site data
            assert secret not in diff + "".join(said.values()), secret
        patched = tmp_path / "patched"
        shutil.copytree(config, patched)
        subprocess.run(["patch", str(patched / forms.relative_to(config)), str(patch)], check=True, capture_output=True)
        failing, notes, _ = _doctor(patched, site.url)
        assert failing == set()
        assert not any(n.name.startswith(PROGRESS + ".") for n in notes)  # nothing more to propose there
    assert forms.read_text(encoding="utf-8") == before


def test_candidates_rank_role_and_name_before_label_text_and_css():
    facts = {"label": "ชื่อโครงการ *", "text": "", "id": "name", "name": "name", "tag": "input"}
    found = ways("textbox", "ชื่อโครงการ *", facts, "*")
    assert found == [Locator(role="textbox", name="ชื่อโครงการ *"), Locator(label="ชื่อโครงการ"), Locator(css="#name")]
    assert best([(w, 1) for w in found]) == (found[0], 1)  # role first even when css finds one too
    assert best([(found[0], 2), (found[1], 1), (found[2], 1)]) == (found[1], 1)  # two by role: the label
    assert best([(found[0], 2), (found[2], 0)]) == (None, 2)  # none exactly once: no proposal
    button = ways("button", "บันทึก", {"label": "", "text": "บันทึก", "id": "", "name": "go", "tag": "button"}, "*")
    assert button == [Locator(role="button", name="บันทึก"), Locator(text="บันทึก"), Locator(css='button[name="go"]')]


def test_differences_name_what_was_added_removed_and_renamed():
    was = '- main:\n  - textbox "ปัญหา *"\n  - button "บันทึก"\n  - cell "…"\n  - link "ลบ"'
    now = '- main:\n  - textbox "ปัญหาและอุปสรรค *"\n  - button "บันทึก"\n  - cell "…"\n  - cell "…"\n  - button "ส่ง"'
    found = {(d.was, d.now) for d in differences(was, now)}
    assert found == {(("textbox", "ปัญหา *"), ("textbox", "ปัญหาและอุปสรรค *")), (("link", "ลบ"), None), (None, ("button", "ส่ง"))}
    assert differences(was, was) == []


def test_a_proposal_replaces_only_the_ways_of_its_key():
    text = """site:
  errors: &saved {css: p}
forms:
  progress:
    steps:
      - code: progress
        fields:
          status:                # options arrive late
            label: สถานะ
            kind: select
        buttons:
          save: {role: button, name: บันทึก, saved: *saved}   # kept
"""
    key = "forms.progress.steps.progress"
    text = with_locator(text, f"{key}.fields.status", Locator(role="combobox", name="สถานะการดำเนินงาน *"))
    text = with_locator(text, f"{key}.buttons.save", Locator(css="#save, .x"))
    assert text.splitlines()[7:12] == ["          status:                # options arrive late",
                                       "            role: combobox", "            name: สถานะการดำเนินงาน *",
                                       "            kind: select", "        buttons:"]
    assert text.splitlines()[12] == "          save: {css: '#save, .x', saved: *saved}   # kept"


@pytest.mark.browser
def test_a_renamed_element_still_found_and_a_missing_one_each_get_a_candidate(tmp_path):
    """A label matched by its beginning still finds the renamed field: proposed all the same; a
    button found nowhere gets the added button nearest its name; a field with no likely element, none."""
    import asyncio

    from tidtam.core.forms.baseline import compare
    from tidtam.core.forms.schema import Step
    from tidtam.core.push.browser import chromium

    step = Step.model_validate({"code": "s", "fields": {"name": {"label": "ชื่อ", "match": "prefix"}, "gone": {"label": "อีเมล"}},
                                "buttons": {"save": {"role": "button", "name": "บันทึก"}}})
    baseline = '- textbox "ชื่อ *"\n- textbox "อีเมล"\n- button "บันทึก"'
    html = '<label for=n>ชื่อโครงการ *</label><input id=n><button>บันทึกข้อมูล</button><button>ยกเลิก</button>'

    async def go():
        async with chromium(tmp_path) as browser:
            page = await browser.new_page()
            await page.set_content(html)
            live = await page.locator("body").aria_snapshot()
            return await compare(page, "forms.f.steps.s", step, baseline, live, {"forms.f.steps.s.buttons.save",
                                                                                  "forms.f.steps.s.fields.gone"}, "*")
    drift = asyncio.run(go())
    proposed = {p.key.rsplit(".", 1)[1]: (p.new, p.count) for p in drift.proposals}
    assert proposed == {"name": (Locator(role="textbox", name="ชื่อโครงการ *"), 1),
                        "save": (Locator(role="button", name="บันทึกข้อมูล"), 1), "gone": (None, 0)}
