"""Which records go into an owner's workbook, with the values the database holds now.

Each function returns ``{sheet_key: [row, ...]}`` where a row maps column keys to values,
in the order rows appear in the workbook. Prefilling current values lets an owner correct a
file instead of retyping it.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import models as m
from ..periods import Period
from ..thai import MONTH_ABBR

Rows = dict[str, list[dict]]


def owners_with_items(session: Session, office: m.Office, kind: str, period: Period) -> list[m.Person]:
    """People who own at least one record of ``kind`` in the period's fiscal year."""
    owner_ids = set(session.scalars(_owner_query(kind, office, period.fiscal_year)))
    people = session.scalars(select(m.Person).where(m.Person.id.in_(owner_ids)).order_by(m.Person.code))
    return list(people)


def _owner_query(kind: str, office: m.Office, fy: int):
    if kind == "progress":
        return select(m.Project.owner_id).where(m.Project.office_id == office.id, m.Project.fiscal_year == fy)
    if kind == "emes":
        return select(m.EmesIndicator.owner_id).join(m.EmesStandard).where(m.EmesStandard.office_id == office.id, m.EmesStandard.fiscal_year == fy)
    return (
        select(m.InspectionIndicator.owner_id).join(m.InspectionPoint).join(m.InspectionPolicy)
        .where(m.InspectionPolicy.office_id == office.id, m.InspectionPolicy.fiscal_year == fy)
    )


def evidence_names(session: Session, **where) -> dict[int, list[str]]:
    """Evidence file names per result row id, e.g. ``evidence_names(s, progress_id=[1, 2])``."""
    (column, ids), = where.items()
    attribute = getattr(m.EvidenceFile, column)
    names: dict[int, list[str]] = defaultdict(list)
    for owner_id, name in session.execute(select(attribute, m.EvidenceFile.filename).where(attribute.in_(ids)).order_by(m.EvidenceFile.id)):
        names[owner_id].append(name)
    return names


def months_text(months: list[int]) -> str:
    return " ".join(MONTH_ABBR[month] for month in months)


def progress_rows(session: Session, office: m.Office, period: Period, owner: m.Person) -> Rows:
    projects = session.scalars(
        select(m.Project)
        .where(m.Project.office_id == office.id, m.Project.fiscal_year == period.fiscal_year, m.Project.owner_id == owner.id)
        .options(selectinload(m.Project.activities), selectinload(m.Project.kpis), selectinload(m.Project.budget_lines))
        .order_by(m.Project.code)
    ).all()
    reports = {
        r.project_id: r
        for r in session.scalars(
            select(m.ProjectProgress).where(m.ProjectProgress.project_id.in_([p.id for p in projects]), m.ProjectProgress.period == period.id)
            .options(selectinload(m.ProjectProgress.activities), selectinload(m.ProjectProgress.kpi_results))
        )
    }
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
                "code": project.code, "seq": activity.seq, "name": activity.name, "months": months_text(activity.months),
                "percent": got.percent if got else None, "note": got.note if got else None,
            })
        for kpi in project.kpis:
            got = results.get(kpi.id)
            rows["kpis"].append({
                "code": project.code, "seq": kpi.seq, "name": kpi.name, "target": kpi.target, "unit": kpi.unit,
                "value": got.value if got else None, "note": got.note if got else None,
            })
    return rows


def emes_rows(session: Session, office: m.Office, period: Period, owner: m.Person) -> Rows:
    indicators = session.scalars(
        select(m.EmesIndicator).join(m.EmesStandard)
        .where(m.EmesStandard.office_id == office.id, m.EmesStandard.fiscal_year == period.fiscal_year, m.EmesIndicator.owner_id == owner.id)
        .options(selectinload(m.EmesIndicator.points))
        .order_by(m.EmesStandard.number, m.EmesIndicator.number)
    ).all()
    results = {
        r.indicator_id: r
        for r in session.scalars(select(m.EmesResult).where(m.EmesResult.indicator_id.in_([i.id for i in indicators]), m.EmesResult.period == period.id))
    }
    evidence = evidence_names(session, emes_result_id=[r.id for r in results.values()])
    rows = []
    for indicator in indicators:
        result = results.get(indicator.id)
        rows.append({
            "code": indicator.code, "name": indicator.name,
            "points": "\n".join(f"{p.number}. {p.text}" for p in indicator.points),
            "level": result.level if result else None,
            "narrative": result.narrative if result else None,
            "evidence": "; ".join(evidence.get(result.id, [])) if result else None,
            "links": "\n".join(result.links) if result else None,
        })
    return {"indicators": rows}


def inspection_rows(session: Session, office: m.Office, period: Period, owner: m.Person) -> Rows:
    indicators = session.scalars(
        select(m.InspectionIndicator).join(m.InspectionPoint).join(m.InspectionPolicy)
        .where(m.InspectionPolicy.office_id == office.id, m.InspectionPolicy.fiscal_year == period.fiscal_year, m.InspectionIndicator.owner_id == owner.id)
        .order_by(m.InspectionPolicy.number, m.InspectionPoint.number, m.InspectionIndicator.code)
    ).all()
    results = {
        r.indicator_id: r
        for r in session.scalars(select(m.InspectionResult).where(m.InspectionResult.indicator_id.in_([i.id for i in indicators]), m.InspectionResult.period == period.id))
    }
    evidence = evidence_names(session, inspection_result_id=[r.id for r in results.values()])
    rows = []
    for indicator in indicators:
        result = results.get(indicator.id)
        row = {"code": indicator.code, "name": indicator.name, "target": indicator.target, "unit": indicator.unit}
        for key in ("result", "result_text", "problems", "suggestions", "good_practice"):
            row[key] = getattr(result, key) if result else None
        row["evidence"] = "; ".join(evidence.get(result.id, [])) if result else None
        rows.append(row)
    return {"indicators": rows}


ROW_SOURCES = {"progress": progress_rows, "emes": emes_rows, "inspection": inspection_rows}
