"""Thai digits, years, dates, numbers and text cleaning (tidtam.core.thai)."""
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tidtam.core.thai import (
    MONTH_ABBR, MONTH_FULL, ThaiParseError, be_year, ce_year, clean_text, format_baht,
    format_number, parse_date, parse_number, parse_year, thai_date, to_arabic_digits,
    to_thai_digits, with_unit,
)

ZERO_WIDTH = "\u200b\u200c\u200d\ufeff\u2060"
THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"

# Dates whose BE year is 2500–2599: the only ones a two-digit year can name.
dates_25xx = st.dates(min_value=date(ce_year(2500), 1, 1), max_value=date(ce_year(2599), 12, 31))
# Dates whose BE year parse_year reads as BE (2400–2999).
dates_be = st.dates(min_value=date(ce_year(2400), 1, 1), max_value=date(ce_year(2999), 12, 31))


# --- digits ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (2569, "๒๕๖๙"), ("1,234.50 บาท", "๑,๒๓๔.๕๐ บาท"), (Decimal("-0.5"), "-๐.๕"), (0, "๐"),
])
def test_to_thai_digits(value, expected):
    assert to_thai_digits(value) == expected


def test_to_arabic_digits():
    assert to_arabic_digits("๐๑๒๓๔๕๖๗๘๙ ปี") == "0123456789 ปี"


@given(st.integers())
def test_integers_round_trip_through_thai_digits(n):
    thai = to_thai_digits(n)
    assert not any(c.isascii() and c.isdigit() for c in thai)
    assert to_arabic_digits(thai) == str(n)


@given(st.text())
def test_thai_digits_round_trip_on_any_text(s):
    assert to_arabic_digits(to_thai_digits(s)) == to_arabic_digits(s)
    assert to_thai_digits(to_arabic_digits(s)) == to_thai_digits(s)


def test_month_names_are_indexed_by_calendar_month():
    assert (MONTH_ABBR[1], MONTH_ABBR[10], MONTH_ABBR[12]) == ("ม.ค.", "ต.ค.", "ธ.ค.")
    assert (MONTH_FULL[1], MONTH_FULL[9], MONTH_FULL[10]) == ("มกราคม", "กันยายน", "ตุลาคม")
    assert len(set(MONTH_ABBR[1:])) == len(set(MONTH_FULL[1:])) == 12


# --- clean_text --------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("  สพป.\u200b  เชียงใหม่ ", "สพป. เชียงใหม่"),
    ("\ufeffโรงเรียน\u00a0บ้าน\u2007ดง\u3000", "โรงเรียน บ้าน ดง"),
    ("a\u200c\u200d\u2060b", "ab"),
    ("a\tb\nc", "a b c"),
    ("กําแพงเพชร", "กำแพงเพชร"),   # NIKHAHIT + SARA AA -> SARA AM
    ("", ""),
])
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


@given(st.text(), st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(ZERO_WIDTH))))
def test_clean_text_ignores_zero_width_characters(s, inserts):
    dirty = s
    for position, char in inserts:
        i = position % (len(dirty) + 1)
        dirty = dirty[:i] + char + dirty[i:]
    cleaned = clean_text(dirty)
    assert cleaned == clean_text(s)
    assert not set(cleaned) & set(ZERO_WIDTH)
    assert "  " not in cleaned and cleaned == cleaned.strip()
    assert clean_text(cleaned) == cleaned


# --- years -------------------------------------------------------------------------------

def test_be_and_ce_years():
    assert be_year(2026) == 2569 and ce_year(2570) == 2027


@pytest.mark.parametrize("text, expected", [
    ("2570", 2570), ("๒๕๗๐", 2570), ("2027", 2570), ("70", 2570), ("๗๐", 2570),
    ("00", 2500), ("99", 2599), (" พ.ศ. 2570 ", 2570), ("1900", 2443), ("2399", 2942),
    ("2400", 2400), ("2999", 2999), (70, 2570), (2027, 2570),
])
def test_parse_year(text, expected):
    assert parse_year(text) == expected


