"""The inspection intake workbook (hook ``register_intake``): per round, one row per indicator the
owner answers for (result as a number and in words, problems, suggestions, good practice,
evidence files)."""
from __future__ import annotations

from sqlalchemy import select

from tidtam.core import models as m
from tidtam.core.intake.kinds import results_kind
from tidtam.core.intake.layouts import TEXT_MAX, Column, SheetLayout, TemplateLayout

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


def of_year(office, fy, what):
    return (select(what).join(m.InspectionPoint).join(m.InspectionPolicy)
            .where(m.InspectionPolicy.office_id == office.id, m.InspectionPolicy.fiscal_year == fy)
            .order_by(m.InspectionPolicy.number, m.InspectionPoint.number, m.InspectionIndicator.code))


def problems(indicator, got) -> list[str]:
    if indicator.target is not None and got.result is None:
        return [f"ตัวชี้วัดมีค่าเป้าหมาย {indicator.target} {indicator.unit} แต่ยังไม่กรอกผลเป็นตัวเลข"]
    return []


KIND = results_kind(
    LAYOUT, record=m.InspectionIndicator, result=m.InspectionResult, of_year=of_year, noun="ตัวชี้วัด", evidence_key="inspection_result",
    collects="inspection_results", problems=problems,
    locked=lambda i: {"code": i.code, "name": i.name, "target": i.target, "unit": i.unit})
