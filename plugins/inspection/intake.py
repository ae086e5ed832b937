"""The inspection intake workbook (hook ``register_intake``): per round, one row per indicator the
owner answers for (result as a number and in words, problems, suggestions, good practice,
evidence files); and what ``status`` says of each indicator."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tidtam.core import models as m
from tidtam.core.intake.kinds import IntakeKind
from tidtam.core.intake.layouts import TEXT_MAX, Column, SheetLayout, TemplateLayout
from tidtam.core.intake.sources import evidence_names
from tidtam.core.status import item, state

TEXTS = ("result_text", "problems", "suggestions", "good_practice")

LAYOUT = TemplateLayout(
    kind="inspection", version="1", period_kind="R", file_prefix="inspection",
    title="แบบรายงานผลการตรวจราชการ {period} — {owner}",
    sheets=(
        SheetLayout("indicators", "รอบที่ {n}", (
            Column("code", "ตัวชี้วัด", 10),
            Column("name", "ชื่อตัวชี้วัด", 44),
            Column("target", "ค่าเป้าหมาย", 12, kind="number"),
            Column("unit", "หน่วย", 10),
            Column("result", "ผลการดำเนินงาน (ตัวเลข)", 14, kind="number", editable=True),
            Column("result_text", "ผลการดำเนินงาน (คำอธิบาย)", 44, kind="multiline", editable=True, max_length=TEXT_MAX),
            Column("problems", "ปัญหาอุปสรรค", 30, kind="multiline", editable=True, max_length=TEXT_MAX),
            Column("suggestions", "ข้อเสนอแนะ", 30, kind="multiline", editable=True, max_length=TEXT_MAX),
            Column("good_practice", "แนวปฏิบัติที่ดี", 30, kind="multiline", editable=True, max_length=TEXT_MAX),
            Column("evidence", "ไฟล์หลักฐาน (ชื่อไฟล์ คั่นด้วย ;)", 30, kind="files", editable=True),
        )),
    ),
)


def _of_year(office, fy, what=m.InspectionIndicator):
    """Indicators of the office's fiscal year (or ``what`` of them), in the frame's order."""
    return (select(what).join(m.InspectionPoint).join(m.InspectionPolicy)
            .where(m.InspectionPolicy.office_id == office.id, m.InspectionPolicy.fiscal_year == fy)
            .order_by(m.InspectionPolicy.number, m.InspectionPoint.number, m.InspectionIndicator.code))


def owners(office, fy):
    return _of_year(office, fy, m.InspectionIndicator.owner_id)


def _results(session, indicator_ids, period) -> dict:
    return {r.indicator_id: r for r in session.scalars(
        select(m.InspectionResult).where(m.InspectionResult.indicator_id.in_(indicator_ids), m.InspectionResult.period == period.id))}


def rows(session, office, period, owner) -> dict[str, list[dict]]:
    indicators = session.scalars(_of_year(office, period.fiscal_year).where(m.InspectionIndicator.owner_id == owner.id)).all()
    results = _results(session, [i.id for i in indicators], period)
    evidence = evidence_names(session, inspection_result_id=[r.id for r in results.values()])
    found = []
    for indicator in indicators:
        result = results.get(indicator.id)
        row = {"code": indicator.code, "name": indicator.name, "target": indicator.target, "unit": indicator.unit}
        for key in ("result", *TEXTS):
            row[key] = getattr(result, key) if result else None
        row["evidence"] = "; ".join(evidence.get(result.id, [])) if result else None
        found.append(row)
    return {"indicators": found}


def apply(session, office, owner, book, result, clearing) -> None:
    from tidtam.core.intake.apply import apply_results  # the reader and openpyxl: not for status

    indicators = {i.code: i for i in session.scalars(_of_year(office, book.period.fiscal_year).where(m.InspectionIndicator.owner_id == owner.id))}
    apply_results(session, office, owner, book, result, clearing, indicators, "ตัวชี้วัด", m.InspectionResult, "inspection_result",
                  lambda v: {"result": v["result"], **{key: v[key] or "" for key in TEXTS}})


def states(session, office, period) -> list:
    results = _results(session, _of_year(office, period.fiscal_year, m.InspectionIndicator.id), period)
    found = []
    for indicator in session.scalars(_of_year(office, period.fiscal_year).options(selectinload(m.InspectionIndicator.owner))):
        result = results.get(indicator.id)
        present = result is not None and (result.result is not None or bool(result.result_text))
        problems = []
        if present and indicator.target is not None and result.result is None:
            problems.append(f"ตัวชี้วัดมีค่าเป้าหมาย {indicator.target} {indicator.unit} แต่ยังไม่กรอกผลเป็นตัวเลข")
        found.append(state(item(indicator.code, indicator.name, indicator.owner), present, problems))
    return found


KIND = IntakeKind(LAYOUT, owners, rows, apply, "inspection_results", states)
