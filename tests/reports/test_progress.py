"""`report progress`: the numbers in the files, the lateness rule, stable and all-or-nothing
output, the Thai chart font, and the docx as LibreOffice renders it."""
from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from docx import Document
from openpyxl import load_workbook

from tidtam.cli_errors import ExitCode
from tidtam.core.office_data import DEMO_DIR
from tidtam.core.reports import charts, progress
from tidtam.core.reports.progress import ActivityRow, late_reasons

from .conftest import REPORT_DATE, cli, pdf_font_names, pdf_text, thai_font_families, to_pdf

Q2_LABEL = "ไตรมาสที่ ๒ (๑ ม.ค. ๗๐ – ๓๑ มี.ค. ๗๐)"


def demo_q1() -> dict[str, dict]:
    data = yaml.safe_load((DEMO_DIR / "progress_2570Q1.yaml").read_text(encoding="utf-8"))
    return {r["project"]: r for r in data["reports"]}


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def sheet_rows(path: Path, name: str) -> list[dict]:
    ws = load_workbook(path, read_only=True)[name]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


# --- the lateness rule --------------------------------------------------------------------


def activity(seq=1, due=True, started=True, percent=None):
    return ActivityRow(seq, "กิจกรรม", [10], due, started, None if percent is None else Decimal(percent))


RULE = dict(cancelled=False, completed=False, budget=Decimal("1000"), target_percent=61.0)


def test_on_plan_project_is_not_late():
    assert late_reasons([activity(percent=100), activity(2, due=False, percent=10)], disbursed=Decimal("610"), **RULE) == []


def test_due_activity_below_100_or_unreported_is_late():
    reasons = late_reasons([activity(1, percent=80), activity(2)], disbursed=Decimal("900"), **RULE)
    assert reasons == ["กิจกรรมที่ ๑ ถึงกำหนดแล้วเสร็จ แต่ความก้าวหน้าร้อยละ ๘๐.๐",
                       "กิจกรรมที่ ๒ ถึงกำหนดแล้วเสร็จ แต่ยังไม่รายงาน"]


def test_started_activity_never_reported_is_late_but_a_future_one_is_not():
    started = late_reasons([activity(due=False)], disbursed=Decimal("700"), **RULE)
    assert started == ["กิจกรรมที่ ๑ เริ่มตามแผนแล้ว แต่ยังไม่รายงานความก้าวหน้า"]
    assert late_reasons([activity(due=False, started=False)], disbursed=Decimal("700"), **RULE) == []


def test_disbursement_below_the_cumulative_target_is_late_unless_completed_or_cancelled():
    below = Decimal("609.99")
    assert late_reasons([], disbursed=below, **RULE) == ["เบิกจ่ายสะสมร้อยละ ๖๑.๐ ต่ำกว่าเป้าหมายร้อยละ ๖๑.๐"]
    assert late_reasons([], disbursed=Decimal("610"), **RULE) == []
    assert late_reasons([], disbursed=below, **{**RULE, "completed": True}) == []
    assert late_reasons([activity(percent=0)], disbursed=below, **{**RULE, "cancelled": True}) == []
    assert late_reasons([], disbursed=Decimal("0"), **{**RULE, "budget": Decimal("0")}) == []


# --- the files, on both databases ---------------------------------------------------------


def demo_reports(period: str) -> dict[str, dict]:
    data = yaml.safe_load((DEMO_DIR / f"progress_{period}.yaml").read_text(encoding="utf-8"))
    return {r["project"]: r for r in data["reports"]}


def remove_report(db_url: str, project_code: str, period: str) -> None:
    from sqlalchemy import select

    from tidtam.core import models as m
    from tidtam.core.db import Database

    database = Database(db_url)
    with database.session(actor="test") as s:
        s.delete(s.scalars(select(m.ProjectProgress).join(m.Project)
                           .where(m.Project.code == project_code, m.ProjectProgress.period == period)).one())
    database.dispose()


