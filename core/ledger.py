"""The submission ledger: one API for every caller (the engine, approvals, commands, reports).

A row is one (office, target, period, record, action): what is sent, its hash, and where it
stands. It is committed SUBMITTING *before* a side effect and moved on only once the side
effect is confirmed, so a run that dies leaves rows the next run settles (core/push/run.py).
A new plan resets only rows whose payload changed: a row never moves backwards from what the
site holds, and a dry-run never undoes what a push found. The director approves exactly one
payload set, bound by its hash; any change to the data after that voids the approval.
"""
from __future__ import annotations

import getpass
import hashlib
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import BadInput, Misuse, NotYet
from .models import ALLOWED_TRANSITIONS, Approval, Office, Submission, SubmissionState as S
from .models.base import utcnow

IN_FLIGHT = (S.SUBMITTING, S.UNKNOWN)


class LedgerError(RuntimeError):
    pass


def idempotency_key(office_code: str, target: str, period: str, record_key: str, action: str) -> str:
    """Stable across runs and machines: the same record and action always get the same key."""
    raw = "\x1f".join((office_code, target, period, record_key, action))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def transition(row: Submission, new_state: S, *, error: str | None = None, remote_id: str | None = None) -> None:
    """Move ``row`` to ``new_state`` or raise: a forbidden move is a bug, never a silent fix."""
    never_sent = new_state is S.SUBMITTED and not row.attempts  # only a lookup after an attempt finds it landed
    if new_state not in ALLOWED_TRANSITIONS[row.state] or never_sent:
        raise LedgerError(f"{row.record_key}/{row.action}: เปลี่ยนสถานะจาก {row.state} เป็น {new_state} ไม่ได้")
    if new_state is S.SUBMITTING:
        row.attempts += 1
        row.attempted_at = utcnow()
    if new_state is S.SUBMITTED:
        row.submitted_at = utcnow()
    if remote_id is not None:
        row.remote_id = remote_id
    row.last_error = error
    row.state = new_state


def ledger_name(target: str, stage: str = "push") -> str:
    """The ledger's target key: the target's name for its push, "<name>:<stage>" for a separate step."""
    return target if stage == "push" else f"{target}:{stage}"


def set_hash(items) -> str:
    """The hash of a payload set: (record, action, payload hash) triples in a stable order."""
    lines = sorted(f"{key}\x1f{action}\x1f{digest}" for key, action, digest in items)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def office_by_code(session: Session, code: str) -> Office:
    office = session.scalars(select(Office).where(Office.code == code)).one_or_none()
    if office is None:
        raise BadInput(f'ไม่พบสำนักงานรหัส "{code}" ในฐานข้อมูล')
    return office


def operator() -> str:
    """Who runs this (the OS user), recorded on every move; never the site's login."""
    try:
        return getpass.getuser()
    except Exception:
        return "-"


@dataclass
class Difference:
    record_key: str
    action: str
    why: str  # Thai

    def __str__(self) -> str:
        return f"{self.record_key} ({self.action}): {self.why}"


class ApprovalVoided(NotYet):
    def __init__(self, approval: Approval | str, changed: list[Difference] | None = None):
        if isinstance(approval, str):  # unpickled: the message is all that travels
            super().__init__(approval, "dry_run")
            return
        super().__init__(
            f"การอนุมัติโดย {approval.approved_by} (แฮช {approval.payload_set_hash[:12]}) ถูกยกเลิก "
            f"เพราะข้อมูลเปลี่ยนไปหลังอนุมัติ จึงไม่ส่งรายการใดเลย:\n{_listed(changed)}\n"
            "ให้แสดงตัวอย่างใหม่ แล้วขออนุมัติอีกครั้ง", "dry_run")

    def __reduce__(self):
        return (ApprovalVoided, (str(self),))


@dataclass
class Summary:
    """Where a period's rows stand after a run: counts by state, and every row left to deal with."""

    counts: dict[str, int]
    failures: list[tuple[str, str, str]]  # (record, action, why) of rows not done
    refused: set[tuple[str, str]] = field(default_factory=set)  # FAILED: fix the data or the form, not rerun
    unsure: list[str] = field(default_factory=list)  # record keys that may or may not have landed


