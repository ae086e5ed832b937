"""Fixtures for the push: an eMENSCR stand-in holding the demo office's projects, the target
wired to it through a copy of config/, a migrated SQLite database. Helpers are in pushkit.py."""
from __future__ import annotations

import pytest

from pushkit import config_for, make_target
from tidtam.sandbox.server import run_in_thread


@pytest.fixture
def stand_in():
    with run_in_thread("emenscr", demo_data="office") as handle:
        yield handle


@pytest.fixture
def target_of(tmp_path, monkeypatch):
    def build(db, url: str):
        folder = config_for(tmp_path / "config", url)
        monkeypatch.setenv("TIDTAM_CONFIG_DIR", str(folder))
        return make_target(db, folder)
    return build
