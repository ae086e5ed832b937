"""Thai text as people type it: digits, Buddhist-Era years, dates, numbers and baht.

Everything here is forgiving on input (Thai or Arabic digits, stray or zero-width spaces,
abbreviated or full month names, BE or CE years) and exact on output. Errors raise
:class:`ThaiParseError` with a Thai message that quotes what was typed.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = [
    "BE_OFFSET", "MONTH_ABBR", "MONTH_FULL", "ZERO_WIDTH", "ThaiParseError",
    "to_thai_digits", "to_arabic_digits", "clean_text",
    "be_year", "ce_year", "parse_year", "thai_date", "parse_date",
    "parse_number", "parse_quantity", "format_number", "format_baht", "with_unit",
]

BE_OFFSET = 543

# Indexed by calendar month like ``calendar.month_abbr``: index 0 is "" so MONTH_ABBR[10] == "ต.ค.".
MONTH_ABBR = ("", "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
              "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
MONTH_FULL = ("", "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
              "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")

_THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TO_THAI = str.maketrans("0123456789", _THAI_DIGITS)
_TO_ARABIC = str.maketrans(_THAI_DIGITS, "0123456789")

# Invisible characters that arrive from Word, web forms and Thai input methods.
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u2060"))

# Month lookup ignores dots and spaces, because people type "ต.ค.", "ต.ค", "ตค" and "ต. ค.".
_MONTH_KEYS = {name.replace(".", ""): m for m, name in enumerate(MONTH_ABBR) if name}
_MONTH_KEYS.update({name: m for m, name in enumerate(MONTH_FULL) if name})

_DATE_HINT = "ใช้รูปแบบ วัน/เดือน/ปี เช่น 1/10/2569 หรือ 1 ต.ค. 69"
_YEAR_HINT = "ใช้ปี พ.ศ. เช่น 2570 หรือ 70 หรือปี ค.ศ. เช่น 2027"
_NUMBER_HINT = "ใช้รูปแบบ เช่น 1,234.50 หรือ 1234.5"


class ThaiParseError(ValueError):
    """Input that could not be read; the message is Thai and quotes the input."""


# --- digits and text ---------------------------------------------------------------------

def to_thai_digits(value: object) -> str:
    """``str(value)`` with Arabic digits replaced by Thai digits: 2569 -> "๒๕๖๙"."""
    return str(value).translate(_TO_THAI)


def to_arabic_digits(text: str) -> str:
    """``text`` with Thai digits replaced by Arabic digits: "๒๕๖๙" -> "2569"."""
    return str(text).translate(_TO_ARABIC)


def clean_text(text: str) -> str:
    """Drop zero-width characters, turn any Unicode whitespace into one space, strip.

    Meant for single-line values (names, cells, codes): line breaks become spaces too.
    Also joins NIKHAHIT + SARA AA ("ํา", typed on some keyboards) into SARA AM ("ำ"),
    which look identical but would make two spellings of the same name differ.
    """
    text = str(text).translate(ZERO_WIDTH).replace("\u0e4d\u0e32", "\u0e33")
    # str.split() without arguments splits on every Unicode space (NBSP, U+2007, U+3000 ...).
    return " ".join(text.split())


def _normalise(text: str) -> str:
    """What every parser reads: cleaned text with Arabic digits."""
    return to_arabic_digits(clean_text(text))


# --- years -------------------------------------------------------------------------------

def be_year(ce_year: int) -> int:
    """Buddhist-Era year of a CE year: 2026 -> 2569."""
    return ce_year + BE_OFFSET


def ce_year(be_year: int) -> int:
    """CE year of a Buddhist-Era year: 2569 -> 2026."""
    return be_year - BE_OFFSET


def _year_from_int(n: int) -> int | None:
    """BE year by the module's rule, or None when ``n`` cannot be a year."""
    if 0 <= n < 100:
        return 2500 + n          # two digits always mean 25xx: "69" -> 2569, "00" -> 2500
    if 1900 <= n <= 2399:
        return be_year(n)        # CE: no BE year in use is below 2400
    if 2400 <= n <= 2999:
        return n                 # BE
    return None


def parse_year(text: str | int) -> int:
    """Read a year and return it in BE.

    "2570", "๒๕๗๐", "พ.ศ. 2570" -> 2570; "2027" (CE, 1900–2399) -> 2570;
    "70" / "๗๐" (two digits always mean 25xx) -> 2570.
    """
    if isinstance(text, str):
        s = _normalise(text)
        s = re.sub(r"^พ\.?\s*ศ\.?\s*", "", s)   # optional era prefix "พ.ศ."
        year = _year_from_int(int(s)) if re.fullmatch(r"\d{1,4}", s) else None
    elif isinstance(text, int) and not isinstance(text, bool):
        year = _year_from_int(text)
    else:
        year = None
    if year is None:
        raise ThaiParseError(f'อ่านปีไม่ได้: "{text}" ({_YEAR_HINT})')
    return year


# --- dates -------------------------------------------------------------------------------

def thai_date(d: date, *, thai_digits: bool = False, full: bool = False) -> str:
    """Format a date the Thai way.

    Short (default): "1 ต.ค. 69" — two-digit BE year, read back as 25xx by parse_date.
    Full: "1 ตุลาคม 2569". ``thai_digits=True`` gives "๑ ต.ค. ๖๙".
    """
    be = be_year(d.year)
    text = f"{d.day} {MONTH_FULL[d.month]} {be}" if full else f"{d.day} {MONTH_ABBR[d.month]} {be % 100:02d}"
    return to_thai_digits(text) if thai_digits else text


