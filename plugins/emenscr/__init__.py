"""eMENSCR (ระบบติดตามและประเมินผลแห่งชาติ) target: quarterly progress and project entry.

Registered through the ``tidtam`` entry point like any third-party plugin. This module stays
light (no Playwright import) because ``cli.py plugins`` loads it.
"""
from __future__ import annotations

from tidtam.core.contract import TargetSpec
from tidtam.core.hookspecs import hookimpl

from .mapping import EmenscrMapping

__version__ = "0.1.0"
TARGET = "emenscr"


@hookimpl
def register_targets(register):
    register(
        TargetSpec(
            name=TARGET,
            title="ระบบติดตามและประเมินผลแห่งชาติ (eMENSCR)",
            version="2026.1",
            modes=("browser", "http"),
            actions=("progress", "create_project", "send_for_approval"),
            period_kinds=("Q",),
            mapping_schema=EmenscrMapping,
        )
    )
