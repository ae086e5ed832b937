"""Planning: what eMENSCR should hold for each project, built from the database (pure).

Two kinds of payload:
- ``progress``: one project's quarterly progress report (forms.yaml › forms.progress);
- ``create_project`` (M1–M5) and ``send_for_approval`` (M7): a project the site does not hold
  yet (forms.yaml › forms.project_entry, and the project page's send button).

Each payload's ``fill`` is what every field of the form gets, in the site's own text, made by
``core.forms.plan.fill_of`` from a *record* of our values under logical names: which field gets
which value, in which step, is the form description's business, never this module's. Keys
starting with ``_`` are context for validation and the preview (previous quarter, budget).
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tidtam.core.contract import Payload
from tidtam.core.forms.plan import fill_of, month_label
from tidtam.core.forms.schema import FormsFile
from tidtam.core.models import Office, Project, ProjectProgress
from tidtam.core.periods import Period, fiscal_months, quarter
from tidtam.core.thai import be_year, clean_text

from .mapping import EmenscrMapping

CENT = Decimal("0.01")
PROGRESS, CREATE, SEND = "progress", "create_project", "send_for_approval"
ENTRY_FORM = "project_entry"  # forms.yaml › forms.project_entry: M1–M5


def record_key(project: Project) -> str:
    return f"project:{project.code}"


def money(value: Decimal) -> str:
    return f"{Decimal(value).quantize(CENT, ROUND_HALF_UP):.2f}"


def number(value: Decimal | float | int) -> str:
    """A percent or target as the site's number input reads it: '80', '62.5'."""
    text = f"{Decimal(str(value)).normalize():f}"
    return text


def month_key(fy: int, calendar_month: int) -> str:
    """Calendar month 1–12 of fiscal year ``fy`` as the site's key: FY2570 Oct → '2569-10'."""
    return f"{fy - 1 if calendar_month >= 10 else fy}-{calendar_month:02d}"


def fiscal_keys(fy: int) -> list[str]:
    return [month_key(fy, m) for _, m in fiscal_months(fy)]


def quarter_keys(period: Period) -> list[str]:
    return fiscal_keys(period.fiscal_year)[(period.number - 1) * 3: period.number * 3]


# --- the monthly spending plan: each activity's budget spread evenly over its months ----------


def spending_plan(project: Project) -> dict[str, str]:
    plan = {key: Decimal("0.00") for key in fiscal_keys(project.fiscal_year)}
    for activity in project.activities:
        months = [month_key(project.fiscal_year, m) for m in activity.months] or []
        if not months:
            continue
        share = (Decimal(activity.budget) / len(months)).quantize(CENT, ROUND_HALF_UP)
        for key in months[:-1]:
            plan[key] += share
        plan[months[-1]] += Decimal(activity.budget) - share * (len(months) - 1)
    return {key: money(value) for key, value in plan.items()}


def split_disbursement(amount: Decimal, months: list[str], plan: dict[str, str], rule: str) -> dict[str, str]:
    """A quarter's disbursement over its three months (see mapping.yaml › disbursement_split)."""
    weights = [Decimal(plan.get(key, "0")) for key in months]
    if rule == "last_month" or sum(weights) == 0:
        weights = [Decimal(0)] * (len(months) - 1) + [Decimal(1)]
    total = sum(weights)
    parts = [(Decimal(amount) * w / total).quantize(CENT, ROUND_HALF_UP) for w in weights[:-1]]
    parts.append(Decimal(amount) - sum(parts))
    return {key: money(part) for key, part in zip(months, parts)}


# --- quarterly progress -----------------------------------------------------------------------


def plan_progress(session: Session, office: Office, period: Period, mapping: EmenscrMapping, forms: FormsFile) -> list[Payload]:
    reports = session.scalars(
        select(ProjectProgress).join(Project)
        .where(Project.office_id == office.id, ProjectProgress.period == period.id)
        .order_by(Project.code)
    ).all()
    earlier = _earlier_reports(session, office, period)
    return [_progress_payload(r, period, mapping, forms, earlier.get(r.project_id, [])) for r in reports]


