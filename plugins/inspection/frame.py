"""The round's inspection frame and results as plain rows, checked before anything is built.

``collect`` reads the database (policies → points → indicators, each indicator's result for
the round and its evidence files) into dataclasses; no ORM object leaves it. ``problems``
lists what is missing or wrong, each naming the indicator and the field in Thai.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tidtam.core import models as m
from tidtam.core.evidence import stored_path
from tidtam.core.periods import Period
from tidtam.core.thai import format_number, to_thai_digits

IMAGE_TYPES = ("image/jpeg", "image/png")
SOURCE_TH = {"moe": "นโยบายการตรวจราชการของกระทรวงศึกษาธิการ", "pmo": "การตรวจราชการแบบบูรณาการ สำนักนายกรัฐมนตรี"}

# Field names as people see them in the intake template and the report.
FIELD_TH = {
    "result": "ผลการดำเนินงาน (ค่าตัวเลข)",
    "result_text": "ผลการดำเนินการ",
    "owner": "ผู้รับผิดชอบ",
    "evidence": "ไฟล์หลักฐาน",
    "report": "รายงานผล",
}


@dataclass
class Evidence:
    filename: str
    sha256: str
    size: int
    media_type: str


@dataclass
class IndicatorRow:
    code: str
    name: str
    target: Decimal | None
    unit: str
    owner: str  # full name, "" when none
    owner_position: str
    reported: bool = False
    result: Decimal | None = None
    result_text: str = ""
    problems: str = ""
    suggestions: str = ""
    good_practice: str = ""
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def achieved(self) -> bool | None:
        """Whether the result reaches the target; None when either is not a number."""
        if self.target is None or self.result is None:
            return None
        return self.result >= self.target

    @property
    def photos(self) -> list[Evidence]:
        return [e for e in self.evidence if e.media_type in IMAGE_TYPES]


@dataclass
class PointRow:
    number: int
    name: str
    indicators: list[IndicatorRow]


@dataclass
class PolicyRow:
    number: int
    name: str
    source: str
    points: list[PointRow]

    @property
    def indicators(self) -> list[IndicatorRow]:
        return [i for p in self.points for i in p.indicators]


@dataclass
class RoundData:
    office_code: str
    office_name: str
    office_short_name: str
    office_phone: str
    region_office: str
    director_name: str
    director_position: str
    period: Period
    memo_date: date
    policies: list[PolicyRow]

    @property
    def indicators(self) -> list[IndicatorRow]:
        return [i for p in self.policies for i in p.indicators]

    @property
    def missing(self) -> list[IndicatorRow]:
        return [i for i in self.indicators if not i.reported]

    def round_th(self) -> str:
        """ "รอบที่ ๑ ประจำปีงบประมาณ พ.ศ. ๒๕๗๐" """
        return to_thai_digits(f"รอบที่ {self.period.number} ประจำปีงบประมาณ พ.ศ. {self.period.fiscal_year}")


@dataclass(frozen=True)
class DataProblem:
    indicator: str  # code, e.g. "1.3"
    field: str  # key in FIELD_TH
    message: str  # Thai
    kind: str = "wrong"  # "missing" | "wrong"

    def __str__(self) -> str:
        return f"ตัวชี้วัดที่ {self.indicator} › {FIELD_TH.get(self.field, self.field)}: {self.message}"


def collect(session: Session, office: m.Office, period: Period, memo_date: date) -> RoundData:
    policies = session.scalars(
        select(m.InspectionPolicy)
        .where(m.InspectionPolicy.office_id == office.id, m.InspectionPolicy.fiscal_year == period.fiscal_year)
        .options(selectinload(m.InspectionPolicy.points).selectinload(m.InspectionPoint.indicators)
                 .selectinload(m.InspectionIndicator.owner))
        .order_by(m.InspectionPolicy.number)).all()
    indicator_ids = [i.id for p in policies for pt in p.points for i in pt.indicators]
    results = {r.indicator_id: r for r in session.scalars(select(m.InspectionResult).where(
        m.InspectionResult.indicator_id.in_(indicator_ids), m.InspectionResult.period == period.id))}
    evidence: dict[int, list[Evidence]] = {}
    if results:
        for row in session.scalars(select(m.EvidenceFile).where(
                m.EvidenceFile.inspection_result_id.in_([r.id for r in results.values()]))
                .order_by(m.EvidenceFile.filename, m.EvidenceFile.sha256, m.EvidenceFile.id)):
            evidence.setdefault(row.inspection_result_id, []).append(
                Evidence(row.filename, row.sha256, row.size, row.media_type))
    director = next((p for p in office.people if p.has_role(m.Role.DIRECTOR)), None)
    out = []
    for policy in policies:
        points = []
        for point in sorted(policy.points, key=lambda p: p.number):
            rows = []
            for ind in sorted(point.indicators, key=lambda i: _code_key(i.code)):
                row = IndicatorRow(ind.code, ind.name, ind.target, ind.unit or "",
                                   ind.owner.full_name if ind.owner else "", ind.owner.position if ind.owner else "")
                result = results.get(ind.id)
                if result is not None:
                    row.reported = True
                    row.result, row.result_text = result.result, (result.result_text or "").strip()
                    row.problems, row.suggestions = (result.problems or "").strip(), (result.suggestions or "").strip()
                    row.good_practice = (result.good_practice or "").strip()
                    row.evidence = evidence.get(result.id, [])
                rows.append(row)
            points.append(PointRow(point.number, point.name, rows))
        out.append(PolicyRow(policy.number, policy.name, str(policy.source), points))
    return RoundData(office.code, office.name, office.short_name, office.phone, office.region_office,
                     director.full_name if director else "", director.position if director else "",
                     period, memo_date, out)


def _code_key(code: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in code.split("."))


def problems(data: RoundData, max_file_bytes: int | None = None) -> list[DataProblem]:
    """Everything that stops the package from being built, in report order."""
    found: list[DataProblem] = []
    if not data.policies:
        found.append(DataProblem("-", "report", f"ไม่มีกรอบการตรวจราชการของปีงบประมาณ {data.period.fiscal_year} ในฐานข้อมูล", "missing"))
    for ind in data.indicators:
        add = lambda f, msg, kind="wrong": found.append(DataProblem(ind.code, f, msg, kind))  # noqa: E731
        if not ind.owner:
            add("owner", "ยังไม่ได้กำหนดผู้รับผิดชอบ", "missing")
        if not ind.reported:
            add("report", f"ยังไม่ได้รับรายงานผลของ{data.period.label_th()}", "missing")
            continue
        if not ind.result_text:
            add("result_text", "ยังไม่ได้กรอก (ต้องอธิบายผลการดำเนินการ)", "missing")
        if ind.target is not None and ind.result is None:
            add("result", f"ยังไม่ได้กรอก (ตัวชี้วัดนี้มีค่าเป้าหมาย {format_number(ind.target, 2)} {ind.unit})".rstrip(), "missing")
        if ind.result is not None and ind.result < 0:
            add("result", f"ต้องไม่ติดลบ (ได้ {ind.result})")
        if ind.result is not None and ind.unit == "ร้อยละ" and ind.result > 100:
            add("result", f"ร้อยละต้องไม่เกิน 100 (ได้ {ind.result})")
        for ev in ind.evidence:
            path = stored_path(ev.sha256)
            if not path.is_file():
                add("evidence", f'ไม่พบไฟล์ "{ev.filename}" ในคลังหลักฐาน ({path})')
            elif file_sha256(path) != ev.sha256:
                add("evidence", f'ไฟล์ "{ev.filename}" ในคลังหลักฐานถูกแก้ไข (ค่าแฮชไม่ตรง)')
            elif max_file_bytes is not None and ev.size > max_file_bytes:
                add("evidence", f'ไฟล์ "{ev.filename}" ขนาด {_mb(ev.size)} ใหญ่เกินกว่าจะแนบอีเมลได้ '
                                f"(ไม่เกิน {_mb(max_file_bytes)} ต่อไฟล์ ตาม attachment_max_bytes)")
    return found


def file_sha256(path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def number_th(value: Decimal | None, unit: str = "") -> str:
    """ "๗๑.๘" for reports; "-" when there is no number."""
    if value is None:
        return "-"
    text = format_number(value, 2)
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return to_thai_digits(text)
