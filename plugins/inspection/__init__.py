"""Inspection reports (รายงานการตรวจราชการ) to the regional education office.

Built as a package (report, slides, workbook, evidence, manifest; ``package.py``), delivered by
e-mail through core's one engine like any web push: ``plan_payloads`` gives one payload per
message of the package (``mail.py``), the e-mail remote sends and looks up (``remote.py``).
Its own commands, ``package`` and ``deliver``, come from ``commands.py``; the owners' workbook
from ``intake.py`` (``register_intake``), its part of ``report annual`` from ``annual.py``
(``annual_report_sections``). Registered through the ``tidtam`` entry point like any plugin.
"""
from __future__ import annotations

from tidtam.core.contract import Problem, TargetSpec
from tidtam.core.hookspecs import hookimpl


__version__ = "0.3.0"
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
            action_titles={"deliver": "ส่งอีเมล"},
            period_kinds=("R",),
            in_order=True,  # part 1 of N, 2 of N...: the recipient files them in that order
            mapping_schema="tidtam.plugins.inspection.mapping:InspectionMapping",
        )
    )


@hookimpl
def plan_payloads(period, office, mapping):
    """The messages of the round's package, as built by ``package inspection`` (never rebuilt
    here: the approval is of the package that was previewed)."""
    from . import mail
    from .package import load, package_dir

    package = load(package_dir(office.code, period.id))
    if package.manifest.get("period") != period.id:
        raise ValueError(f"{package.folder}: manifest is for {package.manifest.get('period')}, not {period.id}")
    return mail.plan(package, mapping, office.code)


@hookimpl
def validate_payload(payload, mapping):
    from .mapping import MESSAGE_OVERHEAD
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


@hookimpl
def open_remote(credentials, settings):
    from .remote import open_mail

    return open_mail(credentials, settings)


@hookimpl
def preview_section(period, payloads, mapping, office):
    from .preview import preview_section as section

    return section(period, payloads, mapping, office)


@hookimpl
def register_commands(cli):
    from .commands import register

    register(cli)


@hookimpl
def register_intake(register):
    from .intake import KIND

    register(KIND)


@hookimpl
def annual_report_sections(register):
    from .annual import SECTION

    register(SECTION)
