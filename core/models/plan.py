"""The plan: the office's strategies and projects, and the indicator frames it reports on.

Every frame row belongs to one office and fiscal year, so many offices share a database
without sharing owners.
"""
from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped, str_enum
from .catalog import CatalogItem
from .org import Group, Person


class Strategy(Base):
    """An office strategy or policy (กลยุทธ์/นโยบาย) for one fiscal year."""

    __tablename__ = "strategy"
    __table_args__ = (UniqueConstraint("office_id", "fiscal_year", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    fiscal_year: Mapped[int]
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(500))


class Project(Timestamped, Base):
    __tablename__ = "project"
    __table_args__ = (UniqueConstraint("office_id", "fiscal_year", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    fiscal_year: Mapped[int]
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(500))
    strategy_id: Mapped[int | None] = mapped_column(ForeignKey("strategy.id", ondelete="SET NULL"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("org_group.id", ondelete="SET NULL"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    rationale: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)

    strategy: Mapped[Strategy | None] = relationship()
    group: Mapped[Group | None] = relationship()
    owner: Mapped[Person | None] = relationship()
    target_groups: Mapped[list[TargetGroup]] = relationship(cascade="all, delete-orphan", order_by="TargetGroup.seq")
    kpis: Mapped[list[Kpi]] = relationship(cascade="all, delete-orphan", order_by="Kpi.seq")
    activities: Mapped[list[Activity]] = relationship(cascade="all, delete-orphan", order_by="Activity.seq")
    budget_lines: Mapped[list[BudgetLine]] = relationship(cascade="all, delete-orphan")
    links: Mapped[list[ProjectLink]] = relationship(cascade="all, delete-orphan")

    @property
    def total_budget(self) -> Decimal:
        return sum((b.amount for b in self.budget_lines), Decimal("0.00"))


class TargetGroup(Base):
    __tablename__ = "project_target_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal | None]
    unit: Mapped[str] = mapped_column(String(50), default="")


class KpiKind(enum.StrEnum):
    QUANTITATIVE = "quantitative"
    QUALITATIVE = "qualitative"


class Kpi(Base):
    """A project KPI (ตัวชี้วัดความสำเร็จ) with its target."""

    __tablename__ = "project_kpi"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    name: Mapped[str] = mapped_column(String(500))
    kind: Mapped[KpiKind] = mapped_column(str_enum(KpiKind))
    target: Mapped[Decimal | None]
    unit: Mapped[str] = mapped_column(String(50), default="")


class Activity(Base):
    """An activity with the calendar months (1–12) it runs in and its budget."""

    __tablename__ = "project_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    name: Mapped[str] = mapped_column(String(500))
    months: Mapped[list[int]] = mapped_column(JSON, default=list)
    budget: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))


class BudgetLine(Base):
    """Budget by source and line (งบดำเนินงาน, งบเงินอุดหนุน...), both catalog codes."""

    __tablename__ = "project_budget_line"
    __table_args__ = (UniqueConstraint("project_id", "source", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(50))
    line: Mapped[str] = mapped_column(String(50))
    amount: Mapped[Decimal]


class ProjectLink(Base):
    """Alignment of a project to a national plan item (a catalog entry)."""

    __tablename__ = "project_link"
    __table_args__ = (UniqueConstraint("project_id", "catalog_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    catalog_item_id: Mapped[int] = mapped_column(ForeignKey("catalog_item.id", ondelete="RESTRICT"), index=True)

    item: Mapped[CatalogItem] = relationship(lazy="joined")


# --- E-MES frame: standard → indicator → point of consideration -------------------------


class EmesStandard(Base):
    __tablename__ = "emes_standard"
    __table_args__ = (UniqueConstraint("office_id", "fiscal_year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    fiscal_year: Mapped[int]
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(500))

    indicators: Mapped[list[EmesIndicator]] = relationship(
        back_populates="standard", cascade="all, delete-orphan", order_by="EmesIndicator.number"
    )


class EmesIndicator(Base):
    __tablename__ = "emes_indicator"
    __table_args__ = (UniqueConstraint("standard_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("emes_standard.id", ondelete="CASCADE"))
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(500))

    standard: Mapped[EmesStandard] = relationship(back_populates="indicators")
    points: Mapped[list[EmesPoint]] = relationship(back_populates="indicator", cascade="all, delete-orphan", order_by="EmesPoint.number")

    @property
    def code(self) -> str:
        return f"{self.standard.number}.{self.number}"


class EmesPoint(Base):
    """A point of consideration (ประเด็นการพิจารณา): the unit of reporting, with its owner. Its
    ``kind`` is "narrative" (a narrative and the OBEC report file) or "works" (``works`` ranked
    works, each with a report file and a video link); ``asks_level``: the year asks a level."""

    __tablename__ = "emes_point"
    __table_args__ = (UniqueConstraint("indicator_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("emes_indicator.id", ondelete="CASCADE"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="narrative")
    works: Mapped[int] = mapped_column(default=0)
    asks_level: Mapped[bool] = mapped_column(default=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)

    indicator: Mapped[EmesIndicator] = relationship(back_populates="points")
    owner: Mapped[Person | None] = relationship()

    @property
    def code(self) -> str:
        return f"{self.indicator.code}.{self.number}"


# --- Inspection frame: policy → inspection point → indicator ----------------------------


class InspectionSource(enum.StrEnum):
    MOE = "moe"  # กระทรวงศึกษาธิการ
    PMO = "pmo"  # การตรวจราชการแบบบูรณาการ สำนักนายกรัฐมนตรี


class InspectionPolicy(Base):
    __tablename__ = "inspection_policy"
    __table_args__ = (UniqueConstraint("office_id", "fiscal_year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    fiscal_year: Mapped[int]
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(500))
    source: Mapped[InspectionSource] = mapped_column(str_enum(InspectionSource), default=InspectionSource.MOE)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)

    points: Mapped[list[InspectionPoint]] = relationship(
        back_populates="policy", cascade="all, delete-orphan", order_by="InspectionPoint.number"
    )


class InspectionPoint(Base):
    __tablename__ = "inspection_point"
    __table_args__ = (UniqueConstraint("policy_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("inspection_policy.id", ondelete="CASCADE"))
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)

    policy: Mapped[InspectionPolicy] = relationship(back_populates="points")
    indicators: Mapped[list[InspectionIndicator]] = relationship(
        back_populates="point", cascade="all, delete-orphan", order_by="InspectionIndicator.code"
    )


class InspectionIndicator(Base):
    __tablename__ = "inspection_indicator"
    __table_args__ = (UniqueConstraint("point_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("inspection_point.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(500))
    target: Mapped[Decimal | None]
    unit: Mapped[str] = mapped_column(String(50), default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)

    point: Mapped[InspectionPoint] = relationship(back_populates="indicators")
    owner: Mapped[Person | None] = relationship()
