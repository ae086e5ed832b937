"""E-MES's intake workbook (hook ``register_intake``): per round, one row per indicator the owner
answers for, with the self-assessed level, the narrative, evidence files and links."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tidtam.core import models as m
from tidtam.core.intake.kinds import results_kind
from tidtam.core.intake.layouts import Column, SheetLayout, TemplateLayout

NARRATIVE_MAX = 3000  # the site's narrative limit [assumed], as config/targets/emes says; status checks it too

LAYOUT = TemplateLayout(
    kind="emes", version="1", period_kind="R", file_prefix="emes",
    title="แบบรายงานผลการดำเนินงานตามตัวบ่งชี้ E-MES {period} — {owner}",
    sheets=(
        SheetLayout("indicators", "รอบที่ {n}", (
            Column("code", "ตัวบ่งชี้", 10),
            Column("name", "ชื่อตัวบ่งชี้", 40),
            Column("points", "ประเด็นการพิจารณา", 50),
            Column("level", "ระดับผลการประเมินตนเอง", 14, kind="level", editable=True, required=True, hint="1–5"),
            Column("narrative", "ผลการดำเนินงาน", 60, kind="multiline", editable=True, required=True, max_length=NARRATIVE_MAX),
            Column("evidence", "ไฟล์หลักฐาน (ชื่อไฟล์ คั่นด้วย ;)", 30, kind="files", editable=True, hint="pdf, jpg, png ในโฟลเดอร์เดียวกับแบบรายงานนี้"),
            Column("links", "ลิงก์ (บรรทัดละหนึ่งลิงก์)", 30, kind="links", editable=True),
        )),
    ),
)


def of_year(office, fy, what):
    return (select(what).join(m.EmesStandard).where(m.EmesStandard.office_id == office.id, m.EmesStandard.fiscal_year == fy)
            .order_by(m.EmesStandard.number, m.EmesIndicator.number))


KIND = results_kind(
    LAYOUT, record=m.EmesIndicator, result=m.EmesResult, of_year=of_year, noun="ตัวบ่งชี้", evidence_key="emes_result", collects="emes_results",
    locked=lambda i: {"code": i.code, "name": i.name, "points": "\n".join(f"{p.number}. {p.text}" for p in i.points)},
    options=(selectinload(m.EmesIndicator.points),))