def test_progress_report_numbers_on_both_databases(db_url, tmp_path):
    assert cli("demo", db_url=db_url).exit_code == 0
    q1, q2 = demo_q1(), demo_reports("2570Q2")
    remove_report(db_url, "2570-002", "2570Q2")  # as if its owner had not sent Q2 yet
    out = tmp_path / "q2"
    result = cli("report", "progress", "--period", "2570Q2", "--date", REPORT_DATE, "--out", str(out), db_url=db_url)
    assert result.exit_code == 0, result.output

    docx_path, xlsx_path = out / "รายงานความก้าวหน้า_2570Q2.docx", out / "รายงานความก้าวหน้า_2570Q2.xlsx"
    projects = {r["รหัส"]: r for r in sheet_rows(xlsx_path, "รายโครงการ")}
    plan = yaml.safe_load((DEMO_DIR / "plan_2570.yaml").read_text(encoding="utf-8"))
    assert len(projects) == len(plan["projects"])

    # Cumulative disbursement = Q1 + Q2; its target is 61% of the budget.
    first = projects["2570-001"]
    cumulative = q1["2570-001"]["disbursed"] + q2["2570-001"]["disbursed"]
    assert first["เบิกจ่ายสะสม (บาท)"] == pytest.approx(cumulative)
    assert first["เป้าหมาย (บาท)"] == pytest.approx(68000 * 0.61)
    assert all(a["percent"] == 100 for a in q2["2570-001"]["activities"])  # every activity due by March is done:
    assert (first["ล่าช้า"] == "ล่าช้า") == (cumulative < 68000 * 0.61)  # late only for its money
    assert first["สถานะ"] == "อยู่ระหว่างดำเนินการ"

    # A project reported in Q1 only: its Q1 money still counts, its Q2 status is "not reported".
    second = projects["2570-002"]
    assert second["เบิกจ่ายสะสม (บาท)"] == pytest.approx(q1["2570-002"]["disbursed"])
    assert second["สถานะ"] == "ไม่ส่งรายงาน" and second["ล่าช้า"] == "ล่าช้า"

    total = sheet_rows(xlsx_path, "สรุป")[0]
    expected_total = sum(r["disbursed"] for r in q1.values()) + sum(r["disbursed"] for r in q2.values()) \
        - q2["2570-002"]["disbursed"]
    assert total["เบิกจ่ายสะสม (บาท)"] == pytest.approx(expected_total)
    assert total["เป้าหมายร้อยละ"] == 61
    assert len(sheet_rows(xlsx_path, "รายกลยุทธ์")) == len(plan["strategies"])

    text = docx_text(docx_path)
    assert Q2_LABEL in text
    assert "ข้อมูล ณ วันที่ ๑๐ เมษายน ๒๕๗๐" in text
    assert "๕. โครงการล่าช้า" in text and "โครงการล่าช้า คือ" in text
    for strategy in plan["strategies"]:
        assert progress.th(strategy["name"]) in text
    assert "2570-002" in text and "นายอภิชาติ ดวงแก้ว" in text  # a late project with its owner
    late_table = Document(str(docx_path)).tables[-1]
    late_codes = {row.cells[0].text for row in late_table.rows[1:]}
    assert "2570-002" in late_codes and "2570-001" not in late_codes


def test_a_round_is_refused_and_a_missing_target_names_the_file(demo_sqlite, tmp_path, monkeypatch):
    result = cli("report", "progress", "--period", "2570R1", db_url=demo_sqlite)
    assert result.exit_code == ExitCode.USAGE and "ต้องเป็นไตรมาส" in result.output
    config = tmp_path / "config"
    import shutil

    from tidtam.core.settings import PACKAGE_ROOT

    shutil.copytree(PACKAGE_ROOT / "config", config)
    office = config / "office.yaml"
    office.write_text(office.read_text(encoding="utf-8").replace("Q2: 61, ", ""), encoding="utf-8")
    monkeypatch.setenv("TIDTAM_CONFIG_DIR", str(config))
    result = cli("report", "progress", "--period", "2570Q2", "--out", str(tmp_path / "x"), db_url=demo_sqlite)
    assert result.exit_code == ExitCode.BAD_DATA
    assert f"{office} › disbursement_targets.Q2" in result.output
    assert not (tmp_path / "x").exists()


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_data_and_date_give_the_same_files(demo_sqlite, tmp_path):
    for name in ("a", "b"):
        result = cli("report", "progress", "--period", "2570Q1", "--date", REPORT_DATE, "--out", str(tmp_path / name), db_url=demo_sqlite)
        assert result.exit_code == 0, result.output
    first, second = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert len(first) == 6 and first == second


def test_a_failed_run_leaves_no_folder_and_keeps_the_previous_one(demo_sqlite, tmp_path, monkeypatch):
    out = tmp_path / "report"
    assert cli("report", "progress", "--period", "2570Q1", "--date", REPORT_DATE, "--out", str(out), db_url=demo_sqlite).exit_code == 0
    before = digest(out)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(progress, "write_xlsx", broken)
    result = cli("report", "progress", "--period", "2570Q2", "--out", str(out), db_url=demo_sqlite)
    assert result.exit_code == ExitCode.ERROR and "RuntimeError: disk full" in result.output
    assert digest(out) == before
    # no temporary folder left behind ("data" is the data dir: errors/ there keeps the traceback)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "report"]


def test_no_thai_font_is_a_clear_thai_error(demo_sqlite, tmp_path, monkeypatch):
    monkeypatch.setattr(charts, "PREFERRED_FONTS", ("No Such Thai Font",))
    charts.thai_font.cache_clear()
    try:
        result = cli("report", "progress", "--period", "2570Q1", "--out", str(tmp_path / "r"), db_url=demo_sqlite)
    finally:
        charts.thai_font.cache_clear()
    assert result.exit_code == ExitCode.ERROR
    assert "ไม่พบฟอนต์ภาษาไทย" in result.output and "fonts-thai-tlwg" in result.output
    assert not (tmp_path / "r").exists()


def test_charts_use_a_font_that_draws_thai():
    family = charts.thai_font()
    assert family in charts.PREFERRED_FONTS


# --- as a person sees it ------------------------------------------------------------------


def test_docx_renders_in_libreoffice_with_thai_glyphs(demo_sqlite, tmp_path):
    out = tmp_path / "q1"
    assert cli("report", "progress", "--period", "2570Q1", "--date", REPORT_DATE, "--out", str(out), db_url=demo_sqlite).exit_code == 0
    pdf = to_pdf(out / "รายงานความก้าวหน้า_2570Q1.docx", tmp_path)
    text = pdf_text(pdf)
    for expected in ("รายงานความก้าวหน้าการดำเนินงานตามแผนปฏิบัติราชการ", "ไตรมาสที่ ๑", "โครงการล่าช้า", "เบิกจ่ายสะสม"):
        assert expected in text
    fonts = pdf_font_names(pdf)
    thai = thai_font_families(tmp_path)
    assert any(name.split("-")[0] in thai for name in fonts), f"no Thai-capable font embedded: {fonts}"
