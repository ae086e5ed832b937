"""Project entry (M1–M5) and send for approval (M7) with real Chromium against the stand-in
holding the demo office (2570-061, -062, -064, -068 are not on it): the dry-run fills M1 and
saves nothing; push creates each project once and sends it once, continuing a half-entered
project rather than creating another, also after kill -9 at random points; progress of a
project the ministry has not approved yet is reported plainly."""
from __future__ import annotations

import os
import random
import subprocess
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import select

from tidtam.core.models import (ActivityProgress, Approval, KpiResult, Project, ProjectProgress, ProgressStatus, Submission,
                                SubmissionState as S)
from tidtam.core.periods import parse_period
from tidtam.core.ledger import office_by_code
from tidtam.core.push import run
from tidtam.sandbox.server import start_subprocess

from pushkit import (config_for, credentials, drop_projects, entry_steps, load_demo, make_target, options, push_command,
                     site_inputs)

Q1 = parse_period("2570Q1")
ABSENT = ("2570-061", "2570-062", "2570-064", "2570-068")
CREATE, SEND = "create_project", "send_for_approval"
pytestmark = pytest.mark.browser
KILL_POINTS = int(os.environ.get("TIDTAM_ENTRY_KILL_POINTS", "7"))
DROP_KILL_POINTS = int(os.environ.get("TIDTAM_DROP_KILL_POINTS", "3"))
STEPS = entry_steps()


def approve_previewed(t, by="นายผู้อำนวยการ ทดสอบ"):
    return run.approve(t, Q1, by)[0]


def by_code(state: dict) -> dict[str, list[dict]]:
    projects: dict[str, list[dict]] = {}
    for project in state["store"]["projects"]:
        projects.setdefault(project["steps"].get("M1", {}).get("code"), []).append(project)
    return projects


def entry_counts(state: dict) -> tuple[Counter, Counter]:
    """(creates by project code, sends by project code) as the stand-in recorded them."""
    code_of = {p["id"]: p["steps"].get("M1", {}).get("code") for p in state["store"]["projects"]}
    creates = Counter(w["data"]["code"] for w in state["writes"] if w["action"] == "project.create")
    sends = Counter(code_of[w["target"]["project_id"]] for w in state["writes"] if w["action"] == "project.send")
    return creates, sends


def enter_only(db, codes: tuple[str, ...]) -> tuple[str, ...]:
    """The office keeps only these of the projects the stand-in lacks: fewer to enter where a
    test's point is each post's fate, not the number of projects (CI's time budget)."""
    drop_projects(db, set(ABSENT) - set(codes))
    return codes


def assert_entered_once(state: dict, t, codes: tuple[str, ...] = ABSENT) -> None:
    """Each absent project created exactly once, sent exactly once, holding exactly the plan."""
    creates, sends = entry_counts(state)
    assert creates == Counter(codes) and sends == Counter(codes), (creates, sends)
    held = by_code(state)
    with t.db.session() as session:
        office = office_by_code(session, t.office_code)
        planned = {p.data["project_code"]: p.data["fill"]["steps"] for p in t.hook.plan_entries(
            target="emenscr", period=Q1, session=session, office=office, mapping=t.config.mapping, forms=t.config.forms,
            present=None) if p.action == CREATE}
    for code in codes:
        (project,) = held[code]
        assert project["status"] == "sent" and len(project["sends"]) == 1
        assert {c: site_inputs(project["steps"][c]) for c in STEPS} == {c: site_inputs(planned[code][c]) for c in STEPS}, code


def add_q1_report(db, code: str) -> None:
    with db.session() as session:
        project = session.scalars(select(Project).where(Project.code == code)).one()
        report = ProjectProgress(project=project, period="2570Q1", status=ProgressStatus.IN_PROGRESS,
                                 disbursed=Decimal("0.00"), problems="")
        report.activities = [ActivityProgress(activity_id=a.id, percent=Decimal(5)) for a in project.activities]
        report.kpi_results = [KpiResult(kpi_id=k.id, value=None, note="เริ่มดำเนินการ") for k in project.kpis]
        session.add(report)


