"""Action-plan progress for the director's meeting (process 1.4): what each project has done
by the end of a quarter, KPIs against targets, cumulative disbursement against the quarterly
target, and which projects are late and whose they are.

``collect`` reads the database into plain rows (no ORM objects leave it); ``write`` turns
them into charts, a docx for the meeting and an xlsx for whoever wants to sort and filter.

Definitions (also printed in the report's footnote and in docs/reports.md):

* cumulative disbursement = the sum of ``ProjectProgress.disbursed`` over the FY's quarters
  up to and including the period; its target is the configured cumulative percentage
  (``disbursement_targets``) of the project's total budget.
* an activity is *due* when its last scheduled month (in fiscal order) is on or before the
  period's last month, and *started* when its first month is.
* a project is *late* unless cancelled when: a due activity's latest reported progress is
  below 100% or was never reported; or a started activity was never reported; or (unless
  completed) its cumulative disbursement is below the cumulative target.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl.styles import Alignment
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tidtam.core import models as m
from tidtam.core.config import ConfigError
from tidtam.core.periods import Period, quarters
from tidtam.core.settings import config_dir
from tidtam.core.thai import MONTH_ABBR, format_number, thai_date, to_thai_digits, with_unit

from . import charts
from . import officedoc as od
from .output import folder_in_place

ZERO = Decimal("0.00")

LATE_FOOTNOTE = (
    "หมายเหตุ: เบิกจ่ายสะสม คือ ผลรวมเงินที่เบิกจ่ายตามรายงานแต่ละไตรมาสของปีงบประมาณ ตั้งแต่ไตรมาสที่ ๑ "
    "ถึงไตรมาสที่รายงาน เทียบกับเป้าหมายการเบิกจ่ายสะสมเป็นร้อยละของงบประมาณโครงการ "
    "โครงการล่าช้า คือ โครงการที่ไม่ได้ยกเลิก และมีข้อใดข้อหนึ่ง (๑) กิจกรรมที่ตามแผนต้องแล้วเสร็จภายในไตรมาสนี้ "
    "มีความก้าวหน้าล่าสุดต่ำกว่าร้อยละ ๑๐๐ หรือยังไม่รายงาน (๒) กิจกรรมที่ตามแผนเริ่มแล้วแต่ยังไม่เคยรายงานความก้าวหน้า "
    "(๓) เบิกจ่ายสะสมต่ำกว่าเป้าหมายสะสมของไตรมาส (ยกเว้นโครงการที่ดำเนินการแล้วเสร็จ) "
    "ความก้าวหน้าของกิจกรรมและผลตัวชี้วัดใช้ค่าล่าสุดที่รายงานถึงไตรมาสนี้"
)

STATUS_NOT_REPORTED = "ไม่ส่งรายงาน"


th = to_thai_digits  # the short name every report's f-strings use


def baht(value: Decimal) -> str:
    return format_number(value, 2, thai_digits=True)


def pct(value: float | Decimal | None) -> str:
    return "-" if value is None else format_number(value, 1, thai_digits=True)


def fiscal_index(month: int) -> int:
    """October = 0 … September = 11."""
    return (month - 10) % 12


# --- rows ---------------------------------------------------------------------------------


@dataclass
class ActivityRow:
    seq: int
    name: str
    months: list[int]
    due: bool
    started: bool
    percent: Decimal | None  # latest reported up to the period, None = never reported

    @property
    def done(self) -> bool:
        return self.percent is not None and self.percent >= 100


@dataclass
class KpiRow:
    seq: int
    name: str
    target: Decimal | None
    unit: str
    value: Decimal | None
    note: str

    @property
    def achieved(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        return self.value >= self.target


@dataclass
class ProjectRow:
    code: str
    name: str
    strategy_code: str
    strategy_name: str
    group: str
    owner: str
    owner_phone: str
    status: str  # Thai status of this period's report, or STATUS_NOT_REPORTED
    cancelled: bool
    completed: bool
    budget: Decimal
    disbursed: Decimal  # cumulative
    target_percent: float
    activities: list[ActivityRow]
    kpis: list[KpiRow]
    problems: str
    late_reasons: list[str] = field(default_factory=list)

    @property
    def reported(self) -> bool:
        return self.status != STATUS_NOT_REPORTED

    @property
    def late(self) -> bool:
        return bool(self.late_reasons)

    @property
    def disbursed_percent(self) -> float | None:
        return float(self.disbursed / self.budget * 100) if self.budget else None

    @property
    def target_amount(self) -> Decimal:
        return (self.budget * Decimal(str(self.target_percent)) / 100).quantize(Decimal("0.01"))


@dataclass
class Rollup:
    """Totals for a strategy, a group, or the whole office."""

    code: str
    name: str
    projects: int = 0
    reported: int = 0
    late: int = 0
    budget: Decimal = ZERO
    disbursed: Decimal = ZERO
    activities_due: int = 0
    activities_due_done: int = 0
    kpis_measured: int = 0
    kpis_achieved: int = 0

    def add(self, p: ProjectRow) -> None:
        self.projects += 1
        self.reported += p.reported
        self.late += p.late
        self.budget += p.budget
        self.disbursed += p.disbursed
        self.activities_due += sum(1 for a in p.activities if a.due)
        self.activities_due_done += sum(1 for a in p.activities if a.due and a.done)
        self.kpis_measured += sum(1 for k in p.kpis if k.achieved is not None)
        self.kpis_achieved += sum(1 for k in p.kpis if k.achieved)

    @property
    def disbursed_percent(self) -> float | None:
        return float(self.disbursed / self.budget * 100) if self.budget else None


@dataclass
class ProgressReport:
    office_name: str
    office_short_name: str
    period: Period
    target_percent: float
    as_of: date
    projects: list[ProjectRow]

    @property
    def label(self) -> str:
        return self.period.label_th(thai_digits=True)

    def total(self) -> Rollup:
        total = Rollup("", "รวมทั้งสำนักงาน")
        for p in self.projects:
            total.add(p)
        return total

    def by_strategy(self) -> list[Rollup]:
        return self._rollup(lambda p: (p.strategy_code, p.strategy_name))

    def by_group(self) -> list[Rollup]:
        return self._rollup(lambda p: (p.group, p.group))

    def late(self) -> list[ProjectRow]:
        return [p for p in self.projects if p.late]

    def _rollup(self, key) -> list[Rollup]:
        rows: dict[str, Rollup] = {}
        for p in self.projects:
            code, name = key(p)
            rows.setdefault(code, Rollup(code, name)).add(p)
        return [rows[k] for k in sorted(rows)]


# --- lateness (pure, so the rule is tested on its own) -------------------------------------


def late_reasons(activities: list[ActivityRow], *, cancelled: bool, completed: bool, budget: Decimal,
                 disbursed: Decimal, target_percent: float) -> list[str]:
    if cancelled:
        return []
    reasons = []
    for a in activities:
        if a.due and not a.done:
            progress = "ยังไม่รายงาน" if a.percent is None else f"ความก้าวหน้าร้อยละ {pct(a.percent)}"
            reasons.append(f"กิจกรรมที่ {th(a.seq)} ถึงกำหนดแล้วเสร็จ แต่{progress}")
        elif a.started and not a.due and a.percent is None:
            reasons.append(f"กิจกรรมที่ {th(a.seq)} เริ่มตามแผนแล้ว แต่ยังไม่รายงานความก้าวหน้า")
    target = budget * Decimal(str(target_percent)) / 100
    if not completed and budget > 0 and disbursed < target:
        reasons.append(f"เบิกจ่ายสะสมร้อยละ {pct(disbursed / budget * 100)} ต่ำกว่าเป้าหมายร้อยละ {pct(target_percent)}")
    return reasons


# --- reading the database -----------------------------------------------------------------


def collect(session: Session, office: m.Office, period: Period, targets: dict[str, float], as_of: date) -> ProgressReport:
    """Everything the progress report shows, for quarter ``period`` of ``office``."""
    if period.kind != "Q":
        raise ValueError(f"รายงานความก้าวหน้าใช้ช่วงเวลาแบบไตรมาส เช่น {period.fiscal_year}Q2 (ได้ {period.id})")
    key = f"Q{period.number}"
    if key not in targets:
        raise ConfigError(f"{config_dir() / 'office.yaml'} › disbursement_targets.{key}: ไม่มีเป้าหมายการเบิกจ่ายของไตรมาสนี้")
    target_percent = float(targets[key])
    period_ids = [q.id for q in quarters(period.fiscal_year)[: period.number]]
    projects = session.scalars(
        select(m.Project).where(m.Project.office_id == office.id, m.Project.fiscal_year == period.fiscal_year)
        .options(selectinload(m.Project.activities), selectinload(m.Project.kpis), selectinload(m.Project.budget_lines),
                 selectinload(m.Project.owner), selectinload(m.Project.group), selectinload(m.Project.strategy))
        .order_by(m.Project.code)
    ).all()
    reports = _reports_by_project(session, [p.id for p in projects], period_ids)
    end_index = fiscal_index(period.end.month)
    rows = [_project_row(p, reports.get(p.id, []), period, end_index, target_percent) for p in projects]
    return ProgressReport(office.name, office.short_name, period, target_percent, as_of, rows)


def _reports_by_project(session: Session, project_ids: list[int], period_ids: list[str]) -> dict[int, list]:
    """Each project's reports of the FY up to the period, oldest first."""
    reports: dict[int, list] = {}
    query = (select(m.ProjectProgress)
             .where(m.ProjectProgress.project_id.in_(project_ids), m.ProjectProgress.period.in_(period_ids))
             .options(selectinload(m.ProjectProgress.activities), selectinload(m.ProjectProgress.kpi_results)))
    for report in session.scalars(query):
        reports.setdefault(report.project_id, []).append(report)
    for rows in reports.values():
        rows.sort(key=lambda r: period_ids.index(r.period))
    return reports


