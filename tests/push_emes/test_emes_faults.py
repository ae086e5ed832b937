"""The E-MES push under faults, with real Chromium: kill -9 at random points (among them in the
middle of an upload on a slow line) then resume, and a hung upload settled by the next run —
every point saved once (ranked works included), every file on the site once."""
from __future__ import annotations

import os
import random
import subprocess
import sys
from collections import Counter

import pytest
from sqlalchemy import select

from tidtam.core.models import Submission, SubmissionState as S
from tidtam.core.push import run
from tidtam.core.settings import PACKAGE_ROOT
from tidtam.sandbox.server import run_in_thread, start_subprocess

from emeskit import R1, ThrottledProxy, attach, config_for, credentials, image_bytes, load_demo, make_target, options
from test_emes_flow import approve_stage, site_evidence, writes

pytestmark = pytest.mark.browser
KILL_POINTS = int(os.environ.get("TIDTAM_EMES_KILL_POINTS", "8"))
DROP_KILL_POINTS = int(os.environ.get("TIDTAM_DROP_KILL_POINTS", "3"))


def _exactly_once(site, db, shas: dict[str, str], points: int) -> None:
    saves = writes(site, "point.save")
    assert len(saves) == points and set(saves.values()) == {1}, saves
    assert site_evidence(site) == Counter({(code, sha): 1 for sha, code in shas.items()})
    with db.session() as session:
        rows = list(session.scalars(select(Submission).where(Submission.approval_id.is_not(None))))
        assert rows and {r.state for r in rows} == {S.SUBMITTED}


def test_killed_at_random_points_and_mid_upload_then_resumed_lands_every_file_once(tmp_path, sqlite_db, wait_for,
                                                                                    kill_tree):
    """kill -9 of the whole push (python, Playwright driver, Chromium): half the kill points after
    a random number of site requests, half while an upload is on the wire (a 1 MB/s line, files of
    about 1 MB), the line dropping with it so the site gets half a file. Each new run reconciles
    SUBMITTING rows by looking the file up by sha256 first, and uploads again only what is not there."""
    shas = load_demo(sqlite_db, complete=True, folder=tmp_path / "works")
    rng = random.Random(int(os.environ.get("TIDTAM_EMES_KILL_SEED", "7")))
    for n, code in enumerate(["1.1.1", "1.1.1", "1.1.3", "1.2.1", "2.1.1", "2.2.2", "2.3.1", "3.1.1", "1.2.2", "1.2.2"]):
        content = image_bytes("png", (560, 560), seed=100 + n, noise=True)  # ~0.9 MB, incompressible
        shas[attach(sqlite_db, code, f"หลักฐาน-{n + 1}.png", content, tmp_path / "in")] = code
    with start_subprocess("emes", latency_ms=20) as site:
        proxy = ThrottledProxy(int(site.url.rsplit(":", 1)[1]), rate=1_000_000)
        try:
            folder = config_for(tmp_path / "config", proxy.url)
            os.environ["TIDTAM_CONFIG_DIR"] = str(folder)
            t = make_target(sqlite_db, folder)
            run.dry_run(t, R1, credentials(), options("dry-run"))
            approve_stage(t)
            command, env = _push_process(sqlite_db, action_timeout=5)
            requests = lambda: site.admin.state()["requests"]["total"]  # noqa: E731
            kills, mid_upload, in_flight_seen = 0, 0, 0
            while kills < KILL_POINTS:
                client = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          start_new_session=True)
                if kills % 2:  # in the middle of the next upload
                    started, goal = proxy.uploads_started, rng.randint(50_000, 700_000)
                    wait_for(lambda: (proxy.uploads_started > started and proxy.upload_bytes >= goal)
                          or client.poll() is not None, timeout=90, what="an upload on the wire")
                    mid_upload += client.poll() is None
                else:
                    goal = requests() + rng.randint(3, 14)
                    wait_for(lambda: requests() >= goal or client.poll() is not None, timeout=90, what="requests")
                if client.poll() is not None:
                    break  # the push finished before this kill point
                kill_tree(client.pid)
                if kills % 2:
                    proxy.cut()  # the line drops with the client: the upload's body is cut off mid-way
                client.wait()
                kills += 1
                with sqlite_db.session() as session:
                    in_flight_seen += any(r.state is S.SUBMITTING for r in session.scalars(select(Submission)))
            assert kills >= KILL_POINTS and mid_upload >= KILL_POINTS // 2 - 1, (kills, mid_upload)
            assert in_flight_seen >= 2  # some kills did land between SUBMITTING and SUBMITTED
            final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
            assert final.returncode == 0, final.stdout + final.stderr
            _exactly_once(site, sqlite_db, shas, 14)
            assert proxy.uploads_started > len(shas)  # uploads really were cut off and repeated
        finally:
            proxy.stop()