@pytest.mark.parametrize("text", ["100", "1899", "3000", "-70", "", "ปี", "25.70", True])
def test_parse_year_rejects(text):
    with pytest.raises(ThaiParseError, match="อ่านปีไม่ได้"):
        parse_year(text)


def test_parse_year_error_message():
    with pytest.raises(ThaiParseError) as exc:
        parse_year("1500")
    assert str(exc.value) == 'อ่านปีไม่ได้: "1500" (ใช้ปี พ.ศ. เช่น 2570 หรือ 70 หรือปี ค.ศ. เช่น 2027)'


# --- dates -------------------------------------------------------------------------------

@pytest.mark.parametrize("d, kwargs, expected", [
    (date(2026, 10, 1), {}, "1 ต.ค. 69"),
    (date(2026, 10, 1), {"full": True}, "1 ตุลาคม 2569"),
    (date(2026, 10, 1), {"thai_digits": True}, "๑ ต.ค. ๖๙"),
    (date(2027, 3, 31), {"thai_digits": True, "full": True}, "๓๑ มีนาคม ๒๕๗๐"),
    (date(1957, 1, 5), {}, "5 ม.ค. 00"),
    (datetime(2027, 1, 1, 13, 30), {}, "1 ม.ค. 70"),
])
def test_thai_date(d, kwargs, expected):
    assert thai_date(d, **kwargs) == expected


@pytest.mark.parametrize("text", [
    "1 ต.ค. 69", "1 ต.ค.69", "1ต.ค.69", "1 ต.ค 69", "1 ตค 69", "1 ต. ค. 69",
    "1 ตุลาคม 2569", "1 ตุลาคม พ.ศ. 2569", "วันที่ 1 ตุลาคม 2569", "1 ตุลาคม 2026",
    "01/10/2569", "1/10/2026", "1/10/69", "1-10-2569", "1.10.2569", "1 / 10 / 2569",
    "2026-10-01", "2569-10-01", "๑ ต.ค. ๖๙", "๐๑/๑๐/๒๕๖๙",
    "  1\u00a0ต.ค.\u200b 69 ", "\ufeff1/10/2569",
    date(2026, 10, 1), datetime(2026, 10, 1, 8, 0),
])
def test_parse_date_accepts(text):
    assert parse_date(text) == date(2026, 10, 1)


def test_parse_date_reads_day_before_month():
    assert parse_date("2/10/2569") == date(2026, 10, 2)
    assert parse_date("10/2/2569") == date(2026, 2, 10)


@pytest.mark.parametrize("text", [
    "32/13/2569", "29/2/2569", "31 เม.ย. 69", "1 ตุลา 69", "1 ต.ค. 7", "1/10/570",
    "1/10/1500", "2569-13-01", "2026-10-0001", "1/10", "", "พรุ่งนี้", "1/10-2569", None,
])
def test_parse_date_rejects(text):
    with pytest.raises(ThaiParseError, match="อ่านวันที่ไม่ได้"):
        parse_date(text)


def test_parse_date_error_message():
    with pytest.raises(ThaiParseError) as exc:
        parse_date("32/13/2569")
    assert str(exc.value) == (
        'อ่านวันที่ไม่ได้: "32/13/2569" (ใช้รูปแบบ วัน/เดือน/ปี เช่น 1/10/2569 หรือ 1 ต.ค. 69)'
    )


@given(dates_25xx, st.booleans())
def test_short_thai_date_round_trips_for_be_25xx(d, thai_digits):
    assert parse_date(thai_date(d, thai_digits=thai_digits)) == d


@given(dates_be, st.booleans())
def test_full_thai_date_round_trips(d, thai_digits):
    assert parse_date(thai_date(d, full=True, thai_digits=thai_digits)) == d


