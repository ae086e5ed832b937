"""A workbook saved by LibreOffice Calc is read exactly like one saved by Excel.

Two real round trips through Calc (Debian's libreoffice-calc, installed by scripts/setup.sh):
a template filled as Excel would store it and re-saved by Calc, and a template into which
Calc itself *types* what owners type (numbers with grouping, percentages, Thai dates), in a
Thai and an English document, through ``calc_typing.py`` running under the system Python that
has LibreOffice's ``uno``. Slow (each starts Calc), so marked ``slow``.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tidtam.core.intake.reader import read_workbook

from intake_helpers import fill

pytestmark = pytest.mark.slow
HERE = Path(__file__).parent
P, A, K = "ไตรมาส 1", "กิจกรรม", "ตัวชี้วัด"
SYSTEM_PYTHON = "/usr/bin/python3"


def _need_calc() -> None:
    missing = []
    if shutil.which("soffice") is None:
        missing.append("soffice (libreoffice-calc)")
    elif subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True).returncode != 0:
        missing.append("python3-uno")
    if missing:
        message = f"ต้องติดตั้ง {', '.join(missing)} (scripts/setup.sh ติดตั้งให้)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _values(path: Path) -> dict:
    book = read_workbook(path)
    return {key: [(row.excel_row, row.values) for row in rows] for key, rows in book.sheets.items()}


def test_a_workbook_resaved_by_calc_reads_the_same(template, tmp_path):
    _need_calc()
    excel = fill(template("progress"), {
        (P, "D5"): "อยู่ระหว่างดำเนินการ", (P, "E5"): "๑,๒๓๔.๕๐ บาท", (P, "F5"): datetime(2026, 12, 15),
        (P, "G5"): "งบประมาณล่าช้า\nเลื่อนกิจกรรม", (A, "E7"): 50, (K, "F6"): 16.4,
    })
    out = tmp_path / "calc"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(excel)], check=True, capture_output=True, timeout=120)
    resaved = out / excel.name
    assert resaved.read_bytes() != excel.read_bytes()
    assert _values(resaved) == _values(excel)
    assert read_workbook(resaved).saved_at is not None


TYPED = {
    f"{P}!D5": "อยู่ระหว่างดำเนินการ",
    f"{P}!E5": "1,234.50",
    f"{P}!F5": "15/12/2569",
    f"{P}!F4": "31/12/2569",
    f"{A}!E7": "50%",
    f"{K}!F6": "16.4%",
    f"{K}!F4": "45.5",
}


@pytest.mark.parametrize("locale", ["th-TH", "en-GB", "en-US"])
def test_what_an_owner_types_in_calc_is_read_as_typed(template, tmp_path, locale):
    _need_calc()
    source = template("progress")
    typed = tmp_path / "typed.json"
    typed.write_text(json.dumps(TYPED, ensure_ascii=False), encoding="utf-8")
    saved = tmp_path / f"calc-{locale}.xlsx"
    subprocess.run([SYSTEM_PYTHON, str(HERE / "calc_typing.py"), str(source), str(saved), locale, str(typed)],
                   check=True, capture_output=True, timeout=180)
    book = read_workbook(saved)
    rows = {(key, row.excel_row): row.values for key, sheet in book.sheets.items() for row in sheet}
    assert rows[("projects", 5)]["status"] == "อยู่ระหว่างดำเนินการ"
    assert rows[("projects", 5)]["disbursed"] == Decimal("1234.50")
    assert rows[("projects", 5)]["as_of"] == date(2026, 12, 15)
    assert rows[("projects", 4)]["as_of"] == date(2026, 12, 31)
    assert rows[("activities", 7)]["percent"] == Decimal("50")
    assert rows[("kpis", 6)]["value"] == Decimal("16.4")
    assert rows[("kpis", 4)]["value"] == Decimal("45.5")
    assert book.warnings == []
