"""The annual report (process 1.6): a docx ready to print and a static website folder.

The report is a list of parts (``AnnualSection``), in order: core's own (the office, the
strategies, the projects, the budget) and those plugins add through the hook
``annual_report_sections`` (a target's results of the year). ``collect`` gathers the year from
the database (the project figures reuse the progress report at Q4, so both reports count money
and lateness the same way), each part its own data; ``write`` draws the parts' charts and writes
``<folder>/รายงานประจำปี_<fy>.docx`` and ``<folder>/website/`` (index.html, style.css, SVG charts
and the docx to download). Texts the office writes itself (foreword, vision, mission) come from
config/annual_report.yaml.
"""
from __future__ import annotations

import itertools
import shutil
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Callable

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from tidtam.core import models as m
from tidtam.core.config import OfficeProfile, Strict, load
from tidtam.core.periods import fiscal_year_bounds, quarter, quarters
from tidtam.core.settings import config_dir
from tidtam.core.thai import MONTH_FULL, be_year, thai_date, with_unit

from . import charts, progress
from . import officedoc as od
from .output import folder_in_place
from .progress import ZERO, baht, pct, strategy_label, th

TEMPLATES = Path(__file__).parent / "templates" / "annual"


# --- config/annual_report.yaml --------------------------------------------------------------


class Foreword(Strict):
    paragraphs: list[str]
    signed_by: str

    @field_validator("paragraphs")
    @classmethod
    def _not_empty(cls, value: list[str]) -> list[str]:
        if not value or not all(p.strip() for p in value):
            raise ValueError("ต้องมีคำนำอย่างน้อยหนึ่งย่อหน้า และไม่มีย่อหน้าว่าง")
        return value


class AnnualReportSettings(Strict):
    title: str = "รายงานผลการดำเนินงาน"
    foreword: Foreword
    vision: str = ""
    mission: list[str] = []


def load_settings(directory: Path | None = None) -> AnnualReportSettings:
    return load(AnnualReportSettings, (directory or config_dir()) / "annual_report.yaml")


# --- the year's data ------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnualSection:
    """One part of the report. Core's own parts and those a plugin registers (hook
    ``annual_report_sections``) are alike: core sorts them by ``order``, numbers them ("ส่วนที่ ๔")
    and writes the heading; the part writes its body. ``figure(caption)`` gives a chart's caption
    numbered in the order the parts place them, the same in the docx and on the website."""

    order: int  # core's parts: 10 the office, 20 strategies, 30 projects, 90 budget
    title: str  # Thai, without its number
    docx: Callable  # (doc, report, data, charts: {key: PNG}, figure): the body, through core.reports.officedoc
    html: Callable  # (report, data, images: {key: src}, figure) -> Markup: the website's body (see ``html_macro``)
    collect: Callable = lambda session, office, fy, profile: None  # the part's data: read only, scoped by office
    charts: Callable = lambda report, data, folder: {}  # {key: [png, svg]} drawn with core.reports.charts into folder


@dataclass
class AnnualReport:
    fy: int
    as_of: date
    settings: AnnualReportSettings
    office: dict[str, str]
    groups: list[tuple[str, int]]  # name, staff
    plan: progress.ProgressReport  # the plan at Q4: money and lateness counted as in progress reports
    quarterly: list[tuple[str, float | None, float]]  # label, cumulative % (None = no report yet), target %
    budget_lines: list[tuple[str, str, Decimal]]  # source, line, amount
    parts: list[tuple[AnnualSection, Any]]  # in order, each with its data

    @property
    def headings(self) -> list[str]:
        return [f"ส่วนที่ {th(number)} {section.title}" for number, (section, _) in enumerate(self.parts, 1)]

    @property
    def title(self) -> str:
        return f"{self.settings.title} ประจำปีงบประมาณ พ.ศ. {th(self.fy)}"

    def foreword(self) -> list[str]:
        return [th(p.replace("{fy}", str(self.fy))) for p in self.settings.foreword.paragraphs]

    @property
    def month_year(self) -> str:
        return th(f"{MONTH_FULL[self.as_of.month]} {be_year(self.as_of.year)}")