def _project_row(project: m.Project, reports: list, period: Period, end_index: int, target_percent: float) -> ProjectRow:
    latest_percent: dict[int, Decimal] = {}
    latest_kpi: dict[int, m.KpiResult] = {}
    for report in reports:  # oldest first: later quarters overwrite
        latest_percent.update({a.activity_id: a.percent for a in report.activities})
        latest_kpi.update({k.kpi_id: k for k in report.kpi_results if k.value is not None or k.note})
    current = next((r for r in reports if r.period == period.id), None)
    activities = [
        ActivityRow(a.seq, a.name, list(a.months),
                    due=bool(a.months) and max(map(fiscal_index, a.months)) <= end_index,
                    started=bool(a.months) and min(map(fiscal_index, a.months)) <= end_index,
                    percent=latest_percent.get(a.id))
        for a in project.activities
    ]
    kpis = [KpiRow(k.seq, k.name, k.target, k.unit or "", latest_kpi[k.id].value if k.id in latest_kpi else None,
                   latest_kpi[k.id].note if k.id in latest_kpi else "") for k in project.kpis]
    status = current.status if current else None
    cancelled = bool(reports) and reports[-1].status == m.ProgressStatus.CANCELLED
    completed = status == m.ProgressStatus.COMPLETED
    disbursed = sum((r.disbursed for r in reports), ZERO)
    budget = project.total_budget
    owner = project.owner
    return ProjectRow(
        code=project.code, name=project.name,
        strategy_code=project.strategy.code if project.strategy else "-",
        strategy_name=project.strategy.name if project.strategy else "(ไม่ระบุกลยุทธ์)",
        group=project.group.name if project.group else "(ไม่ระบุกลุ่ม)",
        owner=owner.full_name if owner else "(ยังไม่กำหนดผู้รับผิดชอบ)", owner_phone=owner.phone if owner else "",
        status=m.PROGRESS_STATUS_TH[status] if status else STATUS_NOT_REPORTED,
        cancelled=cancelled, completed=completed, budget=budget, disbursed=disbursed, target_percent=target_percent,
        activities=activities, kpis=kpis, problems=current.problems if current else "",
        late_reasons=late_reasons(activities, cancelled=cancelled, completed=completed, budget=budget,
                                  disbursed=disbursed, target_percent=target_percent),
    )


