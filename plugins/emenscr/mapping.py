"""Schema of ``config/targets/emenscr/<version>/mapping.yaml``: how core values read on the site."""
from __future__ import annotations

from typing import Literal

from tidtam.core.config import Strict
from tidtam.core.models import ProgressStatus


class Limits(Strict):
    name: int = 500
    owner: int = 200
    rationale: int = 5000
    objectives: int = 3000
    target_groups: int = 2000
    kpi_name: int = 500
    kpi_unit: int = 50
    activity_name: int = 500
    kpi_result: int = 500
    problems: int = 2000


class QualitativeKpi(Strict):
    target: str
    unit: str


class BudgetLine(Strict):
    source: str
    line: str


class Paths(Strict):
    login: str = "/login"
    projects: str = "/projects?q={q}&page={page}"
    progress_page: str = "/projects/{id}/progress/{quarter}"
    progress_api: str = "/api/projects/{id}/progress/{quarter}"
    projects_by_status: str = "/projects?status={status}&page={page}"
    new_project: str = "/projects/new"
    project: str = "/projects/{id}"
    step: str = "/projects/{id}/steps/{step}"


class Entry(Strict):
    """Project entry (M1–M5) and send for approval (M7) as the site shows them."""

    saved_mark: str = "✓"  # a step link in the steps navigation ends with this once the step is saved
    locked_statuses: list[str] = ["sent", "approved"]  # the project page's data-status: no more edits
    open_statuses: list[str] = ["draft", "returned"]  # still to be (re)entered and sent
    send_confirm: str = "ยืนยันการส่งโครงการ"  # the start of M7's confirm() dialog, accepted only if it matches


class ProgressFields(Strict):
    """The input names of the progress form (also the JSON keys its script posts)."""

    activity: str = "activity-{n}-progress"
    kpi: str = "kpi-{n}-result"
    disbursed: str = "disbursed-{month}"
    problems: str = "problems"
    status: str = "status"


class EmenscrMapping(Strict):
    base_url: str  # the site's address; the demo points at the local stand-in
    statuses: dict[ProgressStatus, str]  # core status → the site's status label
    budget_sources: dict[str, str]  # catalog code → the site's label
    budget_lines: dict[str, str]
    limits: Limits = Limits()
    project_type: str = "โครงการต่อเนื่อง"
    qualitative_kpi: QualitativeKpi = QualitativeKpi(target="1", unit="ระดับ")
    no_budget_line: BudgetLine | None = None  # M5 needs a line: what a project without budget sends (0.00)
    disbursement_split: Literal["planned", "last_month"] = "planned"
    paths: Paths = Paths()
    progress_fields: ProgressFields = ProgressFields()
    entry: Entry = Entry()
