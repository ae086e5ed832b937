"""Schema of ``config/targets/emenscr/<version>/mapping.yaml``: planning rules and the site's
address. What the pages hold (fields, labels, options, buttons, paths) is forms.yaml."""
from __future__ import annotations

from typing import Literal

from tidtam.core.config import Strict


class QualitativeKpi(Strict):
    target: str
    unit: str


class BudgetLine(Strict):
    source: str
    line: str


class Entry(Strict):
    """How the site tells a project's state (project entry M1–M5 and send for approval M7)."""

    saved_mark: str = "✓"  # a step's link in the steps navigation ends with this once the step is saved
    locked_statuses: list[str] = ["sent", "approved"]  # the project page's status: no more edits
    open_statuses: list[str] = ["draft", "returned"]  # still to be (re)entered and sent


class EmenscrMapping(Strict):
    base_url: str  # the site's address; the demo points at the local stand-in
    budget_sources: dict[str, str]  # catalog code → its name, for people (previews, notes)
    budget_lines: dict[str, str]
    qualitative_kpi: QualitativeKpi = QualitativeKpi(target="1", unit="ระดับ")
    no_budget_line: BudgetLine | None = None  # M5 needs a line: what a project without budget sends (0.00)
    disbursement_split: Literal["planned", "last_month"] = "planned"
    entry: Entry = Entry()
