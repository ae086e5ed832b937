"""Office data as YAML files (the demo office, or an office's own set-up) into the database.

Files are validated completely — shape first (pydantic), then cross-references — before a
single row is written, and then written in one transaction: a bad file changes nothing.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, model_validator
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import audit
from . import models as m
from .config import BEYear, ConfigError, Money, Number, Percent, Strict, load, read_yaml, validate
from .models.base import utcnow
from .periods import parse_period
from .settings import PACKAGE_ROOT, config_dir

DEMO_DIR = PACKAGE_ROOT / "demo"

# --- File schemas ---------------------------------------------------------------------


class OfficeIn(Strict):
    code: str
    name: str
    short_name: str
    province: str = ""
    region_office: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    director: str | None = None


class GroupIn(Strict):
    code: str
    name: str


class PersonIn(Strict):
    code: str
    prefix: str = ""
    first_name: str
    last_name: str
    position: str = ""
    group: str | None = None
    roles: list[m.Role] = []
    email: str = ""
    phone: str = ""


class OfficeFile(Strict):
    office: OfficeIn
    groups: list[GroupIn]
    people: list[PersonIn]


class TargetGroupIn(Strict):
    description: str
    quantity: Number | None = None
    unit: str | None = ""


class KpiIn(Strict):
    name: str
    kind: m.KpiKind
    target: Number | None = None
    unit: str | None = ""


class ActivityIn(Strict):
    name: str
    months: list[int] = Field(min_length=1)
    budget: Money = Decimal("0.00")


class BudgetIn(Strict):
    source: str
    line: str
    amount: Money


class LinkIn(Strict):
    catalog: str
    code: str


class ProjectIn(Strict):
    code: str
    name: str
    strategy: str | None = None
    group: str | None = None
    owner: str | None = None
    rationale: str = ""
    objectives: list[str] = []
    target_groups: list[TargetGroupIn] = []
    kpis: list[KpiIn] = []
    activities: list[ActivityIn] = []
    budget: list[BudgetIn] = []
    links: list[LinkIn] = []


class StrategyIn(Strict):
    code: str
    name: str


class PlanFile(Strict):
    fiscal_year: BEYear
    strategies: list[StrategyIn]
    projects: list[ProjectIn]


class PointIn(Strict):
    number: int
    text: str
    kind: Literal["narrative", "works"] = "narrative"
    works: int = Field(default=5, ge=1, le=20)  # a "works" point's ranked works
    level: bool | None = None  # the year asks a level: narrative points do unless told otherwise, works never

    @model_validator(mode="after")
    def _works_have_no_level(self):
        if self.kind == "works" and self.level:
            raise ValueError("ประเด็นแบบผลงาน (works) ไม่มีระดับผลการประเมินตนเอง")
        return self


class EmesIndicatorIn(Strict):
    number: int
    name: str
    points: list[PointIn]


class StandardIn(Strict):
    number: int
    name: str
    indicators: list[EmesIndicatorIn]


class EmesFrameFile(Strict):
    """A year's E-MES frame as OBEC sends it (``config/<frame>``): the same for every office."""

    fiscal_year: BEYear
    standards: list[StandardIn]


class EmesOwnersFile(Strict):
    """An office's E-MES year: which frame (a path under the config folder) and who owns each
    point ("1.1.2": person code)."""

    frame: str
    owners: dict[str, str] = {}


class InspectionIndicatorIn(Strict):
    code: str
    name: str
    target: Number | None = None
    unit: str | None = ""
    owner: str | None = None


class InspectionPointIn(Strict):
    number: int
    name: str
    indicators: list[InspectionIndicatorIn]


class PolicyIn(Strict):
    number: int
    name: str
    source: m.InspectionSource = m.InspectionSource.MOE
    points: list[InspectionPointIn]


class InspectionFrameFile(Strict):
    fiscal_year: BEYear
    policies: list[PolicyIn]


class ActivityProgressIn(Strict):
    seq: int
    percent: Percent
    note: str = ""


