"""``discover emenscr`` on both profiles of the stand-in: read only, per page a structure, a
screenshot and an ARIA snapshot, and a draft config version with which doctor passes and a push
lands each record once (classic on SQLite, spa on PostgreSQL); on a changed site the changed fields come out for
review or unmatched; no password, token or site data in the folder."""
from __future__ import annotations

import os
import re
import shutil

import pytest
import yaml
from sqlalchemy import select

from tidtam.core.models import Project
from tidtam.core.office_data import office_words
from tidtam.core.periods import parse_period
from tidtam.core.push import run
from tidtam.sandbox.emenscr import DEFAULT_DATA
from tidtam.sandbox.server import run_in_thread
from tidtam.sandbox.site import demo_credentials

from pushkit import SPA, config_for, credentials, load_demo, make_target, options
from test_push_flow import _approve, _progress_writes

Q1 = parse_period("2570Q1")
pytestmark = pytest.mark.browser
PAGES = {"login", "pages.projects", "forms.progress.steps.progress", "pages.project",
         *(f"forms.project_entry.steps.M{n}" for n in range(1, 6))}


def _discover(tmp_path, profile: str, version: str, db=None, **knobs):
    """Discover on the stand-in; with ``db``, the draft then takes the version's place: doctor
    passes with it and a push of two progress reports lands each once."""
    with run_in_thread("emenscr", profile=profile, demo_data="office", **knobs) as site:
        folder = config_for(tmp_path / "config", site.url, version)
        os.environ["TIDTAM_CONFIG_DIR"] = str(folder)  # put back by conftest's isolated_env after the test
        if db is not None:
            load_demo(db, keep=2)
        t = make_target(db, folder)
        out = tmp_path / "found"
        draft, pages = run.discover(t, credentials(), options("discover"), out, Q1)
        assert site.admin.state()["writes"] == []
        if db is not None:
            shutil.rmtree(t.config.folder)
            shutil.copytree(draft, t.config.folder)
            t = make_target(db, folder)
            assert [r for r in run.doctor(t, credentials(), options("doctor"), Q1) if not r.ok] == []
            run.dry_run(t, Q1, credentials(), options("dry-run"))
            _approve(t)
            assert run.push(t, Q1, credentials(), options()).counts == {"submitted": 2}
            assert sorted(_progress_writes(site).values()) == [1, 1]
    return out, pages, yaml.safe_load((out / "matches.yaml").read_text(encoding="utf-8"))


# each profile on one database, each database once (CI's time budget): the push with the draft is the
# same engine and ledger whichever profile drew the draft
@pytest.mark.parametrize("profile,version,database", [("classic", "2026.1", "sqlite_db"), ("spa", SPA, "pg_db")])
def test_discover_writes_every_page_and_a_draft_doctor_and_a_push_work_with(request, tmp_path, profile, version, database):
    db = request.getfixturevalue(database)
    out, pages, matches = _discover(tmp_path, profile, version, db)
    assert set(pages) == PAGES
    for key in PAGES:
        assert (out / "pages" / f"{key}.png").stat().st_size > 5000
        aria = (out / "pages" / f"{key}.aria.yaml").read_text(encoding="utf-8")
        assert "textbox" in aria or "combobox" in aria or key.startswith("pages.")
    progress = matches["forms.progress.steps.progress"]
    assert progress["unmatched_ours"] == [] and not any(m["review"] for m in progress["matched"].values())
    assert {m["kind"] for m in matches["forms.project_entry.steps.M2"]["matched"].values()} == {"select"}
    status = next(f for f in pages["forms.progress.steps.progress"]["fields"] if f["name"] == "status")
    assert [label for _, label in status["options"]][:2] == ["ยังไม่เริ่ม", "อยู่ระหว่างดำเนินการ"]  # late options waited for
    # nothing of the account or the site's data: labels and option lists only
    user, password = demo_credentials()
    found = "\n".join(p.read_text(encoding="utf-8") for p in (out / "pages").rglob("*") if p.suffix in (".json", ".yaml"))
    found += (out / "matches.yaml").read_text(encoding="utf-8")
    for secret in (password, f": {user}", "ผู้ใช้: demo", "eyJ", "Bearer", "นางอุไรวรรณ", "10,920"):
        assert secret not in found, secret
    # the office's projects as the site shows them back: codes, names, activities, KPIs, people
    with db.session() as session:
        typed = office_words(session, "DEMO01")
        amounts = {f"{p.total_budget:,.2f}" for p in session.scalars(select(Project)) if p.total_budget >= 1000}
    assert len(typed) > 50 and [word for word in typed if word in found] == []
    assert len(amounts) > 3 and [amount for amount in amounts if amount in found] == []  # the budget legend's figure
    assert not re.search(r"[A-Za-z0-9_-]{32,}", found)  # no session id, CSRF or bearer token
    for binary in out.rglob("*.png"):
        assert password.encode() not in binary.read_bytes()


def test_a_changed_site_comes_out_for_review_or_unmatched(tmp_path):
    changed = tmp_path / "emenscr.yaml"
    text = DEFAULT_DATA.read_text(encoding="utf-8")
    assert "ปัญหาอุปสรรคในการดำเนินงาน" in text and "ชื่อโครงการ" in text
    text = text.replace("ปัญหาอุปสรรคในการดำเนินงาน", "ปัญหาและอุปสรรคในการดำเนินงาน").replace("label: ชื่อโครงการ", "label: หัวข้อที่ขอรับงบ")
    text = text.replace("statuses: [ยังไม่เริ่ม, อยู่ระหว่างดำเนินการ,", "statuses: [ยังไม่เริ่ม, กำลังดำเนินการ,")
    changed.write_text(text, encoding="utf-8")
    out, _, matches = _discover(tmp_path, "spa", SPA, data_path=changed)
    problems = matches["forms.progress.steps.progress"]["matched"]["problems"]
    assert problems["review"] and problems["site"] == "ปัญหาและอุปสรรคในการดำเนินงาน" and problems["confidence"] < 0.98
    m1 = matches["forms.project_entry.steps.M1"]
    assert "name" in m1["unmatched_ours"] and "หัวข้อที่ขอรับงบ" in m1["unmatched_site"]
    status = matches["forms.progress.steps.progress"]["matched"]["status"]  # an option reworded: taken, for review
    assert status["review"] and status["options"] == {"in_progress": {"ours": "อยู่ระหว่างดำเนินการ", "site": "กำลังดำเนินการ",
                                                                      "confidence": status["options"]["in_progress"]["confidence"]}}
    drafted = yaml.safe_load((out / f"{SPA}-draft" / "forms.yaml").read_text(encoding="utf-8"))
    (progress,) = drafted["forms"]["progress"]["steps"]
    assert progress["fields"]["status"]["options"]["in_progress"] == "กำลังดำเนินการ"
    assert progress["fields"]["problems"]["label"] == "ปัญหาและอุปสรรคในการดำเนินงาน"
    unchanged = [m for k, m in matches["forms.progress.steps.progress"]["matched"].items() if k not in ("problems", "status")]
    assert unchanged and not any(m["review"] for m in unchanged)