_NUMERIC_DATE = re.compile(r"(\d{1,4})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{1,4})")
_NAMED_DATE = re.compile(r"(?:วันที่\s*)?(\d{1,2})\s*(\D+?)\s*(\d{1,4})")


def parse_date(text: str | date) -> date:
    """Read a date as Thai people write it (day/month/year) and return a ``datetime.date``.

    Accepts "1 ต.ค. 69", "1 ต.ค.69", "1 ตุลาคม 2569", "01/10/2569", "1/10/2026",
    "1-10-2569", "1.10.2569", ISO "2026-10-01" / "2569-10-01" (first part of 4 digits),
    Thai digits and stray or zero-width spaces. Years follow :func:`parse_year`.
    A ``date`` is returned as is; a ``datetime`` gives its date.
    """
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    error = ThaiParseError(f'อ่านวันที่ไม่ได้: "{text}" ({_DATE_HINT})')
    s = _normalise(text) if isinstance(text, str) else ""

    if m := _NUMERIC_DATE.fullmatch(s):
        first, _, month, last = m.groups()
        if len(first) == 4 and len(last) <= 2:
            year, day = first, last          # ISO: year-month-day
        elif len(first) <= 2 and len(last) in (2, 4):
            day, year = first, last          # Thai order: day/month/year
        else:
            raise error                      # e.g. "1/10/570": a typo, not a year to guess at
        month_no = int(month)
    elif m := _NAMED_DATE.fullmatch(s):
        day, month_word, year = m.groups()
        key = re.sub(r"[.\s]", "", month_word)
        if key.endswith("พศ") and key != "พศ":     # "1 ตุลาคม พ.ศ. 2569"
            key = key[:-2]
        month_no = _MONTH_KEYS.get(key, 0)   # 0 makes date() fail below
        if len(year) not in (2, 4):
            raise error
    else:
        raise error

    try:
        return date(ce_year(parse_year(year)), month_no, int(day))
    except ValueError:                       # bad year, or day/month out of range
        raise error from None


# --- numbers and money -------------------------------------------------------------------

_NUMBER = re.compile(
    r"(?P<sign>[+-]?)"
    # plain digits, or standard groups of three separated by "," or by a space
    r"(?P<int>\d+|\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+)"
    r"(?P<frac>\.\d+)?"
)


def parse_number(text: str | int | float | Decimal) -> Decimal:
    """Read a number people typed: "1,234.50 บาท", "๑,๒๓๔.๕๐", "50%", "ร้อยละ 50", "1 234".

    Units บาท, % and the prefix ร้อยละ are dropped; a percentage keeps its number (50% -> 50).
    Only standard thousands grouping is accepted ("1,23,4" and "1.2.3" are errors).
    int, float and Decimal pass through; floats go via ``str`` so 0.1 stays Decimal("0.1").
    """
    return parse_quantity(text)[0]


def parse_quantity(text: str | int | float | Decimal) -> tuple[Decimal, str | None]:
    """:func:`parse_number`, also saying which unit was typed: "บาท", "%" (also for the
    prefix ร้อยละ) or None. A number that is not text has no unit."""
    error = ThaiParseError(f'อ่านตัวเลขไม่ได้: "{text}" ({_NUMBER_HINT})')
    if isinstance(text, bool):               # bool is an int subclass, but never a quantity
        raise error
    if isinstance(text, (int, float, Decimal)):
        value = Decimal(str(text)) if isinstance(text, float) else Decimal(text)
        if not value.is_finite():            # NaN/inf would silently poison sums
            raise error
        return value, None
    if not isinstance(text, str):
        raise error

    s = _normalise(text).replace("\u2212", "-")   # U+2212 minus comes from Word and PDFs
    unit = None
    if (stripped := re.sub(r"^ร้อยละ\s*", "", s)) != s:
        s, unit = stripped, "%"
    if m := re.search(r"\s*(บาท|%)$", s):
        typed = "%" if m[1] == "%" else "บาท"
        s, unit = s[: m.start()], typed if unit in (None, typed) else "mixed"  # "ร้อยละ 50 บาท"
    m = _NUMBER.fullmatch(s)
    if not m or unit == "mixed":
        raise error
    digits = m["int"].replace(",", "").replace(" ", "")
    try:
        return Decimal(m["sign"] + digits + (m["frac"] or "")), unit
    except InvalidOperation:  # pragma: no cover - the pattern only lets valid numbers through
        raise error from None


def format_number(value: str | int | float | Decimal, decimals: int = 2, *,
                  thai_digits: bool = False) -> str:
    """ "1,234.50": thousands commas, ``decimals`` places, half rounded up (as Thai finance does)."""
    amount = parse_number(value)
    q = amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if q == 0:
        q = abs(q)                           # no "-0.00" for tiny negatives
    text = f"{q:,.{decimals}f}"
    return to_thai_digits(text) if thai_digits else text


def format_baht(amount: str | int | float | Decimal, *, thai_digits: bool = False) -> str:
    """ "1,234.50 บาท" — always two decimals."""
    return f"{format_number(amount, 2, thai_digits=thai_digits)} บาท"


# Units Thai writes before the number ("ร้อยละ ๗๕"); every other unit follows it ("๑๒ โครงการ",
# "๑,๒๓๔.๕๐ บาท").
UNITS_BEFORE = ("ร้อยละ",)


def with_unit(number: str, unit: str | None) -> str:
    """``number`` (already formatted) with its unit where Thai usage puts it."""
    unit = (unit or "").strip()
    if not unit:
        return number
    return f"{unit} {number}" if unit in UNITS_BEFORE else f"{number} {unit}"