class KpiResultIn(Strict):
    seq: int
    value: Number | None = None
    note: str = ""


class ProgressIn(Strict):
    project: str
    status: m.ProgressStatus
    disbursed: Money = Decimal("0.00")
    reported_by: str | None = None
    activities: list[ActivityProgressIn] = []
    kpis: list[KpiResultIn] = []
    problems: str = ""


class ProgressFile(Strict):
    period: str
    reports: list[ProgressIn]


class WorkIn(Strict):
    title: str
    video: str = ""


class EmesResultIn(Strict):
    point: str  # "1.1.2"
    level: int | None = Field(default=None, ge=1, le=5)
    narrative: str = ""
    reported_by: str | None = None
    links: list[str] = []
    works: list[WorkIn] = []  # a "works" point's, in rank order


class EmesResultsFile(Strict):
    period: str
    results: list[EmesResultIn]


class InspectionResultIn(Strict):
    indicator: str
    result: Number | None = None
    result_text: str = ""
    problems: str = ""
    suggestions: str = ""
    good_practice: str = ""
    reported_by: str | None = None


class InspectionResultsFile(Strict):
    period: str
    results: list[InspectionResultIn]


class CatalogIn(Strict):
    parent_catalog: str | None = None
    items: list[dict[str, str]]


# --- Catalogs -----------------------------------------------------------------------------


def load_catalogs(session: Session, path: Path) -> int:
    """Insert or update every catalog item of ``path`` (idempotent); returns the item count."""
    raw = read_yaml(path) or {}
    catalogs = {name: load_part(CatalogIn, body, path, name) for name, body in raw.items()}
    existing = {(c.catalog, c.code): c for c in session.scalars(select(m.CatalogItem))}
    count = 0
    # Parents first: a catalog with no parent_catalog, then those that point to loaded ones.
    for name in _parent_first(catalogs, path):
        spec = catalogs[name]
        for index, item in enumerate(spec.items):
            where = f"{path} › {name}.items.{index}"
            if "code" not in item or "name" not in item:
                raise ConfigError(f"{where}: ต้องมี code และ name")
            parent = None
            if item.get("parent"):
                parent = existing.get((spec.parent_catalog, item["parent"]))
                if parent is None:
                    raise ConfigError(f'{where}.parent: ไม่มีรหัส "{item["parent"]}" ใน {spec.parent_catalog}')
            row = existing.get((name, item["code"]))
            if row is None:
                row = m.CatalogItem(catalog=name, code=item["code"], name=item["name"])
                session.add(row)
                existing[(name, item["code"])] = row
            row.name, row.parent = item["name"], parent
            count += 1
    session.flush()
    return count


def load_part(model, data, path: Path, key: str):
    return validate(model, data, f"{path} › {key}")


def _parent_first(catalogs: dict[str, CatalogIn], path: Path) -> list[str]:
    ordered: list[str] = []
    while len(ordered) < len(catalogs):
        ready = [n for n, c in catalogs.items() if n not in ordered and (c.parent_catalog in ordered or not c.parent_catalog)]
        if not ready:
            stuck = sorted(set(catalogs) - set(ordered))
            raise ConfigError(f"{path}: parent_catalog อ้างถึงแคตตาล็อกที่ไม่มีหรือวนกัน: {', '.join(stuck)}")
        ordered.extend(ready)
    return ordered


# --- Office, plan, frames and results ----------------------------------------------------


