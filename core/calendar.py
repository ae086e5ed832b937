"""The unit's yearly calendar (work manual p.28) and the deadlines it gives each period."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import model_validator

from .config import Strict, load
from .periods import Period, fiscal_months
from .settings import config_dir


class Deadline(Strict):
    days_after_period_end: int | None = None
    by_number: dict[int, str] | None = None  # period number → "MM-DD" inside the fiscal year

    @model_validator(mode="after")
    def _one_rule(self):
        if (self.days_after_period_end is None) == (self.by_number is None):
            raise ValueError("ระบุ days_after_period_end หรือ by_number อย่างใดอย่างหนึ่ง")
        for text in (self.by_number or {}).values():
            month, _, day = text.partition("-")
            if not (month.isdigit() and day.isdigit() and 1 <= int(month) <= 12 and 1 <= int(day) <= 31):
                raise ValueError(f'วันที่ "{text}" ต้องเป็นรูปแบบ MM-DD')
        return self


class Process(Strict):
    code: str
    short_name: str
    name: str
    months: list[int]
    period_kind: Literal["Q", "R"] | None = None
    collects: Literal["project_progress", "emes_results", "inspection_results"] | None = None
    target: str | None = None
    deadline: Deadline | None = None

    def due(self, period: Period) -> date | None:
        """The deadline of this process for ``period`` (None when the calendar sets none)."""
        if self.deadline is None:
            return None
        if self.deadline.days_after_period_end is not None:
            return period.due_date(self.deadline.days_after_period_end)
        text = self.deadline.by_number.get(period.number)
        if text is None:
            return None
        month, day = (int(x) for x in text.split("-"))
        year = next(y for y, mth in fiscal_months(period.fiscal_year) if mth == month)
        return date(year, month, day)


class Calendar(Strict):
    processes: list[Process]


def load_calendar(directory: Path | None = None) -> Calendar:
    return load(Calendar, (directory or config_dir()) / "calendar.yaml")