def test_two_digit_years_always_mean_25xx():
    # BE 2600 is written "00" and read back as 2500: the century rule, stated explicitly.
    assert parse_date(thai_date(date(ce_year(2600), 1, 1))) == date(ce_year(2500), 1, 1)


# --- numbers -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("1,234.50 บาท", "1234.50"), ("1,234.50บาท", "1234.50"), ("๑,๒๓๔.๕๐", "1234.50"),
    ("50%", "50"), ("50 %", "50"), ("ร้อยละ 50", "50"), ("ร้อยละ ๗๒.๕", "72.5"),
    (" 12 ", "12"), ("-3", "-3"), ("+3", "3"), ("\u22121,000", "-1000"),
    ("1 234", "1234"), ("1\u00a0234\u00a0567.8", "1234567.8"), ("1,234,567", "1234567"),
    ("0.5", "0.5"), ("007", "7"), ("\u200b12", "12"),
    (12, "12"), (0.1, "0.1"), (1234.5, "1234.5"), (Decimal("1.10"), "1.10"),
])
def test_parse_number(text, expected):
    result = parse_number(text)
    assert isinstance(result, Decimal)
    assert result == Decimal(expected)


@pytest.mark.parametrize("text", [
    "1.2.3", "", "   ", "abc", "1,23,4", "12,34", "1,2345", "1 23", "1,234 567", "1e3",
    ".5", "5.", "--3", "บาท", "%", "NaN", float("nan"), float("inf"), Decimal("NaN"), True, None,
])
def test_parse_number_rejects(text):
    with pytest.raises(ThaiParseError, match="อ่านตัวเลขไม่ได้"):
        parse_number(text)


def test_parse_number_error_message():
    with pytest.raises(ThaiParseError) as exc:
        parse_number("1,23,4")
    assert str(exc.value) == 'อ่านตัวเลขไม่ได้: "1,23,4" (ใช้รูปแบบ เช่น 1,234.50 หรือ 1234.5)'


@pytest.mark.parametrize("value, expected", [
    (Decimal("1234.5"), "1,234.50 บาท"), (0, "0.00 บาท"), ("-1234567.891", "-1,234,567.89 บาท"),
    (2.675, "2.68 บาท"),                 # half up, and no binary noise from the float
    (Decimal("0.125"), "0.13 บาท"),      # half up, not banker's rounding
    (Decimal("-0.001"), "0.00 บาท"),     # no "-0.00"
])
def test_format_baht(value, expected):
    assert format_baht(value) == expected


def test_format_baht_thai_digits():
    assert format_baht(1234.5, thai_digits=True) == "๑,๒๓๔.๕๐ บาท"


@pytest.mark.parametrize("value, decimals, expected", [
    (1234.5, 2, "1,234.50"), (1234.5, 0, "1,235"), ("72.456", 1, "72.5"), (1000000, 3, "1,000,000.000"),
])
def test_format_number(value, decimals, expected):
    assert format_number(value, decimals) == expected


money = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2,
                    allow_nan=False, allow_infinity=False)


@given(money, st.booleans())
def test_format_baht_round_trips(x, thai_digits):
    assert parse_number(format_baht(x, thai_digits=thai_digits)) == x


@given(money)
def test_format_number_round_trips(x):
    assert parse_number(format_number(x)) == x


@pytest.mark.parametrize("number, unit, expected", [
    ("๗๕", "ร้อยละ", "ร้อยละ ๗๕"),  # ร้อยละ goes before the number
    ("๑๒", "โครงการ", "๑๒ โครงการ"),
    ("๑,๒๓๔.๕๐", "บาท", "๑,๒๓๔.๕๐ บาท"),
    ("๑๘๖", "", "๑๘๖"),
    ("๑๘๖", None, "๑๘๖"),
])
def test_with_unit_puts_the_unit_where_thai_does(number, unit, expected):
    assert with_unit(number, unit) == expected
