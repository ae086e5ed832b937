"""Fixtures for the E-MES push: a stand-in serving the year's frame (the same file the office loads), the target
wired to it through a copy of config/, a migrated SQLite database. Helpers are in emeskit.py."""
from __future__ import annotations

import pytest

from emeskit import config_for, make_target
from tidtam.sandbox.server import run_in_thread


@pytest.fixture
def emes_site():
    with run_in_thread("emes") as handle:
        yield handle


@pytest.fixture
def emes_target(tmp_path, monkeypatch):
    def build(db, url: str, stage: str = "push"):
        folder = config_for(tmp_path / "config", url)
        monkeypatch.setenv("TIDTAM_CONFIG_DIR", str(folder))
        return make_target(db, folder, stage)
    return build
