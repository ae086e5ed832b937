"""The secrets sweep on the Keycloak/JavaScript profile: a traced dry-run and push in Chromium and
a push in http mode write no password, no token (access, refresh, ID: JWTs) and no SSO session id
into anything they leave behind — database, preview, screenshots, traces (their every member)."""
from __future__ import annotations

import re

import pytest

from tidtam.core.credentials import Credentials, Secret
from tidtam.core.periods import parse_period
from tidtam.core.push import run
from tidtam.sandbox.server import run_in_thread

from pushkit import credentials, load_demo, options
from test_push_faults import _contents
from test_push_flow import _approve
from test_push_spa import spa_target

Q1 = parse_period("2570Q1")
pytestmark = pytest.mark.browser
JWT = re.compile(rb"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}")
SSO = re.compile(rb'KEYCLOAK_SESSION(?:=|","value":")([^;"\s]+)')


def test_no_password_token_or_session_id_in_anything_a_spa_push_writes(sqlite_db, tmp_path, monkeypatch):
    secret = "ลับมาก-P4ss-spa"
    monkeypatch.setenv("TIDTAM_SANDBOX_PASSWORD", secret)
    login = Credentials(credentials().username, Secret(secret), "prompt")
    load_demo(sqlite_db, keep=3)
    with run_in_thread("emenscr", profile="spa", demo_data="office", token_ttl=3) as spa:
        t = spa_target(sqlite_db, spa.url, tmp_path / "config")
        dry = run.dry_run(t, Q1, login, options("dry-run", trace=True))
        _approve(t)
        pushed = run.push(t, Q1, login, options(trace=True))
        spa.admin.set_knobs(token_ttl=300)
        http = run.push(t, Q1, login, options(mode="http"))
    assert pushed.failures == [] and http.failures == []
    assert list(dry.run_dir.glob("trace-*.zip")) and list(pushed.run_dir.glob("trace-*.zip"))
    needles = [secret.encode("utf-8"), secret.encode("unicode_escape")]
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".sqlite" for p in written) and any(p.suffix == ".png" for p in written)
    for path in written:
        for name, blob in _contents(path):
            assert not any(n in blob for n in needles), f"password or session id in {path} › {name}"
            assert not JWT.search(blob), f"a token in {path} › {name}: {JWT.search(blob).group()[:40]!r}"
            assert set(SSO.findall(blob)) <= {b"***"}, f"the SSO session id in {path} › {name}"
