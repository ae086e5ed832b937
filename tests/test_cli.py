"""The CLI through click's CliRunner: demo, status, calendar, db upgrade, exit codes, lazy imports."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

from tidtam.cli import main
from tidtam.cli_errors import ExitCode
from tidtam.core.office_data import DEMO_DIR
from tidtam.core.settings import PACKAGE_ROOT


def run(*args, db_url=None):
    argv = (["--db", db_url] if db_url else []) + list(args)
    return CliRunner().invoke(main, argv, catch_exceptions=False)


def _demo_counts():
    plan = yaml.safe_load((DEMO_DIR / "plan_2570.yaml").read_text(encoding="utf-8"))
    progress = yaml.safe_load((DEMO_DIR / "progress_2570Q1.yaml").read_text(encoding="utf-8"))
    return len(plan["projects"]), {r["project"] for r in progress["reports"]}


@pytest.fixture
def demo_db(db_url):
    result = run("demo", db_url=db_url)
    assert result.exit_code == 0, result.output
    return db_url


def test_demo_loads_a_realistic_office(demo_db):
    from sqlalchemy import func, select

    from tidtam.core import models as m
    from tidtam.core.db import Database

    database = Database(demo_db)
    with database.session() as s:
        count = lambda model: s.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert count(m.Group) >= 8
        assert count(m.Person) >= 40
        assert count(m.Project) >= 60
        assert count(m.EmesStandard) == 3
        assert count(m.EmesIndicator) >= 6 and count(m.EmesPoint) >= 14  # the year's frame (config/emes/frames)
        assert count(m.InspectionIndicator) >= 10
        q1 = s.scalar(select(func.count()).select_from(m.ProjectProgress).where(m.ProjectProgress.period == "2570Q1"))
        assert 0 < q1 < count(m.Project)  # Q1 partly filled: status shows who is missing
        for later in ("2570Q2", "2570Q3", "2570Q4"):  # then every project reports: a whole year
            reports = s.scalar(select(func.count()).select_from(m.ProjectProgress).where(m.ProjectProgress.period == later))
            assert reports == count(m.Project), later
        assert {r for (r,) in s.execute(select(m.EmesResult.period).distinct())} == {"2570R1", "2570R2"}
        assert {r for (r,) in s.execute(select(m.InspectionResult.period).distinct())} == {"2570R1", "2570R2"}
        assert count(m.AuditEntry) > 0
    database.dispose()


def test_demo_twice_replaces_instead_of_duplicating(demo_db):
    result = run("demo", db_url=demo_db)
    assert result.exit_code == 0
    projects, _ = _demo_counts()
    assert f"{projects} โครงการ" in result.output


def test_status_lists_exactly_the_projects_without_q1_progress(demo_db):
    result = run("status", "--period", "2570Q1", "--json", "--today", "2027-01-10", db_url=demo_db)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    emenscr = next(p for p in data["processes"] if p["code"] == "1.2")
    projects, reported = _demo_counts()
    assert emenscr["expected"] == projects
    assert emenscr["filled"] == len(reported)
    missing = {item["code"] for item in emenscr["missing"]}
    assert missing and not (missing & reported)
    assert emenscr["due"] == "2027-01-15" and emenscr["days_left"] == 5
    assert all(item["owner_name"] for item in emenscr["missing"])
    assert data["label"] == "ไตรมาสที่ 1 (1 ต.ค. 69 – 31 ธ.ค. 69)"


def test_status_table_is_in_thai(demo_db):
    result = run("status", "--period", "2570Q1", "--today", "2027-01-20", db_url=demo_db)
    assert result.exit_code == 0, result.output
    assert "ยังไม่ได้รับข้อมูลจาก" in result.output
    assert "เลยกำหนด 5" in result.output
    assert "eMENSCR" in result.output


def test_status_for_a_round_covers_emes_and_inspection(demo_db):
    result = run("status", "--period", "2570R1", "--json", db_url=demo_db)
    codes = {p["code"] for p in json.loads(result.stdout)["processes"]}
    assert codes == {"1.1", "1.3"}
    table = run("status", "--period", "2570R1", db_url=demo_db).output
    assert "E-MES:" in table and "ตรวจราชการ:" in table  # same-numbered items of two frames kept apart


def test_bad_period_is_a_usage_error_in_thai(demo_db):
    result = run("status", "--period", "2570Q5", db_url=demo_db)
    assert result.exit_code == ExitCode.USAGE
    assert "รหัสช่วงเวลาไม่ถูกต้อง" in result.output


def test_status_without_the_office_says_to_run_demo(db_url):
    assert run("db", "upgrade", db_url=db_url).exit_code == 0
    result = run("status", "--period", "2570Q1", db_url=db_url)
    assert result.exit_code == ExitCode.BAD_DATA
    assert "python cli.py demo" in result.output


def test_bad_office_file_names_file_and_key_and_changes_nothing(demo_db, tmp_path):
    import shutil

    folder = tmp_path / "office"
    shutil.copytree(DEMO_DIR, folder)
    plan = folder / "plan_2570.yaml"
    data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    data["projects"][2]["owner"] = "P999"
    plan.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    before = run("status", "--period", "2570Q1", "--json", "--today", "2027-01-10", db_url=demo_db).stdout

    result = run("demo", "--folder", str(folder), db_url=demo_db)
    assert result.exit_code == ExitCode.BAD_DATA
    assert f"{plan} › projects.2.owner: ไม่มีบุคลากรรหัส \"P999\"" in result.output
    after = run("status", "--period", "2570Q1", "--json", "--today", "2027-01-10", db_url=demo_db).stdout
    assert after == before


def test_calendar_json_gives_deadlines_of_the_fiscal_year():
    result = run("calendar", "--fy", "2570", "--json")
    assert result.exit_code == 0
    processes = {p["code"]: p for p in json.loads(result.stdout)["processes"]}
    assert [d["due"] for d in processes["1.2"]["deadlines"]] == ["2027-01-15", "2027-04-15", "2027-07-15", "2027-10-15"]
    assert processes["1.1"]["deadlines"][0] == {"period": "2570R1", "due": "2027-03-31"}


def _modules_after(argv: list[str], prefixes: tuple[str, ...]) -> list[str]:
    """The modules with one of ``prefixes`` that a process running ``cli.py argv`` imported."""
    code = (
        "import json, sys; from tidtam.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({prefixes!r}))), file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True)
    return json.loads(result.stderr.strip().splitlines()[-1])  # the list printed last


def test_help_imports_nothing_heavy():
    """--help lists the plugins' commands too, so it loads the plugins (pluggy, their packages),
    but nothing of what their commands or the targets' configs use."""
    heavy = ("sqlalchemy", "playwright", "rich", "alembic", "httpx", "pydantic", "yaml", "platformdirs",
             "tidtam.core.config", "tidtam.sandbox", "tidtam.plugins.emenscr.mapping", "tidtam.plugins.emes.summary",
             "tidtam.plugins.inspection.package")
    assert _modules_after(["--help"], heavy) == []
    assert _modules_after(["status", "--period", "2570X9"], heavy) != []  # the probe sees imports at all