def test_dry_run_with_new_projects_fills_m1_and_saves_nothing(sqlite_db, stand_in, target_of):
    load_demo(sqlite_db, keep=0)
    t = target_of(sqlite_db, stand_in.url)
    result = run.dry_run(t, Q1, credentials(), options("dry-run", new_projects=True))
    assert stand_in.admin.writes() == []
    rows = {(r.payload.record_key.split(":")[1], r.payload.action): r for r in result.rows}
    assert set(rows) == {(code, action) for code in ABSENT for action in (CREATE, SEND)}
    assert {r.state for r in rows.values()} == {"preview"}, [(k, r.errors) for k, r in rows.items() if r.errors]
    html = result.preview_path.read_text(encoding="utf-8")
    for code in ABSENT:
        shot = result.run_dir / rows[(code, CREATE)].screenshot
        assert shot.stat().st_size > 10_000 and rows[(code, CREATE)].screenshot in html
        assert any("M1" in w for w in rows[(code, CREATE)].warnings)
        assert any("M7" in w for w in rows[(code, SEND)].warnings)
    assert any("ไม่ใช้งบประมาณ" in w for w in rows[("2570-068", CREATE)].warnings)  # no_budget_line, shown
    with sqlite_db.session() as session:
        assert {r.state for r in session.scalars(select(Submission))} == {S.PREVIEWED}


def test_http_mode_refuses_project_entry_plainly(sqlite_db, stand_in, target_of):
    load_demo(sqlite_db, keep=0)
    t = target_of(sqlite_db, stand_in.url)
    result = run.dry_run(t, Q1, credentials(), options("dry-run", mode="http", new_projects=True))
    assert {r.state for r in result.rows} == {"error"}
    assert all("--mode browser" in r.errors[0] for r in result.rows)
    assert stand_in.admin.writes() == []


def test_push_new_projects_creates_and_sends_each_exactly_once(sqlite_db, stand_in, target_of):
    """Also: progress of a just-created project waits for the ministry's approval, plainly."""
    load_demo(sqlite_db, keep=0)
    add_q1_report(sqlite_db, "2570-061")
    t = target_of(sqlite_db, stand_in.url)
    dry = run.dry_run(t, Q1, credentials(), options("dry-run", new_projects=True))
    waiting = next(r for r in dry.rows if r.payload.action == "progress")
    assert waiting.state == "preview" and "ไม่พบโครงการรหัส 2570-061" in waiting.warnings[-1]
    approve_previewed(t)
    result = run.push(t, Q1, credentials(), options(concurrency=3))
    assert result.counts == {"submitted": 8, "failed": 1}, result.failures
    [(record, action, error)] = result.failures
    assert (record, action) == ("project:2570-061", "progress") and "ยังไม่ได้รับอนุมัติ" in error and "รอกระทรวงอนุมัติ" in error
    state = stand_in.admin.state()
    assert_entered_once(state, t)
    with sqlite_db.session() as session:
        ids = {r.record_key: r.remote_id for r in session.scalars(select(Submission).where(Submission.action == CREATE))}
    assert {code: [p["id"] for p in ps] for code, ps in by_code(state).items() if code in ABSENT} == \
        {code: [int(ids[f"project:{code}"])] for code in ABSENT}

    again = run.push(t, Q1, credentials(), options())  # nothing is created or sent twice
    assert again.counts == {"submitted": 8, "failed": 1}
    assert_entered_once(stand_in.admin.state(), t)

    stand_in.admin.post(f"projects/{ids['project:2570-061']}/approve")  # the ministry approves
    last = run.push(t, Q1, credentials(), options())
    assert last.counts == {"submitted": 9} and last.failures == []
    assert [w["target"]["project_id"] for w in stand_in.admin.writes("progress.save")] == [int(ids["project:2570-061"])]


