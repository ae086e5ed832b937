"""What a person typed, or a spreadsheet stored, turned into a value: the one place for it.

Every reader of outside values goes through here: the intake reader (each cell of a returned
workbook), the config loaders (YAML values, through the pydantic types of ``config.py``) and
the web-form remotes (what a site shows, read back). The rules are written for the office in
Thai in ``docs/การอ่านค่าที่กรอก.md``; keep the two in step.

A value arrives either as text someone typed ("๑,๒๓๔.๕๐ บาท", "31/12/2569", "50%") or as
what a spreadsheet stored for a cell: a number (with the cell's number format, which says
whether 0.164 is shown as 16.4%), a date, a boolean. Each ``read_*`` takes either, returns
one exact type, or raises :class:`ValueProblem` with a Thai message that quotes the input
and says what to type instead. Nothing is rounded or guessed silently: a value that a column
cannot keep as it was typed is refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from .thai import BE_OFFSET, ThaiParseError, clean_text, parse_date, parse_quantity, parse_year, thai_date

__all__ = [
    "DECIMALS", "NUMBER_LIMIT", "DateWindow", "ValueProblem",
    "read_number", "read_money", "read_percent", "read_whole", "read_date", "read_year",
    "read_text", "read_multiline", "read_choice", "read_url", "plain",
]

DECIMALS = 2  # every quantity is stored as Numeric(14, 2): baht and satang, or two places
NUMBER_LIMIT = Decimal(10) ** 12  # and so must stay below 10^12
_FLOAT_NOISE = Decimal("0.000001")  # 0.1 + 0.2 stored by Excel as 0.30000000000000004


class ValueProblem(ValueError):
    """A value that cannot be used; the message is Thai, quotes the input and says what to do."""


# --- numbers -----------------------------------------------------------------------------


def _is_percent_format(number_format: str | None) -> bool:
    """Whether a cell's number format shows its number as a percentage ("0%", "0.0%")."""
    return "%" in (number_format or "").replace('"%"', "").replace("\\%", "")


def _stored_or_typed(raw, number_format: str | None) -> tuple[Decimal, str | None, bool]:
    """(number, unit, came as a stored number). A stored number in a percent-formatted cell
    is the fraction Excel keeps (16.4% is 0.164): it comes back as 16.4 with unit "%"."""
    if isinstance(raw, bool):
        raise ValueProblem(f'อ่านตัวเลขไม่ได้: พบค่าจริง/เท็จ "{raw}" — พิมพ์ตัวเลข')
    if isinstance(raw, (datetime, date)):
        raise ValueProblem(f'ต้องเป็นตัวเลข แต่พบวันที่ "{raw}" — ตรวจว่ากรอกถูกคอลัมน์ แล้วพิมพ์ตัวเลข')
    try:
        number, unit = parse_quantity(raw)
    except ThaiParseError as exc:
        raise ValueProblem(str(exc)) from None
    if not isinstance(raw, str):
        return (number * 100, "%", True) if _is_percent_format(number_format) else (number, None, True)
    return number, unit, False


def _keep_places(number: Decimal, raw, stored: bool, decimals: int, noun: str) -> Decimal:
    """``number`` at ``decimals`` places, or a refusal when that would change it. A stored
    number may carry float noise (0.30000000000000004); a typed one is taken exactly."""
    step = Decimal(1).scaleb(-decimals)
    rounded = number.quantize(step)
    if rounded != number and not (stored and abs(rounded - number) <= _FLOAT_NOISE):
        raise ValueProblem(f"{noun}มีทศนิยมเกิน {decimals} ตำแหน่ง (พบ {_shown(raw, number)}) "
                           f"ช่องนี้เก็บได้ {decimals} ตำแหน่ง — ปัดเศษให้เหลือ {decimals} ตำแหน่งก่อนกรอก")
    return rounded


def _check_limit(number: Decimal, raw) -> None:
    if abs(number) >= NUMBER_LIMIT:
        raise ValueProblem(f"ตัวเลขใหญ่เกินไป (พบ {_shown(raw, number)}) ต้องน้อยกว่า 1,000,000,000,000")


