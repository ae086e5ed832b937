"""The push under faults, with real Chromium: kill -9 at random points then resume, a flaky
site (500s, hangs, expiring sessions), concurrent pushes on PostgreSQL, and where the password
may never be written."""
from __future__ import annotations

import io
import os
import random
import re
import subprocess
import threading
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from tidtam.core.errors import UserError
from tidtam.core.models import Submission, SubmissionState as S
from tidtam.core.periods import parse_period
from tidtam.core.push import run
from tidtam.core.settings import data_dir
from tidtam.sandbox.server import run_in_thread, start_subprocess

from pushkit import config_for, credentials, load_demo, make_target, options, push_command
from test_push_flow import _approve, _progress_writes

Q1 = parse_period("2570Q1")
pytestmark = pytest.mark.browser
KILL_POINTS = int(os.environ.get("TIDTAM_KILL_POINTS", "12"))


def _exactly_once(stand_in, db, count: int) -> None:
    writes = _progress_writes(stand_in)
    assert len(writes) == count and set(writes.values()) == {1}, writes
    with db.session() as session:
        assert [r.state for r in session.scalars(select(Submission))] == [S.SUBMITTED] * count


def test_killed_at_random_points_then_resumed_lands_every_record_once(tmp_path, sqlite_db, wait_for, kill_tree):
    """kill -9 of the whole push (python, Playwright driver, Chromium) at random points: after a
    random number of site requests (login, searches, form loads, saves, read-backs). Each new
    run reconciles SUBMITTING rows against the site first. Seeded, so a failure replays."""
    load_demo(sqlite_db, keep=30)
    rng = random.Random(int(os.environ.get("TIDTAM_KILL_SEED", "6")))
    with start_subprocess("emenscr", demo_data="office", latency_ms=40) as stand_in:
        folder = config_for(tmp_path / "config", stand_in.url)
        t = make_target(sqlite_db, folder)
        run.dry_run(t, Q1, credentials(), options("dry-run", mode="http"))
        _approve(t)
        # A resumed run repeats a save only after the killed run's request deadline: short here.
        command, env = push_command(sqlite_db, "--concurrency", "2", "--action-timeout", "15", config_dir=folder)
        kills, in_flight_seen = 0, 0
        while kills < KILL_POINTS:
            requests = lambda: stand_in.admin.state()["requests"]["total"]  # noqa: E731
            goal = requests() + rng.randint(3, 14)  # one login per run now: fewer requests per restart
            client = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True)
            wait_for(lambda: requests() >= goal or client.poll() is not None, timeout=60, what="requests")
            if client.poll() is not None:
                break  # the push finished before this kill point
            kill_tree(client.pid)
            client.wait()
            kills += 1
            with sqlite_db.session() as session:
                in_flight_seen += any(r.state is S.SUBMITTING for r in session.scalars(select(Submission)))
        assert kills >= KILL_POINTS
        assert in_flight_seen >= 2  # some kills did land between the ledger's SUBMITTING and SUBMITTED
        final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
        assert final.returncode == 0, final.stdout + final.stderr
        _exactly_once(stand_in, sqlite_db, 30)


def test_a_progress_save_still_hanging_when_the_next_run_looks_is_not_saved_again(tmp_path, sqlite_db, wait_for,
                                                                                   kill_tree):
    """A run is killed while its save hangs at the site (it is applied 6 s after it arrived).
    The next run, started at once, finds the old values: it gives the old request until its
    deadline and looks again, instead of saving a second time (round 2 saw a second save)."""
    load_demo(sqlite_db, keep=3)
    with start_subprocess("emenscr", demo_data="office") as stand_in:
        folder = config_for(tmp_path / "config", stand_in.url)
        t = make_target(sqlite_db, folder)
        run.dry_run(t, Q1, credentials(), options("dry-run", mode="http"))
        _approve(t)
        stand_in.admin.set_knobs(hang_rate=1.0, hang_seconds=6, hang_only="POST /api/projects/")
        command, env = push_command(sqlite_db, "--concurrency", "1", "--action-timeout", "10", config_dir=folder)
        client = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        routes = lambda: stand_in.admin.state()["requests"]["by_route"]  # noqa: E731
        wait_for(lambda: any(r.startswith("POST /api/projects/") for r in routes()) or client.poll() is not None,
                 timeout=60, what="the save at the site")
        assert client.poll() is None, [r for r in routes() if r.startswith("POST")]
        kill_tree(client.pid)
        client.wait()
        stand_in.admin.set_knobs(hang_rate=0.0)
        assert _progress_writes(stand_in) == Counter()  # still hanging: not applied yet
        result = run.push(t, Q1, credentials(), options(concurrency=1, action_timeout=10))
        wait_for(lambda: stand_in.admin.state()["requests"]["in_flight"] == 0, timeout=30, what="the old save's end")
        assert result.failures == []
        _exactly_once(stand_in, sqlite_db, 3)


