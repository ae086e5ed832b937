"""Moving submission-ledger rows between states, only along the allowed transitions."""
from __future__ import annotations

import hashlib

from .models import ALLOWED_TRANSITIONS, Submission, SubmissionState
from .models.base import utcnow


class LedgerError(RuntimeError):
    pass


def idempotency_key(office_code: str, target: str, period: str, record_key: str, action: str) -> str:
    """Stable across runs and machines: the same record and action always get the same key."""
    raw = "\x1f".join((office_code, target, period, record_key, action))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def transition(row: Submission, new_state: SubmissionState, *, error: str | None = None, remote_id: str | None = None) -> None:
    """Move ``row`` to ``new_state`` or raise: a forbidden move is a bug, never a silent fix."""
    if new_state not in ALLOWED_TRANSITIONS[row.state]:
        raise LedgerError(f"{row.record_key}/{row.action}: เปลี่ยนสถานะจาก {row.state} เป็น {new_state} ไม่ได้")
    if new_state is SubmissionState.SUBMITTING:
        row.attempts += 1
    if new_state is SubmissionState.SUBMITTED:
        row.submitted_at = utcnow()
    if remote_id is not None:
        row.remote_id = remote_id
    row.last_error = error
    row.state = new_state
