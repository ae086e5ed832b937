"""Fiscal years, quarters and evaluation rounds (tidtam.core.periods)."""
from dataclasses import FrozenInstanceError
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tidtam.core.periods import (
    DEFAULT_ROUNDS, Period, PeriodError, current_fiscal_year, fiscal_months, fiscal_year_bounds,
    fiscal_year_of, parse_period, quarter, quarter_of, quarters, round_, rounds,
)

fiscal_years = st.integers(min_value=2400, max_value=2999)
# Every date of fiscal years 2401–2999 (FY2400 starts in CE 1856, before this bound).
dates = st.dates(min_value=date(1857, 10, 1), max_value=date(2456, 9, 30))
THREE_ROUNDS = ((10, 1), (2, 5), (6, 9))


def valid_periods():
    """Any quarter, or any round under the default spec."""
    return st.one_of(
        st.builds(quarter, fiscal_years, st.integers(1, 4)),
        st.builds(round_, fiscal_years, st.integers(1, len(DEFAULT_ROUNDS))),
    )


# --- fiscal years ------------------------------------------------------------------------

def test_fiscal_year_2570():
    assert fiscal_year_bounds(2570) == (date(2026, 10, 1), date(2027, 9, 30))
    assert fiscal_year_of(date(2026, 9, 30)) == 2569
    assert fiscal_year_of(date(2026, 10, 1)) == 2570
    assert fiscal_year_of(datetime(2027, 9, 30, 23, 59)) == 2570


def test_fiscal_months():
    months = fiscal_months(2570)
    assert months[0] == (2026, 10) and months[3] == (2027, 1) and months[-1] == (2027, 9)
    assert len(months) == 12 and sorted(m for _, m in months) == list(range(1, 13))


@given(st.integers(min_value=1857, max_value=2455))
def test_fiscal_year_changes_between_30_sep_and_1_oct(ce):
    assert fiscal_year_of(date(ce, 9, 30)) == ce + 543
    assert fiscal_year_of(date(ce, 10, 1)) == ce + 544


@given(dates)
def test_every_date_lies_within_its_fiscal_year(d):
    start, end = fiscal_year_bounds(fiscal_year_of(d))
    assert start <= d <= end


@pytest.mark.parametrize("fy", [2027, 70, 3000, "2570", True])
def test_fiscal_year_must_be_be(fy):
    with pytest.raises(PeriodError, match="ปีงบประมาณต้องเป็นปี พ.ศ."):
        fiscal_year_bounds(fy)


def test_current_fiscal_year():
    assert current_fiscal_year(date(2026, 10, 1)) == 2570
    assert current_fiscal_year() in {fiscal_year_of(date.today() + timedelta(days=k)) for k in (-1, 0, 1)}


# --- quarters ----------------------------------------------------------------------------

@pytest.mark.parametrize("n, start, end", [
    (1, date(2026, 10, 1), date(2026, 12, 31)),
    (2, date(2027, 1, 1), date(2027, 3, 31)),
    (3, date(2027, 4, 1), date(2027, 6, 30)),
    (4, date(2027, 7, 1), date(2027, 9, 30)),
])
def test_quarters_of_2570(n, start, end):
    q = quarter(2570, n)
    assert (q.fiscal_year, q.kind, q.number, q.start, q.end) == (2570, "Q", n, start, end)


@pytest.mark.parametrize("period, thai_digits, expected", [
    (quarter(2570, 1), False, "ไตรมาสที่ 1 (1 ต.ค. 69 – 31 ธ.ค. 69)"),
    (quarter(2570, 2), False, "ไตรมาสที่ 2 (1 ม.ค. 70 – 31 มี.ค. 70)"),
    (quarter(2570, 1), True, "ไตรมาสที่ ๑ (๑ ต.ค. ๖๙ – ๓๑ ธ.ค. ๖๙)"),
    (round_(2570, 1), False, "รอบที่ 1 (1 ต.ค. 69 – 31 มี.ค. 70)"),
    (round_(2570, 2), False, "รอบที่ 2 (1 เม.ย. 70 – 30 ก.ย. 70)"),
    (round_(2571, 1, ((10, 2), (3, 9))), False, "รอบที่ 1 (1 ต.ค. 70 – 29 ก.พ. 71)"),  # leap year
])
def test_label_th(period, thai_digits, expected):
    assert period.label_th(thai_digits=thai_digits) == expected


def test_id_contains_and_due_date():
    q1 = quarter(2570, 1)
    assert q1.id == "2570Q1" and round_(2570, 2).id == "2570R2"
    assert q1.contains(date(2026, 10, 1)) and q1.contains(date(2026, 12, 31))
    assert not q1.contains(date(2026, 9, 30)) and not q1.contains(date(2027, 1, 1))
    assert q1.contains(datetime(2026, 12, 31, 23, 59))
    assert q1.due_date() == date(2027, 1, 15)
    assert q1.due_date(30) == date(2027, 1, 30)
    assert quarter(2570, 4).due_date() == date(2027, 10, 15)


