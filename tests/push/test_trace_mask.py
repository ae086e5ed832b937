"""core/push/trace.py: what a trace zip holds of a session is masked wherever it shows."""
from __future__ import annotations

import json
import zipfile

from tidtam.core.push.trace import mask, storage_secrets

SID, CSRF, ACCESS, REFRESH, VERIFIER = ("s1d-" + "a" * 28, "csrf" + "b" * 28, "eyJ" + "c" * 40, "eyJ" + "d" * 40,
                                        "v" * 64)


def test_every_session_secret_is_masked_in_every_member_and_nothing_else_changes(tmp_path):
    network = {"request": {"headers": [{"name": "Cookie", "value": f"SID={SID}; lang=th"},
                                       {"name": "Authorization", "value": f"Bearer {ACCESS}"},
                                       {"name": "Accept-Language", "value": "th-TH"}]}}
    snapshot = ["META", {"name": "csrf-token", "content": CSRF}, {"code": "2570-001"}]
    token_answer = json.dumps({"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 300})
    refresh_body = f"code={'k' * 43}&grant_type=refresh_token&refresh_token={REFRESH}&client_id=emenscr-nesdc&code_verifier={VERIFIER}"
    path = tmp_path / "trace.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("trace.network", json.dumps(network))
        archive.writestr("trace.trace", json.dumps(snapshot) + "\nโครงการ 2570-001 ร้อยละ 75")
        archive.writestr("resources/a.json", token_answer)
        archive.writestr("resources/b.txt", refresh_body)
        archive.writestr("resources/c.html", f'<input type="hidden" name="csrf_token" value="{CSRF}">')
    mask(path, storage_secrets({"cookies": [{"name": "SID", "value": SID}], "origins": []}))
    with zipfile.ZipFile(path) as archive:
        everything = "\n".join(archive.read(name).decode() for name in archive.namelist())
    for secret in (SID, CSRF, ACCESS, REFRESH, VERIFIER, "k" * 43):
        assert secret not in everything
    assert everything.count("***") >= 8
    assert "โครงการ 2570-001 ร้อยละ 75" in everything and '"code": "2570-001"' in everything and "th-TH" in everything and "emenscr-nesdc" in everything
