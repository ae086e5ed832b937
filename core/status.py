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
from .intake.layouts import EMES_NARRATIVE_MAX
from .periods import Period


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


def period_status(session: Session, office: m.Office, period: Period, calendar: Calendar) -> list[ProcessStatus]:
    return [_process_status(session, office, period, process) for process in calendar.for_period(period)]


def _process_status(session, office, period, process: Process) -> ProcessStatus:
    status = ProcessStatus(
        code=process.code, short_name=process.short_name, name=process.name, target=process.target,
        collects=process.collects, due=process.due(period),
        items=COLLECTORS[process.collects](session, office, period) if process.collects else [],
    )
    if process.target:
        counts = dict(
            session.execute(
                select(m.Submission.state, func.count())
                .where(m.Submission.office_id == office.id, m.Submission.target == process.target, m.Submission.period == period.id)
                .group_by(m.Submission.state)
            ).all()
        )
        status.pushed = counts.get(m.SubmissionState.SUBMITTED, 0)
        status.failed = counts.get(m.SubmissionState.FAILED, 0) + counts.get(m.SubmissionState.UNKNOWN, 0)
    return status


def _item(code: str, name: str, owner: m.Person | None, group: m.Group | None = None) -> Item:
    group = group or (owner.group if owner else None)
    return Item(code, name, owner.code if owner else None, owner.full_name if owner else None, group.name if group else None)


def _state(item: Item, present: bool, problems: list[str]) -> ItemState:
    if not present:
        return ItemState(item, "missing")
    return ItemState(item, "invalid" if problems else "filled", problems)


def _project_progress(session, office, period) -> list[ItemState]:
    reports = {
        r.project_id: r
        for r in session.scalars(
            select(m.ProjectProgress).join(m.Project)
            .where(m.Project.office_id == office.id, m.Project.fiscal_year == period.fiscal_year, m.ProjectProgress.period == period.id)
            .options(selectinload(m.ProjectProgress.activities), selectinload(m.ProjectProgress.kpi_results))
        )
    }
    projects = session.scalars(
        select(m.Project).where(m.Project.office_id == office.id, m.Project.fiscal_year == period.fiscal_year)
        .options(selectinload(m.Project.activities), selectinload(m.Project.kpis), selectinload(m.Project.budget_lines),
                 selectinload(m.Project.owner), selectinload(m.Project.group))
        .order_by(m.Project.code)
    )
    states = []
    for project in projects:
        report = reports.get(project.id)
        problems = _progress_problems(project, report, period) if report else []
        states.append(_state(_item(project.code, project.name, project.owner, project.group), report is not None, problems))
    return states


def _progress_problems(project: m.Project, report: m.ProjectProgress, period: Period) -> list[str]:
    problems = []
    percent = {a.activity_id: a.percent for a in report.activities}
    quarter_months = {month for _, month in _months(period)}
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


def _months(period: Period) -> list[tuple[int, int]]:
    months, current = [], period.start.replace(day=1)
    while current <= period.end:
        months.append((current.year, current.month))
        current = current.replace(year=current.year + current.month // 12, month=current.month % 12 + 1)
    return months


def _emes_results(session, office, period) -> list[ItemState]:
    results = {r.indicator_id: r for r in session.scalars(
        select(m.EmesResult).join(m.EmesIndicator).join(m.EmesStandard)
        .where(m.EmesStandard.office_id == office.id, m.EmesStandard.fiscal_year == period.fiscal_year, m.EmesResult.period == period.id)
    )}
    indicators = session.scalars(
        select(m.EmesIndicator).join(m.EmesStandard)
        .where(m.EmesStandard.office_id == office.id, m.EmesStandard.fiscal_year == period.fiscal_year)
        .options(selectinload(m.EmesIndicator.owner), selectinload(m.EmesIndicator.standard))
        .order_by(m.EmesStandard.number, m.EmesIndicator.number)
    )
    states = []
    for indicator in indicators:
        result = results.get(indicator.id)
        present = result is not None and (result.level is not None or bool(result.narrative))
        problems = []
        if present and result.level is None:
            problems.append("ยังไม่ระบุระดับผลการประเมินตนเอง")
        if present and not result.narrative:
            problems.append("ยังไม่เขียนผลการดำเนินงาน")
        if present and len(result.narrative) > EMES_NARRATIVE_MAX:
            problems.append(f"ผลการดำเนินงานยาว {len(result.narrative):,} ตัวอักษร เกิน {EMES_NARRATIVE_MAX:,}")
        states.append(_state(_item(indicator.code, indicator.name, indicator.owner), present, problems))
    return states


def _inspection_results(session, office, period) -> list[ItemState]:
    results = {r.indicator_id: r for r in session.scalars(
        select(m.InspectionResult).join(m.InspectionIndicator).join(m.InspectionPoint).join(m.InspectionPolicy)
        .where(m.InspectionPolicy.office_id == office.id, m.InspectionPolicy.fiscal_year == period.fiscal_year,
               m.InspectionResult.period == period.id)
    )}
    indicators = session.scalars(
        select(m.InspectionIndicator).join(m.InspectionPoint).join(m.InspectionPolicy)
        .where(m.InspectionPolicy.office_id == office.id, m.InspectionPolicy.fiscal_year == period.fiscal_year)
        .options(selectinload(m.InspectionIndicator.owner))
        .order_by(m.InspectionPolicy.number, m.InspectionPoint.number, m.InspectionIndicator.code)
    )
    states = []
    for indicator in indicators:
        result = results.get(indicator.id)
        present = result is not None and (result.result is not None or bool(result.result_text))
        problems = []
        if present and indicator.target is not None and result.result is None:
            problems.append(f"ตัวชี้วัดมีค่าเป้าหมาย {indicator.target} {indicator.unit} แต่ยังไม่กรอกผลเป็นตัวเลข")
        states.append(_state(_item(indicator.code, indicator.name, indicator.owner), present, problems))
    return states


COLLECTORS = {
    "project_progress": _project_progress,
    "emes_results": _emes_results,
    "inspection_results": _inspection_results,
}