# --- writing ------------------------------------------------------------------------------


def file_stem(period: Period) -> str:
    return f"รายงานความก้าวหน้า_{period.id}"


def write(report: ProgressReport, out_dir: Path) -> list[Path]:
    """Charts, docx and xlsx into ``out_dir``, which appears only once all are written."""
    stem = file_stem(report.period)
    with folder_in_place(out_dir) as work:
        (work / "charts").mkdir()
        chart_files = draw_charts(report, work / "charts")
        docx_path = write_docx(report, work / f"{stem}.docx", chart_files)
        xlsx_path = write_xlsx(report, work / f"{stem}.xlsx")
        names = [p.relative_to(work) for p in (docx_path, xlsx_path, *chart_files.values())]
    return [out_dir / name for name in names]


def strategy_label(code: str) -> str:
    """ "S3" -> "กลยุทธ์ที่ ๓" (codes are S<n> in the plan files), else the code itself."""
    return f"กลยุทธ์ที่ {th(code[1:])}" if code[:1] == "S" and code[1:].isdigit() else code


def draw_charts(report: ProgressReport, folder: Path) -> dict[str, Path]:
    strategies = report.by_strategy()
    labels = [strategy_label(s.code) for s in strategies]
    target = report.target_percent
    disbursement = charts.percent_against_target(
        folder / "disbursement_by_strategy", "ร้อยละการเบิกจ่ายสะสม รายกลยุทธ์",
        labels, [s.disbursed_percent or 0.0 for s in strategies], target, f"เป้าหมาย {pct(target)}%")
    lateness = charts.stacked_counts(
        folder / "late_by_strategy", "จำนวนโครงการตามแผนและล่าช้า รายกลยุทธ์", labels,
        {"ตามแผน": [s.projects - s.late for s in strategies], "ล่าช้า": [s.late for s in strategies]},
        [charts.GREEN, charts.RED])
    return {"disbursement": disbursement[0], "late": lateness[0],
            "disbursement_svg": disbursement[1], "late_svg": lateness[1]}


