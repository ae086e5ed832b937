"""A replica built from ``discover emenscr`` (``sandbox emenscr --data <folder>``): discover a changed
site, serve the replica from its folder, and the office's rehearsal — doctor, dry-run, approval and
push with the draft config — lands every record exactly once; the replica holds no site data."""
from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest
import yaml
from sqlalchemy import select

from tidtam.core.models import Submission, SubmissionState as S
from tidtam.core.periods import parse_period
from tidtam.core.push import run
from tidtam.sandbox.emenscr import DEFAULT_DATA
from tidtam.sandbox.replica import replica_data
from tidtam.sandbox.server import run_in_thread
from tidtam.sandbox.site import load_yaml

from pushkit import SPA, config_for, credentials, drop_projects, load_demo, make_target, options

Q1 = parse_period("2570Q1")
ABSENT = {"2570-061"}  # the one project to enter: through every step and the send
CHANGES = {"label: ผู้รับผิดชอบโครงการ": "label: ผู้รับผิดชอบหลักของโครงการ",
           "problems_label: ปัญหาอุปสรรคในการดำเนินงาน": "problems_label: ปัญหาและอุปสรรคในการดำเนินงาน",
           "โครงการต่อเนื่อง, งานประจำ]": "โครงการต่อเนื่อง, งานประจำตามภารกิจ]"}


def _changed_site(tmp_path):
    text = DEFAULT_DATA.read_text(encoding="utf-8")
    for old, new in CHANGES.items():
        assert old in text, old
        text = text.replace(old, new)
    (tmp_path / "changed.yaml").write_text(text, encoding="utf-8")
    return tmp_path / "changed.yaml"


@pytest.mark.browser
@pytest.mark.slow
# The spa profile on SQLite: the real site is drawn by script (DOMAIN.md); the classic profile's
# forms take discover, doctor and a push in test_discover, and spa's discover push runs there on
# PostgreSQL (one database per browser-heavy test, for CI's time budget).
@pytest.mark.parametrize("profile,version", [("spa", SPA)])
def test_a_replica_built_from_discover_takes_a_full_rehearsal(sqlite_db, tmp_path, monkeypatch, profile, version):
    db = sqlite_db
    load_demo(db, keep=2)
    drop_projects(db, ["2570-062", "2570-064", "2570-068"])
    out, folder = tmp_path / "found", tmp_path / "config"
    with run_in_thread("emenscr", profile=profile, demo_data="office", data_path=_changed_site(tmp_path)) as site:
        draft, _ = run.discover(make_target(None, config_for(folder, site.url, version)), credentials(), options("discover"), out, Q1)
    replica = replica_data(out, load_yaml(DEFAULT_DATA))
    m1 = {f["name"]: f for f in replica["steps"][0]["fields"]}
    assert m1["owner"]["label"] == "ผู้รับผิดชอบหลักของโครงการ" and "pattern" not in m1["code"]
    assert [o["label"] for o in m1["project_type"]["options"]][-1] == "งานประจำตามภารกิจ"
    shutil.rmtree(folder / "targets/emenscr" / version)
    shutil.copytree(draft, folder / "targets/emenscr" / version)  # the office took the draft as its version
    with run_in_thread("emenscr", profile=profile, demo_data="office", data_path=out) as stand_in:
        monkeypatch.setenv("TIDTAM_CONFIG_DIR", str(config_for(folder, stand_in.url, version)))
        t = make_target(db, folder)
        assert [(r.name, r.detail) for r in run.doctor(t, credentials(), options("doctor"), Q1) if not r.ok] == []
        preview = run.dry_run(t, Q1, credentials(), options("dry-run", new_projects=True))
        assert {r.state for r in preview.rows} == {"preview"}, [(r.payload.record_key, r.errors) for r in preview.rows]
        run.approve(t, Q1, "นายผู้อำนวยการ ทดสอบ")
        result = run.push(t, Q1, credentials(), options(concurrency=2))
        assert result.failures == [], result.failures
        state = stand_in.admin.state()
    writes = Counter(("project.create", w["data"]["code"]) if w["action"] == "project.create"
                     else (w["action"], json.dumps(w["target"], sort_keys=True)) for w in state["writes"])
    assert {key for key, n in writes.items() if n > 1} == set(), writes
    assert Counter(action for action, _ in writes) == {"project.create": 1, "project.step.save": 4, "project.send": 1,
                                                       "progress.save": 2}
    with db.session() as session:
        assert {row.state for row in session.scalars(select(Submission))} == {S.SUBMITTED}


def test_the_replica_description_holds_no_site_data(tmp_path):
    """What a page shows of a project (its code in the title, its activities in the progress form's
    labels, a step link's saved mark) never reaches the replica: labels and options only."""
    progress = {"key": "forms.progress.steps.progress", "title": "รายงานผล - 2570-067", "navigation": [],
                "buttons": ["บันทึกผลการดำเนินงาน"],
                "fields": [{"label": "ความก้าวหน้ากิจกรรมที่ 1: เปลี่ยนหลอดไฟ (ร้อยละ)", "kind": "text", "name": "a", "required": True},
                           {"label": "ผลการเบิกจ่าย เดือน ต.ค. 2569 (บาท)", "kind": "text", "name": "d", "required": True},
                           {"label": "สถานะ", "kind": "select", "name": "s", "required": True,
                            "options": [["1", "ยังไม่เริ่ม"], ["2", "เสร็จแล้ว"]]}]}
    project = {"key": "pages.project", "title": "2570-067 โครงการประหยัดพลังงาน", "fields": [],
               "buttons": ["ส่งโครงการ (M7)"], "navigation": ["M2 ความสอดคล้อง ✓", "M1 ข้อมูลทั่วไป ✓"]}
    (tmp_path / "pages").mkdir()
    for page in (progress, project):
        (tmp_path / "pages" / f"{page['key']}.json").write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
    matched = {"activities.columns.percent": {"site": progress["fields"][0]["label"]},
               "disbursed": {"site": progress["fields"][1]["label"]}, "status": {"site": "สถานะ"}}
    (tmp_path / "matches.yaml").write_text(yaml.safe_dump({"forms.progress.steps.progress": {
        "matched": matched, "unmatched_ours": [], "unmatched_site": []}}, allow_unicode=True), encoding="utf-8")
    replica = replica_data(tmp_path, load_yaml(DEFAULT_DATA))
    text = yaml.safe_dump(replica, allow_unicode=True)
    for data in ("2570-067", "เปลี่ยนหลอดไฟ", "ประหยัดพลังงาน", "ต.ค. 2569", "✓"):
        assert data not in text, data
    assert replica["progress"]["statuses"] == ["ยังไม่เริ่ม", "เสร็จแล้ว"] and replica["progress"]["status_label"] == "สถานะ"
    assert [s["code"] for s in replica["steps"]][:2] == ["M2", "M1"] and replica["send"]["button"] == "ส่งโครงการ (M7)"


def test_the_command_takes_only_a_discover_folder_and_only_for_emenscr(tmp_path):
    from click.testing import CliRunner

    from tidtam.sandbox.cli import sandbox

    runner = CliRunner()
    not_discover = runner.invoke(sandbox, ["emenscr", "--data", str(tmp_path)])
    assert not_discover.exit_code == 2 and "matches.yaml" in not_discover.output and "discover emenscr" in not_discover.output
    emes = runner.invoke(sandbox, ["emes", "--data", str(tmp_path)])
    assert emes.exit_code == 2 and "emenscr เท่านั้น" in emes.output