def test_status_completeness_and_calendar_import_only_what_they_use(tmp_path):
    """Heavy imports stay inside the commands that need them: no plugins, browser, migrations,
    workbooks or documents for the commands a person types all day."""
    db_file = tmp_path / "office.sqlite"
    assert run("demo", db_url=str(db_file)).exit_code == 0
    unused = ("playwright", "alembic", "httpx", "openpyxl", "jinja2", "matplotlib", "docx", "pptx", "pluggy",
              "tenacity", "keyring", "tidtam.plugins", "tidtam.sandbox", "tidtam.core.push", "tidtam.core.reports")
    for argv in (["status", "--period", "2570Q1"], ["completeness", "--period", "2570Q1"], ["calendar", "--fy", "2570"]):
        assert _modules_after(["--db", str(db_file), *argv], unused) == [], argv


def test_cli_runs_from_a_plain_checkout_without_install(tmp_path):
    """``python cli.py`` in a copy of the tree that pip never saw imports that copy as ``tidtam``."""
    import shutil

    copy = tmp_path / "checkout"
    shutil.copytree(PACKAGE_ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "*.egg-info", "__pycache__"))
    code = (
        "import runpy, sys\n"
        "sys.meta_path = [f for f in sys.meta_path if 'editable' not in type(f).__module__]  # forget the install\n"
        "sys.argv = [sys.argv[1], 'plugins', '--json']\n"
        "try:\n    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "except SystemExit as exit:\n    assert not exit.code, exit.code\n"
        "print(sys.modules['tidtam'].__file__, sys.modules['tidtam.plugins.emenscr'].__file__, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(copy / "cli.py")], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert {p["name"] for p in json.loads(result.stdout) if not p["error"]} == {"emenscr", "emes", "inspection"}
    assert result.stderr.split() == [str(copy / "__init__.py"), str(copy / "plugins/emenscr/__init__.py")]


def test_init_and_upgrade_are_idempotent(tmp_path):
    db_file = tmp_path / "office.sqlite"
    for _ in range(2):
        result = run("init", db_url=str(db_file))
        assert result.exit_code == 0, result.output
        assert "แคตตาล็อกอ้างอิง" in result.output
    assert run("db", "upgrade", db_url=str(db_file)).exit_code == 0
    assert db_file.exists()
