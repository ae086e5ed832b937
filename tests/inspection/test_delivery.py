"""deliver inspection: preview, approval by package hash, e-mail split under the size limit,
and never twice — refusals, lost answers, the archive lookup, a person's decision, and kill -9
at random points of a real subprocess, with the SMTP stand-in's read-back as the judge."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tidtam.cli_errors import ExitCode
from tidtam.core.models import AuditEntry, Submission, SubmissionState as S
from tidtam.core.settings import PACKAGE_ROOT

from inspection_helpers import ARCHIVE, MEMO_DATE, add_photos, cli, config_for, package_folder

RECIPIENT = "inspection@region15.example"
LIMIT = 250_000  # small, so the demo package needs several messages
KILL_POINTS = int(os.environ.get("TIDTAM_KILL_POINTS", "10"))


def _flow(db_url, *, approve=True):
    for args in (["package", "inspection", "--round", "2570R1", "--date", MEMO_DATE, "--allow-incomplete"],
                 ["deliver", "inspection", "--round", "2570R1", "--dry-run"]):
        result = cli(*args, db_url=db_url)
        assert result.exit_code == 0, result.output
    if approve:
        result = cli("approve", "inspection", "--period", "2570R1", "--by", "ผู้อำนวยการ", db_url=db_url)
        assert result.exit_code == 0, result.output
    return result


def _deliver(db_url, *extra):
    return cli("deliver", "inspection", "--round", "2570R1", *extra, db_url=db_url)


def _rows(db_url) -> list[Submission]:
    from tidtam.core.db import Database

    database = Database(db_url)
    with database.session() as session:
        rows = sorted(session.scalars(select(Submission).where(Submission.target == "inspection")), key=lambda r: r.record_key)
        session.expunge_all()
    database.dispose()
    return rows


def _received(mail, address=RECIPIENT) -> Counter:
    """Message-IDs in one mailbox of the stand-in, with how many times each arrived."""
    return Counter(m["message_id"] for m in mail.admin.state()["messages"] if address in m["rcpt_tos"])


def _assert_exactly_once(mail, db_url, archive: bool = True) -> None:
    rows = _rows(db_url)
    assert rows and all(r.state is S.SUBMITTED for r in rows), [(r.record_key, r.state, r.last_error) for r in rows]
    ids = {r.payload["message_id"] for r in rows}
    for box in (RECIPIENT, ARCHIVE) if archive else (RECIPIENT,):
        assert _received(mail, box) == Counter({i: 1 for i in ids}), box


@pytest.fixture
def mail_config(mail, tmp_path, monkeypatch, archive_login):
    def configure(**changes):
        folder = config_for(tmp_path / "config", mail, attachment_max_bytes=LIMIT, **changes)
        monkeypatch.setenv("TIDTAM_CONFIG_DIR", str(folder))
        return folder
    configure()
    return configure


def test_preview_approve_deliver_splits_the_package_and_sends_each_part_once(demo_url, mail, mail_config):
    _flow(demo_url, approve=False)
    rows = _rows(demo_url)
    parts = len(rows)
    assert parts >= 3 and [r.record_key for r in rows] == [f"package:2570R1#part-{n}" for n in range(1, parts + 1)]
    assert {r.state for r in rows} == {S.PREVIEWED}
    manifest = json.loads((package_folder() / "manifest.json").read_text(encoding="utf-8"))
    not_approved = _deliver(demo_url)
    assert not_approved.exit_code == ExitCode.INCOMPLETE and "ยังไม่มีการอนุมัติ" in not_approved.output
    assert mail.admin.state()["messages"] == []

    assert cli("approve", "inspection", "--period", "2570R1", "--by", "ผู้อำนวยการ", db_url=demo_url).exit_code == 0
    result = _deliver(demo_url)
    assert result.exit_code == 0, result.output
    _assert_exactly_once(mail, demo_url)
    messages = mail.admin.state()["messages"]
    sent_files = [a for m in messages for a in m["attachments"]]
    package_hash = (package_folder() / "manifest.json").read_bytes()
    import hashlib

    assert sorted((a["filename"], a["sha256"]) for a in sent_files) == sorted(
        [(f["name"], f["sha256"]) for f in manifest["files"]] + [("manifest.json", hashlib.sha256(package_hash).hexdigest())])
    for m in messages:
        assert m["rcpt_tos"] == [RECIPIENT, ARCHIVE]  # the archive copy travels as BCC in the envelope
        assert m["size"] < LIMIT
    assert "รอบที่ ๑ ประจำปีงบประมาณ พ.ศ. ๒๕๗๐" in messages[0]["subject"] and "(ส่วนที่ ๑/" in messages[0]["subject"]

    again = _deliver(demo_url)  # nothing left to send
    assert again.exit_code == 0 and len(mail.admin.state()["messages"]) == parts


def test_preview_page_shows_the_package_hash_and_every_message(demo_sqlite, mail_config):
    result = _flow(demo_sqlite, approve=False)
    preview = cli("deliver", "inspection", "--round", "2570R1", "--dry-run", db_url=demo_sqlite)
    path = preview.output.split("เปิดหน้าตัวอย่าง: ")[1].split()[0]
    html = open(path, encoding="utf-8").read()
    manifest_hash = __import__("hashlib").sha256((package_folder() / "manifest.json").read_bytes()).hexdigest()
    assert f'id="package-hash">{manifest_hash}<' in html
    assert html.count('data-record="package:2570R1#part-') == len(_rows(demo_sqlite)) >= 3
    assert "ยังไม่ได้รับรายงานผล" in html and html.count("<img ") == 3
    del result


def test_a_rebuilt_package_voids_the_approval_and_sends_nothing(demo_sqlite, mail, mail_config):
    from tidtam.core import models as m
    from tidtam.core.db import Database

    _flow(demo_sqlite)
    database = Database(demo_sqlite)
    with database.session() as session:
        result = session.scalars(select(m.InspectionResult).join(m.InspectionIndicator).where(
            m.InspectionIndicator.code == "1.3", m.InspectionResult.period == "2570R1")).one()
        result.result = 33.3
    database.dispose()
    assert cli("package", "inspection", "--round", "2570R1", "--date", MEMO_DATE, "--allow-incomplete",
               db_url=demo_sqlite).exit_code == 0
    refused = _deliver(demo_sqlite)
    assert refused.exit_code == ExitCode.INCOMPLETE and "ถูกยกเลิก" in refused.output
    assert mail.admin.state()["messages"] == []


def test_a_refused_message_is_failed_and_sent_on_the_next_run(demo_sqlite, mail, mail_config):
    _flow(demo_sqlite)
    mail.admin.set_knobs(fail_rate=1.0)
    first = _deliver(demo_sqlite)
    assert first.exit_code == ExitCode.INCOMPLETE and "451" in first.output
    assert {r.state for r in _rows(demo_sqlite)} == {S.FAILED} and mail.admin.state()["messages"] == []
    mail.admin.set_knobs(fail_rate=0.0)
    assert _deliver(demo_sqlite).exit_code == 0
    _assert_exactly_once(mail, demo_sqlite)


def test_an_answer_lost_after_data_is_settled_by_the_archive_without_resending(demo_sqlite, mail, mail_config):
    _flow(demo_sqlite)
    mail.admin.set_knobs(drop_rate=1.0)  # stored, then the line drops before the 250
    first = _deliver(demo_sqlite)
    assert first.exit_code == ExitCode.INCOMPLETE
    assert {r.state for r in _rows(demo_sqlite)} == {S.UNKNOWN}
    assert len(mail.admin.state()["messages"]) == len(_rows(demo_sqlite))
    mail.admin.set_knobs(drop_rate=0.0)
    assert _deliver(demo_sqlite).exit_code == 0
    _assert_exactly_once(mail, demo_sqlite)
    assert all(r.read_back.get("found_in_archive") for r in _rows(demo_sqlite))


def test_without_an_archive_an_unsure_part_waits_for_a_person(demo_sqlite, mail, mail_config):
    mail_config(archive=None)
    _flow(demo_sqlite)
    mail.admin.set_knobs(drop_rate=1.0)
    assert _deliver(demo_sqlite).exit_code == ExitCode.INCOMPLETE
    mail.admin.set_knobs(drop_rate=0.0)
    waiting = _deliver(demo_sqlite)  # never resent by itself
    assert waiting.exit_code == ExitCode.INCOMPLETE and "--mark-delivered 1" in waiting.output
    parts = len(_rows(demo_sqlite))
    assert len(mail.admin.state()["messages"]) == parts
    no_name = _deliver(demo_sqlite, "--mark-delivered", "1")
    assert no_name.exit_code == ExitCode.USAGE
    marks = [a for n in range(1, parts) for a in ("--mark-delivered", str(n))]
    decided = _deliver(demo_sqlite, *marks, "--allow-resend", str(parts), "--by", "นางสาวตรวจ กล่องจดหมาย",
                       "--why", "ตรวจในกล่องจดหมายที่ส่งแล้ว")
    assert decided.exit_code == 0, decided.output
    rows = _rows(demo_sqlite)
    assert [r.state for r in rows] == [S.SUBMITTED] * (parts - 1) + [S.FAILED]
    assert rows[0].submitted_by == "นางสาวตรวจ กล่องจดหมาย" and rows[2].read_back["decision"]["landed"] is False
    assert rows[2].read_back["decision"]["why"] == "ตรวจในกล่องจดหมายที่ส่งแล้ว"
    assert _deliver(demo_sqlite).exit_code == 0  # the one allowed resend
    counts = _received(mail)
    assert sorted(counts.values()) == [1] * (parts - 1) + [2]  # the person resent the last part, which had arrived
    assert _deliver(demo_sqlite).exit_code == 0 and _received(mail) == counts
    from tidtam.core.db import Database

    database = Database(demo_sqlite)
    with database.session() as session:
        actors = set(session.scalars(select(AuditEntry.actor).where(AuditEntry.table_name == "submission")))
    database.dispose()
    assert "นางสาวตรวจ กล่องจดหมาย" in actors
    again = _deliver(demo_sqlite, "--allow-resend", "1", "--by", "x", "--why", "y")
    assert again.exit_code == ExitCode.USAGE  # only unsure parts can be decided


def test_a_miss_in_the_archive_counts_only_after_the_settle_time(demo_sqlite, mail, mail_config):
    """A part left unsure (here: committed SUBMITTING, as a run killed before DATA leaves it) is not
    sent again while the archive may still be about to show it; once settle_seconds have passed
    since the attempt and the archive shows nothing, it is sent, once."""
    from tidtam.core.db import Database

    mail_config(archive={"settle_seconds": 300})
    _flow(demo_sqlite)
    database = Database(demo_sqlite)

    def attempted(seconds_ago: int) -> None:
        with database.session() as session:
            row = session.scalars(select(Submission).where(Submission.record_key == "package:2570R1#part-1")).one()
            row.state, row.attempts = S.SUBMITTING, 1
            row.attempted_at = datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)

    attempted(10)
    early = _deliver(demo_sqlite)
    assert early.exit_code == ExitCode.INCOMPLETE and "รันคำสั่งเดิมอีกครั้งหลัง" in early.output
    assert {m["message_id"] for m in mail.admin.state()["messages"]} == {r.payload["message_id"] for r in _rows(demo_sqlite)[1:]}
    attempted(301)
    assert _deliver(demo_sqlite).exit_code == 0
    database.dispose()
    _assert_exactly_once(mail, demo_sqlite)


# --- kill -9 at random points --------------------------------------------------------------


def _kill_loop(db_file, mail, env, rng, wait_for) -> tuple[int, int]:
    command = [sys.executable, str(PACKAGE_ROOT / "cli.py"), "--db", str(db_file), "deliver", "inspection", "--round", "2570R1"]
    kills = in_flight = 0
    while kills < KILL_POINTS:
        events = lambda: mail.admin.state()["events"]  # noqa: E731  SMTP answers so far
        goal = events() + rng.randint(1, 9)
        mail.admin.set_knobs(hold_at_event=goal)  # the reply numbered goal waits for the kill
        client = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        wait_for(lambda: events() >= goal or client.poll() is not None, timeout=60, what="SMTP events")
        if client.poll() is not None:
            break  # the run finished before this kill point
        os.killpg(client.pid, signal.SIGKILL)
        client.wait()
        mail.admin.set_knobs(hold_at_event=None)
        kills += 1
        url = f"sqlite:///{db_file}"
        in_flight += any(r.state in (S.SUBMITTING, S.UNKNOWN) for r in _rows(url))
        assert max(_received(mail).values(), default=0) <= 1  # at most once, at every point
    mail.admin.set_knobs(hold_at_event=None)
    return kills, in_flight


@pytest.fixture
def kill_setup(tmp_path, mail, mail_config, wait_for):
    def setup(**changes):
        folder = mail_config(**changes)
        db_file = tmp_path / "kill.sqlite"
        url = f"sqlite:///{db_file}"
        assert cli("demo", db_url=url).exit_code == 0
        # more parts: eight incompressible scans of 100 KB, one evidence volume (and message) apiece,
        # so that at least 8 kill points fit in one delivery even when kills land late (a loaded CI)
        add_photos(url, tmp_path / "scans", {f"หนังสือ{n}.pdf": (code, True) for n, code in enumerate(["1.1", "1.3", "2.1", "5.1"] * 2)})
        _flow(url)
        env = {**os.environ, "TIDTAM_CONFIG_DIR": str(folder)}
        return db_file, url, env
    return setup


def test_killed_at_random_points_with_the_archive_every_part_lands_exactly_once(kill_setup, mail, wait_for):
    db_file, url, env = kill_setup()
    parts = len(_rows(url))
    assert parts >= 5
    rng = random.Random(int(os.environ.get("TIDTAM_KILL_SEED", "8")))
    kills, in_flight = _kill_loop(db_file, mail, env, rng, wait_for)
    assert kills >= min(KILL_POINTS, 8), kills
    assert in_flight >= 1  # some kills fell between SUBMITTING and SUBMITTED
    final = subprocess.run([sys.executable, str(PACKAGE_ROOT / "cli.py"), "--db", str(db_file), "deliver", "inspection",
                            "--round", "2570R1"], env=env, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stdout + final.stderr
    _assert_exactly_once(mail, url)


def test_killed_at_random_points_without_an_archive_never_twice_and_a_person_settles_the_rest(
        kill_setup, mail, wait_for):
    db_file, url, env = kill_setup(archive=None)
    rng = random.Random(int(os.environ.get("TIDTAM_KILL_SEED", "8")) + 1)
    kills, _ = _kill_loop(db_file, mail, env, rng, wait_for)
    assert kills >= min(KILL_POINTS, 8), kills
    final = subprocess.run([sys.executable, str(PACKAGE_ROOT / "cli.py"), "--db", str(db_file), "deliver", "inspection",
                            "--round", "2570R1"], env=env, capture_output=True, text=True, timeout=120)
    received = _received(mail)
    rows = _rows(url)
    assert max(received.values(), default=0) <= 1
    for row in rows:  # exactly once wherever the ledger says SUBMITTED
        if row.state is S.SUBMITTED:
            assert received[row.payload["message_id"]] == 1, row.record_key
    unsure = [r for r in rows if r.state in (S.UNKNOWN, S.SUBMITTING)]
    assert (final.returncode == 0) == (not unsure), final.stdout
    # The person looks in the sent mail: arrived -> mark delivered, not there -> allow one resend.
    for row in unsure:
        part = row.record_key.rpartition("-")[2]
        flag = "--mark-delivered" if received[row.payload["message_id"]] else "--allow-resend"
        assert _deliver(url, flag, part, "--by", "เจ้าหน้าที่", "--why", "ตรวจในกล่องจดหมายที่ส่งแล้ว").exit_code == 0
    last = _deliver(url)
    assert last.exit_code == 0, last.output
    _assert_exactly_once(mail, url, archive=False)
    assert _received(mail, ARCHIVE) == Counter()