def test_period_is_frozen_and_checked():
    with pytest.raises(FrozenInstanceError):
        quarter(2570, 1).number = 2
    with pytest.raises(PeriodError):
        Period(2570, "X", 1, date(2026, 10, 1), date(2026, 12, 31))
    with pytest.raises(PeriodError):
        Period(2570, "Q", 1, date(2026, 12, 31), date(2026, 10, 1))


@pytest.mark.parametrize("n", [0, 5, -1, True])
def test_quarter_number_out_of_range(n):
    with pytest.raises(PeriodError):
        quarter(2570, n)


@given(dates)
def test_every_date_is_in_exactly_one_quarter(d):
    fy = fiscal_year_of(d)
    assert sum(q.contains(d) for q in quarters(fy)) == 1
    q = quarter_of(d)
    assert q.contains(d) and q.fiscal_year == fy


@given(fiscal_years)
def test_quarters_are_contiguous_and_cover_the_year(fy):
    qs = quarters(fy)
    start, end = fiscal_year_bounds(fy)
    assert [q.number for q in qs] == [1, 2, 3, 4]
    assert qs[0].start == start and qs[-1].end == end
    for a, b in zip(qs, qs[1:]):
        assert b.start == a.end + timedelta(days=1)


# --- rounds ------------------------------------------------------------------------------

def test_default_rounds_split_the_year_in_halves():
    r1, r2 = rounds(2570)
    assert (r1.start, r1.end) == (date(2026, 10, 1), date(2027, 3, 31))
    assert (r2.start, r2.end) == (date(2027, 4, 1), date(2027, 9, 30))


def test_custom_round_spec():
    r = rounds(2570, THREE_ROUNDS)
    assert [(p.start, p.end) for p in r] == [
        (date(2026, 10, 1), date(2027, 1, 31)),
        (date(2027, 2, 1), date(2027, 5, 31)),
        (date(2027, 6, 1), date(2027, 9, 30)),
    ]
    assert round_(2570, 3, THREE_ROUNDS) == r[2]
    # A single-month round and a round that leaves a gap are both allowed.
    assert round_(2570, 2, ((10, 10), (12, 12))).start == date(2026, 12, 1)


@pytest.mark.parametrize("spec", [
    (),                        # no rounds
    ((4, 9), (10, 3)),         # not in fiscal order
    ((10, 3), (3, 9)),         # overlapping at March
    ((3, 10),),                # runs past September into the next fiscal year
    ((0, 3),), ((10, 13),),    # not months
    ((10,),), (10, 3),         # not pairs
])
def test_bad_round_spec(spec):
    with pytest.raises(PeriodError, match="กำหนดรอบการประเมินไม่ถูกต้อง"):
        round_(2570, 1, spec)


@pytest.mark.parametrize("n", [0, 3])
def test_round_number_out_of_range(n):
    with pytest.raises(PeriodError):
        round_(2570, n)


# --- parse_period ------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "2570Q1", "2570q1", "๒๕๗๐Q๑", "2027Q1", "2570-Q1", "2570/Q1", "Q1/2570", "Q1-2570",
    "q1/2027", " 2570 Q1 ", "2570 q 1", "Q1 / 2570", "\u200b2570Q1\u00a0",
])
def test_parse_period_spellings(text):
    assert parse_period(text) == quarter(2570, 1)


def test_parse_period_rounds():
    assert parse_period("2570R2") == round_(2570, 2)
    assert parse_period("R1/2027") == round_(2570, 1)
    assert parse_period("2570R3", rounds=THREE_ROUNDS) == round_(2570, 3, THREE_ROUNDS)


@pytest.mark.parametrize("text", [
    "2570Q5", "2570Q0", "2570R3", "Q5/2570", "1500Q1", "3000Q1", "70Q1", "2570", "Q1",
    "2570X1", "2570Q", "25700Q1", "2570QQ1", "", "ไตรมาส 1", None,
])
def test_parse_period_rejects(text):
    with pytest.raises(PeriodError, match="รหัสช่วงเวลาไม่ถูกต้อง"):
        parse_period(text)


def test_parse_period_error_message():
    with pytest.raises(PeriodError) as exc:
        parse_period("2570Q5")
    assert str(exc.value) == 'รหัสช่วงเวลาไม่ถูกต้อง: "2570Q5" (ตัวอย่าง: 2570Q1 ไตรมาส, 2570R1 รอบการประเมิน)'


def test_parse_period_reports_a_bad_spec_as_such():
    with pytest.raises(PeriodError, match="กำหนดรอบการประเมินไม่ถูกต้อง"):
        parse_period("2570R1", rounds=((4, 9), (10, 3)))


@given(valid_periods())
def test_parse_period_round_trips_id(p):
    assert parse_period(p.id) == p


@given(st.integers(min_value=1900, max_value=2399), st.sampled_from("QR"), st.integers(1, 2))
def test_ce_spelling_names_the_fiscal_year_ending_in_it(ce, kind, n):
    p = parse_period(f"{kind}{n}/{ce}")
    assert p == parse_period(f"{ce + 543}{kind}{n}")
    assert p.fiscal_year == ce + 543
    assert fiscal_year_bounds(p.fiscal_year)[1] == date(ce, 9, 30)