def _activities_text(p: ProjectRow) -> str:
    due = [a for a in p.activities if a.due]
    return f"{th(sum(a.done for a in due))}/{th(len(due))}" if due else "-"


def _kpi_text(k: KpiRow) -> str:
    value = "ยังไม่รายงาน" if k.value is None else with_unit(pct(k.value), k.unit)
    target = "" if k.target is None else f" (เป้าหมาย {pct(k.target)})"
    return f"{th(k.seq)}) {value}{target}"


def write_docx(report: ProgressReport, path: Path, chart_files: dict[str, Path]) -> Path:
    """A4 portrait, as the meeting's other papers: the tables are laid out to read down the page."""
    doc = od.new_document(title=f"รายงานความก้าวหน้า {report.period.id}", author=report.office_short_name)
    fy = th(report.period.fiscal_year)
    od.title(doc, "รายงานความก้าวหน้าการดำเนินงานตามแผนปฏิบัติราชการ")
    od.title(doc, f"ประจำปีงบประมาณ พ.ศ. {fy} {report.label}", size=od.HEADING_PT[1])
    od.para(doc, report.office_name, align=od.CENTER)
    od.para(doc, f"ข้อมูล ณ วันที่ {thai_date(report.as_of, thai_digits=True, full=True)}", align=od.CENTER)

    _summary_section(doc, report, chart_files)
    _rollup_section(doc, "๒. ผลการดำเนินงานรายกลยุทธ์", report.by_strategy(), report, by_strategy=True)
    _rollup_section(doc, "๓. ผลการดำเนินงานรายกลุ่ม", report.by_group(), report, by_strategy=False)
    _projects_section(doc, report)
    _late_section(doc, report)
    od.para(doc)
    od.para(doc, LATE_FOOTNOTE)
    return od.save_docx(doc, path, report.as_of)


def _summary_section(doc, report: ProgressReport, chart_files) -> None:
    total = report.total()
    od.heading(doc, "๑. สรุปภาพรวม", 1)
    od.para(doc, (
        f"แผนปฏิบัติราชการมีโครงการทั้งสิ้น {th(total.projects)} โครงการ งบประมาณรวม {baht(total.budget)} บาท "
        f"ได้รับรายงานของไตรมาสนี้ {th(total.reported)} โครงการ "
        f"เบิกจ่ายสะสม {baht(total.disbursed)} บาท คิดเป็นร้อยละ {pct(total.disbursed_percent)} ของงบประมาณ "
        f"เทียบกับเป้าหมายการเบิกจ่ายสะสมร้อยละ {pct(report.target_percent)} "
        f"มีโครงการล่าช้า {th(total.late)} โครงการ"), indent_first=True)
    width = od.text_width_cm(doc)
    od.picture(doc, chart_files["disbursement"], width, f"แผนภูมิที่ ๑ ร้อยละการเบิกจ่ายสะสมเทียบกับเป้าหมายร้อยละ {pct(report.target_percent)} รายกลยุทธ์ {report.label}")
    od.picture(doc, chart_files["late"], width, f"แผนภูมิที่ ๒ จำนวนโครงการตามแผนและล่าช้า รายกลยุทธ์ {report.label}")