def test_project_entry_never_puts_another_workers_request_beside_a_slot_holder(sqlite_db, stand_in, target_of,
                                                                                 monkeypatch):
    """The spare browser worker waits for a slot while another fills a project step, since the
    step's selects make the page fetch their children's options (the filling holds the slot).
    The workers share one login, so each page names itself to the stand-in (a test-only header)."""
    from tidtam.plugins.emenscr.browser import BrowserRemote

    login = BrowserRemote.login

    async def named(remote) -> None:  # the page is named before its first request
        await remote.page.set_extra_http_headers({"X-Stand-In-Client": f"worker-{id(remote)}"})
        await login(remote)
    monkeypatch.setattr(BrowserRemote, "login", named)
    load_demo(sqlite_db, keep=0)
    entered = enter_only(sqlite_db, ABSENT[:2])
    t = target_of(sqlite_db, stand_in.url)
    run.dry_run(t, Q1, credentials(), options("dry-run", new_projects=True, concurrency=1))
    approve_previewed(t)
    stand_in.admin.set_knobs(latency_ms=60)  # requests of two workers overlap at the site
    result = run.push(t, Q1, credentials(), options(concurrency=1))
    assert result.counts == {"submitted": 2 * len(entered)}, result.failures
    state = stand_in.admin.state()
    assert_entered_once(state, t, entered)
    # One slot, two workers: requests overlap only within one worker's session (a page's own
    # option fetches beside its page load), never the other worker's beside them.
    assert state["requests"]["peak_in_flight"] >= 2  # the page's own pair did overlap
    assert state["requests"]["sessions_seen"] >= 2  # both workers' pages were at the site
    assert state["requests"]["peak_sessions_in_flight"] == 1


def test_a_failed_create_from_an_earlier_approval_does_not_void_a_progress_only_approval(sqlite_db, stand_in, target_of):
    """A create the site refused under an earlier approval stays FAILED in the ledger with that
    approval's id. A later progress-only dry-run and approval cover progress alone, and the
    push must plan the very same set (the live approval's rows), not the old create too."""
    load_demo(sqlite_db, keep=0)
    add_q1_report(sqlite_db, "2570-001")
    t = target_of(sqlite_db, stand_in.url)
    run.dry_run(t, Q1, credentials(), options("dry-run", mode="http", new_projects=False))
    with sqlite_db.session() as session:  # the earlier approval covered a create that failed
        old = Approval(office_id=office_by_code(session, t.office_code).id, target="emenscr", period=Q1.id, approved_by="ก่อนหน้า",
                       payload_set_hash="0" * 64)
        session.add(old)
        session.flush()
        session.add(Submission(office_id=old.office_id, target="emenscr", period=Q1.id, record_key="project:2570-061",
                               action=CREATE, payload={}, payload_hash="1" * 64, idempotency_key="2" * 64,
                               state=S.FAILED, approval_id=old.id,
                               last_error="ระบบไม่รับข้อมูล"))
    approve_previewed(t)
    result = run.push(t, Q1, credentials(), options(mode="http"))
    assert result.counts == {"submitted": 1, "failed": 1}
    assert [w["target"]["quarter"] for w in stand_in.admin.writes("progress.save")] == [1]
    assert entry_counts(stand_in.admin.state()) == (Counter(), Counter())