def annual_sections(registry=None) -> list[AnnualSection]:
    """Core's parts and the plugins' (``registry``: the run's; without one they are loaded here),
    sorted by ``order``; parts of the same order keep the plugins' load order."""
    if registry is None:
        from tidtam.core.plugins import load_plugins

        registry = load_plugins()
    return sorted([*CORE_PARTS, *(section for _, section in registry.registered("annual_report_sections"))], key=lambda s: s.order)


def collect(session: Session, office: m.Office, fy: int, profile: OfficeProfile,
            settings: AnnualReportSettings, as_of: date, sections: list[AnnualSection] | None = None) -> AnnualReport:
    targets = profile.disbursement_targets
    plan = progress.collect(session, office, quarter(fy, 4), targets, as_of)
    return AnnualReport(
        fy=fy, as_of=as_of, settings=settings, office=_office_facts(session, office), groups=_groups(session, office),
        plan=plan, quarterly=_quarterly(session, office, fy, targets, plan.total().budget),
        budget_lines=_budget_lines(session, office, fy),
        parts=[(s, s.collect(session, office, fy, profile)) for s in (annual_sections() if sections is None else sections)],
    )


def _office_facts(session: Session, office: m.Office) -> dict[str, str]:
    director = next((p for p in session.scalars(select(m.Person).where(m.Person.office_id == office.id).order_by(m.Person.code))
                     if p.has_role(m.Role.DIRECTOR)), None)
    return {"name": office.name, "short_name": office.short_name, "address": office.address, "phone": office.phone,
            "email": office.email, "region_office": office.region_office,
            "director": director.full_name if director else "", "director_position": director.position if director else ""}


def _groups(session: Session, office: m.Office) -> list[tuple[str, int]]:
    people = session.scalars(select(m.Person).where(m.Person.office_id == office.id)).all()
    groups = session.scalars(select(m.Group).where(m.Group.office_id == office.id).order_by(m.Group.code)).all()
    return [(g.name, sum(1 for p in people if p.group_id == g.id)) for g in groups]


def _quarterly(session, office, fy, targets, budget: Decimal) -> list[tuple[str, float | None, float]]:
    """Cumulative disbursement (% of the whole plan's budget) at the end of each quarter."""
    rows = session.execute(
        select(m.ProjectProgress.period, m.ProjectProgress.disbursed).join(m.Project)
        .where(m.Project.office_id == office.id, m.Project.fiscal_year == fy)
    ).all()
    result, running = [], ZERO
    for q in quarters(fy):
        in_quarter = [amount for period, amount in rows if period == q.id]
        running += sum(in_quarter, ZERO)
        shown = float(running / budget * 100) if in_quarter and budget else None
        result.append((f"ไตรมาสที่ {th(q.number)}", shown, float(targets.get(f"Q{q.number}", 0))))
    return result


def _budget_lines(session, office, fy) -> list[tuple[str, str, Decimal]]:
    names = {(c.catalog, c.code): c.name for c in session.scalars(
        select(m.CatalogItem).where(m.CatalogItem.catalog.in_(["budget_source", "budget_line"])))}
    totals: dict[tuple[str, str], Decimal] = {}
    lines = session.scalars(select(m.BudgetLine).join(m.Project).where(m.Project.office_id == office.id, m.Project.fiscal_year == fy))
    for line in lines:
        totals[(line.source, line.line)] = totals.get((line.source, line.line), ZERO) + line.amount
    return [(names.get(("budget_source", s), s), names.get(("budget_line", ln), ln), amount)
            for (s, ln), amount in sorted(totals.items())]


# --- writing ----------------------------------------------------------------------------------


def folder_name(fy: int) -> str:
    return f"รายงานประจำปี_{fy}"


def write(report: AnnualReport, out_dir: Path) -> list[Path]:
    """docx, charts and the website folder into ``out_dir``, which appears only when complete."""
    with folder_in_place(out_dir) as work:
        (work / "charts").mkdir()
        chart_files = draw_charts(report, work / "charts")
        docx_path = write_docx(report, work / f"{folder_name(report.fy)}.docx", chart_files)
        site = write_website(report, work / "website", chart_files, docx_path)
        names = [p.relative_to(work) for p in (docx_path, *site)]
    return [out_dir / name for name in names]


