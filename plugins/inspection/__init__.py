"""Inspection reports (รายงานการตรวจราชการ) to the regional education office.

Delivered as a package (report, slides, workbook, evidence) by e-mail; registered through the
``tidtam`` entry point like any third-party plugin.
"""
from __future__ import annotations

from tidtam.core.contract import TargetSpec
from tidtam.core.hookspecs import hookimpl

from .mapping import InspectionMapping

__version__ = "0.1.0"
TARGET = "inspection"


@hookimpl
def register_targets(register):
    register(
        TargetSpec(
            name=TARGET,
            title="รายงานการตรวจราชการ (สำนักงานศึกษาธิการภาค)",
            version="2026.1",
            modes=("email",),
            actions=("deliver_package",),
            period_kinds=("R",),
            mapping_schema=InspectionMapping,
        )
    )
