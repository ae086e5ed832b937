"""Which records go into an owner's workbook, with the values the database holds now.

Each kind's ``rows`` returns ``{sheet_key: [row, ...]}`` where a row maps column keys to values,
in the order rows appear in the workbook. Prefilling current values lets an owner correct a
file instead of retyping it.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import models as m
from ..periods import Period
from ..status import progress_reports
from ..thai import MONTH_ABBR

Rows = dict[str, list[dict]]


def owners_with_items(session: Session, office: m.Office, kind, period: Period) -> list[m.Person]:
    """People who own at least one record of ``kind`` (an ``IntakeKind``) in the period's fiscal year."""
    owner_ids = set(session.scalars(kind.owners(office, period.fiscal_year)))
    return session.scalars(select(m.Person).where(m.Person.id.in_(owner_ids)).order_by(m.Person.code)).all()


def progress_owners(office: m.Office, fy: int):
    return select(m.Project.owner_id).where(m.Project.office_id == office.id, m.Project.fiscal_year == fy)


def evidence_names(session: Session, **where) -> dict[int, list[str]]:
    """Evidence file names per result row id, e.g. ``evidence_names(s, progress_id=[1, 2])``."""
    (column, ids), = where.items()
    attribute = getattr(m.EvidenceFile, column)
    names: dict[int, list[str]] = defaultdict(list)
    for owner_id, name in session.execute(select(attribute, m.EvidenceFile.filename).where(attribute.in_(ids)).order_by(m.EvidenceFile.id)):
        names[owner_id].append(name)
    return names


def progress_rows(session: Session, office: m.Office, period: Period, owner: m.Person) -> Rows:
    projects = session.scalars(
        select(m.Project)
        .where(m.Project.office_id == office.id, m.Project.fiscal_year == period.fiscal_year, m.Project.owner_id == owner.id)
        .options(selectinload(m.Project.activities), selectinload(m.Project.kpis), selectinload(m.Project.budget_lines))
        .order_by(m.Project.code)
    ).all()
    reports = progress_reports(session, projects, period)
    evidence = evidence_names(session, progress_id=[r.id for r in reports.values()])
    rows: Rows = {"projects": [], "activities": [], "kpis": []}
    for project in projects:
        report = reports.get(project.id)
        done = {a.activity_id: a for a in report.activities} if report else {}
        results = {k.kpi_id: k for k in report.kpi_results} if report else {}
        rows["projects"].append({
            "code": project.code, "name": project.name, "budget": project.total_budget,
            "status": m.PROGRESS_STATUS_TH[report.status] if report else None,
            "disbursed": report.disbursed if report else None,
            "as_of": report.as_of if report else None,
            "problems": report.problems if report else None,
            "evidence": "; ".join(evidence.get(report.id, [])) if report else None,
        })
        for activity in project.activities:
            got = done.get(activity.id)
            rows["activities"].append({
                "code": project.code, "seq": activity.seq, "name": activity.name,
                "months": " ".join(MONTH_ABBR[mo] for mo in activity.months),
                "percent": got.percent if got else None, "note": got.note if got else None,
            })
        for kpi in project.kpis:
            got = results.get(kpi.id)
            rows["kpis"].append({
                "code": project.code, "seq": kpi.seq, "name": kpi.name, "target": kpi.target, "unit": kpi.unit,
                "value": got.value if got else None, "note": got.note if got else None,
            })
    return rows