def _earlier_reports(session: Session, office: Office, period: Period) -> dict[int, list[ProjectProgress]]:
    ids = [quarter(period.fiscal_year, n).id for n in range(1, period.number)]
    found: dict[int, list[ProjectProgress]] = {}
    if ids:
        rows = session.scalars(
            select(ProjectProgress).join(Project)
            .where(Project.office_id == office.id, ProjectProgress.period.in_(ids))
            .order_by(ProjectProgress.period)
        ).all()
        for row in rows:
            found.setdefault(row.project_id, []).append(row)
    return found


def _progress_payload(report: ProjectProgress, period: Period, mapping: EmenscrMapping, forms: FormsFile,
                      earlier: list[ProjectProgress]) -> Payload:
    project = report.project
    notes: list[str] = []
    percent_by_activity = {a.activity_id: a.percent for a in report.activities}
    activities = []
    for n, activity in enumerate(project.activities, start=1):
        percent = percent_by_activity.get(activity.id)
        if percent is None:
            percent = _last_percent(earlier, activity.id)
            notes.append(f"กิจกรรมที่ {n} ไม่มีรายงานในไตรมาสนี้ ใช้ร้อยละ {number(percent)} (ค่าล่าสุด)")
        activities.append({"n": n, "name": activity.name, "percent": percent})
    results = {k.kpi_id: k for k in report.kpi_results}
    kpis = [{"n": n, "name": kpi.name, "result": _kpi_text(kpi, results.get(kpi.id))}
            for n, kpi in enumerate(project.kpis, start=1)]
    months = quarter_keys(period)
    disbursed = split_disbursement(report.disbursed, months, spending_plan(project), mapping.disbursement_split)
    if report.disbursed and len([v for v in disbursed.values() if Decimal(v)]) > 1:
        notes.append("แบ่งยอดเบิกจ่ายรายไตรมาส " + money(report.disbursed) + " บาท เป็นรายเดือนตามแผนการใช้จ่าย")
    elif report.disbursed:
        notes.append(f"ยอดเบิกจ่ายรายไตรมาสลงในเดือน {month_label(next(k for k, v in disbursed.items() if Decimal(v)))}")
    record = {"activities": activities, "kpis": kpis, "disbursed": disbursed,
              "problems": clean_text(report.problems or ""), "status": report.status.value}
    fill, _ = fill_of(PROGRESS, forms.forms[PROGRESS], record)
    data = {
        "project_code": project.code,
        "fiscal_year": project.fiscal_year,
        "quarter": period.number,
        "fill": fill,
        "_budget_total": money(project.total_budget),
        "_disbursed_before": money(sum((r.disbursed for r in earlier), Decimal(0))),
        "_previous_percent": {str(n): number(_last_percent(earlier, a.id))
                              for n, a in enumerate(project.activities, start=1) if earlier},
        "_notes": notes,
    }
    return Payload(record_key(project), PROGRESS, data, title=f"{project.code} {project.name}")


def _last_percent(earlier: list[ProjectProgress], activity_id: int) -> Decimal:
    for report in reversed(earlier):
        for item in report.activities:
            if item.activity_id == activity_id:
                return item.percent
    return Decimal(0)


def _kpi_text(kpi, result) -> str:
    """The site takes a KPI result as text: the value with its unit, then the owner's note."""
    if result is None:
        return ""
    parts = []
    if result.value is not None:
        parts.append(f"{number(result.value)} {kpi.unit or ''}".strip())
    if result.note:
        parts.append(clean_text(result.note))
    return " — ".join(parts)


# --- project entry (M1–M5) and send for approval (M7) -----------------------------------------


