"""The submission ledger, approvals and the audit log.

A ledger row is written *before* a side effect and moved forward only after the side effect
is confirmed (read back), so a killed run leaves SUBMITTING rows that reconcile can settle.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, str_enum, utcnow


class SubmissionState(enum.StrEnum):
    PLANNED = "planned"
    PREVIEWED = "previewed"
    APPROVED = "approved"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    FAILED = "failed"
    UNKNOWN = "unknown"

    @property
    def th(self) -> str:
        """The state in Thai, as every page, report and message shows it."""
        return STATE_TH[self]


STATE_TH = {
    SubmissionState.PLANNED: "ยังไม่ได้อนุมัติ",
    SubmissionState.PREVIEWED: "แสดงตัวอย่างแล้ว รออนุมัติ",
    SubmissionState.APPROVED: "อนุมัติแล้ว รอส่ง",
    SubmissionState.SUBMITTING: "กำลังส่ง (ยังไม่รู้ผล)",
    SubmissionState.SUBMITTED: "ส่งสำเร็จ",
    SubmissionState.FAILED: "ส่งไม่สำเร็จ",
    SubmissionState.UNKNOWN: "ไม่แน่ใจว่าถึงหรือไม่ (รอกระทบยอด)",
}


# The only moves a ledger row may make; anything else is a bug in the caller.
ALLOWED_TRANSITIONS: dict[SubmissionState, set[SubmissionState]] = {
    SubmissionState.PLANNED: {SubmissionState.PREVIEWED, SubmissionState.PLANNED},
    SubmissionState.PREVIEWED: {SubmissionState.APPROVED, SubmissionState.PLANNED, SubmissionState.PREVIEWED},
    # APPROVED -> SUBMITTED: re-approved after an earlier attempt, whose lookup shows it landed.
    SubmissionState.APPROVED: {SubmissionState.SUBMITTING, SubmissionState.PLANNED, SubmissionState.SUBMITTED},
    # SUBMITTING -> SUBMITTING: a repeat, allowed only after a lookup showed the action did not happen.
    SubmissionState.SUBMITTING: {SubmissionState.SUBMITTED, SubmissionState.FAILED, SubmissionState.UNKNOWN, SubmissionState.SUBMITTING},
    # UNKNOWN -> UNKNOWN: a later lookup still could not tell (its reason is noted).
    SubmissionState.UNKNOWN: {SubmissionState.SUBMITTED, SubmissionState.SUBMITTING, SubmissionState.FAILED, SubmissionState.UNKNOWN},
    # FAILED -> SUBMITTED/UNKNOWN: a lookup before any repeat found it landed, or could not ask.
    SubmissionState.FAILED: {SubmissionState.SUBMITTING, SubmissionState.PLANNED, SubmissionState.SUBMITTED, SubmissionState.UNKNOWN},
    SubmissionState.SUBMITTED: {SubmissionState.PLANNED},
}


class Submission(Base):
    """One (target, period, record, action): what is sent, its hash, and where it stands."""

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("office_id", "target", "period", "record_key", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(50))
    period: Mapped[str] = mapped_column(String(16))
    record_key: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict] = mapped_column(JSON)
    payload_hash: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[SubmissionState] = mapped_column(str_enum(SubmissionState), default=SubmissionState.PLANNED)
    attempts: Mapped[int] = mapped_column(default=0)
    remote_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    # When the last attempt began (committed SUBMITTING): a repeat waits out that request's deadline.
    attempted_at: Mapped[datetime | None]
    # The approval that covers this exact payload; cleared whenever the payload changes.
    approval_id: Mapped[int | None] = mapped_column(ForeignKey("approval.id", ondelete="SET NULL"), index=True)
    submitted_by: Mapped[str | None] = mapped_column(String(200))  # the operator (OS user), never the site login
    read_back: Mapped[dict | None] = mapped_column(JSON)  # what the site showed after the save


class Approval(Base):
    """The director's approval of exactly one payload set, bound by its hash."""

    __tablename__ = "approval"
    # office first: it serves the foreign key (deleting an office) and every lookup of a period's approvals
    __table_args__ = (Index("ix_approval_office_id_target_period", "office_id", "target", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(50))
    period: Mapped[str] = mapped_column(String(16))
    payload_set_hash: Mapped[str] = mapped_column(String(64))
    approved_by: Mapped[str] = mapped_column(String(200))
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(Text)


class PushLock(Base):
    """One push at a time per (office, target, period): the holder renews it while it runs.

    A second push finds a live holder and refuses; a holder whose process is gone (same host)
    or whose lease ran out is taken over by a compare-and-swap on ``holder``.
    """

    __tablename__ = "push_lock"
    __table_args__ = (UniqueConstraint("office_id", "target", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(50))
    period: Mapped[str] = mapped_column(String(16))
    holder: Mapped[str] = mapped_column(String(200))  # "host:pid:token"
    renewed_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """One change to one row, written in the same transaction as the change itself."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200), default="")
    operation: Mapped[str] = mapped_column(String(10))  # insert | update | delete
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(64))
    changes: Mapped[dict] = mapped_column(JSON)
