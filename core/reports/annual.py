"""The annual report (process 1.6): a docx ready to print and a static website folder.

``collect`` gathers the year from the database (the project figures reuse the progress
report at Q4, so both reports count money and lateness the same way); ``write`` draws the
charts and writes ``<folder>/รายงานประจำปี_<fy>.docx`` and ``<folder>/website/`` (index.html,
style.css, SVG charts and the docx to download). Texts the office writes itself (foreword,
vision, mission) come from config/annual_report.yaml.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tidtam.core import models as m
from tidtam.core.config import OfficeProfile, Strict, load
from tidtam.core.periods import fiscal_year_bounds, quarter, quarters, rounds
from tidtam.core.settings import config_dir
from tidtam.core.thai import MONTH_FULL, be_year, thai_date, with_unit

from . import charts, progress
from . import officedoc as od
from .output import folder_in_place
from .progress import baht, pct, strategy_label, th

TEMPLATES = Path(__file__).parent / "templates" / "annual"
ZERO = Decimal("0.00")


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


@dataclass
class EmesRow:
    code: str
    name: str
    owner: str
    levels: list[int | None]  # one per round
    narrative: str  # the latest round's


@dataclass
class InspectionRow:
    code: str
    name: str
    target: Decimal | None
    unit: str
    result: Decimal | None  # the latest round's
    result_text: str
    problems: str
    suggestions: str
    good_practice: str

    @property
    def achieved(self) -> bool | None:
        if self.target is None or self.result is None:
            return None
        return self.result >= self.target


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
    emes_rounds: list[str]
    emes: list[tuple[str, list[EmesRow]]] = field(default_factory=list)  # per standard
    inspection: list[tuple[str, list[InspectionRow]]] = field(default_factory=list)  # per policy

    @property
    def title(self) -> str:
        return f"{self.settings.title} ประจำปีงบประมาณ พ.ศ. {th(self.fy)}"

    def foreword(self) -> list[str]:
        return [th(p.replace("{fy}", str(self.fy))) for p in self.settings.foreword.paragraphs]

    @property
    def month_year(self) -> str:
        return th(f"{MONTH_FULL[self.as_of.month]} {be_year(self.as_of.year)}")


def collect(session: Session, office: m.Office, fy: int, profile: OfficeProfile,
            settings: AnnualReportSettings, as_of: date) -> AnnualReport:
    targets = profile.disbursement_targets
    plan = progress.collect(session, office, quarter(fy, 4), targets, as_of)
    return AnnualReport(
        fy=fy, as_of=as_of, settings=settings, office=_office_facts(session, office), groups=_groups(session, office),
        plan=plan, quarterly=_quarterly(session, office, fy, targets, plan.total().budget),
        budget_lines=_budget_lines(session, office, fy),
        emes_rounds=[f"รอบที่ {th(r.number)}" for r in rounds(fy, profile.evaluation_rounds)],
        emes=_emes(session, office, fy, [r.id for r in rounds(fy, profile.evaluation_rounds)]),
        inspection=_inspection(session, office, fy, [r.id for r in rounds(fy, profile.evaluation_rounds)]),
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


def _emes(session, office, fy, round_ids: list[str]) -> list[tuple[str, list[EmesRow]]]:
    standards = session.scalars(
        select(m.EmesStandard).where(m.EmesStandard.office_id == office.id, m.EmesStandard.fiscal_year == fy)
        .options(selectinload(m.EmesStandard.indicators).selectinload(m.EmesIndicator.owner)).order_by(m.EmesStandard.number)
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
            rows.append(EmesRow(f"{standard.number}.{ind.number}", ind.name, ind.owner.full_name if ind.owner else "",
                                [r.level if r else None for r in found], latest.narrative if latest else ""))
        out.append((f"มาตรฐานที่ {th(standard.number)} {standard.name}", rows))
    return out


def _inspection(session, office, fy, round_ids: list[str]) -> list[tuple[str, list[InspectionRow]]]:
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
                rows.append(InspectionRow(
                    ind.code, ind.name, ind.target, ind.unit or "", latest.result if latest else None,
                    latest.result_text if latest else "", latest.problems if latest else "",
                    latest.suggestions if latest else "", latest.good_practice if latest else ""))
        out.append((f"นโยบายที่ {th(policy.number)} {policy.name}", rows))
    return out


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
        written = [docx_path, *site]
        names = [p.relative_to(work) for p in written]
    return [out_dir / name for name in names]


def draw_charts(report: AnnualReport, folder: Path) -> dict[str, Path]:
    """Each chart as PNG (for the docx) and SVG (for the website); keys name the PNG."""
    files: dict[str, list[Path]] = {}
    strategies = report.plan.by_strategy()
    labels = [strategy_label(s.code) for s in strategies]
    files["budget"] = charts.grouped_bars(
        folder / "budget_by_strategy", "งบประมาณและการเบิกจ่าย รายกลยุทธ์ (บาท)", labels,
        {"งบประมาณ": [float(s.budget) for s in strategies], "เบิกจ่าย": [float(s.disbursed) for s in strategies]},
        [charts.BLUE, charts.ORANGE])
    files["quarterly"] = charts.cumulative_line(
        folder / "disbursement_by_quarter", "การเบิกจ่ายสะสมรายไตรมาส (ร้อยละของงบประมาณ)",
        [q[0] for q in report.quarterly], [q[1] for q in report.quarterly], [q[2] for q in report.quarterly])
    emes_rows = [row for _, rows in report.emes for row in rows]
    files["emes"] = charts.levels(
        folder / "emes_levels", "ระดับผลการประเมินตนเอง E-MES รายตัวบ่งชี้ (รอบล่าสุด)", [th(r.code) for r in emes_rows],
        [next((v for v in reversed(r.levels) if v is not None), None) for r in emes_rows])
    measured = [r for _, rows in report.inspection for r in rows if r.target and r.result is not None]
    files["inspection"] = charts.percent_against_target(
        folder / "inspection_against_target", "ผลการตรวจราชการเทียบค่าเป้าหมาย (ร้อยละของเป้าหมาย)",
        [f"ตัวชี้วัด {th(r.code)}" for r in measured], [float(r.result / r.target * 100) for r in measured],
        100.0, "บรรลุค่าเป้าหมาย")
    return {key: paths[0] for key, paths in files.items()} | {f"{key}_svg": paths[1] for key, paths in files.items()}


PARTS = ("ส่วนที่ ๑ ข้อมูลพื้นฐาน", "ส่วนที่ ๒ ผลการดำเนินงานตามกลยุทธ์", "ส่วนที่ ๓ โครงการตามแผนปฏิบัติราชการ",
         "ส่วนที่ ๔ ผลการติดตาม ประเมินผลการบริหารและการจัดการศึกษา (E-MES)", "ส่วนที่ ๕ ผลการตรวจราชการ",
         "ส่วนที่ ๖ งบประมาณ")


def write_docx(report: AnnualReport, path: Path, chart_files: dict[str, Path]) -> Path:
    doc = od.new_document(title=report.title, author=report.office["short_name"])
    _cover(doc, report)
    _foreword(doc, report)
    od.heading(doc, "สารบัญ", 1)
    od.toc(doc, ["คำนำ", *PARTS])
    od.page_break(doc)
    _profile_part(doc, report)
    _strategy_part(doc, report, chart_files)
    _projects_part(doc, report)
    _emes_part(doc, report, chart_files)
    _inspection_part(doc, report, chart_files)
    _budget_part(doc, report, chart_files)
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
    od.para(doc, report.settings.foreword.signed_by, align=od.RIGHT)
    od.para(doc, report.office["short_name"], align=od.RIGHT)
    od.para(doc, report.month_year, align=od.RIGHT)
    od.page_break(doc)


def _profile_part(doc, report: AnnualReport) -> None:
    facts = report.office
    od.heading(doc, PARTS[0], 1)
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
    od.page_break(doc)


def _strategy_part(doc, report: AnnualReport, chart_files) -> None:
    plan = report.plan
    total = plan.total()
    od.heading(doc, PARTS[1], 1)
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
    od.picture(doc, chart_files["budget"], od.text_width_cm(doc), "แผนภูมิที่ ๑ งบประมาณและการเบิกจ่าย รายกลยุทธ์")
    od.page_break(doc)


def _projects_part(doc, report: AnnualReport) -> None:
    od.heading(doc, PARTS[2], 1)
    for s in report.plan.by_strategy():
        od.heading(doc, f"{strategy_label(s.code)} {s.name}", 2)
        rows = [[p.code, f"{p.name}\n({p.group})", p.status, f"{baht(p.budget)}\n{baht(p.disbursed)}",
                 f"{th(sum(1 for k in p.kpis if k.achieved))}/{th(sum(1 for k in p.kpis if k.achieved is not None))}"]
                for p in report.plan.projects if p.strategy_code == s.code]
        od.table(doc, ["รหัส", "โครงการ\n(กลุ่มที่รับผิดชอบ)", "สถานะ\nล่าสุด", "งบประมาณ\nเบิกจ่าย (บาท)",
                       "ตัวชี้วัด\nบรรลุ/\nวัดผล"],
                 rows, align=[od.CENTER, od.LEFT, od.CENTER, od.RIGHT, od.CENTER], arabic_columns=[0])
    od.page_break(doc)


def _emes_part(doc, report: AnnualReport, chart_files) -> None:
    od.heading(doc, PARTS[3], 1)
    for standard, rows in report.emes:
        od.heading(doc, standard, 2)
        od.table(doc, ["ตัวบ่งชี้", "ชื่อตัวบ่งชี้", *[f"ระดับ\n{r}" for r in report.emes_rounds]],
                 [[r.code, r.name, *[th(v) if v else "-" for v in r.levels]] for r in rows],
                 align=[od.CENTER, od.LEFT, *[od.CENTER] * len(report.emes_rounds)])
    od.picture(doc, chart_files["emes"], od.text_width_cm(doc), "แผนภูมิที่ ๒ ระดับผลการประเมินตนเอง E-MES รายตัวบ่งชี้")
    od.heading(doc, "ผลการดำเนินงานรายตัวบ่งชี้", 2)
    for _, rows in report.emes:
        for r in rows:
            if r.narrative:
                od.heading(doc, f"ตัวบ่งชี้ที่ {r.code} {r.name}", 3)
                od.para(doc, r.narrative, indent_first=True)
    od.page_break(doc)


def _inspection_part(doc, report: AnnualReport, chart_files) -> None:
    od.heading(doc, PARTS[4], 1)
    for policy, rows in report.inspection:
        od.heading(doc, policy, 2)
        od.table(doc, ["ตัวชี้วัด", "ชื่อตัวชี้วัด", "ค่าเป้าหมาย", "ผล", "ผลการประเมิน"],
                 [[r.code, r.name, _amount(r.target, r.unit), _amount(r.result, r.unit) if r.result is not None else ("รายงานเชิงคุณภาพ" if r.result_text else "ยังไม่รายงาน"),
                   {True: "บรรลุ", False: "ยังไม่บรรลุ", None: "-"}[r.achieved]] for r in rows],
                 align=[od.CENTER, od.LEFT, od.CENTER, od.CENTER, od.CENTER])
    od.picture(doc, chart_files["inspection"], od.text_width_cm(doc), "แผนภูมิที่ ๓ ผลการตรวจราชการเทียบค่าเป้าหมาย")
    od.heading(doc, "ปัญหาอุปสรรค ข้อเสนอแนะ และแนวปฏิบัติที่ดี", 2)
    for _, rows in report.inspection:
        for r in rows:
            if not (r.problems or r.suggestions or r.good_practice):
                continue
            od.heading(doc, f"ตัวชี้วัดที่ {r.code} {r.name}", 3)
            for label, text in (("ปัญหาอุปสรรค", r.problems), ("ข้อเสนอแนะ", r.suggestions), ("แนวปฏิบัติที่ดี", r.good_practice)):
                if text:
                    od.para(doc, f"{label}: {text}", indent_first=True)
    od.page_break(doc)


def _budget_part(doc, report: AnnualReport, chart_files) -> None:
    od.heading(doc, PARTS[5], 1)
    total = sum((amount for *_, amount in report.budget_lines), ZERO)
    od.table(doc, ["แหล่งงบประมาณ", "หมวดงบ", "จำนวนเงิน (บาท)"],
             [[source, line, baht(amount)] for source, line, amount in report.budget_lines] + [["รวม", "", baht(total)]],
             align=[od.LEFT, od.LEFT, od.RIGHT])
    od.heading(doc, "การเบิกจ่ายสะสมรายไตรมาส", 2)
    od.table(doc, ["ไตรมาส", "เบิกจ่ายสะสม (ร้อยละ)", "เป้าหมายสะสม (ร้อยละ)"],
             [[label, pct(actual) if actual is not None else "ยังไม่มีรายงาน", pct(target)] for label, actual, target in report.quarterly],
             align=[od.LEFT, od.CENTER, od.CENTER])
    od.picture(doc, chart_files["quarterly"], od.text_width_cm(doc), "แผนภูมิที่ ๔ การเบิกจ่ายสะสมรายไตรมาสเทียบเป้าหมาย")
    od.para(doc)
    od.para(doc, progress.LATE_FOOTNOTE.split(" โครงการล่าช้า")[0])


def _amount(value: Decimal | None, unit: str) -> str:
    if value is None:
        return "-"
    return with_unit(pct(value) if unit == "ร้อยละ" else th(f"{value:,.0f}"), unit)


# --- the website ----------------------------------------------------------------------------


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(th=th, baht=baht, pct=pct, amount=_amount, strategy=strategy_label)
    return env


def write_website(report: AnnualReport, folder: Path, chart_files: dict[str, Path], docx_path: Path) -> list[Path]:
    """A folder to copy as is onto the office website: no server, no script, no external link."""
    images = folder / "images"
    images.mkdir(parents=True)
    copied = {}
    for key, path in sorted(chart_files.items()):
        if key.endswith("_svg"):
            copied[key.removesuffix("_svg")] = shutil.copyfile(path, images / path.name)
    download = shutil.copyfile(docx_path, folder / f"annual-report-{report.fy}.docx")
    style = shutil.copyfile(TEMPLATES / "style.css", folder / "style.css")
    html = _environment().get_template("index.html.j2").render(
        r=report, parts=PARTS, images={k: f"images/{p.name}" for k, p in copied.items()},
        download=download.name, date_text=thai_date(report.as_of, thai_digits=True, full=True),
        foreword=report.foreword(), done=sum(1 for p in report.plan.projects if p.completed))
    index = folder / "index.html"
    index.write_text(html, encoding="utf-8")
    return [index, style, download, *copied.values()]
