"""The organisation: offices (many in one database), their groups and people."""
from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped, str_enum


class Role(enum.StrEnum):
    DIRECTOR = "director"
    UNIT_OFFICER = "unit_officer"
    PROJECT_OWNER = "project_owner"
    INDICATOR_OWNER = "indicator_owner"


class Office(Timestamped, Base):
    """An educational service area office (สพป./สพม.)."""

    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str] = mapped_column(String(100))
    province: Mapped[str] = mapped_column(String(100), default="")
    region_office: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(200), default="")

    groups: Mapped[list[Group]] = relationship(back_populates="office", cascade="all, delete-orphan")
    people: Mapped[list[Person]] = relationship(back_populates="office", cascade="all, delete-orphan")


class Group(Base):
    """A group (กลุ่ม) inside an office."""

    __tablename__ = "org_group"
    __table_args__ = (UniqueConstraint("office_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))

    office: Mapped[Office] = relationship(back_populates="groups")


class Person(Timestamped, Base):
    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("office_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("org_group.id", ondelete="SET NULL"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    prefix: Mapped[str] = mapped_column(String(50), default="")
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    position: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")

    office: Mapped[Office] = relationship(back_populates="people")
    group: Mapped[Group | None] = relationship()
    roles: Mapped[list[PersonRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def full_name(self) -> str:
        return f"{self.prefix}{self.first_name} {self.last_name}"

    def has_role(self, role: Role) -> bool:
        return any(r.role == role for r in self.roles)


class PersonRole(Base):
    __tablename__ = "person_role"
    __table_args__ = (UniqueConstraint("person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(str_enum(Role))
