"""The push on the eMENSCR stand-in's Keycloak + JavaScript profile ("spa") with config alone
(forms version 2027.1-spa), in real Chromium: saves judged by the app's data-status (no
navigation), options that arrive late, a send that stays on the page, the site's inline messages
read back as a refusal, access tokens that expire many times mid-push, kill -9 mid-push; on
SQLite and PostgreSQL."""
from __future__ import annotations

import os
import random
import subprocess
from collections import Counter

import pytest
from sqlalchemy import select

from tidtam.core.models import Project, ProjectProgress, ProgressStatus, Submission, SubmissionState as S
from tidtam.core.periods import parse_period
from tidtam.core.push import run
from tidtam.sandbox.server import run_in_thread, start_subprocess

from pushkit import SPA, config_for, credentials, load_demo, make_target, options, push_command
from test_push_entry import ABSENT, add_q1_report, assert_entered_once
from test_push_flow import _approve, _progress_writes

Q1 = parse_period("2570Q1")
pytestmark = pytest.mark.browser
KILL_POINTS = int(os.environ.get("TIDTAM_SPA_KILL_POINTS", "4"))


def spa_target(db, url: str, folder):
    os.environ["TIDTAM_CONFIG_DIR"] = str(folder)  # put back by conftest's isolated_env after the test
    return make_target(db, config_for(folder, url, SPA))


def sign_ins(stand_in) -> Counter:
    return Counter(stand_in.admin.state()["sign_in"]["counts"])


def test_a_full_push_lands_every_record_once_while_tokens_expire_mid_push(sqlite_db, tmp_path, monkeypatch):
    """Progress of 6 projects, 4 projects entered (M1–M5, every select's options late) and sent
    (M7, a fetch: the page stays), with access tokens living 2 s: the app renews them itself,
    the read-back through the bearer API renews them by loading the app. The password is typed
    once per run."""
    db = sqlite_db  # one database per browser-heavy spa test (CI's time); the kill test runs on PostgreSQL
    load_demo(db, keep=6)
    with run_in_thread("emenscr", profile="spa", demo_data="office", token_ttl=2, options_delay_ms=300) as spa:
        t = spa_target(db, spa.url, tmp_path / "config")
        dry = run.dry_run(t, Q1, credentials(), options("dry-run", new_projects=True))
        assert {r.state for r in dry.rows} == {"preview"}, [(r.payload.record_key, r.errors) for r in dry.rows]
        assert spa.admin.writes() == []
        _approve(t)
        before = sign_ins(spa)
        result = run.push(t, Q1, credentials(), options(concurrency=2))
        assert result.counts == {"submitted": 6 + 2 * len(ABSENT)} and result.failures == [], (result.counts, result.failures)
        after = sign_ins(spa) - before
        assert after["logins"] == 1 and after["tokens.refresh_token"] >= 3, after
        writes = _progress_writes(spa)
        assert len(writes) == 6 and set(writes.values()) == {1}
        assert_entered_once(spa.admin.state(), t)
        again = run.push(t, Q1, credentials(), options())  # everything is read back as held: nothing sent again
        assert again.counts == result.counts and len(spa.admin.writes("progress.save")) == 6
        assert_entered_once(spa.admin.state(), t)


def test_the_sites_inline_message_is_the_failure_and_the_other_records_land(sqlite_db, tmp_path, monkeypatch):
    """A rule the site knows and our checks do not (here: our checks switched off): the save is
    answered 422, the app shows the message beside the field, and the push reports it, naming
    the field and where our value came from."""
    monkeypatch.setattr("tidtam.plugins.emenscr.validate.validate", lambda *args, **kwargs: [])
    load_demo(sqlite_db, keep=3)
    with sqlite_db.session() as session:
        first = session.scalars(select(ProjectProgress).join(Project).order_by(Project.code)).first()
        first.status = ProgressStatus.COMPLETED  # with activities below 100: the site refuses
    with run_in_thread("emenscr", profile="spa", demo_data="office") as spa:
        t = spa_target(sqlite_db, spa.url, tmp_path / "config")
        run.dry_run(t, Q1, credentials(), options("dry-run"))
        _approve(t)
        result = run.push(t, Q1, credentials(), options())
        assert result.counts == {"submitted": 2, "failed": 1}
        [(record, action, error)] = result.failures
        assert record == "project:2570-001" and "สถานะการดำเนินงาน" in error and "ร้อยละ 100" in error
        assert "แก้ข้อมูลต้นทาง" in error
        assert len(_progress_writes(spa)) == 2