def draw_charts(report: AnnualReport, folder: Path) -> dict[str, Path]:
    """Each part's charts as PNG (for the docx) and SVG (for the website); keys name the PNG."""
    files: dict[str, list[Path]] = {}
    for section, data in report.parts:
        files |= section.charts(report, data, folder)
    return {key: paths[0] for key, paths in files.items()} | {f"{key}_svg": paths[1] for key, paths in files.items()}


def _figures() -> Callable[[str], str]:
    """``figure(caption)``: "แผนภูมิที่ ๑ <caption>", numbered in the order the parts place charts."""
    count = itertools.count(1)
    return lambda caption: f"แผนภูมิที่ {th(next(count))} {caption}"


def write_docx(report: AnnualReport, path: Path, chart_files: dict[str, Path]) -> Path:
    doc = od.new_document(title=report.title, author=report.office["short_name"])
    _cover(doc, report)
    _foreword(doc, report)
    od.heading(doc, "สารบัญ", 1)
    od.toc(doc, ["คำนำ", *report.headings])
    figure = _figures()
    for heading, (section, data) in zip(report.headings, report.parts):
        od.page_break(doc)
        od.heading(doc, heading, 1)
        section.docx(doc, report, data, chart_files, figure)
    return od.save_docx(doc, path, report.as_of)


def _cover(doc, report: AnnualReport) -> None:
    for _ in range(6):
        od.para(doc)
    od.title(doc, report.settings.title, size=32)
    od.title(doc, f"ประจำปีงบประมาณ พ.ศ. {th(report.fy)}", size=28)
    if report.as_of <= fiscal_year_bounds(report.fy)[1]:  # a draft before the year's end says so
        od.para(doc, f"(ร่าง ข้อมูล ณ วันที่ {thai_date(report.as_of, thai_digits=True, full=True)} "
                     "ก่อนสิ้นปีงบประมาณ)", align=od.CENTER)
    for _ in range(7):
        od.para(doc)
    od.title(doc, report.office["name"], size=od.HEADING_PT[0])
    od.para(doc, "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน กระทรวงศึกษาธิการ", size=od.HEADING_PT[1], align=od.CENTER)
    od.page_break(doc)


def _foreword(doc, report: AnnualReport) -> None:
    od.heading(doc, "คำนำ", 1)
    for text in report.foreword():
        od.para(doc, text, indent_first=True)
    od.para(doc)
    for text in (report.settings.foreword.signed_by, report.office["short_name"], report.month_year):
        od.para(doc, text, align=od.RIGHT)
    od.page_break(doc)


def _profile_part(doc, report: AnnualReport, data, chart_files, figure) -> None:
    facts = report.office
    rows = [["ชื่อหน่วยงาน", facts["name"]], ["ที่ตั้ง", facts["address"]], ["โทรศัพท์", facts["phone"]],
            ["อีเมล", facts["email"]], ["หน่วยงานตรวจราชการ", facts["region_office"]],
            ["ผู้อำนวยการ", facts["director"]]]
    od.table(doc, ["รายการ", "ข้อมูล"], rows, align=[od.LEFT, od.LEFT])
    if report.settings.vision:
        od.heading(doc, "วิสัยทัศน์", 2)
        od.para(doc, report.settings.vision, indent_first=True)
    if report.settings.mission:
        od.heading(doc, "พันธกิจ", 2)
        for number, text in enumerate(report.settings.mission, 1):
            od.para(doc, f"{number}. {text}", indent_first=True)
    od.heading(doc, "กลุ่มงานและบุคลากร", 2)
    od.table(doc, ["กลุ่ม", "บุคลากร (คน)"], [[name, th(count)] for name, count in report.groups]
             + [["รวม", th(sum(c for _, c in report.groups))]], align=[od.LEFT, od.CENTER])


