"""E-MES's intake workbook (hook ``register_intake``): per round, one row per indicator the owner
answers for, with the self-assessed level, the narrative, evidence files and links; and what
``status`` says of each indicator (missing, filled, or what is wrong with it)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tidtam.core import models as m
from tidtam.core.intake.kinds import IntakeKind
from tidtam.core.intake.layouts import Column, SheetLayout, TemplateLayout
from tidtam.core.intake.sources import evidence_names
from tidtam.core.status import item, state

from .plan import indicators_of

NARRATIVE_MAX = 3000  # the site's narrative limit [assumed]; the push checks config/targets/emes too

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


def _of_year(office, fy, what=m.EmesIndicator):
    return select(what).join(m.EmesStandard).where(m.EmesStandard.office_id == office.id, m.EmesStandard.fiscal_year == fy)


def owners(office, fy):
    return _of_year(office, fy, m.EmesIndicator.owner_id)


def rows(session, office, period, owner) -> dict[str, list[dict]]:
    indicators = session.scalars(
        _of_year(office, period.fiscal_year).where(m.EmesIndicator.owner_id == owner.id)
        .options(selectinload(m.EmesIndicator.points)).order_by(m.EmesStandard.number, m.EmesIndicator.number)
    ).all()
    results = {
        r.indicator_id: r
        for r in session.scalars(select(m.EmesResult).where(m.EmesResult.indicator_id.in_([i.id for i in indicators]), m.EmesResult.period == period.id))
    }
    evidence = evidence_names(session, emes_result_id=[r.id for r in results.values()])
    found = []
    for indicator in indicators:
        result = results.get(indicator.id)
        found.append({
            "code": indicator.code, "name": indicator.name,
            "points": "\n".join(f"{p.number}. {p.text}" for p in indicator.points),
            "level": result.level if result else None,
            "narrative": result.narrative if result else None,
            "evidence": "; ".join(evidence.get(result.id, [])) if result else None,
            "links": "\n".join(result.links) if result else None,
        })
    return {"indicators": found}


def apply(session, office, owner, book, result, clearing) -> None:
    from tidtam.core.intake.apply import apply_results  # the reader and openpyxl: not for status

    indicators = {i.code: i for i in session.scalars(
        _of_year(office, book.period.fiscal_year).where(m.EmesIndicator.owner_id == owner.id).options(selectinload(m.EmesIndicator.standard)))}
    apply_results(session, office, owner, book, result, clearing, indicators, "ตัวบ่งชี้", m.EmesResult, "emes_result", lambda v: {
        "level": v["level"], "narrative": v["narrative"] or "", "links": v["links"] or [],
    })


def states(session, office, period) -> list:
    results = {r.indicator_id: r for r in session.scalars(select(m.EmesResult).where(
        m.EmesResult.indicator_id.in_(_of_year(office, period.fiscal_year, m.EmesIndicator.id)), m.EmesResult.period == period.id))}
    found = []
    for indicator in indicators_of(session, office, period.fiscal_year):
        result = results.get(indicator.id)
        present = result is not None and (result.level is not None or bool(result.narrative))
        problems = []
        if present and result.level is None:
            problems.append("ยังไม่ระบุระดับผลการประเมินตนเอง")
        if present and not result.narrative:
            problems.append("ยังไม่เขียนผลการดำเนินงาน")
        if present and len(result.narrative) > NARRATIVE_MAX:
            problems.append(f"ผลการดำเนินงานยาว {len(result.narrative):,} ตัวอักษร เกิน {NARRATIVE_MAX:,}")
        found.append(state(item(indicator.code, indicator.name, indicator.owner), present, problems))
    return found


KIND = IntakeKind(LAYOUT, owners, rows, apply, "emes_results", states)