def _shown(raw, number: Decimal) -> str:
    """The input as the message quotes it: what was typed, or the stored number, kept short."""
    text = raw.strip() if isinstance(raw, str) else plain(number)
    return text if len(text) <= 24 else (f"{number:.3E}" if not isinstance(raw, str) else text[:24] + "…")


def plain(number: Decimal) -> str:
    """A number as people write it: "100", "45.5", never "1E+2" or "45.50"."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _plain(number: Decimal) -> Decimal:
    return Decimal(plain(number))


def read_number(raw, *, number_format: str | None = None, decimals: int = DECIMALS) -> Decimal:
    """A quantity: "1,234.5", "๔๕.๕", 45.5, "16.4%" (16.4), a 16.4%-formatted cell (16.4).
    "บาท" and "%" are allowed after it; more than ``decimals`` places is refused."""
    number, _, stored = _stored_or_typed(raw, number_format)
    _check_limit(number, raw)
    return _plain(_keep_places(number, raw, stored, decimals, ""))


def read_money(raw, *, number_format: str | None = None) -> Decimal:
    """Baht with two decimals: "1,234.50 บาท", "๑,๒๓๔.๕", 1234.5 -> Decimal("1234.50").
    Negative amounts, a third decimal and a percentage are refused."""
    number, unit, stored = _stored_or_typed(raw, number_format)
    if unit == "%":
        raise ValueProblem(f"ช่องนี้เป็นจำนวนเงิน (บาท) ไม่ใช่ร้อยละ (พบ {_shown(raw, number)}%) — "
                           "พิมพ์จำนวนเงินเป็นบาท และจัดรูปแบบเซลล์เป็นตัวเลข ไม่ใช่เปอร์เซ็นต์")
    _check_limit(number, raw)
    if number < 0:
        raise ValueProblem(f"จำนวนเงินต้องไม่ติดลบ (พบ {_shown(raw, number)})")
    return _keep_places(number, raw, stored, 2, "จำนวนเงิน")


def read_percent(raw, *, number_format: str | None = None) -> Decimal:
    """A percentage 0–100: "50%", "ร้อยละ 50", 50, a 50%-formatted cell (stored 0.5) -> 50."""
    number, unit, stored = _stored_or_typed(raw, number_format)
    if unit == "บาท":
        raise ValueProblem(f'ช่องนี้เป็นร้อยละ ไม่ใช่จำนวนเงิน (พบ "{_shown(raw, number)}") — พิมพ์ตัวเลข 0–100')
    out_of_range = ValueProblem(f"ร้อยละต้องอยู่ระหว่าง 0–100 (พบ {_shown(None, number)})")
    if abs(number) >= NUMBER_LIMIT:
        raise out_of_range
    value = _plain(_keep_places(number, raw, stored, DECIMALS, "ร้อยละ"))
    if not 0 <= value <= 100:
        raise out_of_range
    return value


def read_whole(raw, low: int, high: int, noun: str = "ค่า") -> int:
    """A whole number between ``low`` and ``high``: "๓", 3.0, " 3 " -> 3."""
    try:
        number, unit, _ = _stored_or_typed(raw, None)
    except ValueProblem:
        raise ValueProblem(f'อ่านตัวเลขไม่ได้: "{raw}" — {noun}ต้องเป็นจำนวนเต็ม {low}–{high}') from None
    if unit is not None or number != number.to_integral() or not low <= number <= high:
        raise ValueProblem(f"{noun}ต้องเป็นจำนวนเต็ม {low}–{high} (พบ {_shown(raw, number)})")
    return int(number)


# --- dates and years -----------------------------------------------------------------------


@dataclass(frozen=True)
class DateWindow:
    """The days a date may fall on, both ends included, and how to name them in Thai."""

    start: date
    end: date
    name: str  # "ไตรมาสที่ 1 ปีงบประมาณ 2570"

    def __str__(self) -> str:
        return f"{self.name} ({thai_date(self.start)} – {thai_date(self.end)})"


def read_date(raw, *, window: DateWindow | None = None) -> date:
    """A date typed the Thai way ("31/12/2569", "31 ธ.ค. 69", "๓๑/๑๒/๒๕๖๙", ISO) or stored by a
    spreadsheet. A stored date whose year is 2400 or later was typed with a Buddhist-Era year
    into a Gregorian spreadsheet (Excel keeps 15/12/2569 as the year 2569): it is read as BE.
    With ``window``, a date outside it is refused."""
    if isinstance(raw, (datetime, date)):
        day = _stored_date(raw.date() if isinstance(raw, datetime) else raw)
    elif isinstance(raw, str):
        try:
            day = parse_date(raw)
        except ThaiParseError as exc:
            raise ValueProblem(str(exc)) from None
    else:
        raise ValueProblem(f'อ่านวันที่ไม่ได้: "{raw}" (พิมพ์เป็น วัน/เดือน/ปี พ.ศ. เช่น 31/12/2569)')
    if window is not None and not window.start <= day <= window.end:
        hint = ""
        if day.year < 2000:  # Excel turns a two-digit year "69" into 1969
            hint = " — ถ้าพิมพ์ปี พ.ศ. 2 หลัก Excel จะอ่านเป็น ค.ศ. 19xx ให้พิมพ์ปี พ.ศ. เต็ม 4 หลัก เช่น 31/12/2569"
        raise ValueProblem(f"วันที่ต้องอยู่ใน{window} แต่พบ {thai_date(day, full=True)}{hint}")
    return day


def _stored_date(day: date) -> date:
    if day.year < BE_OFFSET + 1900:
        return day
    try:
        return day.replace(year=day.year - BE_OFFSET)
    except ValueError:  # 29 Feb of a BE year that is a leap year only when read as CE
        raise ValueProblem(f"ไม่มีวันที่ {day.day}/{day.month}/{day.year} ในปี พ.ศ. {day.year} — ตรวจวันที่อีกครั้ง") from None


def read_year(raw) -> int:
    """A Buddhist-Era year: "2570", "๒๕๗๐", "พ.ศ. 2570", "70", 2027 (CE) -> 2570."""
    try:
        return parse_year(raw if isinstance(raw, (str, int)) else str(raw))
    except ThaiParseError as exc:
        raise ValueProblem(str(exc)) from None


# --- text --------------------------------------------------------------------------------


def read_text(raw, *, max_length: int | None = None) -> str:
    """One line: zero-width characters dropped, runs of spaces made one, ends stripped."""
    text = clean_text(str(raw))
    _check_length(text, max_length)
    return text


def read_multiline(raw, *, max_length: int | None = None) -> str:
    """Lines kept (Windows line ends made "\\n"), each line cleaned like :func:`read_text`."""
    lines = [clean_text(line) for line in str(raw).replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    text = "\n".join(lines).strip("\n")
    _check_length(text, max_length)
    return text


def _check_length(text: str, max_length: int | None) -> None:
    if max_length and len(text) > max_length:
        raise ValueProblem(f"ข้อความยาว {len(text):,} ตัวอักษร เกินที่รับได้ {max_length:,} ตัวอักษร — ย่อให้สั้นลง")


def read_choice(raw, choices: tuple[str, ...]) -> str:
    """One of ``choices``, compared after cleaning (stray and zero-width spaces do not count)."""
    text = clean_text(str(raw))
    if text not in choices:
        raise ValueProblem(f'"{text}" ไม่อยู่ในรายการ: {", ".join(choices)} — เลือกจากรายการในช่อง')
    return text


def read_url(raw) -> str:
    """A web address checked for form only (never fetched): http(s)://host/…, no spaces."""
    from urllib.parse import urlsplit

    text = clean_text(str(raw))
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:  # e.g. "http://[" : not an address at all
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host or any(c.isspace() for c in text):
        raise ValueProblem(f'ลิงก์ต้องขึ้นต้นด้วย http:// หรือ https:// และเป็นที่อยู่เว็บเต็มไม่มีเว้นวรรค (พบ "{text[:80]}")')
    return text
