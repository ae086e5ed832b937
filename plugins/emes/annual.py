"""E-MES's part of ``report annual`` (hook ``annual_report_sections``): each indicator's
self-assessed level per round, a chart of the latest levels, and the latest narratives."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tidtam.core import models as m
from tidtam.core.periods import rounds
from tidtam.core.reports import charts
from tidtam.core.reports import officedoc as od
from tidtam.core.reports.annual import AnnualSection, html_macro
from tidtam.core.reports.progress import th


@dataclass
class EmesRow:
    code: str
    name: str
    levels: list[int | None]  # one per round
    narrative: str  # the latest round's


@dataclass
class EmesYear:
    rounds: list[str]  # "รอบที่ ๑"...
    standards: list[tuple[str, list[EmesRow]]]


def collect(session, office, fy, profile) -> EmesYear:
    periods = rounds(fy, profile.evaluation_rounds)
    round_ids = [r.id for r in periods]
    standards = session.scalars(
        select(m.EmesStandard).where(m.EmesStandard.office_id == office.id, m.EmesStandard.fiscal_year == fy)
        .options(selectinload(m.EmesStandard.indicators)).order_by(m.EmesStandard.number)
    ).all()
    results = {(r.indicator_id, r.period): r for r in session.scalars(
        select(m.EmesResult).join(m.EmesIndicator).join(m.EmesStandard)
        .where(m.EmesStandard.office_id == office.id, m.EmesStandard.fiscal_year == fy, m.EmesResult.period.in_(round_ids)))}
    out = []
    for standard in standards:
        rows = []
        for ind in standard.indicators:
            found = [results.get((ind.id, rid)) for rid in round_ids]
            latest = next((r for r in reversed(found) if r is not None), None)
            rows.append(EmesRow(f"{standard.number}.{ind.number}", ind.name, [r.level if r else None for r in found],
                                latest.narrative if latest else ""))
        out.append((f"มาตรฐานที่ {th(standard.number)} {standard.name}", rows))
    return EmesYear([f"รอบที่ {th(r.number)}" for r in periods], out)


def draw(report, data: EmesYear, folder: Path) -> dict[str, list[Path]]:
    rows = [row for _, rows in data.standards for row in rows]
    return {"emes": charts.levels(
        folder / "emes_levels", "ระดับผลการประเมินตนเอง E-MES รายตัวบ่งชี้ (รอบล่าสุด)", [th(r.code) for r in rows],
        [next((v for v in reversed(r.levels) if v is not None), None) for r in rows])}


def docx(doc, report, data: EmesYear, chart_files, figure) -> None:
    for standard, rows in data.standards:
        od.heading(doc, standard, 2)
        od.table(doc, ["ตัวบ่งชี้", "ชื่อตัวบ่งชี้", *[f"ระดับ\n{r}" for r in data.rounds]],
                 [[r.code, r.name, *[th(v) if v else "-" for v in r.levels]] for r in rows],
                 align=[od.CENTER, od.LEFT, *[od.CENTER] * len(data.rounds)])
    od.picture(doc, chart_files["emes"], od.text_width_cm(doc), figure("ระดับผลการประเมินตนเอง E-MES รายตัวบ่งชี้"))
    od.heading(doc, "ผลการดำเนินงานรายตัวบ่งชี้", 2)
    for _, rows in data.standards:
        for r in rows:
            if r.narrative:
                od.heading(doc, f"ตัวบ่งชี้ที่ {r.code} {r.name}", 3)
                od.para(doc, r.narrative, indent_first=True)


SECTION = AnnualSection(40, "ผลการติดตาม ประเมินผลการบริหารและการจัดการศึกษา (E-MES)", docx,
                        html_macro(Path(__file__).parent / "templates" / "annual.html.j2", "part"), collect, draw)
