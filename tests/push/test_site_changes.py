"""eMENSCR changed under us, repaired by config alone.

Each case is a changed copy of the stand-in's own page description (sandbox/data/emenscr.yaml,
served with --data), designed after what real sites do: a label reworded, an option's wording
changed, a field moved to another step, a new required field, a renamed button, the steps
reordered, a login label with a trailing colon. For each, on the changed site:
1. ``doctor`` fails and names the forms.yaml key to edit;
2. the dry-run does not let the change through to an approval (its records are not ready, or it
   cannot log in) — so the director is never asked to approve what would fail;
3. the test edits forms.yaml alone (a copy of config/, as an office would);
4. ``doctor`` passes, the dry-run is all ready, and after approval a push lands every record
   exactly once, read back from the stand-in.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable

import pytest
import yaml
from sqlalchemy import select

from tidtam.core.errors import UserError
from tidtam.core.models import Submission, SubmissionState as S
from tidtam.core.periods import parse_period
from tidtam.core.push import run
from tidtam.sandbox.emenscr import DEFAULT_DATA
from tidtam.sandbox.server import run_in_thread

from pushkit import credentials, drop_projects, load_demo, options

Q1 = parse_period("2570Q1")
ABSENT = {"2570-061"}  # the stand-in lacks four of the office's projects; the test's office keeps this one
ENTRY, PROGRESS = "forms.project_entry.steps", "forms.progress.steps.progress"
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass(frozen=True)
class Change:
    id: str
    site: Callable[[dict], None]  # edits the stand-in's page description
    keys: set[str]  # forms.yaml keys doctor must name among its failures
    repair: Callable[[str], str]  # the office's edit of forms.yaml's text
    # whether step 4 pushes: a change the dry-run already goes through (it signs in, opens and
    # fills every form with the same locators) ends at a ready dry-run, for CI's time budget
    push: bool = True


def _step(data: dict, code: str) -> dict:
    return next(s for s in data["steps"] if s["code"] == code)


def _field(data: dict, code: str, name: str) -> dict:
    return next(f for f in _step(data, code)["fields"] if f["name"] == name)


def _replace(old: str, new: str, count: int = 1):
    def edit(text: str) -> str:
        assert text.count(old) >= count, old
        return text.replace(old, new)
    return edit


def _move_line(starting: str, after: str):
    """Move the forms.yaml line that starts with ``starting`` to just after the line starting with ``after``."""
    def edit(text: str) -> str:
        lines = text.split("\n")
        line = next(x for x in lines if x.strip().startswith(starting))
        lines.remove(line)
        at = next(i for i, x in enumerate(lines) if x.strip().startswith(after))
        return "\n".join(lines[:at + 1] + [line] + lines[at + 1:])
    return edit


def _swap_steps(first: str, second: str):
    """Swap two step blocks of forms.project_entry (each from "- code: X" to the next step)."""
    def edit(text: str) -> str:
        lines = text.split("\n")
        start = lambda code: next(i for i, x in enumerate(lines) if x.strip() == f"- code: {code}")  # noqa: E731
        a, b = start(first), start(second)
        end = next((i for i, x in enumerate(lines) if i > b and (x.strip().startswith("- code:") or not x.startswith("   "))), len(lines))
        block_a, block_b = lines[a:b], lines[b:end]
        return "\n".join(lines[:a] + block_b + block_a + lines[end:])
    return edit


def _add_required_email(data: dict) -> None:
    fields = _step(data, "M1")["fields"]
    at = fields.index(_field(data, "M1", "phone")) + 1
    fields.insert(at, {"name": "email", "label": "อีเมลผู้รับผิดชอบ", "type": "text", "required": True,
                       "pattern": r"[^@\s]+@[^@\s]+", "pattern_message": "รูปแบบอีเมลไม่ถูกต้อง"})


def _move_phone_to_m3(data: dict) -> None:
    phone = _field(data, "M1", "phone")
    _step(data, "M1")["fields"].remove(phone)
    _step(data, "M3")["fields"].insert(3, phone)


def _reorder(data: dict) -> None:
    steps = data["steps"]
    i, j = steps.index(_step(data, "M2")), steps.index(_step(data, "M3"))
    steps[i], steps[j] = steps[j], steps[i]


CHANGES = [
    Change("label_reworded", lambda d: _field(d, "M1", "name").update(label="ชื่อโครงการ/กิจกรรมหลัก"),
           {f"{ENTRY}.M1.fields.name"},
           _replace("name: {label: ชื่อโครงการ, required: true", "name: {label: ชื่อโครงการ/กิจกรรมหลัก, required: true"),
           push=False),
    Change("option_reworded",
           lambda d: d["progress"].update(statuses=["ยังไม่เริ่ม", "กำลังดำเนินการ", "ดำเนินการแล้วเสร็จ", "ยกเลิก"]),
           {f"{PROGRESS}.fields.status.options.in_progress"},
           _replace("in_progress: อยู่ระหว่างดำเนินการ", "in_progress: กำลังดำเนินการ")),
    Change("field_moved_to_another_step", _move_phone_to_m3,
           {f"{ENTRY}.M1.fields.phone", f"{ENTRY}.M3.fields"},
           _move_line("phone:", "target_groups:")),
    Change("new_required_field", _add_required_email, {f"{ENTRY}.M1.fields"},
           _replace("          start_date:", "          email: {label: อีเมลผู้รับผิดชอบ, required: true, value: owner.email}\n"
                                              "          start_date:")),
    Change("button_renamed", lambda d: d.update(step_save_button="บันทึกและดำเนินการต่อ"),
           {f"{ENTRY}.M1.buttons.save", f"{ENTRY}.M5.buttons.save"},
           _replace("save: {role: button, name: บันทึกและไปขั้นตอนถัดไป}", "save: {role: button, name: บันทึกและดำเนินการต่อ}", 5)),
    Change("steps_reordered", _reorder, {"forms.project_entry.steps"}, _swap_steps("M2", "M3")),
    Change("login_label_with_a_colon", lambda d: d["login"].update(username="ชื่อผู้ใช้:"),
           {"login.fields.username"}, _replace("username: {label: ชื่อผู้ใช้,", 'username: {label: "ชื่อผู้ใช้:",'), push=False),
]


def _failing(results) -> dict[str, str]:
    return {r.name: r.detail for r in results if not r.ok}


ON_POSTGRESQL = "new_required_field"  # this one runs on PostgreSQL, the others on SQLite


@pytest.mark.parametrize("change", CHANGES, ids=[c.id for c in CHANGES])
def test_a_changed_site_is_found_refused_and_repaired_by_config_alone(change, request, target_of, tmp_path):
    db = request.getfixturevalue("pg_db" if change.id == ON_POSTGRESQL else "sqlite_db")
    _found_refused_repaired(change, db, target_of, tmp_path)


def _found_refused_repaired(change, db, target_of, tmp_path) -> None:
    data = yaml.safe_load(DEFAULT_DATA.read_text(encoding="utf-8"))
    change.site(data)
    changed = tmp_path / "emenscr_changed.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_demo(db, keep=2)
    drop_projects(db, ["2570-062", "2570-064", "2570-068"])  # one project to enter goes through every step
    with run_in_thread("emenscr", demo_data="office", data_path=changed) as stand_in:
        t = target_of(db, stand_in.url)
        # 1. doctor names the key
        failing = _failing(run.doctor(t, credentials(), options("doctor")))
        assert change.keys <= set(failing), failing
        assert all(detail for key, detail in failing.items() if key in change.keys)
        # 2. nothing of it reaches an approval
        try:
            preview = run.dry_run(t, Q1, credentials(), options("dry-run", new_projects=True))
        except Exception as exc:  # cannot even log in: says which key, nothing previewed
            assert "forms.yaml" in str(exc) or "login" in str(exc), exc
        else:
            assert any(r.state in ("invalid", "error") for r in preview.rows), [(r.payload.record_key, r.state) for r in preview.rows]
        with pytest.raises(UserError):
            run.approve(t, Q1, "นายผู้อำนวยการ ทดสอบ")
        # 3. the office edits forms.yaml, nothing else
        forms = t.config.folder / "forms.yaml"
        forms.write_text(change.repair(forms.read_text(encoding="utf-8")), encoding="utf-8")
        t = target_of(db, stand_in.url)
        # 4. doctor passes; the dry-run is ready; the push lands every record once
        assert _failing(run.doctor(t, credentials(), options("doctor"))) == {}
        preview = run.dry_run(t, Q1, credentials(), options("dry-run", new_projects=True))
        assert {r.state for r in preview.rows} == {"preview"}, [(r.payload.record_key, r.errors) for r in preview.rows if r.errors]
        if not change.push:
            assert stand_in.admin.writes() == []
            return
        run.approve(t, Q1, "นายผู้อำนวยการ ทดสอบ")
        result = run.push(t, Q1, credentials(), options(concurrency=2))
        assert result.failures == [], result.failures
        state = stand_in.admin.state()
    def what(write: dict) -> tuple:  # one saved thing: a project's create (by code), a step, a send, a quarter
        if write["action"] == "project.create":
            return ("project.create", write["data"]["code"])
        return (write["action"], *sorted(write["target"].items()))
    writes = Counter(what(w) for w in state["writes"])
    assert {key for key, n in writes.items() if n > 1} == set(), writes  # nothing twice
    assert {key[1] for key in writes if key[0] == "project.create"} == ABSENT
    assert sum(1 for key in writes if key[0] == "project.step.save") == 4 * len(ABSENT)
    assert sum(1 for key in writes if key[0] == "project.send") == len(ABSENT)
    assert sum(1 for key in writes if key[0] == "progress.save") == 2
    with db.session() as session:
        assert {row.state for row in session.scalars(select(Submission))} == {S.SUBMITTED}


def test_the_cli_names_the_file_and_key_and_never_offers_an_approval_it_would_refuse(sqlite_db, target_of, tmp_path, monkeypatch):
    """What a person sees: doctor prints forms.yaml › key with what the page has instead and exits 4;
    the dry-run lists every problem and does not say "next: approve"; approve refuses, naming the record."""
    from click.testing import CliRunner

    from tidtam.cli import main

    data = yaml.safe_load(DEFAULT_DATA.read_text(encoding="utf-8"))
    CHANGES[0].site(data)  # the M1 label "ชื่อโครงการ" reworded
    changed = tmp_path / "emenscr_changed.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_demo(sqlite_db, keep=1)
    user = credentials()
    monkeypatch.setenv("TIDTAM_EMENSCR_USERNAME", user.username)
    monkeypatch.setenv("TIDTAM_EMENSCR_PASSWORD", user.password.reveal())
    cli = lambda *args: CliRunner().invoke(main, ["--db", str(sqlite_db.url.database), *args])  # noqa: E731
    with run_in_thread("emenscr", demo_data="office", data_path=changed) as stand_in:
        t = target_of(sqlite_db, stand_in.url)
        doctor = cli("doctor", "emenscr", "--period", "2570Q1")
        assert doctor.exit_code == 4, doctor.output
        assert f"{t.config.folder / 'forms.yaml'} › forms.project_entry.steps.M1.fields.name:" in doctor.output
        assert "ชื่อโครงการ/กิจกรรมหลัก" in doctor.output and "Traceback" not in doctor.output
        dry = cli("push", "emenscr", "--period", "2570Q1", "--dry-run", "--new-projects")
        assert dry.exit_code == 3, dry.output
        assert "ยังไม่พร้อมขออนุมัติ" in dry.output and "ต่อไป: python cli.py approve" not in dry.output
        assert "forms.project_entry.steps.M1.fields" in dry.output
        refused = cli("approve", "emenscr", "--period", "2570Q1", "--by", "นายผู้อำนวยการ ทดสอบ")
        assert refused.exit_code == 3 and "ตัวอย่างก่อนส่งพบปัญหา" in refused.output and "project:2570-061" in refused.output