ROLLUP_HEADERS = ["โครงการ\n(ส่ง\nรายงาน)", "กิจกรรม\nเสร็จ/\nถึงกำหนด", "ตัวชี้วัด\nบรรลุ/\nวัดผล",
                  "งบประมาณ\nเบิกจ่ายสะสม\n(บาท)", "ร้อยละ", "ล่าช้า"]


def _rollup_values(r: Rollup) -> list[str]:
    return [f"{th(r.projects)} ({th(r.reported)})", f"{th(r.activities_due_done)}/{th(r.activities_due)}",
            f"{th(r.kpis_achieved)}/{th(r.kpis_measured)}", f"{baht(r.budget)}\n{baht(r.disbursed)}",
            pct(r.disbursed_percent), th(r.late)]


def _rollup_section(doc, title: str, rows: list[Rollup], report: ProgressReport, by_strategy: bool) -> None:
    od.heading(doc, title, 1)
    first = "กลยุทธ์" if by_strategy else "กลุ่ม"
    total = report.total()
    body = [[(f"{strategy_label(r.code)} {r.name}" if by_strategy else r.name), *_rollup_values(r)] for r in rows]
    body.append([total.name, *_rollup_values(total)])
    below = [r.disbursed_percent is not None and r.disbursed_percent < report.target_percent for r in rows] + [False]
    od.table(doc, [first, *ROLLUP_HEADERS], body,
             align=[od.LEFT] + [od.CENTER] * 3 + [od.RIGHT] * 2 + [od.CENTER], highlight=below)
    od.para(doc, f"แถวที่แรเงา: เบิกจ่ายสะสมต่ำกว่าเป้าหมายร้อยละ {pct(report.target_percent)}")


PROJECT_HEADERS = ["รหัส", "โครงการ / ผู้รับผิดชอบ\nตัวชี้วัด: ผลล่าสุด (เป้าหมาย)", "สถานะ", "กิจกรรม\nเสร็จ/\nถึงกำหนด",
                   "งบประมาณ\nเบิกจ่ายสะสม\n(บาท)", "ร้อยละ"]


def _project_values(p: ProjectRow) -> list[str]:
    kpis = [("ตัวชี้วัด " if k is p.kpis[0] else "") + _kpi_text(k) for k in p.kpis]
    return [p.code, "\n".join([p.name, f"{p.owner} ({p.group})", *kpis]), p.status + ("\n(ล่าช้า)" if p.late else ""),
            _activities_text(p), f"{baht(p.budget)}\n{baht(p.disbursed)}", pct(p.disbursed_percent)]


def _projects_section(doc, report: ProgressReport) -> None:
    od.heading(doc, "๔. รายละเอียดรายโครงการ", 1)
    for s in report.by_strategy():
        od.heading(doc, f"{strategy_label(s.code)} {s.name}", 2)
        rows = [p for p in report.projects if p.strategy_code == s.code]
        od.table(doc, PROJECT_HEADERS, [_project_values(p) for p in rows], arabic_columns=[0],
                 align=[od.CENTER, od.LEFT, od.CENTER, od.CENTER, od.RIGHT, od.RIGHT],
                 highlight=[p.late for p in rows])
        od.para(doc, "แถวที่แรเงา: โครงการล่าช้า (ดูเหตุในข้อ ๕)")


def _late_section(doc, report: ProgressReport) -> None:
    late = report.late()
    od.heading(doc, f"๕. โครงการล่าช้า ({th(len(late))} โครงการ)", 1)
    if not late:
        od.para(doc, "ไม่มีโครงการล่าช้า")
        return
    body = [[p.code, f"{p.name}\n{p.owner} {p.group}" + (f" โทร {th(p.owner_phone)}" if p.owner_phone else "")
             + f"\nสถานะ: {p.status}", "\n".join(f"• {r}" for r in p.late_reasons)] for p in late]
    od.table(doc, ["รหัส", "โครงการ / ผู้รับผิดชอบ", "เหตุที่ล่าช้า"], body, arabic_columns=[0],
             align=[od.CENTER, od.LEFT, od.LEFT])


