"""Reference catalogs (national strategy, master plans, SDGs, budget lines...) kept as data."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class CatalogItem(Base):
    """One entry of a named catalog; `parent` links e.g. a sub-plan to its master plan."""

    __tablename__ = "catalog_item"
    __table_args__ = (UniqueConstraint("catalog", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    catalog: Mapped[str] = mapped_column(String(50))
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(500))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_item.id", ondelete="CASCADE"), index=True)

    parent: Mapped[CatalogItem | None] = relationship(remote_side=[id])