def _strategy_charts(report: AnnualReport, data, folder: Path) -> dict[str, list[Path]]:
    strategies = report.plan.by_strategy()
    return {"budget": charts.grouped_bars(
        folder / "budget_by_strategy", "งบประมาณและการเบิกจ่าย รายกลยุทธ์ (บาท)", [strategy_label(s.code) for s in strategies],
        {"งบประมาณ": [float(s.budget) for s in strategies], "เบิกจ่าย": [float(s.disbursed) for s in strategies]},
        [charts.BLUE, charts.ORANGE])}


def _strategy_part(doc, report: AnnualReport, data, chart_files, figure) -> None:
    plan = report.plan
    total = plan.total()
    done = sum(1 for p in plan.projects if p.completed)
    od.para(doc, (f"ปีงบประมาณ พ.ศ. {th(report.fy)} {report.office['short_name']} ดำเนินงานตามแผนปฏิบัติราชการ "
                  f"{th(len(plan.by_strategy()))} กลยุทธ์ {th(total.projects)} โครงการ งบประมาณรวม {baht(total.budget)} บาท "
                  f"เบิกจ่ายแล้ว {baht(total.disbursed)} บาท คิดเป็นร้อยละ {pct(total.disbursed_percent)} "
                  f"ดำเนินการแล้วเสร็จ {th(done)} โครงการ ตัวชี้วัดโครงการที่วัดผลแล้ว {th(total.kpis_measured)} ตัวชี้วัด "
                  f"บรรลุค่าเป้าหมาย {th(total.kpis_achieved)} ตัวชี้วัด"), indent_first=True)
    rows = [[f"{strategy_label(s.code)} {s.name}", th(s.projects), baht(s.budget), baht(s.disbursed), pct(s.disbursed_percent),
             f"{th(s.kpis_achieved)}/{th(s.kpis_measured)}"] for s in plan.by_strategy()]
    rows.append(["รวม", th(total.projects), baht(total.budget), baht(total.disbursed), pct(total.disbursed_percent),
                 f"{th(total.kpis_achieved)}/{th(total.kpis_measured)}"])
    od.table(doc, ["กลยุทธ์", "โครงการ", "งบประมาณ\n(บาท)", "เบิกจ่าย\n(บาท)", "ร้อยละ", "ตัวชี้วัด\nบรรลุ/\nวัดผล"], rows,
             align=[od.LEFT, od.CENTER, od.RIGHT, od.RIGHT, od.RIGHT, od.CENTER])
    od.picture(doc, chart_files["budget"], od.text_width_cm(doc), figure("งบประมาณและการเบิกจ่าย รายกลยุทธ์"))


def _projects_part(doc, report: AnnualReport, data, chart_files, figure) -> None:
    for s in report.plan.by_strategy():
        od.heading(doc, f"{strategy_label(s.code)} {s.name}", 2)
        rows = [[p.code, f"{p.name}\n({p.group})", p.status, f"{baht(p.budget)}\n{baht(p.disbursed)}",
                 f"{th(sum(1 for k in p.kpis if k.achieved))}/{th(sum(1 for k in p.kpis if k.achieved is not None))}"]
                for p in report.plan.projects if p.strategy_code == s.code]
        od.table(doc, ["รหัส", "โครงการ\n(กลุ่มที่รับผิดชอบ)", "สถานะ\nล่าสุด", "งบประมาณ\nเบิกจ่าย (บาท)",
                       "ตัวชี้วัด\nบรรลุ/\nวัดผล"],
                 rows, align=[od.CENTER, od.LEFT, od.CENTER, od.RIGHT, od.CENTER], arabic_columns=[0])


def _budget_charts(report: AnnualReport, data, folder: Path) -> dict[str, list[Path]]:
    return {"quarterly": charts.cumulative_line(
        folder / "disbursement_by_quarter", "การเบิกจ่ายสะสมรายไตรมาส (ร้อยละของงบประมาณ)",
        [q[0] for q in report.quarterly], [q[1] for q in report.quarterly], [q[2] for q in report.quarterly])}