class Ledger:
    """One office's rows of one target (or one of its stages) and one period."""

    def __init__(self, db, office_code: str, target: str, period: str, stage: str = "push"):
        self.db, self.office_code, self.target, self.period = db, office_code, target, period
        self.name = ledger_name(target, stage)
        self._office_id: int | None = None

    def office(self, session: Session) -> Office:
        office = office_by_code(session, self.office_code)
        self._office_id = office.id
        return office

    @property
    def office_id(self) -> int:
        if self._office_id is None:
            with self.db.session() as session:
                self.office(session)
        return self._office_id

    def lock(self):
        """One dry-run, approval, push or decision per office, target and period at a time (a
        target's stages share its lock)."""
        from .push.lock import Lock

        return Lock(self.db, self.office_id, self.target, self.period)

    # --- reading ---------------------------------------------------------------------------

    def rows(self, session: Session) -> dict[tuple[str, str], Submission]:
        found = session.scalars(select(Submission).where(
            Submission.office_id == self.office_id, Submission.target == self.name, Submission.period == self.period))
        return {(r.record_key, r.action): r for r in found}

    def refuse_in_flight(self, session: Session, doing: str) -> None:
        """Refuse ``doing`` (Thai) while rows of an earlier run are still unsettled."""
        if stuck := [r for r in self.rows(session).values() if r.state in IN_FLIGHT]:
            raise NotYet(f"มี {len(stuck)} รายการที่ค้างจากการส่งครั้งก่อน (เช่น {stuck[0].record_key}) จึงยัง{doing}ไม่ได้ "
                         "— ส่งต่อ (push) เพื่อกระทบยอดก่อน", "push")

    def view(self, row_id: int) -> Submission:
        """The row as it stands now, detached: what the engine reads of it between its own transactions."""
        with self.db.session() as session:
            row = session.get(Submission, row_id)
            session.expunge(row)
            return row

    def summary(self) -> Summary:
        with self.db.session() as session:
            rows = list(self.rows(session).values())
            counts = dict(Counter(str(r.state) for r in rows))
            open_rows = [r for r in rows if r.state in (S.FAILED, *IN_FLIGHT) or (r.state is S.APPROVED and r.last_error)]
            return Summary(counts, [(r.record_key, r.action, r.last_error or "") for r in open_rows],
                           {(r.record_key, r.action) for r in rows if r.state is S.FAILED},
                           [r.record_key for r in rows if r.state in IN_FLIGHT])

    # --- planning --------------------------------------------------------------------------

    def sync(self, session: Session, payloads) -> tuple[list[Submission], list[Submission]]:
        """Put each payload in the ledger. Returns (rows to preview, rows already sent).

        New or changed payloads are PLANNED (a changed one loses its approval). A row whose payload
        is unchanged keeps what it is: SUBMITTED stays sent, APPROVED and FAILED keep their
        approval (a push goes on with them), PREVIEWED is previewed again. Rows dropped from the
        plan leave any approved set. In-flight rows are never touched here."""
        rows = self.rows(session)
        todo, done = [], []
        for payload in payloads:
            row = rows.get((payload.record_key, payload.action))
            if row is None:
                row = Submission(office_id=self.office_id, target=self.name, period=self.period,
                                 record_key=payload.record_key, action=payload.action, payload=payload.data,
                                 payload_hash=payload.hash, idempotency_key=idempotency_key(
                                     self.office_code, self.name, self.period, payload.record_key, payload.action))
                session.add(row)
            elif row.payload_hash == payload.hash and row.state is S.SUBMITTED:
                done.append(row)
                continue
            elif row.payload_hash != payload.hash:
                row.payload, row.payload_hash = payload.data, payload.hash
                row.approval_id = None
                transition(row, S.PLANNED)
            todo.append(row)
        planned = {(p.record_key, p.action) for p in payloads}
        for key, row in rows.items():
            if key not in planned and row.state in (S.PREVIEWED, S.APPROVED):
                row.approval_id = None
                transition(row, S.PLANNED)
        session.flush()
        return todo, done

    # --- moves of the engine (each in its own transaction) ---------------------------------

    def move(self, row_id: int, state: S, *, error: str | None = None, remote_id: str | None = None,
             read_back: dict | None = None, by: str | None = None) -> S:
        with self.db.session(actor=by or operator()) as session:
            row = session.get(Submission, row_id)
            transition(row, state, error=error, remote_id=remote_id)
            if read_back is not None:
                row.read_back = read_back
            if state is S.SUBMITTED:
                row.submitted_by = by or operator()
        return state

    def note(self, row_ids, why: str | None) -> None:
        """Say on rows why they stand where they are, without moving them."""
        with self.db.session(actor=operator()) as session:
            for row_id in row_ids:
                session.get(Submission, row_id).last_error = why

    def settle(self, record_key: str, landed: bool, by: str, why: str) -> Submission:
        """A person's word on an unsure row: it landed (SUBMITTED), or it did not (FAILED: the next
        push sends it once more). Who and why are kept on the row and in the audit log."""
        if not by.strip() or not why.strip():
            raise Misuse("การตัดสินรายการที่ไม่แน่ใจต้องระบุทั้งชื่อผู้ตัดสิน (--by) และเหตุผล (--why)")
        with self.lock(), self.db.session(actor=by) as session:
            matches = [r for (key, _), r in self.rows(session).items() if key == record_key]
            if not matches:
                raise Misuse(f'ไม่มีรายการ "{record_key}" ของ {self.name} {self.period} ในสมุดบันทึกการส่ง')
            unsure = [r for r in matches if r.state in IN_FLIGHT]
            if not unsure:
                raise Misuse(f'รายการ "{record_key}" มีสถานะ "{matches[0].state.th}" — ตัดสินได้เฉพาะรายการที่ไม่แน่ใจว่าถึงหรือไม่')
            row = unsure[0]
            decision = {"landed": landed, "decided_by": by, "why": why, "decided_at": utcnow().isoformat()}
            row.read_back = {**(row.read_back or {}), "decision": decision}
            if landed:
                transition(row, S.SUBMITTED, error=None)
                row.submitted_by = by
            else:
                transition(row, S.FAILED, error=f"{by} ยืนยันว่ายังไม่ถึงปลายทาง ({why}): ส่งใหม่ได้หนึ่งครั้ง")
            session.flush()
            session.expunge(row)
            return row

    # --- the director's approval -----------------------------------------------------------

    def live_approval(self, session: Session) -> Approval | None:
        return session.scalars(select(Approval).where(
            Approval.office_id == self.office_id, Approval.target == self.name, Approval.period == self.period,
            Approval.voided_at.is_(None)).order_by(Approval.id.desc())).first()

    def approve(self, session: Session, plan, by: str, only_ready: bool = False,
                carried: set[int] = frozenset()) -> Approval:
        """Approve what the last dry-run previewed as ready, with ``carried``: rows of the live
        approval still to send (a dry-run does not undo an approval). Rows the preview could not
        show ready make the whole set wait unless ``only_ready``: then they are left out, to be
        fixed, previewed and approved on their own. The data must still give the same payloads."""
        self.refuse_in_flight(session, "อนุมัติ")
        live = self.live_approval(session)
        rows = [r for r in self.rows(session).values() if r.state is S.PREVIEWED or r.id in carried]
        blocked = [r for r in self.rows(session).values() if r.state is S.PLANNED and r.last_error]  # not shown ready
        if blocked and not only_ready:
            raise NotYet(_not_ready_message(blocked), "dry_run")
        if not rows:
            raise NotYet("ยังไม่มีรายการที่แสดงตัวอย่างไว้ให้อนุมัติ — แสดงตัวอย่างก่อน (dry-run)", "dry_run")
        changed = _differences(plan, rows, self.rows(session), {(r.record_key, r.action) for r in blocked})
        if changed:
            raise NotYet(f"ข้อมูลเปลี่ยนไปหลังการแสดงตัวอย่าง จึงยังอนุมัติไม่ได้ — แสดงตัวอย่างใหม่:\n{_listed(changed)}", "dry_run")
        if live is not None:
            self._void(session, live, "มีการอนุมัติชุดใหม่แทน", keep={r.id for r in rows})
        approval = Approval(office_id=self.office_id, target=self.name, period=self.period, approved_by=by,
                            payload_set_hash=set_hash((r.record_key, r.action, r.payload_hash) for r in rows))
        session.add(approval)
        session.flush()
        for row in rows:
            if row.state is S.PREVIEWED:
                transition(row, S.APPROVED)
            row.approval_id = approval.id
        return approval

    def approved(self, plan_for) -> tuple[list[Submission], object]:
        """The live approval's rows (detached) and the plan made now by ``plan_for(session, office)``,
        or refuse: no approval yet, or the data changed since, which voids the approval."""
        voided = None
        with self.db.session(actor=operator()) as session:
            plan = plan_for(session, self.office(session))
            approval = self.live_approval(session)
            if approval is None:
                raise NotYet(f"ยังไม่มีการอนุมัติสำหรับ {self.name} {self.period} — แสดงตัวอย่าง (dry-run) แล้วขออนุมัติก่อน",
                             "dry_run")
            rows = list(session.scalars(select(Submission).where(Submission.approval_id == approval.id)))
            changed = _differences(plan, rows, self.rows(session))
            if set_hash((r.record_key, r.action, r.payload_hash) for r in rows) != approval.payload_set_hash:
                changed.append(Difference("-", "-", "ชุดข้อมูลในสมุดบันทึกไม่ตรงกับค่าแฮชที่อนุมัติ"))
            if changed:
                self._void(session, approval, "; ".join(str(d) for d in changed))
                voided = ApprovalVoided(approval, changed)  # raised once the void is committed
            else:
                session.expunge_all()
        if voided:
            raise voided
        return rows, plan

    def _void(self, session: Session, approval: Approval, reason: str, keep: set[int] = frozenset()) -> None:
        approval.voided_at, approval.void_reason = utcnow(), reason
        for row in session.scalars(select(Submission).where(Submission.approval_id == approval.id)):
            if row.id in keep or row.state is not S.APPROVED:
                continue  # kept, or attempted: a FAILED row keeps the approval it was sent under
            row.approval_id = None
            transition(row, S.PLANNED)


