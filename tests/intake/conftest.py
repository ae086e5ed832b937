"""Intake fixtures: the demo office and its templates, made once per session and copied per test.

- ``intake_master``: a session folder with the demo office on SQLite (``demo.sqlite``), a second
  office (``other.sqlite``, the same data under office code OTHER02) and templates made from both.
- ``sqlite_demo``: a fresh copy of the demo database for one test (SQLite URL).
- ``demo_url``: the demo loaded into the parametrized ``db_url`` (SQLite and PostgreSQL).
- ``template``: ``template("progress")`` copies a freshly made template into the test's own
  import folder and returns its path (kinds: progress, emes, inspection, other_office).
"""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

# Owners chosen in the demo office: their templates cover a reported and an empty record.
PROGRESS_OWNER = "P051"  # 2 projects (2570-018 reported, 2570-019 empty), 6 activities, 4 KPIs
EMES_OWNER = "P024"  # points 1.2.1 (with a result) and 1.2.2 (empty)
INSPECTION_OWNER = "P019"  # indicators 2.2 (empty), 3.1 and 6.1 (with results)
OTHER_OFFICE = "OTHER02"


def cli(*args: str, db_url: str | None = None):
    from tidtam.cli import main

    argv = (["--db", db_url] if db_url else []) + list(args)
    return CliRunner().invoke(main, argv, catch_exceptions=False)


def _ok(result) -> None:
    assert result.exit_code == 0, result.output


def _make(db_url: str, period: str, kind: str, owner: str, out: Path) -> Path:
    _ok(cli("templates", "make", "--period", period, "--kind", kind, "--owner", owner, "--out", str(out), db_url=db_url))
    (path,) = sorted(out.glob(f"{kind}_*.xlsx"))
    return path


def sqlite_copy(source: Path, target: Path) -> str:
    """A consistent copy of a WAL-mode SQLite database (the backup API, not a file copy)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def intake_master(tmp_path_factory):
    root = tmp_path_factory.mktemp("intake_master")
    with pytest.MonkeyPatch.context() as mp:  # session scope: isolated_env is not active yet
        mp.setenv("TIDTAM_DATA_DIR", str(root / "data"))
        mp.setenv("TIDTAM_PLUGINS", "emenscr,emes,inspection")
        for name in ("TIDTAM_DATABASE_URL", "TIDTAM_CONFIG_DIR", "TIDTAM_STRICT_PLUGINS"):
            mp.delenv(name, raising=False)
        url = f"sqlite:///{root / 'demo.sqlite'}"
        _ok(cli("demo", db_url=url))
        templates = {
            "progress": _make(url, "2570Q1", "progress", PROGRESS_OWNER, root / "q1"),
            "emes": _make(url, "2570R1", "emes", EMES_OWNER, root / "r1"),
            "inspection": _make(url, "2570R1", "inspection", INSPECTION_OWNER, root / "r1"),
        }
        # The same office under another code: its template is "another office's template".
        other = sqlite_copy(root / "demo.sqlite", root / "other.sqlite")
        connection = sqlite3.connect(root / "other.sqlite")
        with connection:
            connection.execute("UPDATE office SET code = ?", (OTHER_OFFICE,))
        connection.close()
        templates["other_office"] = _make(other, "2570Q1", "progress", PROGRESS_OWNER, root / "other")
    return {"root": root, "db": root / "demo.sqlite", "templates": templates, "other_office": OTHER_OFFICE}


@pytest.fixture
def sqlite_demo(intake_master, tmp_path) -> str:
    return sqlite_copy(intake_master["db"], tmp_path / "demo.sqlite")


@pytest.fixture
def demo_url(db_url) -> str:
    _ok(cli("demo", db_url=db_url))
    return db_url


@pytest.fixture
def inbox(tmp_path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def template(intake_master, inbox):
    def make(kind: str = "progress", name: str | None = None) -> Path:
        source = intake_master["templates"][kind]
        return Path(shutil.copy(source, inbox / (name or source.name)))

    return make
