"""Shared fixtures: an isolated data dir per test, and databases on SQLite and PostgreSQL.

PostgreSQL tests get a fresh database each and drop it after. Outside CI an unreachable
server skips them with a message; in CI (CI=true) it fails them.
"""
from __future__ import annotations

import os
import uuid

import pytest

PG_ADMIN_URL = os.environ.get("TIDTAM_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No test reads or writes the developer's real data dir, database or plugins."""
    monkeypatch.setenv("TIDTAM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TIDTAM_DATABASE_URL", raising=False)
    monkeypatch.delenv("TIDTAM_CONFIG_DIR", raising=False)
    # Only the built-in plugins load under tests, whatever else is installed on the machine.
    monkeypatch.setenv("TIDTAM_PLUGINS", "emenscr,emes,inspection")
    monkeypatch.delenv("TIDTAM_STRICT_PLUGINS", raising=False)
    return tmp_path


def _pg_admin_engine():
    from sqlalchemy import create_engine

    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture
def postgres_url():
    """URL of a brand-new PostgreSQL database, dropped after the test."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    admin = _pg_admin_engine()
    name = f"tidtam_t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL ที่ {PG_ADMIN_URL} ใช้ไม่ได้: {exc.orig}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield admin.url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=DATABASES)
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tidtam.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def db(db_url):
    """A migrated, empty database."""
    from tidtam.core.db import Database

    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


# --- shared by the push tests of every target (tests/push, tests/push_emes) ---------


@pytest.fixture
def sqlite_db(tmp_path):
    from tidtam.core.db import Database

    database = Database(f"sqlite:///{tmp_path / 'push.sqlite'}")
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def pg_db(postgres_url):
    """A migrated, empty PostgreSQL database (for a push test's PostgreSQL variant)."""
    from tidtam.core.db import Database

    database = Database(postgres_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def wait_for():
    """Poll until condition() is truthy (a condition, never a fixed sleep)."""
    import time

    def wait(condition, timeout: float = 10.0, what: str = "condition"):
        deadline = time.monotonic() + timeout
        while not (value := condition()):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.02)
        return value
    return wait


@pytest.fixture
def runs_until_done(wait_for, kill_tree):
    """``runs(command, env, db, stand_in, rng, kill_points)``: runs of a push command until every
    approved ledger row is SUBMITTED, the first ``kill_points`` killed (kill -9 of the whole tree)
    after a random number of site requests; returns the kills made."""
    import subprocess

    from sqlalchemy import select

    from tidtam.core.models import Submission, SubmissionState as S

    def done(db) -> bool:
        with db.session() as session:
            return {r.state for r in session.scalars(select(Submission).where(Submission.approval_id.is_not(None)))} \
                == {S.SUBMITTED}

    def runs(command, env, db, stand_in, rng, kill_points: int) -> int:
        requests = lambda: stand_in.admin.state()["requests"]["total"]  # noqa: E731
        kills = 0
        for _ in range(20):
            if done(db):
                break
            goal = requests() + rng.randint(3, 25)
            client = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True)
            if kills < kill_points:
                wait_for(lambda: requests() >= goal or client.poll() is not None, timeout=90, what="the kill point")
                if client.poll() is None:
                    kill_tree(client.pid)
                    kills += 1
            client.wait(timeout=240)
        return kills
    return runs


@pytest.fixture
def kill_tree():
    """kill -9 of a process and of every process under it, as a power cut would leave them.
    Not ``os.killpg``: Playwright starts Chromium in a session of its own, so killing the
    client's process group leaves the browser alive, still sending (even resending, when a test
    then cuts the line) what the dead client asked for."""
    import psutil

    def kill(pid: int) -> None:
        root, frozen = psutil.Process(pid), {}
        while True:  # stop the tree first, so no process forks a new child between listing and killing
            try:
                found = [p for p in [root, *root.children(recursive=True)] if p.pid not in frozen]
            except psutil.NoSuchProcess:
                break
            if not found:
                break
            for process in found:
                try:
                    process.suspend()
                except psutil.NoSuchProcess:
                    continue
                frozen[process.pid] = process
        for process in frozen.values():
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
    return kill
