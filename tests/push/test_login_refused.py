"""A wrong site password, as a user meets it: the CLI says so in Thai, names the place the password
came from, ends with exit 4 (configuration) and shows no traceback. Against the eMENSCR stand-in."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from tidtam.cli import main
from tidtam.cli_errors import ExitCode

from pushkit import config_for, credentials, load_demo

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("mode", ["browser", "http"])
def test_a_wrong_site_password_says_where_to_fix_it(sqlite_db, stand_in, tmp_path, monkeypatch, mode):
    load_demo(sqlite_db, keep=1)
    monkeypatch.setenv("TIDTAM_CONFIG_DIR", str(config_for(tmp_path / "config", stand_in.url)))
    right = credentials()
    monkeypatch.setenv("TIDTAM_EMENSCR_USERNAME", right.username)
    monkeypatch.setenv("TIDTAM_EMENSCR_PASSWORD", "not-" + right.password.reveal())

    result = CliRunner().invoke(main, ["--db", str(sqlite_db.url.database), "push", "emenscr", "--period", "2570Q1",
                                       "--dry-run", "--mode", mode], catch_exceptions=True)
    assert result.exit_code == ExitCode.BAD_DATA, result.output
    assert "เข้าสู่ระบบ eMENSCR ไม่สำเร็จ: ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in result.output
    assert "แก้ค่าในตัวแปร TIDTAM_EMENSCR_USERNAME / TIDTAM_EMENSCR_PASSWORD แล้วรันคำสั่งเดิมอีกครั้ง" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert stand_in.admin.writes() == []
