"""The progress form as data: a payload's values under the form's input names, and the diff
between what the site holds and what the payload sends (shared by browser and http mode)."""
from __future__ import annotations

from decimal import Decimal

from tidtam.core.contract import Change, Payload, RemoteRecord
from tidtam.core.values import ValueProblem, read_number

from .mapping import EmenscrMapping
from .plan import month_label


def fields(payload: Payload, mapping: EmenscrMapping) -> list[tuple[str, str, str, str]]:
    """(input name, Thai label, kind, value) for every input the payload fills, in form order."""
    names, data = mapping.progress_fields, payload.data
    rows = [(names.activity.format(n=a["n"]), f"กิจกรรมที่ {a['n']} (ร้อยละ)", "number", a["percent"]) for a in data["activities"]]
    rows += [(names.kpi.format(n=k["n"]), f"ผลตัวชี้วัดที่ {k['n']}", "text", k["result"]) for k in data["kpis"]]
    rows += [(names.disbursed.format(month=m), f"เบิกจ่าย {month_label(m)} (บาท)", "number", v) for m, v in data["disbursed"].items()]
    rows += [(names.problems, "ปัญหาอุปสรรค", "text", data["problems"]), (names.status, "สถานะ", "text", data["status"])]
    return rows


def values(payload: Payload, mapping: EmenscrMapping) -> dict[str, str]:
    return {name: value for name, _, _, value in fields(payload, mapping)}


def _same(kind: str, site: str, ours: str) -> bool:
    if kind == "number":  # what the site shows ("1,234.50", Thai digits) read by the intake's rules
        try:
            return read_number(str(site)) == Decimal(ours)
        except ValueProblem:
            return False
    return str(site or "").strip() == str(ours or "").strip()


def record(payload: Payload, mapping: EmenscrMapping, remote_id: str, held: dict[str, str] | None) -> RemoteRecord | None:
    """What the site holds, compared with the payload; None when it holds no report at all."""
    if not held or not any(str(v).strip() for v in held.values()):
        return None
    diff = [Change(label, str(held.get(name, "") or ""), value)
            for name, label, kind, value in fields(payload, mapping) if not _same(kind, held.get(name, ""), value)]
    return RemoteRecord(remote_id, dict(held), matches=not diff, diff=diff)