def test_a_create_still_in_flight_when_the_next_run_looks_is_waited_for_not_repeated(sqlite_db, stand_in, target_of,
                                                                                      wait_for, kill_tree):
    """A run is killed while its create hangs on the site (it lands 8 s after it arrived). The
    next run, started at once, finds no project yet: it gives the old request its action timeout
    to land and looks again, instead of creating a second project."""
    load_demo(sqlite_db, keep=0)
    t = target_of(sqlite_db, stand_in.url)
    run.dry_run(t, Q1, credentials(), options("dry-run", new_projects=True))
    approve_previewed(t)
    stand_in.admin.set_knobs(hang_rate=1.0, hang_seconds=8, hang_only="POST /projects/new")
    command, env = push_command(sqlite_db, "--concurrency", "1", "--action-timeout", "10")
    client = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    arrived = lambda: stand_in.admin.state()["requests"]["by_route"].get("POST /projects/new", 0)  # noqa: E731
    wait_for(lambda: arrived() == 1, timeout=60, what="the first create on the site")
    kill_tree(client.pid)
    client.wait()
    stand_in.admin.set_knobs(hang_rate=0.0)
    assert entry_counts(stand_in.admin.state())[0] == Counter()  # still hanging: not on the site yet
    with sqlite_db.session() as session:
        hung = {r.record_key for r in session.scalars(select(Submission)) if r.state in (S.SUBMITTING, S.UNKNOWN)}
    result = run.push(t, Q1, credentials(), options(concurrency=1, action_timeout=10))
    assert hung and [f for f in result.failures if f[0] in hung] == [], result.failures  # waited for, found, in this run
    assert {state for state in result.counts if state != "submitted"} <= {"unknown"}, result.failures
    if result.failures:  # another post without an answer under a loaded machine: the next run settles it
        result = run.push(t, Q1, credentials(), options(concurrency=1, action_timeout=10))
    assert result.failures == [] and result.counts == {"submitted": 2 * len(ABSENT)}
    creates, sends = entry_counts(stand_in.admin.state())
    assert creates == Counter(ABSENT) and sends == Counter(ABSENT)


def test_a_half_entered_project_is_continued_not_created_again(sqlite_db, stand_in, target_of):
    """A project with M1–M2 on the site (a run killed mid-entry, or a person) is still planned,
    and push saves M3–M5 on that project; the site's other projects are untouched."""
    load_demo(sqlite_db, keep=0)
    t = target_of(sqlite_db, stand_in.url)
    with sqlite_db.session() as session:
        office = office_by_code(session, t.office_code)
        steps = next(p.data["fill"]["steps"] for p in t.hook.plan_entries(
            target="emenscr", period=Q1, session=session, office=office, mapping=t.config.mapping, forms=t.config.forms,
            present=None) if p.data["project_code"] == "2570-064" and p.action == CREATE)
    half = stand_in.admin.post("projects", {"steps": {"M1": steps["M1"], "M2": steps["M2"]}, "status": "draft"})["id"]
    run.dry_run(t, Q1, credentials(), options("dry-run", new_projects=True))
    approve_previewed(t)
    result = run.push(t, Q1, credentials(), options(concurrency=2))
    assert result.failures == []
    state = stand_in.admin.state()
    creates, sends = entry_counts(state)
    assert creates == Counter(c for c in ABSENT if c != "2570-064") and sends == Counter(ABSENT)
    saved = [(w["target"]["project_id"], w["target"]["step"]) for w in state["writes"] if w["action"] == "project.step.save"]
    assert [step for pid, step in saved if pid == half] == ["M3", "M4", "M5"]
    assert [p["id"] for p in by_code(state)["2570-064"]] == [half]


def test_killed_during_project_entry_then_resumed_creates_and_sends_once(tmp_path, sqlite_db, wait_for, kill_tree):
    """kill -9 of the whole push (python, Playwright driver, Chromium) at random points while it
    enters projects: half after a random number of site requests, half right after a random
    step's save has landed (between steps). Each new run looks up by code before any create and
    continues from the step the site holds. Seeded, so a failure replays."""
    load_demo(sqlite_db, keep=0)
    rng = random.Random(int(os.environ.get("TIDTAM_KILL_SEED", "6")))
    with start_subprocess("emenscr", demo_data="office", latency_ms=40) as stand_in:
        folder = config_for(tmp_path / "config", stand_in.url)
        t = make_target(sqlite_db, folder)
        run.dry_run(t, Q1, credentials(), options("dry-run", new_projects=True))
        approve_previewed(t)
        command, env = push_command(sqlite_db, "--concurrency", "2", "--action-timeout", "5", config_dir=folder)
        entry_writes = lambda state: sum(1 for w in state["writes"] if w["action"].startswith("project."))  # noqa: E731
        kills, between_steps, attempts = 0, 0, 0
        while kills < KILL_POINTS and attempts < 4 * KILL_POINTS:
            attempts += 1
            state = stand_in.admin.state()
            if kills % 2:
                goal, count = entry_writes(state) + rng.randint(1, 3), entry_writes
            else:
                goal, count = state["requests"]["total"] + rng.randint(3, 30), lambda s: s["requests"]["total"]
            client = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True)
            wait_for(lambda: count(stand_in.admin.state()) >= goal or client.poll() is not None, timeout=90,
                     what="the kill point")
            if client.poll() is not None:
                break  # the push finished before this kill point
            kill_tree(client.pid)
            client.wait()
            kills += 1
            held = by_code(stand_in.admin.state())
            between_steps += any(0 < len(p["steps"]) < len(STEPS) for code in ABSENT for p in held.get(code, []))
        assert kills >= KILL_POINTS, f"only {kills} kill points before the push finished"
        assert between_steps >= 2  # some kills left a project half-entered on the site
        final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
        assert final.returncode == 0, final.stdout + final.stderr
        assert_entered_once(stand_in.admin.state(), t)
        with sqlite_db.session() as session:
            assert {r.state for r in session.scalars(select(Submission))} == {S.SUBMITTED}