def test_a_hung_upload_stays_unknown_then_the_next_run_finds_it_by_sha256(sqlite_db, emes_target, tmp_path, wait_for):
    """The site hangs on the upload past the action timeout and stores the file after the client
    gave up: the run leaves it UNKNOWN, never uploads again, and the next run settles it."""
    load_demo(sqlite_db)
    with sqlite_db.session() as session:  # one point and its file are enough (hangs are slow)
        from emeskit import points, result_of
        for point in points(session):
            if point.code != "2.1.2" and (result := result_of(session, point.code)) is not None:
                session.delete(result)
    sha = attach(sqlite_db, "2.1.2", "ประกาศเจตนารมณ์.pdf", image_bytes("pdf", seed=11), tmp_path / "in")
    with run_in_thread("emes") as site:
        t = emes_target(sqlite_db, site.url)
        run.dry_run(t, R1, credentials(), options("dry-run"))
        approve_stage(t)
        site.admin.set_knobs(hang_rate=1.0, hang_seconds=2.5)  # every request hangs past the 1 s action timeout
        first = run.push(t, R1, credentials(), options(concurrency=2, read_timeout=12.0, action_timeout=1.0))
        with sqlite_db.session() as session:
            upload = session.scalars(select(Submission).where(Submission.action == "upload_evidence")).one()
            assert upload.state is S.UNKNOWN and "ไม่ได้รับคำตอบ" in upload.last_error
        assert first.counts == {"unknown": 2, "planned": 13}
        site.admin.set_knobs(hang_rate=0.0)
        wait_for(lambda: len(site.admin.writes("evidence.add")) == 1 and len(site.admin.writes("point.save")) == 1,
              timeout=20, what="the hung save and upload to land on the site")
        second = run.push(t, R1, credentials(), options(action_timeout=3.0))
        assert second.failures == [] and second.counts == {"submitted": 2, "planned": 13}
        assert site_evidence(site) == {("2.1.2", sha): 1} and len(site.admin.writes("evidence.add")) == 1
        assert len(site.admin.writes("point.save")) == 1


def test_a_line_dropping_before_every_answer_never_doubles_a_save_or_an_upload_even_with_kills(
        tmp_path, sqlite_db, monkeypatch, runs_until_done):
    """Every point save and file upload is applied, then the line drops with no answer:
    Chromium would send each again by itself (bench/chromium_resend.py); the push sends it once,
    leaves it UNKNOWN, and the next run finds it (a file by its sha256) and goes on. kill -9 at
    random points too, then runs until done: every point saved once, every file on the site once."""
    shas = load_demo(sqlite_db, complete=True, folder=tmp_path / "works")
    shas |= {attach(sqlite_db, code, f"หลักฐาน-{n + 1}.png", image_bytes("png", seed=200 + n), tmp_path / "in"): code
             for n, code in enumerate(["1.1.1", "1.1.1", "2.2.2", "1.2.2"])}
    rng = random.Random(int(os.environ.get("TIDTAM_EMES_KILL_SEED", "7")))
    with start_subprocess("emes", latency_ms=20, drop_rate=1.0, drop_only="POST /rounds/") as site:
        folder = config_for(tmp_path / "config", site.url)
        monkeypatch.setenv("TIDTAM_CONFIG_DIR", str(folder))
        t = make_target(sqlite_db, folder)
        run.dry_run(t, R1, credentials(), options("dry-run"))
        approve_stage(t)
        command, env = _push_process(sqlite_db, action_timeout=4)
        assert runs_until_done(command, env, sqlite_db, site, rng, DROP_KILL_POINTS) >= DROP_KILL_POINTS
        assert site.admin.state()["requests"]["injected"]["drop"] >= 14 + len(shas)  # every one of them
        _exactly_once(site, sqlite_db, shas, 14)


def _push_process(db, action_timeout: int) -> tuple[list[str], dict]:
    """The user's ``push emes`` as a process of its own (to be killed), signed in as the stand-in's demo account."""
    env = {**os.environ, "TIDTAM_EMES_USERNAME": credentials().username,
           "TIDTAM_EMES_PASSWORD": credentials().password.reveal()}
    return [sys.executable, str(PACKAGE_ROOT / "cli.py"), "--db", str(db.url.database), "push", "emes",
            "--period", "2570R1", "--concurrency", "2", "--action-timeout", str(action_timeout)], env
