"""The director's approval of exactly one payload set, bound by its hash.

``approve`` covers the rows the last dry-run previewed, after checking that the data still
gives the very same payloads. ``check`` runs before a push: any difference between what was
approved and what the data gives now voids the approval, and the push refuses.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..app import ExitCode, UserError
from ..ledger import transition
from ..models import Approval, Office, Submission, SubmissionState as S
from ..models.base import utcnow
from .plan import Plan, rows_of, set_hash


@dataclass
class Difference:
    record_key: str
    action: str
    why: str  # Thai

    def __str__(self) -> str:
        return f"{self.record_key} ({self.action}): {self.why}"


def differences(plan: Plan, rows: list[Submission], others: dict, left_out: set = frozenset()) -> list[Difference]:
    """How the data now differs from ``rows`` (the covered set); ``others`` are the period's other
    rows; ``left_out`` the (record, action) keys an approval leaves out on purpose."""
    fresh = {(p.record_key, p.action): p for p in plan.payloads}
    found = []
    for row in rows:
        payload = fresh.get((row.record_key, row.action))
        if payload is None:
            found.append(Difference(row.record_key, row.action, "ไม่มีในข้อมูลแล้ว"))
        elif payload.hash != row.payload_hash:
            found.append(Difference(row.record_key, row.action, "ข้อมูลเปลี่ยนไปจากที่แสดงตัวอย่าง/อนุมัติ"))
    covered = {(r.record_key, r.action) for r in rows}
    for key, payload in fresh.items():
        row = others.get(key)
        sent_same = row is not None and row.state is S.SUBMITTED and row.payload_hash == payload.hash
        if key not in covered and key not in left_out and not sent_same and not plan.errors_of(payload):
            found.append(Difference(key[0], key[1], "รายการใหม่ที่ยังไม่ได้แสดงตัวอย่าง"))
    return found


def not_ready(session: Session, office: Office, target: str, period: str) -> list[Submission]:
    """Rows whose last preview found problems, or could not be made: the director has not seen
    them ready, so they are never approved along with the rest by default."""
    return [r for r in rows_of(session, office, target, period).values() if r.state is S.PLANNED and r.last_error]


def approve(session: Session, office: Office, target: str, period: str, by: str, plan: Plan,
            only_ready: bool = False) -> Approval:
    """Approve what the last dry-run previewed as ready. Rows it found problems in make the whole
    set wait (the message names each) unless ``only_ready``: then the ready rows are approved and
    those are left out, to be fixed, previewed and approved on their own."""
    rows = [r for r in rows_of(session, office, target, period).values() if r.state is S.PREVIEWED]
    blocked = not_ready(session, office, target, period)
    if blocked and not only_ready:
        lines = "\n".join(f"  • {r.record_key} ({r.action}): {r.last_error[:300]}" for r in blocked[:20])
        more = f"\n  … และอีก {len(blocked) - 20} รายการ" if len(blocked) > 20 else ""
        raise UserError(f"ตัวอย่างก่อนส่งพบปัญหา {len(blocked)} รายการ จึงยังไม่อนุมัติชุดนี้:\n{lines}{more}\n"
                        "แก้ตามข้อความแล้วรัน push --dry-run ใหม่ หรืออนุมัติเฉพาะรายการที่พร้อมด้วย --only-ready", ExitCode.INCOMPLETE)
    if not rows:
        raise UserError("ยังไม่มีรายการที่แสดงตัวอย่างไว้ให้อนุมัติ — รัน push --dry-run ก่อน", ExitCode.INCOMPLETE)
    left_out = {(r.record_key, r.action) for r in blocked}
    changed = differences(plan, rows, rows_of(session, office, target, period), left_out)
    if changed:
        raise UserError("ข้อมูลเปลี่ยนไปหลังการแสดงตัวอย่าง จึงยังอนุมัติไม่ได้ — รัน push --dry-run ใหม่:\n"
                        + "\n".join(f"  • {d}" for d in changed), ExitCode.INCOMPLETE)
    for old in current_approvals(session, office, target, period):
        void(session, old, "มีการอนุมัติชุดใหม่แทน")
    approval = Approval(office_id=office.id, target=target, period=period, approved_by=by,
                        payload_set_hash=set_hash((r.record_key, r.action, r.payload_hash) for r in rows))
    session.add(approval)
    session.flush()
    for row in rows:
        transition(row, S.APPROVED)
        row.approval_id = approval.id
    return approval


def current_approvals(session: Session, office: Office, target: str, period: str) -> list[Approval]:
    return list(session.scalars(select(Approval).where(
        Approval.office_id == office.id, Approval.target == target, Approval.period == period,
        Approval.voided_at.is_(None)).order_by(Approval.id)))


def void(session: Session, approval: Approval, reason: str) -> None:
    approval.voided_at, approval.void_reason = utcnow(), reason
    for row in session.scalars(select(Submission).where(Submission.approval_id == approval.id)):
        if row.state is S.APPROVED:
            transition(row, S.PLANNED)
            row.approval_id = None


def check(session: Session, office: Office, target: str, period: str, plan: Plan) -> tuple[Approval, list[Submission]]:
    """The live approval and its rows, or refuse (voiding the approval if the data changed)."""
    approvals = current_approvals(session, office, target, period)
    if not approvals:
        raise UserError(f"ยังไม่มีการอนุมัติสำหรับ {target} {period} — รัน push --dry-run แล้ว approve ก่อน",
                        ExitCode.INCOMPLETE)
    approval = approvals[-1]
    rows = list(session.scalars(select(Submission).where(Submission.approval_id == approval.id)))
    digest = set_hash((r.record_key, r.action, r.payload_hash) for r in rows)
    changed = differences(plan, rows, rows_of(session, office, target, period))
    if digest != approval.payload_set_hash:
        changed.append(Difference("-", "-", "ชุดข้อมูลในสมุดบันทึกไม่ตรงกับค่าแฮชที่อนุมัติ"))
    if changed:
        reason = "; ".join(str(d) for d in changed)
        void(session, approval, reason)
        raise ApprovalVoided(approval, changed)
    return approval, rows


class ApprovalVoided(UserError):
    def __init__(self, approval: Approval, changed: list[Difference]):
        lines = "\n".join(f"  • {d}" for d in changed[:20]) + (f"\n  … และอีก {len(changed) - 20} รายการ" if len(changed) > 20 else "")
        super().__init__(
            f"การอนุมัติโดย {approval.approved_by} (แฮช {approval.payload_set_hash[:12]}) ถูกยกเลิก "
            f"เพราะข้อมูลเปลี่ยนไปหลังอนุมัติ จึงไม่ส่งรายการใดเลย:\n{lines}\n"
            "ให้รัน push --dry-run ใหม่ แล้วขออนุมัติอีกครั้ง", ExitCode.INCOMPLETE)
        self.changed = changed

    def __reduce__(self):  # exceptions with extra args must stay picklable
        return (UserError, (str(self), self.exit_code))