def plan_entries(session: Session, office: Office, period: Period, mapping: EmenscrMapping, forms: FormsFile,
                 present: set[str] | None) -> list[Payload]:
    """Entry payloads for the office's projects of the period's year that the site lacks.

    ``present`` holds the record keys the site already has (from ``list_remote``); None means
    "plan every project" (used to re-derive approved payloads without asking the site)."""
    projects = session.scalars(
        select(Project).where(Project.office_id == office.id, Project.fiscal_year == period.fiscal_year)
        .order_by(Project.code)
    ).all()
    payloads = []
    for project in projects:
        if present is not None and record_key(project) in present:
            continue
        record, notes = project_record(project, mapping)
        fill, _ = fill_of(ENTRY_FORM, forms.forms[ENTRY_FORM], record)
        title = f"{project.code} {project.name}"
        payloads.append(Payload(record_key(project), CREATE, {"project_code": project.code, "fill": fill, "_notes": notes},
                                title=title))
        # M7 sends only when the site's M1–M5 read back as these very values.
        payloads.append(Payload(record_key(project), SEND, {"project_code": project.code, "entry": fill}, title=title))
    return payloads


def project_record(project: Project, mapping: EmenscrMapping) -> tuple[dict, list[str]]:
    """One project in our own words (logical names, our codes, dates as month keys), with notes
    for the preview. forms.yaml says which of these each field of M1–M5 gets, and how."""
    notes: list[str] = []
    owner = project.owner
    months = sorted({month_key(project.fiscal_year, m) for a in project.activities for m in a.months})
    kpis = []
    for n, kpi in enumerate(project.kpis, start=1):
        target, unit = (kpi.target, kpi.unit or "") if kpi.target is not None else (None, None)
        if target is None:
            target, unit = mapping.qualitative_kpi.target, mapping.qualitative_kpi.unit
            notes.append(f"ตัวชี้วัดที่ {n} เป็นเชิงคุณภาพ ส่งค่าเป้าหมาย {target} {unit} (ตาม mapping.yaml)")
        kpis.append({"name": clean_text(kpi.name), "target": target, "unit": unit})
    lines = [{"source": b.source, "line": b.line, "amount": b.amount}
             for b in sorted(project.budget_lines, key=lambda b: (b.source, b.line))]
    if not lines and mapping.no_budget_line is not None and not project.total_budget:
        lines = [{"source": mapping.no_budget_line.source, "line": mapping.no_budget_line.line, "amount": Decimal(0)}]
        notes.append(f"โครงการไม่ใช้งบประมาณ: ส่งรายการงบประมาณ {mapping.budget_sources.get(lines[0]['source'], lines[0]['source'])} / "
                     f"{mapping.budget_lines.get(lines[0]['line'], lines[0]['line'])} 0.00 บาท (ตาม mapping.yaml › no_budget_line)")
    record = {
        "code": project.code,
        "name": clean_text(project.name),
        "fiscal_year": project.fiscal_year,
        "owner": {"name": f"{owner.prefix}{owner.first_name} {owner.last_name}", "phone": owner.phone, "email": owner.email}
        if owner else {},
        "first_month": months[0] if months else "",
        "last_month": months[-1] if months else "",
        "links": {link.item.catalog: link.item.code for link in project.links},
        "rationale": clean_text(project.rationale),
        "objectives": [clean_text(o) for o in project.objectives],
        "target_groups": [_target_group(t) for t in project.target_groups],
        "kpis": kpis,
        "activities": [{"name": clean_text(a.name),
                        "start_month": min(month_key(project.fiscal_year, m) for m in a.months) if a.months else "",
                        "end_month": max(month_key(project.fiscal_year, m) for m in a.months) if a.months else ""}
                       for a in project.activities],
        "budget_total": project.total_budget,
        "budget_lines": lines,
        "spending_plan": spending_plan(project),
    }
    return record, notes


def _target_group(group) -> str:
    quantity = f" {number(group.quantity)} {group.unit}".rstrip() if group.quantity is not None else ""
    return clean_text(group.description) + quantity


__all__ = ["plan_progress", "plan_entries", "project_record", "record_key", "be_year"]