@dataclass
class OfficeFiles:
    """The YAML files that make one office's data; any but ``office`` may be absent."""

    office: Path
    plans: list[Path]
    emes_frames: list[Path]
    inspection_frames: list[Path]
    progress: list[Path]
    emes_results: list[Path]
    inspection_results: list[Path]

    @classmethod
    def in_folder(cls, folder: Path) -> OfficeFiles:
        def glob(pattern: str) -> list[Path]:
            return sorted(folder.glob(pattern))

        return cls(
            office=folder / "office.yaml",
            plans=glob("plan_*.yaml"),
            emes_frames=glob("emes_2*.yaml"),
            inspection_frames=glob("inspection_2*.yaml"),
            progress=glob("progress_*.yaml"),
            emes_results=glob("emes_results_*.yaml"),
            inspection_results=glob("inspection_results_*.yaml"),
        )

    def under_code(self, code: str, folder: Path) -> OfficeFiles:
        """The same office under another code (its office file rewritten into ``folder``):
        many offices with realistic data in one database, for tests and benchmarks."""
        data = read_yaml(self.office)
        data["office"]["code"] = code
        data["office"]["short_name"] = f'{data["office"]["short_name"]} ({code})'
        office = folder / f"office_{code}.yaml"
        office.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return replace(self, office=office)

    def paths(self) -> list[Path]:
        return [self.office, *self.plans, *self.emes_frames, *self.inspection_frames,
                *self.progress, *self.emes_results, *self.inspection_results]


class _Problems:
    """Collects located errors so a user sees all of them at once, then raises."""

    def __init__(self):
        self.lines: list[str] = []

    def add(self, path: Path, key: str, message: str) -> None:
        self.lines.append(f"{path} › {key}: {message}")

    def raise_if_any(self) -> None:
        if self.lines:
            shown = self.lines[:50]
            more = f"\n… และอีก {len(self.lines) - 50} รายการ" if len(self.lines) > 50 else ""
            raise ConfigError("\n".join(shown) + more)


@dataclass
class LoadSummary:
    office_code: str
    groups: int = 0
    people: int = 0
    projects: int = 0
    emes_points: int = 0
    inspection_indicators: int = 0
    progress_reports: int = 0
    emes_results: int = 0
    inspection_results: int = 0


def replace_office(session: Session, files: OfficeFiles) -> LoadSummary:
    """Validate every file, then (re)create the office from them inside ``session``'s transaction."""
    office_file = load(OfficeFile, files.office)
    plans = [(p, load(PlanFile, p)) for p in files.plans]
    emes = [(p, load(EmesOwnersFile, p)) for p in files.emes_frames]
    frames = [_frame(p, data) for p, data in emes]
    inspection = [(p, load(InspectionFrameFile, p)) for p in files.inspection_frames]
    progress = [(p, load(ProgressFile, p)) for p in files.progress]
    emes_results = [(p, load(EmesResultsFile, p)) for p in files.emes_results]
    inspection_results = [(p, load(InspectionResultsFile, p)) for p in files.inspection_results]
    for path, data in progress + emes_results + inspection_results:
        try:
            parse_period(data.period)
        except ValueError as exc:
            raise ConfigError(f"{path} › period: {exc}") from exc

    code = office_file.office.code
    replaced = session.scalar(select(m.Office.id).where(m.Office.code == code))
    session.execute(delete(m.Office).where(m.Office.code == code))  # foreign keys cascade
    with audit.counted(session) as inserted:
        loader = _OfficeLoader(session, files.office, office_file)
        for path, plan in plans:
            loader.plan(path, plan)
        for (path, owners), frame in zip(emes, frames, strict=True):
            loader.emes_frame(path, owners, frame)
        for path, frame in inspection:
            loader.inspection_frame(path, frame)
        for path, data in progress:
            loader.progress(path, data)
        for path, data in emes_results:
            loader.emes_results(path, data)
        for path, data in inspection_results:
            loader.inspection_results(path, data)
        loader.problems.raise_if_any()
    _audit_reload(session, loader.office, replaced, [*files.paths(), *(config_dir() / o.frame for _, o in emes)], inserted)
    return loader.summary


def _frame(path: Path, owners: EmesOwnersFile) -> EmesFrameFile:
    frame = config_dir() / owners.frame
    if not frame.is_file():
        raise ConfigError(f"{path} › frame: ไม่พบไฟล์กรอบการประเมิน {frame}")
    return load(EmesFrameFile, frame)