def test_a_project_not_yet_approved_is_said_in_the_sites_words(sqlite_db, tmp_path):
    """The app's page for a project it will not take a report for (409) says why in an alert and
    links back home: the failure quotes the alert, not the link."""
    load_demo(sqlite_db, keep=0)
    add_q1_report(sqlite_db, "2570-003")
    with run_in_thread("emenscr", profile="spa") as spa:  # its 2570-003 is a draft
        t = spa_target(sqlite_db, spa.url, tmp_path / "config")
        run.dry_run(t, Q1, credentials(), options("dry-run"))
        _approve(t)
        result = run.push(t, Q1, credentials(), options())
    [(record, _, error)] = result.failures
    assert record == "project:2570-003" and "ยังไม่ได้รับอนุมัติ" in error
    assert "รายงานผลได้เฉพาะโครงการที่ได้รับอนุมัติแล้ว" in error and "กลับหน้าหลัก" not in error, error


def test_doctor_passes_on_the_spa_profile_and_names_a_moved_field(sqlite_db, tmp_path):
    with run_in_thread("emenscr", profile="spa", demo_data="office") as spa:
        t = spa_target(sqlite_db, spa.url, tmp_path / "config")
        results = run.doctor(t, credentials(), options("doctor"), Q1)
        assert [r for r in results if not r.ok] == []
        forms = t.config.folder / "forms.yaml"
        forms.write_text(forms.read_text(encoding="utf-8").replace("label: ปัญหาอุปสรรคในการดำเนินงาน",
                                                                   "label: ปัญหาและอุปสรรค"), encoding="utf-8")
        moved = run.doctor(spa_target(sqlite_db, spa.url, tmp_path / "config"), credentials(), options("doctor"), Q1)
        assert [r.name for r in moved if not r.ok] == ["forms.progress", "forms.progress.steps.progress.fields.problems"]


def test_killed_mid_push_then_resumed_lands_every_record_once(pg_db, tmp_path, wait_for, kill_tree):
    """kill -9 of the whole push at random points (after a random number of site requests), with
    tokens expiring every few seconds; each new run signs in again and looks before it saves."""
    db = pg_db  # the office deployment's database: a killed run's push lock is taken over there (a compare-and-swap)
    load_demo(db, keep=12)
    rng = random.Random(int(os.environ.get("TIDTAM_KILL_SEED", "6")))
    with start_subprocess("emenscr", profile="spa", demo_data="office", latency_ms=30, token_ttl=3) as spa:
        t = spa_target(db, spa.url, tmp_path / "config")
        run.dry_run(t, Q1, credentials(), options("dry-run", new_projects=True))
        _approve(t)
        command, env = push_command(db, "--concurrency", "2", "--action-timeout", "10",
                                    config_dir=tmp_path / "config")
        requests = lambda: spa.admin.state()["requests"]["total"]  # noqa: E731
        kills = 0
        while kills < KILL_POINTS:
            goal = requests() + rng.randint(5, 40)
            client = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True)
            wait_for(lambda: requests() >= goal or client.poll() is not None, timeout=90, what="the kill point")
            if client.poll() is not None:
                break
            kill_tree(client.pid)
            client.wait()
            kills += 1
        assert kills >= KILL_POINTS
        final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert final.returncode == 0, final.stdout + final.stderr
        writes = _progress_writes(spa)
        assert len(writes) == 12 and set(writes.values()) == {1}, writes
        assert_entered_once(spa.admin.state(), t)
        with db.session() as session:
            assert {r.state for r in session.scalars(select(Submission))} == {S.SUBMITTED}


def test_a_post_the_page_sends_while_a_save_is_answered_is_let_finish(tmp_path):
    """The app renews its token (a POST to the realm) for a request that follows a save's answer:
    the save's block ends with that POST still at the site, and the page must get its answer,
    not a failure (which sent the app to sign in again, its option lists left empty)."""
    import asyncio

    from tidtam.core.config import target_config
    from tidtam.core.contract import RemoteSettings
    from tidtam.core.plugins import load_plugins
    from tidtam.core.push.browser import chromium, sent_once

    token = "/auth/realms/master/protocol/openid-connect/token"
    settings = RemoteSettings(config=target_config(load_plugins().target("emenscr")), run_dir=tmp_path, action_timeout=20)
    with run_in_thread("emenscr", profile="spa", hang_rate=1.0, hang_only="POST " + token, hang_seconds=1) as spa:
        async def renew_during_a_save():
            async with chromium() as browser:
                page = await browser.new_page()
                await page.goto(spa.url + "/auth/realms/master/.well-known/openid-configuration")
                async with sent_once(page, settings, "บันทึก"):
                    await page.evaluate(f"""() => {{ window.renewed = fetch("{token}", {{method: "POST",
                        body: new URLSearchParams({{grant_type: "refresh_token", client_id: "emenscr-nesdc"}})}})
                        .then(r => r.status, () => "failed"); }}""")
                    while not spa.admin.state()["requests"]["by_route"].get("POST " + token):  # at the site, hanging
                        await asyncio.sleep(0.02)
                return await page.evaluate("window.renewed")
        assert asyncio.run(renew_during_a_save()) == 400  # the realm's own answer (no refresh token), not a failure
