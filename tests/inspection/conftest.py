"""Fixtures for the inspection package and its e-mail delivery: the demo office with photos
added through core/evidence.py, the SMTP/IMAP stand-in, and a copy of config/ pointing at it."""
from __future__ import annotations

import pytest

from inspection_helpers import ARCHIVE, add_photos, cli


@pytest.fixture
def demo_url(db_url, tmp_path):
    """The demo office (both databases) with three photos on 1.1, 2.1 and 5.1."""
    result = cli("demo", db_url=db_url)
    assert result.exit_code == 0, result.output
    add_photos(db_url, tmp_path / "photos", {"ห้องเรียน.jpg": ("1.1", False), "แผนที่.png": ("2.1", False),
                                              "แกนนำ.jpg": ("5.1", False)})
    return db_url


@pytest.fixture
def demo_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'inspection.sqlite'}"
    result = cli("demo", db_url=url)
    assert result.exit_code == 0, result.output
    add_photos(url, tmp_path / "photos", {"ห้องเรียน.jpg": ("1.1", False), "แผนที่.png": ("2.1", False),
                                           "แกนนำ.jpg": ("5.1", False)})
    return url


@pytest.fixture
def mail():
    from tidtam.sandbox.mail import run_in_thread

    with run_in_thread() as handle:
        yield handle


@pytest.fixture
def archive_login(monkeypatch):
    from tidtam.sandbox.site import demo_credentials

    monkeypatch.setenv("TIDTAM_INSPECTION_ARCHIVE_USERNAME", ARCHIVE)
    monkeypatch.setenv("TIDTAM_INSPECTION_ARCHIVE_PASSWORD", demo_credentials()[1])