def _audit_reload(session: Session, office: m.Office, replaced: int | None, files: list[Path], inserted) -> None:
    """One ``reload`` audit entry per table instead of one per inserted row: the files are the
    record of what was loaded (the office's entry names them with their sha256). ``replaced``
    is the id of the office row deleted with everything under it, or None."""
    by_table: dict[str, dict] = {}
    for (table, operation), count in sorted(inserted.items()):
        by_table.setdefault(table, {"office": office.code})[operation] = count
    by_table[m.Office.__tablename__].update(
        replaced_office_id=replaced, files={p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    )
    actor, now = session.info.get(audit.ACTOR_KEY, ""), utcnow()
    audit.write(session, [audit.entry("reload", table, str(office.id), changes, actor=actor, at=now) for table, changes in by_table.items()])


class _OfficeLoader:
    def __init__(self, session: Session, path: Path, data: OfficeFile):
        self.session = session
        self.problems = _Problems()
        self.summary = LoadSummary(data.office.code)
        self.catalog = {(c.catalog, c.code): c for c in session.scalars(select(m.CatalogItem))}
        office_fields = data.office.model_dump(exclude={"director"})
        self.office = m.Office(**office_fields)
        session.add(self.office)
        self.groups = {g.code: m.Group(code=g.code, name=g.name) for g in data.groups}
        self.office.groups.extend(self.groups.values())
        self.people: dict[str, m.Person] = {}
        for i, p in enumerate(data.people):
            person = m.Person(**p.model_dump(exclude={"group", "roles"}))
            person.group = self._group(path, f"people.{i}.group", p.group)
            person.roles = [m.PersonRole(role=r) for r in p.roles]
            self.people[p.code] = person
        self.office.people.extend(self.people.values())
        if data.office.director and data.office.director not in self.people:
            self.problems.add(path, "office.director", f'ไม่มีบุคลากรรหัส "{data.office.director}"')
        session.flush()
        self.summary.groups, self.summary.people = len(self.groups), len(self.people)
        self.projects: dict[tuple[int, str], m.Project] = {}
        self.emes_points: dict[tuple[int, str], m.EmesPoint] = {}
        self.inspection_indicators: dict[tuple[int, str], m.InspectionIndicator] = {}

    def _group(self, path, key, code):
        if code is None:
            return None
        if code not in self.groups:
            self.problems.add(path, key, f'ไม่มีกลุ่มรหัส "{code}"')
        return self.groups.get(code)

    def _person(self, path, key, code):
        if code is None:
            return None
        if code not in self.people:
            self.problems.add(path, key, f'ไม่มีบุคลากรรหัส "{code}"')
        return self.people.get(code)

    def plan(self, path: Path, plan: PlanFile) -> None:
        fy = plan.fiscal_year
        strategies = {s.code: m.Strategy(office_id=self.office.id, fiscal_year=fy, code=s.code, name=s.name) for s in plan.strategies}
        self.session.add_all(strategies.values())
        for i, p in enumerate(plan.projects):
            key = f"projects.{i}"
            if (fy, p.code) in self.projects:
                self.problems.add(path, f"{key}.code", f'รหัสโครงการ "{p.code}" ซ้ำ')
                continue
            project = m.Project(
                office_id=self.office.id, fiscal_year=fy, code=p.code, name=p.name,
                rationale=p.rationale, objectives=p.objectives,
                group=self._group(path, f"{key}.group", p.group),
                owner=self._person(path, f"{key}.owner", p.owner),
            )
            if p.strategy is not None:
                project.strategy = strategies.get(p.strategy)
                if project.strategy is None:
                    self.problems.add(path, f"{key}.strategy", f'ไม่มียุทธศาสตร์รหัส "{p.strategy}"')
            project.target_groups = [m.TargetGroup(seq=n, description=t.description, quantity=t.quantity, unit=t.unit or "") for n, t in enumerate(p.target_groups, 1)]
            project.kpis = [m.Kpi(seq=n, name=k.name, kind=k.kind, target=k.target, unit=k.unit or "") for n, k in enumerate(p.kpis, 1)]
            project.activities = [m.Activity(seq=n, name=a.name, months=a.months, budget=a.budget) for n, a in enumerate(p.activities, 1)]
            project.budget_lines = [m.BudgetLine(source=b.source, line=b.line, amount=b.amount) for b in p.budget]
            project.links = [m.ProjectLink(item=item) for item in self._links(path, key, p)]
            self._check_project(path, key, p)
            self.session.add(project)
            self.projects[(fy, p.code)] = project
        self.summary.projects += len(plan.projects)

    def _links(self, path, key, p: ProjectIn):
        for j, link in enumerate(p.links):
            item = self.catalog.get((link.catalog, link.code))
            if item is None:
                self.problems.add(path, f"{key}.links.{j}", f'ไม่มีรหัส "{link.code}" ในแคตตาล็อก {link.catalog}')
                continue
            yield item

    def _check_project(self, path, key, p: ProjectIn) -> None:
        for j, a in enumerate(p.activities):
            bad = [month for month in a.months if not 1 <= month <= 12]
            if bad:
                self.problems.add(path, f"{key}.activities.{j}.months", f"เดือนต้องอยู่ระหว่าง 1–12 (ได้ {bad})")
        for j, b in enumerate(p.budget):
            for field, catalog in (("source", "budget_source"), ("line", "budget_line")):
                if (catalog, getattr(b, field)) not in self.catalog:
                    self.problems.add(path, f"{key}.budget.{j}.{field}", f'ไม่มีรหัส "{getattr(b, field)}" ในแคตตาล็อก {catalog}')
        activities = sum((a.budget for a in p.activities), Decimal(0))
        budget = sum((b.amount for b in p.budget), Decimal(0))
        if p.activities and activities != budget:
            self.problems.add(path, f"{key}.budget", f"งบประมาณรวม {budget:,.2f} บาท ไม่เท่ากับผลรวมงบกิจกรรม {activities:,.2f} บาท")

    def emes_frame(self, path: Path, office: EmesOwnersFile, frame: EmesFrameFile) -> None:
        fy, owners = frame.fiscal_year, dict(office.owners)
        for s in frame.standards:
            standard = m.EmesStandard(office_id=self.office.id, fiscal_year=fy, number=s.number, name=s.name)
            for ind in s.indicators:
                indicator = m.EmesIndicator(number=ind.number, name=ind.name)
                for pt in ind.points:
                    code = f"{s.number}.{ind.number}.{pt.number}"
                    indicator.points.append(point := m.EmesPoint(
                        number=pt.number, text=pt.text, kind=pt.kind, works=pt.works if pt.kind == "works" else 0,
                        asks_level=pt.kind == "narrative" if pt.level is None else pt.level,
                        owner=self._person(path, f"owners.{code}", owners.pop(code, None))))
                    self.emes_points[(fy, code)] = point
                standard.indicators.append(indicator)
                self.summary.emes_points += len(ind.points)
            self.session.add(standard)
        for code in owners:
            self.problems.add(path, f"owners.{code}", f"ไม่มีประเด็นการพิจารณา {code} ในกรอบการประเมินปี {fy} ({office.frame})")

    def inspection_frame(self, path: Path, frame: InspectionFrameFile) -> None:
        for i, pol in enumerate(frame.policies):
            policy = m.InspectionPolicy(office_id=self.office.id, fiscal_year=frame.fiscal_year, number=pol.number, name=pol.name, source=pol.source)
            for j, pt in enumerate(pol.points):
                point = m.InspectionPoint(number=pt.number, name=pt.name)
                for k, ind in enumerate(pt.indicators):
                    owner = self._person(path, f"policies.{i}.points.{j}.indicators.{k}.owner", ind.owner)
                    indicator = m.InspectionIndicator(code=ind.code, name=ind.name, target=ind.target, unit=ind.unit or "", owner=owner)
                    point.indicators.append(indicator)
                    self.inspection_indicators[(frame.fiscal_year, ind.code)] = indicator
                    self.summary.inspection_indicators += 1
                policy.points.append(point)
            self.session.add(policy)

    def progress(self, path: Path, data: ProgressFile) -> None:
        period = parse_period(data.period)
        for i, r in enumerate(data.reports):
            key = f"reports.{i}"
            project = self.projects.get((period.fiscal_year, r.project))
            if project is None:
                self.problems.add(path, f"{key}.project", f'ไม่มีโครงการรหัส "{r.project}" ในปีงบประมาณ {period.fiscal_year}')
                continue
            report = m.ProjectProgress(project=project, period=period.id, status=r.status, disbursed=r.disbursed, problems=r.problems, reported_by=self._person(path, f"{key}.reported_by", r.reported_by))
            for j, a in enumerate(r.activities):
                activity = _nth(project.activities, a.seq)
                if activity is None:
                    self.problems.add(path, f"{key}.activities.{j}.seq", f"โครงการ {r.project} ไม่มีกิจกรรมลำดับที่ {a.seq}")
                    continue
                report.activities.append(m.ActivityProgress(activity=activity, percent=a.percent, note=a.note))
            for j, k in enumerate(r.kpis):
                kpi = _nth(project.kpis, k.seq)
                if kpi is None:
                    self.problems.add(path, f"{key}.kpis.{j}.seq", f"โครงการ {r.project} ไม่มีตัวชี้วัดลำดับที่ {k.seq}")
                    continue
                report.kpi_results.append(m.KpiResult(kpi=kpi, value=k.value, note=k.note))
            if r.disbursed > project.total_budget:
                self.problems.add(path, f"{key}.disbursed", f"เบิกจ่าย {r.disbursed:,.2f} บาท เกินงบประมาณโครงการ {project.total_budget:,.2f} บาท")
            self.session.add(report)
            self.summary.progress_reports += 1

    def emes_results(self, path: Path, data: EmesResultsFile) -> None:
        period = parse_period(data.period)
        for i, r in enumerate(data.results):
            point = self.emes_points.get((period.fiscal_year, r.point))
            if point is None:
                self.problems.add(path, f"results.{i}.point", f"ไม่มีประเด็นการพิจารณา {r.point} ในปีงบประมาณ {period.fiscal_year}")
                continue
            fields = r.model_dump(exclude={"point", "reported_by"})
            self.session.add(m.EmesResult(point=point, period=period.id, reported_by=self._person(path, f"results.{i}.reported_by", r.reported_by), **fields))
            self.summary.emes_results += 1

    def inspection_results(self, path: Path, data: InspectionResultsFile) -> None:
        period = parse_period(data.period)
        for i, r in enumerate(data.results):
            indicator = self.inspection_indicators.get((period.fiscal_year, r.indicator))
            if indicator is None:
                self.problems.add(path, f"results.{i}.indicator", f'ไม่มีตัวชี้วัด "{r.indicator}" ในปีงบประมาณ {period.fiscal_year}')
                continue
            fields = r.model_dump(exclude={"indicator", "reported_by"})
            self.session.add(m.InspectionResult(indicator=indicator, period=period.id, reported_by=self._person(path, f"results.{i}.reported_by", r.reported_by), **fields))
            self.summary.inspection_results += 1


def _nth(rows: list, seq: int):
    return next((row for row in rows if row.seq == seq), None)


def office_words(session: Session, office_code: str) -> tuple[str, ...]:
    """What the office typed into its projects and its people's names, which a site shows back in
    headings and labels: discover and doctor cut them from what they keep. Longest first, so a
    name goes before a word inside it."""
    office = session.scalars(select(m.Office.id).where(m.Office.code == office_code)).one_or_none()
    projects = select(m.Project.id).where(m.Project.office_id == office)
    columns = [(m.Project.code, m.Project.office_id == office), (m.Project.name, m.Project.office_id == office),
               (m.Activity.name, m.Activity.project_id.in_(projects)), (m.Kpi.name, m.Kpi.project_id.in_(projects)),
               *((column, m.Person.office_id == office) for column in (m.Person.first_name, m.Person.last_name, m.Person.phone))]
    words = {word for column, where in columns for word in session.scalars(select(column).where(where))}
    return tuple(sorted((word for word in words if word and len(word) > 2), key=len, reverse=True))
