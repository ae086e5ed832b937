"""``discover emes`` on the E-MES stand-in: read only, the sign-in page and every page the push
and the confirmation use as a structure, a screenshot and an ARIA snapshot; a draft config version
with which doctor passes and a push lands every point and file exactly once; on a changed site the
changed fields come out for review or unmatched; no password, session or site data in the folder."""
from __future__ import annotations

import re
import shutil

import pytest
import yaml
from sqlalchemy import select

from tidtam.core.errors import BadInput
from tidtam.core.models import EmesResult
from tidtam.core.push import run
from tidtam.sandbox.emes import DEFAULT_DATA
from tidtam.sandbox.server import run_in_thread
from tidtam.sandbox.site import Site, demo_credentials

from emeskit import R1, assert_every_point_and_file_once, credentials, load_demo, options

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PAGES = {"login", "pages.rounds", "pages.round", "pages.standard", "forms.point.steps.point",
         "forms.works.steps.works", "forms.evidence.steps.evidence"}


@pytest.fixture
def sessions(monkeypatch) -> list:
    """Every session the stand-in opens (in this process): their cookie values and CSRF tokens."""
    opened, new_session = [], Site.new_session

    def recording(self, user=None):
        opened.append(new_session(self, user))
        return opened[-1]
    monkeypatch.setattr(Site, "new_session", recording)
    return opened


def _discover(t, out):
    draft, pages = run.discover(t, credentials(), options("discover"), out, R1)
    return draft, pages, yaml.safe_load((out / "matches.yaml").read_text(encoding="utf-8"))


def test_discover_drafts_a_config_doctor_passes_and_a_push_lands_once(pg_db, emes_target, tmp_path, sessions):
    db = pg_db  # E-MES's whole push on PostgreSQL (the other E-MES push tests run on SQLite)
    shas = load_demo(db, complete=True, folder=tmp_path / "works")
    with run_in_thread("emes") as site:
        t = emes_target(db, site.url)
        draft, pages, matches = _discover(t, tmp_path / "found")
        assert site.admin.writes() == []
        assert set(pages) == PAGES
        for key in PAGES:
            for suffix in (".json", ".aria.yaml"):
                assert (tmp_path / "found/pages" / f"{key}{suffix}").read_text(encoding="utf-8")
            assert (tmp_path / "found/pages" / f"{key}.png").stat().st_size > 5000
        for key in ("login", "forms.point.steps.point", "forms.evidence.steps.evidence"):
            assert matches[key]["unmatched_ours"] == [] and not any(m["review"] for m in matches[key]["matched"].values()), key
        assert sorted(label for _, label in pages["pages.rounds"]["fields"][0]["options"]) == ["2569", "2570"]
        # the draft in place of the version it was drawn from: doctor passes, a push lands once
        shutil.rmtree(t.config.folder)
        shutil.copytree(draft, t.config.folder)
        t = emes_target(db, site.url)
        assert [r for r in run.doctor(t, credentials(), options("doctor"), R1) if not r.ok] == []
        dry = run.dry_run(t, R1, credentials(), options("dry-run"))
        assert {r.state for r in dry.rows} == {"preview"}
        run.approve(t, R1, "นายผู้อำนวยการ ทดสอบ")
        assert run.push(t, R1, credentials(), options(concurrency=2)).failures == []
        _discover(t, tmp_path / "again")  # now the site holds the office's data
        state = site.admin.state()
    assert_every_point_and_file_once(state, db, shas)
    with db.session() as session:
        typed = [r.narrative for r in session.scalars(select(EmesResult)) if r.narrative]
        typed += [w[key] for r in session.scalars(select(EmesResult)) for w in r.works for key in ("title", "video", "file") if w.get(key)]
    _no_secrets(tmp_path / "found", sessions, typed)
    _no_secrets(tmp_path / "again", sessions, typed)


def _no_secrets(folder, sessions, typed) -> None:
    user, password = demo_credentials()
    words = [password, f": {user}", *typed, *(s.sid for s in sessions), *(s.csrf for s in sessions)]
    assert sessions and typed
    text = "\n".join(p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.suffix in (".json", ".yaml"))
    assert [word for word in words if word in text] == []
    assert not re.search(r"[A-Za-z0-9_-]{32,}", text)
    for image in folder.rglob("*.png"):
        assert not [word for word in words if word.encode() in image.read_bytes()]


def _changed_site(tmp_path, change) -> object:
    data = yaml.safe_load(DEFAULT_DATA.read_text(encoding="utf-8"))
    change(data)
    changed = tmp_path / "emes_changed.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return run_in_thread("emes", data_path=changed)


def test_a_changed_site_comes_out_for_review_or_unmatched(emes_target, tmp_path):
    def change(data):
        data["point_form"]["narrative_label"] = "ผลการดำเนินงานตามตัวบ่งชี้"
        data["evidence"]["description_label"] = "ชื่อเอกสารอ้างอิง"
    with _changed_site(tmp_path, change) as site:
        _, _, matches = _discover(emes_target(None, site.url), tmp_path / "found")
        assert site.admin.writes() == []
    narrative = matches["forms.point.steps.point"]["matched"]["narrative"]
    assert narrative["review"] and narrative["site"].startswith("ผลการดำเนินงานตามตัวบ่งชี้") and narrative["confidence"] < 0.98
    evidence = matches["forms.evidence.steps.evidence"]
    assert "description" in evidence["unmatched_ours"] and "ชื่อเอกสารอ้างอิง" in evidence["unmatched_site"]
    unchanged = [m for k, m in matches["forms.point.steps.point"]["matched"].items() if k != "narrative"]
    assert unchanged and not any(m["review"] for m in unchanged)


def test_a_changed_sign_in_form_still_drafts_the_login_and_says_what_to_fix(emes_target, tmp_path):
    with _changed_site(tmp_path, lambda data: data["login"].update(username="ชื่อผู้ใช้งาน")) as site:
        with pytest.raises(BadInput, match="login") as refused:
            run.discover(emes_target(None, site.url), credentials(), options("discover"), tmp_path / "found", R1)
    username = yaml.safe_load((tmp_path / "found/matches.yaml").read_text(encoding="utf-8"))["login"]["matched"]["username"]
    assert username["review"] and username["site"] == "ชื่อผู้ใช้งาน" and username["confidence"] < 0.98
    draft = tmp_path / "found/2026.1-draft/forms.yaml"
    assert str(draft) in str(refused.value) and "username: {label: ชื่อผู้ใช้งาน," in draft.read_text(encoding="utf-8")
