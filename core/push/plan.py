"""Plan: ask the target for payloads, validate them, and keep the ledger in step with them."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..contract import Payload, Problem
from ..ledger import idempotency_key, transition
from ..models import Office, Submission, SubmissionState as S

IN_FLIGHT = (S.SUBMITTING, S.UNKNOWN)


@dataclass
class Plan:
    payloads: list[Payload]
    problems: list[Problem] = field(default_factory=list)

    def errors_of(self, payload: Payload) -> list[Problem]:
        return [p for p in self.problems if p.record_key == payload.record_key and p.severity == "error"
                and (p.action is None or p.action == payload.action)]

    def warnings_of(self, payload: Payload) -> list[Problem]:
        return [p for p in self.problems if p.record_key == payload.record_key and p.severity == "warning"
                and (p.action is None or p.action == payload.action)]

    @property
    def valid(self) -> list[Payload]:
        return [p for p in self.payloads if not self.errors_of(p)]


def make_plan(hook, target: str, period, session: Session, office: Office, mapping, forms=None,
              present: set[str] | None = None, entries: bool = False,
              entry_keys: set[str] | None = None, stage: str = "push") -> Plan:
    """Payloads for the period (pure: no network), each validated by the target's own rules.

    ``entries`` adds records the site lacks (``present`` from ``list_remote``); ``entry_keys``
    re-derives entry payloads only for those records (approval and push, without network).
    ``stage`` is "push" or one of the target's separate steps (``TargetSpec.stages``)."""
    payloads = list(hook.plan_payloads(target=target, period=period, session=session, office=office,
                                       mapping=mapping, forms=forms, stage=stage) or [])
    if entries or entry_keys:
        extra = hook.plan_entries(target=target, period=period, session=session, office=office,
                                  mapping=mapping, forms=forms, present=present) or []
        payloads = [p for p in extra if entry_keys is None or p.record_key in entry_keys] + payloads
    problems = []
    for payload in payloads:
        found = hook.validate_payload(target=target, payload=payload, mapping=mapping, forms=forms) or []
        problems += [_with_action(p, payload.action) for p in found + form_problems(payload, forms)]
    return Plan(payloads, problems)


def form_problems(payload: Payload, forms) -> list[Problem]:
    """What the form description alone finds wrong with a payload's fill (core/forms/plan.py)."""
    fill = payload.data.get("fill")
    if not fill or forms is None:
        return []
    from ..forms.plan import check_values

    findings = check_values(fill["form"], forms.forms[fill["form"]], fill["steps"])
    if not any(_filled(values) for values in fill["steps"].values()):
        # nothing of the record at all: the target says why (an owner has not reported), not each empty field
        findings = [f for f in findings if not f.message.startswith("ระบบบังคับ")]
    return [Problem(payload.record_key, f.field or f.key, f"{f.message} (forms.yaml › {f.key})") for f in findings]


def _filled(values: dict) -> bool:
    return any(v not in ("", None, [], {}) for v in values.values())


def _with_action(problem: Problem, action: str) -> Problem:
    return problem if problem.action else Problem(problem.record_key, problem.field, problem.message,
                                                  problem.severity, action)


def ledger_name(target: str, stage: str = "push") -> str:
    """The ledger's target key: the target's name for its push, "<name>:<stage>" for a separate step."""
    return target if stage == "push" else f"{target}:{stage}"


def set_hash(items) -> str:
    """The hash of a payload set: (record, action, payload hash) triples in a stable order."""
    lines = sorted(f"{key}\x1f{action}\x1f{digest}" for key, action, digest in items)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def rows_of(session: Session, office: Office, target: str, period: str) -> dict[tuple[str, str], Submission]:
    rows = session.scalars(select(Submission).where(
        Submission.office_id == office.id, Submission.target == target, Submission.period == period)).all()
    return {(r.record_key, r.action): r for r in rows}


def sync_ledger(session: Session, office: Office, target: str, period: str, payloads: list[Payload]) -> tuple[list[Submission], list[Submission]]:
    """Put each payload in the ledger as PLANNED (new or changed). Returns (to preview, already sent).

    A row already SUBMITTED with the same hash is on the site: it is left alone. A changed
    payload loses any approval it had. In-flight rows are never touched here (see run.py)."""
    rows = rows_of(session, office, target, period)
    todo, done = [], []
    for payload in payloads:
        row = rows.get((payload.record_key, payload.action))
        if row is None:
            row = Submission(office_id=office.id, target=target, period=period, record_key=payload.record_key,
                             action=payload.action, payload=payload.data, payload_hash=payload.hash,
                             idempotency_key=idempotency_key(office.code, target, period, payload.record_key, payload.action))
            session.add(row)
        elif row.state is S.SUBMITTED and row.payload_hash == payload.hash:
            done.append(row)
            continue
        else:
            if row.payload_hash != payload.hash:
                row.payload, row.payload_hash = payload.data, payload.hash
            row.approval_id = None
            transition(row, S.PLANNED)
        todo.append(row)
    planned = {(p.record_key, p.action) for p in payloads}
    for key, row in rows.items():  # dropped from the plan: out of any approved set
        if key not in planned and row.state in (S.PREVIEWED, S.APPROVED):
            row.approval_id = None
            transition(row, S.PLANNED)
    session.flush()
    return todo, done


def in_flight(session: Session, office: Office, target: str, period: str) -> list[Submission]:
    return [r for r in rows_of(session, office, target, period).values() if r.state in IN_FLIGHT]