def test_a_push_killed_after_chromium_started_leaves_nothing_in_the_system_temp_and_the_next_start_removes_it(
        tmp_path, sqlite_db, wait_for, kill_tree):
    """Chromium's profile and Playwright's artifacts (among them a traced run's partial trace, with
    the session cookie in it) go to the run folder, never to the system's temp dir (the push's
    TMPDIR here, standing for /tmp): kill -9 leaves them in the run folder, the next start removes them."""
    load_demo(sqlite_db, keep=4)
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    browser_files = lambda: sorted(data_dir().glob("runs/*/browser-tmp-*")) + sorted(data_dir().glob("tmp/*"))  # noqa: E731
    with start_subprocess("emenscr", demo_data="office", latency_ms=40) as stand_in:
        folder = config_for(tmp_path / "config", stand_in.url)
        t = make_target(sqlite_db, folder)
        run.dry_run(t, Q1, credentials(), options("dry-run", mode="http"))
        _approve(t)
        command, env = push_command(sqlite_db, "--trace", "--concurrency", "1", "--action-timeout", "5", config_dir=folder)
        env["TMPDIR"] = str(system_tmp)
        client = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        wait_for(lambda: stand_in.admin.writes("progress.save"), timeout=60, what="a save")
        kill_tree(client.pid)
        client.wait()
        (left,) = browser_files()
        assert {p.name.rsplit("-", 1)[0] for p in left.iterdir()} >= {"playwright_chromiumdev_profile", "playwright-artifacts"}
        assert any(left.rglob("*.network"))  # a partial trace
        final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
        assert final.returncode == 0, final.stdout + final.stderr
    assert browser_files() == []
    assert [p.name for p in system_tmp.rglob("*") if "playwright" in p.name or "chromium" in p.name] == []


def test_flaky_site_every_record_lands_exactly_once(sqlite_db, target_of):
    """10% HTTP 500s, 5% requests hanging past the read timeout, the session expiring every 20
    requests: reads are retried, saves repeated only after a lookup shows they did not land."""
    load_demo(sqlite_db, keep=16)
    with run_in_thread("emenscr", demo_data="office") as stand_in:
        t = target_of(sqlite_db, stand_in.url)
        run.dry_run(t, Q1, credentials(), options("dry-run", mode="http"))
        _approve(t)
        stand_in.admin.set_knobs(fail_rate=0.10, hang_rate=0.05, hang_seconds=3, expire_every=20, seed=11)
        result = run.push(t, Q1, credentials(), options(concurrency=2, read_timeout=2.0, action_timeout=15.0))
        state = stand_in.admin.state()
        assert result.failures == []
        injected = state["requests"]["injected"]
        assert injected["fail"] and injected["hang"] and injected["expire"], injected
        _exactly_once(stand_in, sqlite_db, 16)


def test_the_password_is_in_no_file_a_run_writes(sqlite_db, target_of, monkeypatch, tmp_path):
    secret = "ลับมาก-P4ss-" + os.urandom(4).hex()
    monkeypatch.setenv("TIDTAM_SANDBOX_PASSWORD", secret)
    load_demo(sqlite_db, keep=2)
    with run_in_thread("emenscr", demo_data="office", expire_every=7) as stand_in:  # logs in again mid-run
        t = target_of(sqlite_db, stand_in.url)
        dry = run.dry_run(t, Q1, credentials(), options("dry-run", trace=True))
        _approve(t)
        pushed = run.push(t, Q1, credentials(), options(trace=True))
    assert pushed.failures == []
    assert list(dry.run_dir.glob("trace-*.zip")) and list(pushed.run_dir.glob("trace-*.zip"))
    needles = [secret.encode("utf-8"), secret.encode("utf-16-le"), secret.encode("unicode_escape")]
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".sqlite" for p in written) and any(p.suffix == ".png" for p in written)
    for path in written:
        for name, blob in _contents(path):
            assert not any(n in blob for n in needles), f"password found in {path} › {name}"
    # and no session cookie or CSRF token a trace saw (each shows as *** where it was)
    traces = b"".join(blob for p in pushed.run_dir.glob("trace-*.zip") for _, blob in _contents(p))
    sids = set(re.findall(rb"EMENSCR_SID=([^;\"\s]+)", traces))
    tokens = set(re.findall(rb'"name":"csrf-token","content":"([^"]*)"', traces))
    assert sids == {b"***"} and tokens == {b"***"}, (sids, tokens)


def _contents(path: Path):
    data = path.read_bytes()
    yield path.name, data
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                yield member, archive.read(member)


@pytest.mark.postgres
def test_two_concurrent_pushes_of_one_period_never_double_submit(postgres_url, target_of):
    from tidtam.core.db import Database

    db = Database(postgres_url)
    db.upgrade()
    load_demo(db, keep=8)
    with run_in_thread("emenscr", demo_data="office", latency_ms=30) as stand_in:
        t = target_of(db, stand_in.url)
        run.dry_run(t, Q1, credentials(), options("dry-run", mode="http"))
        _approve(t)
        outcomes, start = [], threading.Barrier(2)

        def one():
            start.wait()
            try:
                outcomes.append(run.push(t, Q1, credentials(), options(mode="browser", concurrency=2)))
            except UserError as exc:
                outcomes.append(exc)
        threads = [threading.Thread(target=one) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
        refused = [o for o in outcomes if isinstance(o, UserError)]
        assert len(outcomes) == 2 and len(refused) == 1 and "กำลังทำอยู่" in str(refused[0])
        run.push(t, Q1, credentials(), options(mode="http"))  # after both: nothing left to send
        _exactly_once(stand_in, db, 8)
    db.dispose()
