"""Bad input as a new user types it: each answer is Thai, says what to do, ends with the README's
exit code, and shows no traceback. The wrong site password is in tests/push/test_login_refused.py
(it needs the eMENSCR stand-in); every command × malformed option is in test_cli_sweep.py."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tidtam.cli import main
from tidtam.cli_errors import ExitCode


def cli(*args: str, db: str | None = None):
    argv = (["--db", db] if db else []) + list(args)
    return CliRunner().invoke(main, argv, catch_exceptions=True)


def assert_answered(result, code: int, *phrases: str) -> None:
    """Ended with ``code``, every phrase in the output, no traceback, no exception left over."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for phrase in phrases:
        assert phrase in result.output, result.output


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    """The demo office in SQLite, loaded once for the module (no test here changes it)."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'tidtam.sqlite'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIDTAM_DATA_DIR", str(folder / "data"))
        patch.delenv("TIDTAM_CONFIG_DIR", raising=False)
        result = CliRunner().invoke(main, ["--db", url, "demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return url


# --- a period of the wrong kind for the target ------------------------------------------


def test_a_round_on_a_quarterly_target_is_refused_before_any_work(demo_url, isolated_env):
    result = cli("push", "emenscr", "--period", "2570R1", "--dry-run", db=demo_url)
    assert_answered(result, ExitCode.USAGE, "emenscr รับเฉพาะไตรมาส เช่น 2570Q1 (ได้ 2570R1)", "push --help")
    assert not (isolated_env / "data" / "runs").exists()  # no dry-run was started


@pytest.mark.parametrize("args, rule", [
    (["push", "emes", "--period", "2570Q1"], "emes รับเฉพาะรอบการประเมิน เช่น 2570R1"),
    (["approve", "emenscr", "--period", "2570R1", "--by", "ผู้อำนวยการ"], "emenscr รับเฉพาะไตรมาส เช่น 2570Q1"),
    (["report", "emenscr", "--period", "2570R2"], "emenscr รับเฉพาะไตรมาส เช่น 2570Q1"),
])
def test_every_target_command_takes_only_the_period_kinds_its_target_declares(demo_url, args, rule):
    assert_answered(cli(*args, db=demo_url), ExitCode.USAGE, rule)


# --- numbers and names that cannot be right -------------------------------------------------


@pytest.mark.parametrize("args, option", [
    (["push", "emenscr", "--period", "2570Q1", "--read-timeout", "-1"], "--read-timeout"),
    (["push", "emenscr", "--period", "2570Q1", "--action-timeout", "0"], "--action-timeout"),
    (["confirm", "emes", "--round", "2570R1", "--read-timeout", "-5"], "--read-timeout"),
    (["doctor", "emenscr", "--read-timeout", "nan"], "--read-timeout"),
])
def test_a_timeout_must_be_seconds_above_zero(args, option):
    assert_answered(cli(*args), ExitCode.USAGE, f"ค่าของ {option} ไม่ถูกต้อง", "มากกว่า 0")


def test_concurrency_zero_is_refused_in_thai():
    result = cli("push", "emenscr", "--period", "2570Q1", "--concurrency", "0")
    assert_answered(result, ExitCode.USAGE, "ค่าของ --concurrency ไม่ถูกต้อง: ต้องไม่น้อยกว่า 1 และไม่เกิน 10 (ได้ 0)",
                    "ดูคำอธิบายตัวเลือก: main push --help")
    assert "Error:" not in result.output and "Invalid value" not in result.output


@pytest.mark.parametrize("args, option", [
    (["approve", "emenscr", "--period", "2570Q1", "--by", ""], "--by"),
    (["approve", "emenscr", "--period", "2570Q1", "--by", "   "], "--by"),
    (["deliver", "inspection", "--round", "2570R1", "--mark-delivered", "1", "--by", " "], "--by"),
    (["confirm", "emes", "--round", "2570R1", "--approve", ""], "--approve"),
])
def test_an_approver_or_decider_needs_a_name(demo_url, args, option):
    assert_answered(cli(*args, db=demo_url), ExitCode.USAGE, f"ค่าของ {option} ไม่ถูกต้อง: ต้องไม่เว้นว่าง",
                    f"ใส่ค่าจริงหลัง {option}")


def test_deciding_an_unsure_email_without_a_name_says_to_give_one(demo_url):
    result = cli("deliver", "inspection", "--round", "2570R1", "--mark-delivered", "1", db=demo_url)
    assert_answered(result, ExitCode.USAGE, 'ต้องระบุชื่อผู้ตัดสินใจด้วย --by "ชื่อ"')


@pytest.mark.parametrize("empty, named", [
    ({"TIDTAM_EMENSCR_PASSWORD": ""}, "TIDTAM_EMENSCR_PASSWORD"),
    ({"TIDTAM_EMENSCR_PASSWORD": "  "}, "TIDTAM_EMENSCR_PASSWORD"),
    ({"TIDTAM_EMENSCR_USERNAME": ""}, "TIDTAM_EMENSCR_USERNAME"),
])
def test_an_empty_credential_in_the_environment_is_a_config_error(demo_url, monkeypatch, empty, named):
    monkeypatch.setenv("TIDTAM_EMENSCR_USERNAME", "director01")
    monkeypatch.setenv("TIDTAM_EMENSCR_PASSWORD", "s3cret")
    for variable, value in empty.items():
        monkeypatch.setenv(variable, value)
    result = cli("push", "emenscr", "--period", "2570Q1", "--dry-run", db=demo_url)
    assert_answered(result, ExitCode.BAD_DATA, f"ตัวแปร {named} ตั้งไว้แต่ว่างเปล่า", f"unset {named}",
                    "keyring (บริการ tidtam:emenscr)")


# --- the database ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["status", "--period", "2570Q1"], ["templates", "make", "--period", "2570Q1"]])
def test_a_mistyped_db_file_is_refused_and_not_created(tmp_path, command):
    typo = tmp_path / "tidtam.sqlte"
    assert_answered(cli(*command, db=str(typo)), ExitCode.DATABASE, f"ไม่พบฐานข้อมูล {typo}", "ตรวจ --db",
                    "python cli.py init")
    assert not typo.exists()


def test_a_db_in_a_folder_that_does_not_exist_is_refused_even_by_init(tmp_path):
    typo = tmp_path / "dtaa" / "tidtam.sqlite"
    assert_answered(cli("init", db=str(typo)), ExitCode.DATABASE, f"ไม่มีโฟลเดอร์ {typo.parent}", "ตรวจ --db")
    assert not typo.parent.exists()


def _sqlite_file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def test_a_database_never_migrated_says_to_run_db_upgrade(db_url):
    if db_url.startswith("sqlite"):
        sqlite3.connect(_sqlite_file(db_url)).execute("CREATE TABLE unrelated (x)").connection.close()
    result = cli("status", "--period", "2570Q1", db=db_url)
    assert_answered(result, ExitCode.DATABASE, "ยังไม่ได้สร้างตารางหรือยังไม่ใช่รุ่นล่าสุด", "python cli.py db upgrade")
    assert not re.search(r"\b(SELECT|FROM|\[SQL)", result.output)


def test_a_database_behind_the_newest_migration_says_to_run_db_upgrade(demo_url, tmp_path):
    """The demo database without migration 0003 (the push ledger's columns): the push's summary
    reads them."""
    from alembic import command

    from tidtam.core.db import Database, alembic_config

    copy = tmp_path / "old.sqlite"
    source = sqlite3.connect(_sqlite_file(demo_url))
    with sqlite3.connect(copy) as target:
        source.backup(target)
    source.close()
    database = Database(f"sqlite:///{copy}")
    with database.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    database.dispose()
    result = cli("report", "emenscr", "--period", "2570Q1", "--out", str(tmp_path / "out"), db=str(copy))
    assert_answered(result, ExitCode.DATABASE, "ยังไม่ใช่รุ่นล่าสุด", "python cli.py db upgrade")
    assert "[SQL" not in result.output


# --- click's own errors, and the unexpected -------------------------------------------------


@pytest.mark.parametrize("args, answer", [
    (["--nope"], "ไม่มีตัวเลือก --nope"),
    (["statsu"], 'ไม่มีคำสั่ง "statsu" — หมายถึง status หรือไม่?'),
    (["status"], "ต้องระบุ --period"),
    (["status", "--period"], "ตัวเลือก --period ต้องมีค่าตามหลัง"),
    (["status", "--period", "2570Q1", "--json=yes"], "ตัวเลือก --json ไม่รับค่า"),
    (["calendar", "--fy", "abc"], 'ค่าของ --fy ไม่ถูกต้อง: "abc" ไม่ใช่จำนวนเต็ม'),
    (["templates", "make", "--period", "2570Q1", "--kind", "x"], '"x" ไม่มีในตัวเลือก (เลือกได้: progress, emes, inspection)'),
    (["import", "no-such-file.xlsx"], 'ไม่พบไฟล์หรือโฟลเดอร์ "no-such-file.xlsx"'),
    (["calendar", "2570"], "มีคำเกินมาที่คำสั่งนี้ไม่รับ: 2570"),
])
def test_clicks_own_usage_errors_are_in_thai_with_where_to_read_the_usage(args, answer):
    result = cli(*args)
    assert_answered(result, ExitCode.USAGE, answer, "ดูคำอธิบายตัวเลือก:", "--help")
    assert "Error:" not in result.output and "Usage:" not in result.output


def test_an_unexpected_error_names_itself_and_the_file_keeping_its_traceback(monkeypatch):
    import tidtam.core.calendar

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")
    monkeypatch.setattr(tidtam.core.calendar, "load_calendar", broken)
    result = cli("calendar", "--fy", "2570")
    assert_answered(result, ExitCode.ERROR, "เกิดข้อผิดพลาดที่ไม่คาดคิด: ZeroDivisionError: boom", "โปรดแจ้งผู้ดูแล")
    saved = Path(re.search(r"รายละเอียดอยู่ในไฟล์ (\S+)", result.output).group(1))
    assert "Traceback" in saved.read_text(encoding="utf-8") and "ZeroDivisionError: boom" in saved.read_text(encoding="utf-8")
