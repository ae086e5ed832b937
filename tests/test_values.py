"""core/values.py: the one place that turns what a person typed, or a spreadsheet stored,
into a value — and the config loaders that read YAML through it."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from tidtam.core import values
from tidtam.core.config import ConfigError, OfficeProfile, validate
from tidtam.core.values import DateWindow, ValueProblem

Q1 = DateWindow(date(2026, 10, 1), date(2026, 12, 31), "ไตรมาสที่ 1 ปีงบประมาณ 2570")


@pytest.mark.parametrize("raw, number_format, expected", [
    ("1,234.5", None, "1234.5"), ("๔๕.๕", None, "45.5"), (45.5, None, "45.5"), ("16.4%", None, "16.4"),
    (0.164, "0.0%", "16.4"), (0.16, "General", "0.16"), ("100", None, "100"), (1e2, None, "100"),
    (0.1 + 0.2, None, "0.3"), ("1,234 บาท", None, "1234"), (-5, None, "-5"), (Decimal("7.10"), None, "7.1"),
    (0.75, '0"%"', "0.75"),  # a literal "%" in the format is text, not a percentage
])
def test_numbers(raw, number_format, expected):
    got = values.read_number(raw, number_format=number_format)
    assert got == Decimal(expected) and str(got) == expected


@pytest.mark.parametrize("raw, says", [
    ("45.555", "ทศนิยมเกิน 2"), (45.555, "ทศนิยมเกิน 2"), (0.45555, "ทศนิยมเกิน 2"), (True, "อ่านตัวเลขไม่ได้"),
    (date(2026, 1, 1), "ต้องเป็นตัวเลข"), ("ห้าสิบ", "อ่านตัวเลขไม่ได้"), (10**12, "ใหญ่เกินไป"), (float("nan"), "อ่านตัวเลขไม่ได้"),
])
def test_numbers_refused(raw, says):
    with pytest.raises(ValueProblem, match=says):
        values.read_number(raw, number_format="0.0%" if raw == 0.45555 else None)


@pytest.mark.parametrize("raw, number_format, expected", [
    ("1,234.50 บาท", None, "1234.50"), ("๑,๒๓๔.๕", None, "1234.50"), (1234.5, "#,##0.00", "1234.50"), (0.1 + 0.2, None, "0.30"),
])
def test_money(raw, number_format, expected):
    got = values.read_money(raw, number_format=number_format)
    assert got == Decimal(expected) and str(got) == expected


@pytest.mark.parametrize("raw, number_format, says", [
    ("50%", None, "ไม่ใช่ร้อยละ"), (0.5, "0%", "ไม่ใช่ร้อยละ"), ("-1", None, "ติดลบ"), ("1.005", None, "ทศนิยมเกิน 2"),
    ("ร้อยละ 5 บาท", None, "อ่านตัวเลขไม่ได้"),
])
def test_money_refused(raw, number_format, says):
    with pytest.raises(ValueProblem, match=says):
        values.read_money(raw, number_format=number_format)


@pytest.mark.parametrize("raw, number_format, expected", [
    ("50%", None, "50"), ("ร้อยละ 75", None, "75"), (0.5, "0%", "50"), (50, None, "50"), (0.5, None, "0.5"), ("๑๐๐", None, "100"),
    (0.1234, "0.00%", "12.34"),
])
def test_percent(raw, number_format, expected):
    got = values.read_percent(raw, number_format=number_format)
    assert got == Decimal(expected) and str(got) == expected


@pytest.mark.parametrize("raw, says", [("101", "0–100 (พบ 101)"), ("50 บาท", "ไม่ใช่จำนวนเงิน"), ("33.333", "ทศนิยมเกิน 2")])
def test_percent_refused(raw, says):
    with pytest.raises(ValueProblem, match=re.escape(says)):
        values.read_percent(raw)


@pytest.mark.parametrize("raw, expected", [
    ("31/12/2569", date(2026, 12, 31)), ("31 ธ.ค. 69", date(2026, 12, 31)), ("๓๑/๑๒/๒๕๖๙", date(2026, 12, 31)),
    (datetime(2026, 12, 31, 13, 5), date(2026, 12, 31)),
    (datetime(2569, 12, 15), date(2026, 12, 15)),  # typed 15/12/2569 into a Gregorian Excel
    (date(2569, 10, 1), date(2026, 10, 1)),
])
def test_dates(raw, expected):
    assert values.read_date(raw, window=Q1) == expected


@pytest.mark.parametrize("raw, says", [
    ("15/01/2570", "วันที่ต้องอยู่ในไตรมาสที่ 1 ปีงบประมาณ 2570 (1 ต.ค. 69 – 31 ธ.ค. 69) แต่พบ 15 มกราคม 2570"),
    (datetime(1969, 12, 15), "ให้พิมพ์ปี พ.ศ. เต็ม 4 หลัก"),
    (date(2568, 2, 29), "ไม่มีวันที่ 29/2/2568"),  # BE 2568 is a leap year only when read as CE
    (46022, "อ่านวันที่ไม่ได้"), (True, "อ่านวันที่ไม่ได้"), ("31/02/2569", "อ่านวันที่ไม่ได้"),
])
def test_dates_refused(raw, says):
    with pytest.raises(ValueProblem, match=re.escape(says)):
        values.read_date(raw, window=Q1)


def test_a_date_without_a_window_is_any_date():
    assert values.read_date("1/1/2500") == date(1957, 1, 1)


@pytest.mark.parametrize("raw, expected", [("2570", 2570), ("๒๕๗๐", 2570), ("พ.ศ. 2570", 2570), ("70", 2570), (2027, 2570)])
def test_years(raw, expected):
    assert values.read_year(raw) == expected


@pytest.mark.parametrize("raw, expected", [("๓", 3), (3.0, 3), (" 3\u200b", 3)])
def test_whole_numbers(raw, expected):
    assert values.read_whole(raw, 1, 5, "ระดับ") == expected


@pytest.mark.parametrize("raw", ["3.5", "6", "3%", "ดี", True])
def test_whole_numbers_refused(raw):
    with pytest.raises(ValueProblem, match="ระดับต้องเป็นจำนวนเต็ม 1–5"):
        values.read_whole(raw, 1, 5, "ระดับ")


@pytest.mark.parametrize("raw, ok", [
    ("https://youtu.be/abc123", True), (" http://obec.go.th/a?b=1 ", True), ("www.example.com", False),
    ("https://", False), ("https://a b.com", False), ("ftp://x.example/a", False), ("http://[", False),
])
def test_urls_checked_for_form(raw, ok):
    if ok:
        assert values.read_url(raw) == raw.strip()
    else:
        with pytest.raises(ValueProblem, match="ลิงก์ต้องขึ้นต้นด้วย"):
            values.read_url(raw)


def test_config_values_read_by_the_same_rules():
    """A YAML value means what the same text means in a cell: Thai digits, "%" and BE years."""
    from tidtam.core.office_data import BudgetIn, PlanFile

    budget = validate(BudgetIn, {"source": "งบประมาณ", "line": "งบดำเนินงาน", "amount": "๑,๒๓๔.๕๐ บาท"}, "plan.yaml")
    assert budget.amount == Decimal("1234.50")
    plan = validate(PlanFile, {"fiscal_year": "๒๕๗๐", "strategies": [], "projects": []}, "plan.yaml")
    assert plan.fiscal_year == 2570
    profile = validate(OfficeProfile, {"office_code": "X", "disbursement_targets": {"Q1": "38%", "Q2": "๖๑"}}, "office.yaml")
    assert profile.disbursement_targets == {"Q1": Decimal(38), "Q2": Decimal(61)}


@pytest.mark.parametrize("data, where, says", [
    ({"source": "งบ", "line": "x", "amount": 12.345}, "plan.yaml › amount", "ทศนิยมเกิน 2"),
    ({"source": "งบ", "line": "x", "amount": "50%"}, "plan.yaml › amount", "ไม่ใช่ร้อยละ"),
])
def test_config_values_refused_name_the_file_and_key(data, where, says):
    from tidtam.core.office_data import BudgetIn

    with pytest.raises(ConfigError) as error:
        validate(BudgetIn, data, "plan.yaml")
    assert str(error.value).startswith(where) and says in str(error.value)


def test_evidence_types_in_office_yaml_must_be_hex():
    with pytest.raises(ConfigError, match="evidence.types: pdf: ต้องเป็นเลขฐานสิบหก"):
        validate(OfficeProfile, {"office_code": "X", "evidence": {"types": {"pdf": "%PDF"}}}, "office.yaml")
