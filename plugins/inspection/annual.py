"""The inspection part of ``report annual`` (hook ``annual_report_sections``): each indicator's
latest result against its target, a chart of those measured, and the problems, suggestions and
good practice reported."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tidtam.core import models as m
from tidtam.core.periods import rounds
from tidtam.core.reports import charts
from tidtam.core.reports import officedoc as od
from tidtam.core.reports.annual import AnnualSection, amount, html_macro
from tidtam.core.reports.progress import th

from .frame import IndicatorRow
from .intake import TEXTS


def collect(session, office, fy, profile) -> list[tuple[str, list[IndicatorRow]]]:
    """Per policy, its indicators with their latest round's result."""
    round_ids = [r.id for r in rounds(fy, profile.evaluation_rounds)]
    policies = session.scalars(
        select(m.InspectionPolicy).where(m.InspectionPolicy.office_id == office.id, m.InspectionPolicy.fiscal_year == fy)
        .options(selectinload(m.InspectionPolicy.points).selectinload(m.InspectionPoint.indicators))
        .order_by(m.InspectionPolicy.number)
    ).all()
    results = {(r.indicator_id, r.period): r for r in session.scalars(
        select(m.InspectionResult).join(m.InspectionIndicator).join(m.InspectionPoint).join(m.InspectionPolicy)
        .where(m.InspectionPolicy.office_id == office.id, m.InspectionPolicy.fiscal_year == fy, m.InspectionResult.period.in_(round_ids)))}
    out = []
    for policy in policies:
        rows = []
        for point in policy.points:
            for ind in point.indicators:
                latest = next((results[(ind.id, rid)] for rid in reversed(round_ids) if (ind.id, rid) in results), None)
                rows.append(IndicatorRow(ind.code, ind.name, ind.target, ind.unit or "", "", "", latest is not None,
                                         **({key: getattr(latest, key) for key in ("result", *TEXTS)} if latest else {})))
        out.append((f"นโยบายที่ {th(policy.number)} {policy.name}", rows))
    return out


def draw(report, data, folder: Path) -> dict[str, list[Path]]:
    measured = [r for _, rows in data for r in rows if r.target and r.result is not None]
    return {"inspection": charts.percent_against_target(
        folder / "inspection_against_target", "ผลการตรวจราชการเทียบค่าเป้าหมาย (ร้อยละของเป้าหมาย)",
        [f"ตัวชี้วัด {th(r.code)}" for r in measured], [float(r.result / r.target * 100) for r in measured],
        100.0, "บรรลุค่าเป้าหมาย")}


def docx(doc, report, data, chart_files, figure) -> None:
    for policy, rows in data:
        od.heading(doc, policy, 2)
        od.table(doc, ["ตัวชี้วัด", "ชื่อตัวชี้วัด", "ค่าเป้าหมาย", "ผล", "ผลการประเมิน"],
                 [[r.code, r.name, amount(r.target, r.unit), amount(r.result, r.unit) if r.result is not None else ("รายงานเชิงคุณภาพ" if r.result_text else "ยังไม่รายงาน"),
                   {True: "บรรลุ", False: "ยังไม่บรรลุ", None: "-"}[r.achieved]] for r in rows],
                 align=[od.CENTER, od.LEFT, od.CENTER, od.CENTER, od.CENTER])
    od.picture(doc, chart_files["inspection"], od.text_width_cm(doc), figure("ผลการตรวจราชการเทียบค่าเป้าหมาย"))
    od.heading(doc, "ปัญหาอุปสรรค ข้อเสนอแนะ และแนวปฏิบัติที่ดี", 2)
    for r in [r for _, rows in data for r in rows if r.problems or r.suggestions or r.good_practice]:
        od.heading(doc, f"ตัวชี้วัดที่ {r.code} {r.name}", 3)
        for label, text in (("ปัญหาอุปสรรค", r.problems), ("ข้อเสนอแนะ", r.suggestions), ("แนวปฏิบัติที่ดี", r.good_practice)):
            if text:
                od.para(doc, f"{label}: {text}", indent_first=True)


SECTION = AnnualSection(50, "ผลการตรวจราชการ", docx, html_macro(Path(__file__).parent / "templates" / "annual.html.j2", "part"), collect, draw)
