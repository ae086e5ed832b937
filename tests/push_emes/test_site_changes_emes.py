"""E-MES changed under us, repaired by config alone — the same four steps as eMENSCR's
(tests/push/test_site_changes.py): doctor names the key, the dry-run lets nothing through to an
approval, forms.yaml alone is edited, then doctor passes and a push lands every point and
file exactly once. E-MES has no wizard, so a moved field and reordered steps are eMENSCR's cases;
here: a label reworded, a level's wording changed, a new required field, a renamed button, a login
label with a trailing colon."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest
import yaml

from tidtam.core.errors import UserError
from tidtam.core.push import run
from tidtam.sandbox.emes import DEFAULT_DATA
from tidtam.sandbox.server import run_in_thread

from emeskit import R1, assert_every_point_and_file_once, attach, credentials, image_bytes, load_demo, options

POINT = "forms.point.steps.point"
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass(frozen=True)
class Change:
    id: str
    site: Callable[[dict], None]
    keys: set[str]
    repair: Callable[[str], str]
    push: bool = True  # False: ends at a ready dry-run, which already signs in and fills every form


def _replace(old: str, new: str):
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new)
    return edit


def _level(label: str):
    def edit(data: dict) -> None:
        next(lv for lv in data["point_form"]["levels"] if lv["value"] == "3")["label"] = label
    return edit


CHANGES = [
    Change("label_reworded", lambda d: d["point_form"].update(narrative_label="ผลการดำเนินงานตามตัวบ่งชี้"),
           {f"{POINT}.fields.narrative"},
           _replace("narrative: {label: ผลการดำเนินงาน (ไม่เกิน 3000 ตัวอักษร)", "narrative: {label: ผลการดำเนินงานตามตัวบ่งชี้ (ไม่เกิน 3000 ตัวอักษร)"), push=False),
    Change("option_reworded", _level("ระดับ 3 (ดี)"), {f"{POINT}.fields.level.options.3"},
           _replace('"3": ระดับ 3 ดี', '"3": ระดับ 3 (ดี)')),
    Change("new_required_field",
           lambda d: d["point_form"].update(extra_fields=[{"name": "reporter", "label": "ผู้รายงาน", "required": True}]),
           {f"{POINT}.fields"},
           _replace("          links:", "          reporter: {label: ผู้รายงาน, required: true, value: owner}\n          links:")),
    Change("button_renamed", lambda d: d["point_form"].update(save_button="บันทึกผลประเด็นการพิจารณา"),
           {f"{POINT}.buttons.save"},
           _replace("save: {role: button, name: บันทึกข้อมูลประเด็นการพิจารณา,", "save: {role: button, name: บันทึกผลประเด็นการพิจารณา,")),
    Change("login_label_with_a_colon", lambda d: d["login"].update(password="รหัสผ่าน:"),
           {"login.fields.password"}, _replace("password: {label: รหัสผ่าน,", 'password: {label: "รหัสผ่าน:",'), push=False),
]


def _failing(results) -> dict[str, str]:
    return {r.name: r.detail for r in results if not r.ok}


ON_POSTGRESQL = "option_reworded"  # this one runs on PostgreSQL, the others on SQLite


@pytest.mark.parametrize("change", CHANGES, ids=[c.id for c in CHANGES])
def test_a_changed_site_is_found_refused_and_repaired_by_config_alone(change, request, emes_target, tmp_path):
    db = request.getfixturevalue("pg_db" if change.id == ON_POSTGRESQL else "sqlite_db")
    _found_refused_repaired(change, db, emes_target, tmp_path)


def _found_refused_repaired(change, db, emes_target, tmp_path) -> None:
    data = yaml.safe_load(DEFAULT_DATA.read_text(encoding="utf-8"))
    change.site(data)
    changed = tmp_path / "emes_changed.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shas = load_demo(db, complete=True, folder=tmp_path / "works")
    shas[attach(db, "1.1.3", "แผนปฏิบัติราชการ.pdf", image_bytes("pdf", seed=7), tmp_path / "in")] = "1.1.3"
    with run_in_thread("emes", data_path=changed) as site:
        t = emes_target(db, site.url)
        failing = _failing(run.doctor(t, credentials(), options("doctor")))
        assert change.keys <= set(failing), failing
        try:
            preview = run.dry_run(t, R1, credentials(), options("dry-run"))
        except Exception as exc:  # cannot log in: says which key, nothing previewed
            assert "forms.yaml" in str(exc) or "login" in str(exc), exc
        else:
            assert any(r.state in ("invalid", "error") for r in preview.rows)
        with pytest.raises(UserError):
            run.approve(t, R1, "นายผู้อำนวยการ ทดสอบ")
        forms = t.config.folder / "forms.yaml"
        forms.write_text(change.repair(forms.read_text(encoding="utf-8")), encoding="utf-8")
        t = emes_target(db, site.url)
        assert _failing(run.doctor(t, credentials(), options("doctor"))) == {}
        preview = run.dry_run(t, R1, credentials(), options("dry-run"))
        assert {r.state for r in preview.rows} == {"preview"}, [(r.payload.record_key, r.errors) for r in preview.rows if r.errors]
        if not change.push:
            assert site.admin.writes() == []
            return
        run.approve(t, R1, "นายผู้อำนวยการ ทดสอบ")
        result = run.push(t, R1, credentials(), options())
        assert result.failures == [], result.failures
        state = site.admin.state()
    assert_every_point_and_file_once(state, db, shas)