def _budget_part(doc, report: AnnualReport, data, chart_files, figure) -> None:
    total = sum((amount for *_, amount in report.budget_lines), ZERO)
    od.table(doc, ["แหล่งงบประมาณ", "หมวดงบ", "จำนวนเงิน (บาท)"],
             [[source, line, baht(amount)] for source, line, amount in report.budget_lines] + [["รวม", "", baht(total)]],
             align=[od.LEFT, od.LEFT, od.RIGHT])
    od.heading(doc, "การเบิกจ่ายสะสมรายไตรมาส", 2)
    od.table(doc, ["ไตรมาส", "เบิกจ่ายสะสม (ร้อยละ)", "เป้าหมายสะสม (ร้อยละ)"],
             [[label, pct(actual) if actual is not None else "ยังไม่มีรายงาน", pct(target)] for label, actual, target in report.quarterly],
             align=[od.LEFT, od.CENTER, od.CENTER])
    od.picture(doc, chart_files["quarterly"], od.text_width_cm(doc), figure("การเบิกจ่ายสะสมรายไตรมาสเทียบเป้าหมาย"))
    od.para(doc)
    od.para(doc, progress.LATE_FOOTNOTE.split(" โครงการล่าช้า")[0])


def amount(value: Decimal | None, unit: str) -> str:
    """A figure with its unit, for tables: a percentage to one decimal, a count whole."""
    if value is None:
        return "-"
    return with_unit(pct(value) if unit == "ร้อยละ" else th(f"{value:,.0f}"), unit)


# --- the website ----------------------------------------------------------------------------


@cache
def _environment(folder: Path = TEMPLATES) -> Environment:
    env = Environment(loader=FileSystemLoader(folder), autoescape=True, undefined=StrictUndefined,
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(th=th, baht=baht, pct=pct, amount=amount, strategy=strategy_label)
    return env


def html_macro(template: Path, name: str) -> Callable:
    """An ``AnnualSection.html``: the macro ``name(r, data, images, figure)`` of the Jinja file
    ``template``, rendered with the filters of core's own parts (th, baht, pct, amount, strategy)."""
    def render(report, data, images, figure):
        return getattr(_environment(template.parent).get_template(template.name).module, name)(report, data, images, figure)
    return render


CORE_PARTS = (
    AnnualSection(10, "ข้อมูลพื้นฐาน", _profile_part, html_macro(TEMPLATES / "parts.html.j2", "office")),
    AnnualSection(20, "ผลการดำเนินงานตามกลยุทธ์", _strategy_part, html_macro(TEMPLATES / "parts.html.j2", "strategies"), charts=_strategy_charts),
    AnnualSection(30, "โครงการตามแผนปฏิบัติราชการ", _projects_part, html_macro(TEMPLATES / "parts.html.j2", "projects")),
    AnnualSection(90, "งบประมาณ", _budget_part, html_macro(TEMPLATES / "parts.html.j2", "budget"), charts=_budget_charts),
)


def write_website(report: AnnualReport, folder: Path, chart_files: dict[str, Path], docx_path: Path) -> list[Path]:
    """A folder to copy as is onto the office website: no server, no script, no external link."""
    images = folder / "images"
    images.mkdir(parents=True)
    copied = {key.removesuffix("_svg"): shutil.copyfile(path, images / path.name)
              for key, path in sorted(chart_files.items()) if key.endswith("_svg")}
    download = shutil.copyfile(docx_path, folder / f"annual-report-{report.fy}.docx")
    style = shutil.copyfile(TEMPLATES / "style.css", folder / "style.css")
    sources, figure = {k: f"images/{p.name}" for k, p in copied.items()}, _figures()
    bodies = [section.html(report, data, sources, figure) for section, data in report.parts]
    html = _environment().get_template("index.html.j2").render(
        r=report, parts=list(zip(report.headings, bodies)), download=download.name,
        date_text=thai_date(report.as_of, thai_digits=True, full=True), foreword=report.foreword())
    index = folder / "index.html"
    index.write_text(html, encoding="utf-8")
    return [index, style, download, *copied.values()]
