"""E-MES's part of ``report annual`` (hook ``annual_report_sections``): each point of
consideration's self-assessed level per round (a works point: its works), a chart of the latest
levels, and the latest narratives."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from tidtam.core import models as m
from tidtam.core.periods import rounds
from tidtam.core.reports import charts
from tidtam.core.reports import officedoc as od
from tidtam.core.reports.annual import AnnualSection, html_macro
from tidtam.core.reports.progress import th

from .plan import points_of


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
    points = points_of(session, office, fy)
    results = {(r.point_id, r.period): r for r in session.scalars(
        select(m.EmesResult).where(m.EmesResult.point_id.in_([p.id for p in points]), m.EmesResult.period.in_(round_ids)))}
    out: dict[str, list[EmesRow]] = {}
    for p in points:
        found = [results.get((p.id, rid)) for rid in round_ids]
        latest = next((r for r in reversed(found) if r is not None), None)
        text = "\n".join(f"{n}. {w.get('title', '')}" for n, w in enumerate(latest.works, start=1)) if latest and latest.works else ""
        standard = p.indicator.standard
        out.setdefault(f"มาตรฐานที่ {th(standard.number)} {standard.name}", []).append(
            EmesRow(p.code, p.text, [r.level if r else None for r in found], text or (latest.narrative if latest else "")))
    return EmesYear([f"รอบที่ {th(r.number)}" for r in periods], list(out.items()))


def draw(report, data: EmesYear, folder: Path) -> dict[str, list[Path]]:
    rows = [row for _, rows in data.standards for row in rows]
    return {"emes": charts.levels(
        folder / "emes_levels", "ระดับผลการประเมินตนเอง E-MES รายประเด็นการพิจารณา (รอบล่าสุด)", [th(r.code) for r in rows],
        [next((v for v in reversed(r.levels) if v is not None), None) for r in rows])}


def docx(doc, report, data: EmesYear, chart_files, figure) -> None:
    for standard, rows in data.standards:
        od.heading(doc, standard, 2)
        od.table(doc, ["ประเด็น", "ประเด็นการพิจารณา", *[f"ระดับ\n{r}" for r in data.rounds]],
                 [[r.code, r.name, *[th(v) if v else "-" for v in r.levels]] for r in rows],
                 align=[od.CENTER, od.LEFT, *[od.CENTER] * len(data.rounds)])
    od.picture(doc, chart_files["emes"], od.text_width_cm(doc), figure("ระดับผลการประเมินตนเอง E-MES รายประเด็นการพิจารณา"))
    od.heading(doc, "ผลการดำเนินงานรายประเด็นการพิจารณา", 2)
    for _, rows in data.standards:
        for r in rows:
            if r.narrative:
                od.heading(doc, f"ประเด็นการพิจารณา {r.code} {r.name}", 3)
                od.para(doc, r.narrative, indent_first=True)


SECTION = AnnualSection(40, "ผลการติดตาม ประเมินผลการบริหารและการจัดการศึกษา (E-MES)", docx,
                        html_macro(Path(__file__).parent / "templates" / "annual.html.j2", "part"), collect, draw)
