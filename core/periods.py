"""Thai fiscal years, quarters and evaluation rounds.

A fiscal year (ปีงบประมาณ) is named by the Buddhist-Era year in which it ends:
FY2570 = 1 Oct 2026 – 30 Sep 2027. Quarters are fixed (Q1 Oct–Dec … Q4 Jul–Sep).
Evaluation rounds are an assumption, so they are data: a spec of (start_month, end_month)
pairs in fiscal order, defaulting to :data:`DEFAULT_ROUNDS`.
"""
from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from tidtam.core.thai import ThaiParseError, be_year, ce_year, clean_text, parse_year
from tidtam.core.thai import thai_date, to_arabic_digits, to_thai_digits

__all__ = [
    "DEFAULT_ROUNDS", "KIND_NAMES_TH", "Period", "PeriodError",
    "fiscal_year_of", "fiscal_year_bounds", "fiscal_months", "current_fiscal_year",
    "quarter", "quarters", "quarter_of", "round_", "rounds", "parse_period",
]

# [assumed] Round 1 = Oct–Mar, round 2 = Apr–Sep. Pass another spec where an office differs.
DEFAULT_ROUNDS: tuple[tuple[int, int], ...] = ((10, 3), (4, 9))

# Thailand has been UTC+7 without daylight saving since 1920; a fixed offset avoids needing
# tzdata (absent on Windows) and keeps "today" right on a server that runs in UTC.
BANGKOK = timezone(timedelta(hours=7), "Asia/Bangkok")


