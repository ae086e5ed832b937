"""Inspection reports (รายงานการตรวจราชการ) to the regional education office.

Delivered as a package (report, slides, workbook, evidence, manifest; ``package.py``) by e-mail
(``mail.py``, ``deliver.py``); registered through the ``tidtam`` entry point like any
third-party plugin. The push flow's planning and approval in ``core/push`` reach this target
through ``plan_payloads`` (one payload per message of the package) and ``validate_payload``.
"""
from __future__ import annotations

from tidtam.core.contract import Problem, TargetSpec
from tidtam.core.hookspecs import hookimpl

from .mapping import MESSAGE_OVERHEAD, InspectionMapping

__version__ = "0.2.0"
TARGET = "inspection"


@hookimpl
def register_targets(register):
    register(
        TargetSpec(
            name=TARGET,
            title="รายงานการตรวจราชการ (สำนักงานศึกษาธิการภาค)",
            version="2026.1",
            modes=("email",),
            actions=("deliver",),
            period_kinds=("R",),
            mapping_schema=InspectionMapping,
        )
    )


@hookimpl
def plan_payloads(target, period, session, office, mapping):
    """The messages of the round's package, as built by ``package inspection`` (never rebuilt
    here: the approval is of the package that was previewed)."""
    if target != TARGET:
        return None
    from . import mail
    from .package import load, package_dir

    package = load(package_dir(office.code, period.id))
    if package.manifest.get("period") != period.id:
        raise ValueError(f"{package.folder}: manifest is for {package.manifest.get('period')}, not {period.id}")
    return mail.plan(package, mapping, office.code)


@hookimpl
def validate_payload(target, payload, mapping):
    if target != TARGET:
        return None
    from .package import encoded_size

    data, found = payload.data, []
    size = sum(encoded_size(f["size"]) for f in data["attachments"]) + MESSAGE_OVERHEAD
    if size > mapping.attachment_max_bytes:
        found.append(Problem(payload.record_key, "attachments",
                             f"ฉบับนี้ใหญ่ {size:,} ไบต์ เกิน attachment_max_bytes ({mapping.attachment_max_bytes:,}) — "
                             "สร้างชุดเอกสารใหม่ด้วย package inspection หลังแก้ค่านี้"))
    if not data["attachments"]:
        found.append(Problem(payload.record_key, "attachments", "ไม่มีไฟล์แนบ"))
    if data["to"] == data["from"]:
        found.append(Problem(payload.record_key, "to", "ผู้รับเป็นที่อยู่เดียวกับผู้ส่ง (ตรวจ recipient ใน mapping.yaml)", "warning"))
    return found
