"""E-MES (OBEC's evaluation of ESA administration) target: results per point of consideration
(ประเด็นการพิจารณา) per round, the frame being the year's file ``config/emes/frames/<year>.yaml``.

Registered through the ``tidtam`` entry point like any third-party plugin. This module stays
light (no Playwright import) because ``cli.py plugins`` loads it; the flows live in ``plan.py``
(payloads), ``validate.py`` (the site's rules), ``browser.py`` (the site through Chromium),
``doctor.py`` (locator checks), ``summary.py`` (the unit's docx and the evidence folder),
``intake.py`` (the owners' workbook, hook ``register_intake``) and ``annual.py`` (its part of
``report annual``, hook ``annual_report_sections``).

Actions (browser mode only: the site has no JSON endpoint to speak of):
- ``point_result``: one point's level (where the year asks), narrative and links, or its
  ranked works (the form is filled and screenshotted by a dry-run, saved by a push, read back
  before SUBMITTED);
- ``upload_evidence``: one file of a point (a work's report file with its rank), looked up on
  the site by sha256 first and never uploaded twice;
- ``confirm_round`` (stage "confirm"): locks the round on the site. It is never part of a
  push: ``cli.py confirm emes`` has its own dry-run and approval, bound to the pushed values.
"""
from __future__ import annotations

from tidtam.core.contract import TargetSpec
from tidtam.core.hookspecs import hookimpl


__version__ = "0.2.0"
TARGET = "emes"
CONFIRM_STAGE = "confirm"
ACTION_TITLES = {"point_result": "ผลรายประเด็นการพิจารณา", "upload_evidence": "อัปโหลดไฟล์หลักฐาน",
                 "confirm_round": "ยืนยันรอบการประเมิน (ล็อกข้อมูล)"}


@hookimpl
def register_targets(register):
    register(
        TargetSpec(
            name=TARGET,
            title="ระบบติดตาม ประเมินผลการบริหารและการจัดการศึกษาของ สพท. (E-MES)",
            version="2026.1",
            modes=("browser",),
            actions=("point_result", "upload_evidence", "confirm_round"),
            period_kinds=("R",),
            mapping_schema="tidtam.plugins.emes.mapping:EmesMapping",
            action_titles=ACTION_TITLES,
            stages=(CONFIRM_STAGE,),
            # an upload adds another file; a save repeated while the first is still on a slow line
            # shows twice in the site's history
        )
    )


@hookimpl
def plan_payloads(period, session, office, mapping, forms, stage):
    from .plan import plan_confirm, plan_round

    if stage == CONFIRM_STAGE:
        return plan_confirm(session, office, period, mapping, forms)
    return plan_round(session, office, period, mapping, forms)


@hookimpl
def validate_payload(payload, mapping):
    from .validate import validate

    return validate(payload, mapping)


@hookimpl
def open_remote(credentials, settings, browser):
    from .browser import open_browser

    return open_browser(browser, credentials, settings)


@hookimpl
def register_commands(cli, report):
    from .commands import register

    register(cli, report)


@hookimpl
def register_intake(register):
    from .intake import KIND

    register(KIND)


@hookimpl
def annual_report_sections(register):
    from .annual import SECTION

    register(SECTION)