def _differences(plan, rows: list[Submission], others: dict, left_out: set = frozenset()) -> list[Difference]:
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


def _not_ready_message(blocked: list[Submission]) -> str:
    unopened = [r for r in blocked if r.last_error.startswith(NOT_PREVIEWED)]
    head = (f"ตัวอย่างก่อนส่งพบปัญหา {len(blocked)} รายการ"
            + (f" (ในจำนวนนี้ {len(unopened)} รายการเปิดแบบฟอร์มไม่ได้ระหว่างแสดงตัวอย่าง จึงยังไม่ได้แสดง — "
               "ข้อมูลไม่ได้เปลี่ยน แสดงตัวอย่างใหม่ได้เลย)" if unopened else "") + " จึงยังไม่อนุมัติชุดนี้:")
    lines = [Difference(r.record_key, r.action, r.last_error[:300]) for r in blocked]
    return f"{head}\n{_listed(lines)}\nแก้ตามข้อความแล้วแสดงตัวอย่างใหม่ หรืออนุมัติเฉพาะรายการที่พร้อม (--only-ready)"


# The start of last_error on a row a dry-run could not open (not a problem with its data).
NOT_PREVIEWED = "ยังไม่ได้แสดงตัวอย่าง"


def _listed(items, limit: int = 20) -> str:
    items = list(items or [])
    lines = "\n".join(f"  • {d}" for d in items[:limit])
    return lines + (f"\n  … และอีก {len(items) - limit} รายการ" if len(items) > limit else "")
