"""Plan: ask the target for its payloads and validate them (the target's rules and its forms.yaml)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ..contract import Payload, Problem
from ..models import Office


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
