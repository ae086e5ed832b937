"""Which workbook was imported for which owner and period, so a re-import is recognised."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class ImportRecord(Base):
    __tablename__ = "intake_import"
    __table_args__ = (Index("ix_intake_import_owner_period", "office_id", "owner_id", "period", "template_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    period: Mapped[str] = mapped_column(String(16))
    template_kind: Mapped[str] = mapped_column(String(32))  # progress | emes | inspection
    filename: Mapped[str] = mapped_column(String(300))
    file_sha256: Mapped[str] = mapped_column(String(64))
    workbook_saved_at: Mapped[datetime | None]  # the workbook's own "modified" property
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(200), default="")
    rows: Mapped[int] = mapped_column(default=0)
