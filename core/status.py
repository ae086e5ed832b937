"""What is due for a period, what is still missing (and from whom), and what was pushed."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import models as m
from .calendar import Calendar, Process
from .periods import Period


@dataclass
class MissingItem:
    code: str
    name: str
    owner_code: str | None
    owner_name: str | None
    group: str | None


@dataclass
class ProcessStatus:
    code: str
    short_name: str
    name: str
    target: str | None
    collects: str | None
    due: date | None
    expected: int
    filled: int
    missing: list[MissingItem] = field(default_factory=list)
    pushed: int = 0
    failed: int = 0

    def days_left(self, today: date) -> int | None:
        return (self.due - today).days if self.due else None


def period_status(session: Session, office: m.Office, period: Period, calendar: Calendar) -> list[ProcessStatus]:
    return [_process_status(session, office, period, process) for process in calendar.for_period(period)]


def _process_status(session, office, period, process: Process) -> ProcessStatus:
    items = COLLECTORS[process.collects](session, office, period) if process.collects else []
    missing = [item for item, filled in items if not filled]
    status = ProcessStatus(
        code=process.code, short_name=process.short_name, name=process.name, target=process.target, collects=process.collects, due=process.due(period),
        expected=len(items), filled=len(items) - len(missing), missing=missing,
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


def _item(code: str, name: str, owner: m.Person | None, group: m.Group | None = None) -> MissingItem:
    group = group or (owner.group if owner else None)
    return MissingItem(code, name, owner.code if owner else None, owner.full_name if owner else None, group.name if group else None)


def _project_progress(session, office, period):
    reported = set(session.scalars(select(m.ProjectProgress.project_id).where(m.ProjectProgress.period == period.id)))
    projects = session.scalars(
        select(m.Project).where(m.Project.office_id == office.id, m.Project.fiscal_year == period.fiscal_year).order_by(m.Project.code)
    )
    return [(_item(p.code, p.name, p.owner, p.group), p.id in reported) for p in projects]


def _emes_results(session, office, period):
    done = set(
        session.scalars(
            select(m.EmesResult.indicator_id).where(
                m.EmesResult.period == period.id, m.EmesResult.level.is_not(None), m.EmesResult.narrative != ""
            )
        )
    )
    indicators = session.scalars(
        select(m.EmesIndicator).join(m.EmesStandard)
        .where(m.EmesStandard.office_id == office.id, m.EmesStandard.fiscal_year == period.fiscal_year)
        .order_by(m.EmesStandard.number, m.EmesIndicator.number)
    )
    return [(_item(f"{i.code}", i.name, i.owner), i.id in done) for i in indicators]


def _inspection_results(session, office, period):
    done = set(
        session.scalars(
            select(m.InspectionResult.indicator_id).where(
                m.InspectionResult.period == period.id,
                (m.InspectionResult.result.is_not(None)) | (m.InspectionResult.result_text != ""),
            )
        )
    )
    indicators = session.scalars(
        select(m.InspectionIndicator).join(m.InspectionPoint).join(m.InspectionPolicy)
        .where(m.InspectionPolicy.office_id == office.id, m.InspectionPolicy.fiscal_year == period.fiscal_year)
        .order_by(m.InspectionPolicy.number, m.InspectionPoint.number, m.InspectionIndicator.code)
    )
    return [(_item(i.code, i.name, i.owner), i.id in done) for i in indicators]


COLLECTORS = {
    "project_progress": _project_progress,
    "emes_results": _emes_results,
    "inspection_results": _inspection_results,
}