def write_xlsx(report: ProgressReport, path: Path) -> Path:
    wb = od.new_workbook(f"รายงานความก้าวหน้า {report.period.id}", report.office_short_name)
    rollup_headers = ["รหัส", "ชื่อ", "โครงการ", "ส่งรายงาน", "กิจกรรมถึงกำหนด", "กิจกรรมถึงกำหนดที่เสร็จ",
                   "ตัวชี้วัดที่วัดผลแล้ว", "ตัวชี้วัดที่บรรลุ", "งบประมาณ (บาท)", "เบิกจ่ายสะสม (บาท)",
                   "ร้อยละเบิกจ่าย", "เป้าหมายร้อยละ", "โครงการล่าช้า"]
    money = {8: od.BAHT, 9: od.BAHT, 10: od.PERCENT, 11: od.PERCENT}
    heading = f"รายงานความก้าวหน้า {to_thai_digits(report.period.label_th())}"

    def sheet(name: str, *args, **kwargs):
        return od.sheet(wb, name, *args, print_title=f"{heading} — {name}", **kwargs)

    def rollup_rows(rows: list[Rollup]):
        # a group's rollup is keyed by its name: no code to show
        return [[r.code if r.code != r.name else "", r.name, r.projects, r.reported, r.activities_due,
                 r.activities_due_done, r.kpis_measured, r.kpis_achieved, r.budget, r.disbursed,
                 _round(r.disbursed_percent), report.target_percent, r.late]
                for r in rows]

    sheet("สรุป", rollup_headers, rollup_rows([report.total()]), [6, 30, 10, 10, 12, 12, 12, 12, 18, 18, 12, 12, 12], money)
    sheet("รายกลยุทธ์", rollup_headers, rollup_rows(report.by_strategy()), [6, 60, 10, 10, 12, 12, 12, 12, 18, 18, 12, 12, 12], money)
    sheet("รายกลุ่ม", rollup_headers, rollup_rows(report.by_group()), [6, 45, 10, 10, 12, 12, 12, 12, 18, 18, 12, 12, 12], money)
    sheet("รายโครงการ",
          ["รหัส", "โครงการ", "กลยุทธ์", "กลุ่ม", "ผู้รับผิดชอบ", "สถานะ", "กิจกรรมถึงกำหนด", "กิจกรรมถึงกำหนดที่เสร็จ",
           "งบประมาณ (บาท)", "เบิกจ่ายสะสม (บาท)", "ร้อยละเบิกจ่าย", "เป้าหมาย (บาท)", "ล่าช้า", "เหตุที่ล่าช้า", "ปัญหาอุปสรรค"],
          [[p.code, p.name, p.strategy_code, p.group, p.owner, p.status, sum(a.due for a in p.activities),
            sum(a.due and a.done for a in p.activities), p.budget, p.disbursed, _round(p.disbursed_percent),
            p.target_amount, "ล่าช้า" if p.late else "", "\n".join(p.late_reasons), p.problems] for p in report.projects],
          [11, 60, 8, 30, 28, 18, 10, 10, 16, 16, 10, 16, 8, 50, 40], {8: od.BAHT, 9: od.BAHT, 10: od.PERCENT, 11: od.BAHT},
          late_column=12)
    sheet("กิจกรรม", ["รหัสโครงการ", "ลำดับ", "กิจกรรม", "เดือนตามแผน", "ถึงกำหนดเสร็จ", "ความก้าวหน้าล่าสุด (%)"],
          [[p.code, a.seq, a.name, " ".join(MONTH_ABBR[mo] for mo in a.months), "ใช่" if a.due else "",
            a.percent] for p in report.projects for a in p.activities],
          [11, 7, 60, 20, 12, 14], {5: "0"})
    sheet("ตัวชี้วัด", ["รหัสโครงการ", "ลำดับ", "ตัวชี้วัด", "เป้าหมาย", "หน่วย", "ผลล่าสุด", "บรรลุ", "หมายเหตุ"],
          [[p.code, k.seq, k.name, k.target, k.unit, k.value, {True: "บรรลุ", False: "ยังไม่บรรลุ", None: ""}[k.achieved], k.note]
           for p in report.projects for k in p.kpis],
          [11, 7, 60, 10, 10, 10, 12, 40])
    note = wb.create_sheet("หมายเหตุ")
    note["A1"] = LATE_FOOTNOTE
    note["A1"].font = od.XLSX_FONT
    note["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    note.column_dimensions["A"].width = 90
    od.fit_rows(note, 1, [90])
    od.print_setup(note, title=f"{heading} — หมายเหตุ", title_rows="1:1")
    return od.save_xlsx(wb, path, report.as_of)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
