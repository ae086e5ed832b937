"""What is due for a period, what each owner has sent, what is missing or fails a check.

``status`` shows it per process; ``completeness`` per process and owner. Both read the same
``ItemState`` list, so they can never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from . import models as m
from .calendar import Calendar, Process
from .periods import Period, fiscal_months


@dataclass
class Item:
    code: str
    name: str
    owner_code: str | None
    owner_name: str | None
    group: str | None


@dataclass
class ItemState:
    item: Item
    state: str  # "filled" | "missing" | "invalid"
    problems: list[str] = field(default_factory=list)  # Thai, why it is invalid


@dataclass
class ProcessStatus:
    code: str
    short_name: str
    name: str
    target: str | None
    collects: str | None
    due: date | None
    items: list[ItemState] = field(default_factory=list)
    pushed: int = 0
    failed: int = 0

    @property
    def expected(self) -> int:
        return len(self.items)

    @property
    def filled(self) -> int:
        return sum(1 for s in self.items if s.state != "missing")

    @property
    def missing(self) -> list[Item]:
        return [s.item for s in self.items if s.state == "missing"]

    @property
    def invalid(self) -> list[ItemState]:
        return [s for s in self.items if s.state == "invalid"]

    def days_left(self, today: date) -> int | None:
        return (self.due - today).days if self.due else None


def period_status(session: Session, office: m.Office, period: Period, calendar: Calendar, kinds=None) -> list[ProcessStatus]:
    """``kinds`` (``core.intake.kinds``): the intake kinds whose ``states`` list the items of a process
    that ``collects`` what core does not (by default, the plugins' are loaded only for such a process:
    ``status`` of a quarter imports no plugin). A process that no kind collects has no items."""
    processes = [p for p in calendar.processes if p.period_kind == period.kind]
    collectors = {"project_progress": progress_states}
    if kinds is None and any(p.collects and p.collects not in collectors for p in processes):
        from .intake.kinds import intake_kinds

        kinds = intake_kinds()
    collectors |= {kind.collects: kind.states for kind in (kinds or {}).values() if kind.collects}
    return [_process_status(session, office, period, process, collectors.get(process.collects)) for process in processes]


def _process_status(session, office, period, process: Process, states) -> ProcessStatus:
    status = ProcessStatus(
        code=process.code, short_name=process.short_name, name=process.name, target=process.target,
        collects=process.collects, due=process.due(period), items=states(session, office, period) if states else [],
    )
    if process.target:
        counts = dict(session.execute(
            select(m.Submission.state, func.count())
            .where(m.Submission.office_id == office.id, m.Submission.target == process.target, m.Submission.period == period.id)
            .group_by(m.Submission.state)).all())
        status.pushed = counts.get(m.SubmissionState.SUBMITTED, 0)
        status.failed = counts.get(m.SubmissionState.FAILED, 0) + counts.get(m.SubmissionState.UNKNOWN, 0)
    return status


def item(code: str, name: str, owner: m.Person | None, group: m.Group | None = None) -> Item:
    group = group or (owner.group if owner else None)
    return Item(code, name, owner.code if owner else None, owner.full_name if owner else None, group.name if group else None)


def state(of: Item, present: bool, problems: list[str]) -> ItemState:
    if not present:
        return ItemState(of, "missing")
    return ItemState(of, "invalid" if problems else "filled", problems)


def progress_reports(session, projects: list[m.Project], period: Period) -> dict[int, m.ProjectProgress]:
    """Each project's report for the period (when it has one), its activity and KPI rows loaded."""
    return {r.project_id: r for r in session.scalars(
        select(m.ProjectProgress).where(m.ProjectProgress.project_id.in_([p.id for p in projects]), m.ProjectProgress.period == period.id)
        .options(selectinload(m.ProjectProgress.activities), selectinload(m.ProjectProgress.kpi_results)))}


def progress_states(session, office, period) -> list[ItemState]:
    projects = session.scalars(
        select(m.Project).where(m.Project.office_id == office.id, m.Project.fiscal_year == period.fiscal_year)
        .options(selectinload(m.Project.activities), selectinload(m.Project.kpis), selectinload(m.Project.budget_lines),
                 selectinload(m.Project.owner), selectinload(m.Project.group))
        .order_by(m.Project.code)
    ).all()
    reports = progress_reports(session, projects, period)
    states = []
    for project in projects:
        report = reports.get(project.id)
        problems = _progress_problems(project, report, period) if report else []
        states.append(state(item(project.code, project.name, project.owner, project.group), report is not None, problems))
    return states


def _progress_problems(project: m.Project, report: m.ProjectProgress, period: Period) -> list[str]:
    problems = []
    percent = {a.activity_id: a.percent for a in report.activities}
    quarter_months = {month for year, month in fiscal_months(period.fiscal_year) if period.contains(date(year, month, 1))}
    if report.status == m.ProgressStatus.COMPLETED and any(percent.get(a.id, 0) < 100 for a in project.activities):
        problems.append("สถานะดำเนินการแล้วเสร็จ แต่ยังมีกิจกรรมที่ความก้าวหน้าไม่ถึงร้อยละ 100")
    if report.disbursed > project.total_budget:
        problems.append(f"เบิกจ่าย {report.disbursed:,.2f} บาท เกินงบประมาณ {project.total_budget:,.2f} บาท")
    reported_kpis = {k.kpi_id for k in report.kpi_results if k.value is not None or k.note}
    unreported = [k for k in project.kpis if k.id not in reported_kpis]
    if report.status != m.ProgressStatus.CANCELLED and unreported:
        problems.append("ยังไม่รายงานผลตัวชี้วัด: " + ", ".join(f"ลำดับ {k.seq}" for k in unreported))
    due_now = [a for a in project.activities if quarter_months & set(a.months) and a.id not in percent]
    if report.status != m.ProgressStatus.CANCELLED and due_now:
        problems.append("ยังไม่รายงานกิจกรรมที่กำหนดทำในไตรมาสนี้: " + ", ".join(f"ลำดับ {a.seq}" for a in due_now))
    return problems