def thai_time(moment: datetime | None) -> str:
    """ "1 ธ.ค. 69 17:05 น." in Thailand's time (a naive moment is UTC, as the database keeps it);
    a no-break space keeps "น." with its time when a table cell wraps."""
    if moment is None:
        return "-"
    local = (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(BANGKOK)
    return f"{thai_date(local.date())} {local:%H:%M}\u00a0น."


_KIND_TH = {"Q": "ไตรมาสที่", "R": "รอบที่"}
KIND_NAMES_TH = {"Q": "ไตรมาส", "R": "รอบการประเมิน"}  # a kind of period, named in messages
_PERIOD_HINT = "ตัวอย่าง: 2570Q1 ไตรมาส, 2570R1 รอบการประเมิน"


class PeriodError(ValueError):
    """A period that does not exist or could not be read; the message is Thai."""


# --- fiscal years ------------------------------------------------------------------------

def _check_fy(fy: int) -> int:
    # Catches the easy mistake of passing a CE year (2027), which would otherwise quietly
    # produce periods in the 15th century.
    if isinstance(fy, bool) or not isinstance(fy, int) or not 2400 <= fy <= 2999:
        raise PeriodError(f'ปีงบประมาณต้องเป็นปี พ.ศ. เช่น 2570: "{fy}"')
    return fy


def fiscal_year_of(d: date) -> int:
    """BE fiscal year containing ``d``: 30 Sep 2026 -> 2569, 1 Oct 2026 -> 2570."""
    return be_year(d.year) + (1 if d.month >= 10 else 0)


def fiscal_year_bounds(fy: int) -> tuple[date, date]:
    """First and last day of fiscal year ``fy`` (BE): 2570 -> (2026-10-01, 2027-09-30)."""
    end_year = ce_year(_check_fy(fy))
    return date(end_year - 1, 10, 1), date(end_year, 9, 30)


def fiscal_months(fy: int) -> list[tuple[int, int]]:
    """The twelve (CE year, month) pairs of ``fy``, October first."""
    end_year = ce_year(_check_fy(fy))
    return [(end_year - 1, m) for m in (10, 11, 12)] + [(end_year, m) for m in range(1, 10)]


def current_fiscal_year(today: date | None = None) -> int:
    """Fiscal year of ``today`` (default: today's date in Thailand)."""
    return fiscal_year_of(today or datetime.now(BANGKOK).date())


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


# --- periods -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """A span of one fiscal year: quarter (kind "Q") or evaluation round (kind "R")."""

    fiscal_year: int
    kind: str
    number: int
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.kind not in _KIND_TH:
            raise PeriodError(f'ชนิดช่วงเวลาต้องเป็น Q หรือ R: "{self.kind}"')
        if self.start > self.end:
            raise PeriodError(f"วันเริ่ม {self.start} อยู่หลังวันสิ้นสุด {self.end}")

    @property
    def id(self) -> str:
        """Stable code: "2570Q1", "2570R1"."""
        return f"{self.fiscal_year}{self.kind}{self.number}"

    def name_th(self) -> str:
        """ "ไตรมาสที่ 1 ปีงบประมาณ 2570" or "รอบที่ 2 ปีงบประมาณ 2570"."""
        return f"{_KIND_TH[self.kind]} {self.number} ปีงบประมาณ {self.fiscal_year}"

    def label_th(self, *, thai_digits: bool = False) -> str:
        """ "ไตรมาสที่ 1 (1 ต.ค. 69 – 31 ธ.ค. 69)" or "รอบที่ 1 (1 ต.ค. 69 – 31 มี.ค. 70)"."""
        text = (f"{_KIND_TH[self.kind]} {self.number} "
                f"({thai_date(self.start)} – {thai_date(self.end)})")
        return to_thai_digits(text) if thai_digits else text

    def contains(self, d: date) -> bool:
        """Whether ``d`` lies in the period, both ends included."""
        if isinstance(d, datetime):      # datetime vs date comparison raises TypeError
            d = d.date()
        return self.start <= d <= self.end

    def due_date(self, days_after_end: int = 15) -> date:
        """When reporting is due: by default 15 days after the period ends (Budget Bureau)."""
        return self.end + timedelta(days=days_after_end)


def quarter(fy: int, n: int) -> Period:
    """Quarter ``n`` (1–4) of fiscal year ``fy``: Q1 Oct–Dec, Q2 Jan–Mar, Q3 Apr–Jun, Q4 Jul–Sep."""
    months = fiscal_months(fy)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 4:
        raise PeriodError(f'ไตรมาสต้องเป็น 1 ถึง 4: "{n}"')
    first, last = months[3 * (n - 1)], months[3 * n - 1]
    return Period(fy, "Q", n, date(*first, 1), _month_end(*last))


def quarters(fy: int) -> list[Period]:
    """The four quarters of ``fy`` in order."""
    return [quarter(fy, n) for n in range(1, 5)]


def quarter_of(d: date) -> Period:
    """The quarter containing ``d``."""
    fiscal_index = (d.month - 10) % 12          # October = 0 … September = 11
    return quarter(fiscal_year_of(d), fiscal_index // 3 + 1)


def _check_spec(spec: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Rounds as fiscal-month indexes (Oct = 0); each within the year, in order, not overlapping."""
    indexes: list[tuple[int, int]] = []
    previous_end = -1
    for pair in spec:
        try:
            start_month, end_month = pair
            ok = all(isinstance(m, int) and 1 <= m <= 12 for m in pair)
        except (TypeError, ValueError):
            ok = False
        if ok:
            a, b = (start_month - 10) % 12, (end_month - 10) % 12
            ok = previous_end < a <= b
        if not ok:
            raise PeriodError(
                f"กำหนดรอบการประเมินไม่ถูกต้อง: {tuple(spec)!r} (ต้องเป็นคู่ (เดือนเริ่ม, เดือนสิ้นสุด) "
                f"เรียงตามปีงบประมาณ ไม่ทับกัน เช่น {DEFAULT_ROUNDS!r})"
            )
        indexes.append((a, b))
        previous_end = b
    if not indexes:
        raise PeriodError("กำหนดรอบการประเมินไม่ถูกต้อง: ไม่มีรอบใดเลย")
    return indexes


def round_(fy: int, n: int, spec: Sequence[tuple[int, int]] | None = None) -> Period:
    """Evaluation round ``n`` (from 1) of ``fy`` under ``spec`` (default :data:`DEFAULT_ROUNDS`)."""
    months = fiscal_months(fy)
    indexes = _check_spec(DEFAULT_ROUNDS if spec is None else spec)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= len(indexes):
        raise PeriodError(f'รอบการประเมินต้องเป็น 1 ถึง {len(indexes)}: "{n}"')
    a, b = indexes[n - 1]
    return Period(fy, "R", n, date(*months[a], 1), _month_end(*months[b]))


def rounds(fy: int, spec: Sequence[tuple[int, int]] | None = None) -> list[Period]:
    """All evaluation rounds of ``fy`` in order."""
    count = len(_check_spec(DEFAULT_ROUNDS if spec is None else spec))
    return [round_(fy, n, spec) for n in range(1, count + 1)]


# --- parsing -----------------------------------------------------------------------------

_YEAR_FIRST = re.compile(r"(?P<year>\d{4})[-/]?(?P<kind>[QR])(?P<n>\d{1,2})")
_KIND_FIRST = re.compile(r"(?P<kind>[QR])(?P<n>\d{1,2})[-/]?(?P<year>\d{4})")


def parse_period(text: str, rounds: Sequence[tuple[int, int]] | None = None) -> Period:
    """Read a period code: "2570Q1", "2570q1", "๒๕๗๐Q๑", "2570R2", "Q1/2570", "Q1-2570",
    "2570-Q1", with stray spaces. A CE year names the fiscal year ending in it: "2027Q1" is
    2570Q1. ``rounds`` is the round spec for "R" codes (default :data:`DEFAULT_ROUNDS`).
    """
    error = PeriodError(f'รหัสช่วงเวลาไม่ถูกต้อง: "{text}" ({_PERIOD_HINT})')
    if not isinstance(text, str):
        raise error
    s = to_arabic_digits(clean_text(text)).upper().replace(" ", "")
    m = _YEAR_FIRST.fullmatch(s) or _KIND_FIRST.fullmatch(s)
    if not m:
        raise error
    try:
        fy = parse_year(m["year"])           # 2400–2999, so quarter()/round_() accept it
    except ThaiParseError:
        raise error from None
    n = int(m["n"])
    # A bad round spec is a configuration fault, not the user's typing: let its own error out.
    count = 4 if m["kind"] == "Q" else len(_check_spec(DEFAULT_ROUNDS if rounds is None else rounds))
    if not 1 <= n <= count:
        raise error
    return quarter(fy, n) if m["kind"] == "Q" else round_(fy, n, rounds)
