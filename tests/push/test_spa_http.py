"""``--mode http`` on the Keycloak/JavaScript profile of the eMENSCR stand-in (issue 17): the
push signs in with the authorization code flow and PKCE over httpx (core/push/oidc.py), reads the
project list from the JSON API and saves through it with a bearer token, renewed when it expires
mid-push. Every record lands exactly once, on SQLite and PostgreSQL."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from tidtam.core.config import ConfigError, TargetConfig
from tidtam.core.credentials import Credentials, Secret
from tidtam.core.models import Submission, SubmissionState as S
from tidtam.core.periods import parse_period
from tidtam.core.push import run
from tidtam.core.push.run import Target
from tidtam.core.errors import BadInput
from tidtam.core.plugins import load_plugins
from tidtam.sandbox.server import run_in_thread

from pushkit import credentials, load_demo, options
from test_keycloak_signin import spa_config

Q1 = parse_period("2570Q1")


def spa_target(db, tmp_path, url: str) -> Target:
    registry = load_plugins()
    spec = registry.target("emenscr")
    return Target(db, registry.hooks_for(spec.name), spec, spa_config(tmp_path, url.rstrip("/")), "DEMO01")


def _writes(spa) -> Counter:
    return Counter((w["target"]["project_id"], w["target"]["quarter"]) for w in spa.admin.writes("progress.save"))


def test_http_mode_signs_in_with_pkce_and_lands_every_record_once_while_tokens_expire(db, tmp_path):
    load_demo(db, keep=8)
    # an access token lives 2 s and the site answers slowly: tokens expire again and again mid-push
    with run_in_thread("emenscr", profile="spa", demo_data="office", token_ttl=2, latency_ms=150) as spa:
        t = spa_target(db, tmp_path, spa.url)
        preview = run.dry_run(t, Q1, credentials(), options("dry-run", mode="http", concurrency=2))
        assert [r.state for r in preview.rows] == ["preview"] * 8 and spa.admin.writes() == []
        run.approve(t, Q1, "นายผู้อำนวยการ ทดสอบ")
        result = run.push(t, Q1, credentials(), options(mode="http", concurrency=2))
        again = run.push(t, Q1, credentials(), options(mode="http"))
        sign_in = spa.admin.state()["sign_in"]["counts"]
        writes = _writes(spa)
    assert result.failures == [] and again.failures == []
    assert len(writes) == 8 and set(writes.values()) == {1}, writes
    with db.session() as session:
        assert [r.state for r in session.scalars(select(Submission))] == [S.SUBMITTED] * 8
    assert sign_in["tokens.authorization_code"] >= 2  # each worker of each run signed in with code + PKCE
    assert sign_in["tokens.refresh_token"] >= 1  # and renewed its token mid-run instead of failing a record


def test_http_mode_reads_a_wrong_password_from_the_sign_in_page(sqlite_db, tmp_path):
    load_demo(sqlite_db, keep=1)
    with run_in_thread("emenscr", profile="spa", demo_data="office") as spa:
        t = spa_target(sqlite_db, tmp_path, spa.url)
        wrong = Credentials(credentials().username, Secret("not-the-password"), "prompt")
        with pytest.raises(BadInput, match="เข้าสู่ระบบ eMENSCR ไม่สำเร็จ"):
            run.dry_run(t, Q1, wrong, options("dry-run", mode="http"))
        assert spa.admin.state()["sign_in"]["counts"]["logins_failed"] == 1  # not once per worker: no lockout


def test_http_mode_without_a_client_id_names_the_config_key(sqlite_db, tmp_path):
    load_demo(sqlite_db, keep=1)
    with run_in_thread("emenscr", profile="spa", demo_data="office") as spa:
        t = spa_target(sqlite_db, tmp_path, spa.url)
        forms = t.config.forms.model_copy(update={"login": t.config.forms.login.model_copy(update={"client_id": None})})
        t.config = TargetConfig(t.config.target, t.config.version, t.config.mapping, forms, t.config.folder)
        with pytest.raises(ConfigError, match=r"login\.client_id"):
            run.dry_run(t, Q1, credentials(), options("dry-run", mode="http"))
