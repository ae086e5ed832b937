"""What owners report: quarterly project progress, indicator results per round, evidence."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped, str_enum, utcnow
from .org import Person
from .plan import Activity, EmesPoint, InspectionIndicator, Kpi, Project


class ProgressStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


PROGRESS_STATUS_TH = {
    ProgressStatus.NOT_STARTED: "ยังไม่เริ่ม",
    ProgressStatus.IN_PROGRESS: "อยู่ระหว่างดำเนินการ",
    ProgressStatus.COMPLETED: "ดำเนินการแล้วเสร็จ",
    ProgressStatus.CANCELLED: "ยกเลิก",
}


class ProjectProgress(Timestamped, Base):
    """One project's report for one quarter (period id such as ``2570Q1``)."""

    __tablename__ = "project_progress"
    __table_args__ = (UniqueConstraint("project_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(16))
    status: Mapped[ProgressStatus] = mapped_column(str_enum(ProgressStatus))
    disbursed: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    as_of: Mapped[date | None]  # the date the owner's figures are true on
    problems: Mapped[str] = mapped_column(Text, default="")
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)

    project: Mapped[Project] = relationship()
    reported_by: Mapped[Person | None] = relationship()
    activities: Mapped[list[ActivityProgress]] = relationship(cascade="all, delete-orphan")
    kpi_results: Mapped[list[KpiResult]] = relationship(cascade="all, delete-orphan")


class ActivityProgress(Base):
    __tablename__ = "activity_progress"
    __table_args__ = (UniqueConstraint("progress_id", "activity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    progress_id: Mapped[int] = mapped_column(ForeignKey("project_progress.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("project_activity.id", ondelete="CASCADE"), index=True)
    percent: Mapped[Decimal]
    note: Mapped[str] = mapped_column(Text, default="")

    activity: Mapped[Activity] = relationship()


class KpiResult(Base):
    __tablename__ = "kpi_result"
    __table_args__ = (UniqueConstraint("progress_id", "kpi_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    progress_id: Mapped[int] = mapped_column(ForeignKey("project_progress.id", ondelete="CASCADE"))
    kpi_id: Mapped[int] = mapped_column(ForeignKey("project_kpi.id", ondelete="CASCADE"), index=True)
    value: Mapped[Decimal | None]
    note: Mapped[str] = mapped_column(Text, default="")

    kpi: Mapped[Kpi] = relationship()


class EmesResult(Timestamped, Base):
    """A point's report for one evaluation round (period id ``2570R1``). ``works``: the ranked
    works of a "works" point, in rank order: {"title", "video", "file": name, "sha256"}; each
    report file is also one of the result's evidence files."""

    __tablename__ = "emes_result"
    __table_args__ = (UniqueConstraint("point_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("emes_point.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(16))
    level: Mapped[int | None]
    narrative: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    works: Mapped[list[dict]] = mapped_column(JSON, default=list)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)

    point: Mapped[EmesPoint] = relationship()
    reported_by: Mapped[Person | None] = relationship()


class InspectionResult(Timestamped, Base):
    __tablename__ = "inspection_result"
    __table_args__ = (UniqueConstraint("indicator_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("inspection_indicator.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(16))
    result: Mapped[Decimal | None]
    result_text: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[str] = mapped_column(Text, default="")
    suggestions: Mapped[str] = mapped_column(Text, default="")
    good_practice: Mapped[str] = mapped_column(Text, default="")
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)

    indicator: Mapped[InspectionIndicator] = relationship()
    reported_by: Mapped[Person | None] = relationship()


class EvidenceFile(Base):
    """A file kept in the data dir under its sha256, attached to at most one result row."""

    __tablename__ = "evidence_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    progress_id: Mapped[int | None] = mapped_column(ForeignKey("project_progress.id", ondelete="CASCADE"), index=True)
    emes_result_id: Mapped[int | None] = mapped_column(ForeignKey("emes_result.id", ondelete="CASCADE"), index=True)
    inspection_result_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection_result.id", ondelete="CASCADE"), index=True
    )
