"""E-MES (OBEC's evaluation of ESA administration) target: indicator results per round.

Registered through the ``tidtam`` entry point like any third-party plugin; kept light.
"""
from __future__ import annotations

from tidtam.core.contract import TargetSpec
from tidtam.core.hookspecs import hookimpl

from .mapping import EmesMapping

__version__ = "0.1.0"
TARGET = "emes"


@hookimpl
def register_targets(register):
    register(
        TargetSpec(
            name=TARGET,
            title="ระบบติดตาม ประเมินผลการบริหารและการจัดการศึกษาของ สพท. (E-MES)",
            version="2026.1",
            modes=("browser",),
            actions=("indicator_result", "upload_evidence", "confirm_round"),
            period_kinds=("R",),
            mapping_schema=EmesMapping,
        )
    )