def test_a_step_save_slower_than_a_page_read_is_waited_for_up_to_the_action_timeout(sqlite_db, stand_in, target_of):
    """Every save of a project step answers after read_timeout, well within action_timeout: each
    lands once and is judged saved. The click itself must not wait for the page the save leads
    to (Playwright's default, bounded by the read timeout), or a slow save becomes a doubt."""
    load_demo(sqlite_db, keep=0)
    entered = enter_only(sqlite_db, ABSENT[:2])
    t = target_of(sqlite_db, stand_in.url)
    run.dry_run(t, Q1, credentials(), options("dry-run", new_projects=True))
    approve_previewed(t)
    stand_in.admin.set_knobs(hang_rate=1.0, hang_only="POST /projects", hang_seconds=2.0)
    result = run.push(t, Q1, credentials(), options(concurrency=3, read_timeout=1.0, action_timeout=10.0))
    assert result.counts == {"submitted": 2 * len(entered)}, result.failures
    assert stand_in.admin.state()["requests"]["injected"]["hang"] >= len(entered) * len(STEPS)
    assert_entered_once(stand_in.admin.state(), t, entered)


def test_a_line_dropping_before_every_answer_never_doubles_a_create_a_step_or_a_send_even_with_kills(
        tmp_path, sqlite_db, runs_until_done):
    """Every post of project entry (create, steps, send) is applied, then the line drops with no
    answer: Chromium would send each again by itself (bench/chromium_resend.py); the push sends it
    once, leaves it UNKNOWN, and the next run finds it and goes on to the next post. kill -9 at
    random points too, then runs until done: each create, step save and send landed exactly once."""
    load_demo(sqlite_db, keep=0)
    entered = enter_only(sqlite_db, ABSENT[:2])
    rng = random.Random(int(os.environ.get("TIDTAM_KILL_SEED", "6")))
    with start_subprocess("emenscr", demo_data="office", latency_ms=40, drop_rate=1.0, drop_only="POST /projects") as stand_in:
        folder = config_for(tmp_path / "config", stand_in.url)
        t = make_target(sqlite_db, folder)
        run.dry_run(t, Q1, credentials(), options("dry-run", new_projects=True))
        approve_previewed(t)
        command, env = push_command(sqlite_db, "--concurrency", "2", "--action-timeout", "4", config_dir=folder)
        assert runs_until_done(command, env, sqlite_db, stand_in, rng, DROP_KILL_POINTS) >= DROP_KILL_POINTS
        state = stand_in.admin.state()
        assert_entered_once(state, t, entered)
        steps = Counter((w["target"]["project_id"], w["target"]["step"]) for w in state["writes"]
                        if w["action"] == "project.step.save")
        assert len(steps) == len(entered) * (len(STEPS) - 1) and set(steps.values()) == {1}, steps
        assert state["requests"]["injected"]["drop"] >= len(entered) * (len(STEPS) + 1)  # every one of them
        with sqlite_db.session() as session:
            assert {r.state for r in session.scalars(select(Submission))} == {S.SUBMITTED}
