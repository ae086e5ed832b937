"""Thai calendar and number formats as the real sites show them (BE years, abbreviated months)."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

BE_OFFSET = 543
MONTHS_ABBR = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
               "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."]
MONTHS_FULL = ["มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
               "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"]
THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_DATE_BE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
# Arabic digits, optional correctly placed thousands commas, at most two decimals.
_MONEY = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")


def fiscal_months(fiscal_year_be: int) -> list[tuple[int, int]]:
    """(CE year, month) for Oct..Sep of a BE fiscal year: FY2570 = Oct 2026 .. Sep 2027."""
    start_ce = fiscal_year_be - BE_OFFSET - 1
    return [(start_ce, m) for m in (10, 11, 12)] + [(start_ce + 1, m) for m in range(1, 10)]


def month_key(year_ce: int, month: int) -> str:
    """The value a month select or a monthly input uses: BE year and month, e.g. '2570-01'."""
    return f"{year_ce + BE_OFFSET}-{month:02d}"


def month_label(year_ce: int, month: int) -> str:
    return f"{MONTHS_ABBR[month - 1]} {year_ce + BE_OFFSET}"


def fiscal_month_options(fiscal_year_be: int) -> list[tuple[str, str]]:
    return [(month_key(y, m), month_label(y, m)) for y, m in fiscal_months(fiscal_year_be)]


def quarter_months(fiscal_year_be: int, quarter: int) -> list[tuple[int, int]]:
    return fiscal_months(fiscal_year_be)[(quarter - 1) * 3: quarter * 3]


def quarter_label(fiscal_year_be: int, quarter: int) -> str:
    """'ไตรมาสที่ 2 (1 ม.ค. 70 – 31 มี.ค. 70)' as reports write it."""
    months = quarter_months(fiscal_year_be, quarter)
    (y1, m1), (y2, m2) = months[0], months[-1]
    last_day = {3: 31, 6: 30, 9: 30, 12: 31}[m2]
    short = lambda y: str(y + BE_OFFSET)[-2:]  # noqa: E731 - tiny formatter
    return (f"ไตรมาสที่ {quarter} (1 {MONTHS_ABBR[m1 - 1]} {short(y1)} – "
            f"{last_day} {MONTHS_ABBR[m2 - 1]} {short(y2)})")


def fiscal_year_bounds(fiscal_year_be: int) -> tuple[date, date]:
    start_ce = fiscal_year_be - BE_OFFSET - 1
    return date(start_ce, 10, 1), date(start_ce + 1, 9, 30)


def parse_date_be(text: str) -> date | None:
    """'01/10/2569' (day/month/BE year) -> date, or None when the text is not such a date."""
    match = _DATE_BE.match(text.strip())
    if not match:
        return None
    day, month, year_be = (int(g) for g in match.groups())
    try:
        return date(year_be - BE_OFFSET, month, day)
    except ValueError:
        return None


def format_date(value: date | datetime, with_time: bool = False) -> str:
    text = f"{value.day} {MONTHS_ABBR[value.month - 1]} {value.year + BE_OFFSET}"
    if with_time and isinstance(value, datetime):
        text += f" {value:%H:%M} น."
    return text


def parse_money(text: str) -> Decimal | None:
    text = text.strip()
    if not _MONEY.match(text):
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def format_money(value: Decimal | float | int | None) -> str:
    return "" if value is None else f"{Decimal(value):,.2f}"


def has_thai_digits(text: str) -> bool:
    return any(ch in THAI_DIGITS for ch in text)
