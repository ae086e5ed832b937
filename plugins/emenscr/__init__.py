"""eMENSCR (ระบบติดตามและประเมินผลแห่งชาติ) target: quarterly progress and project entry.

Registered through the ``tidtam`` entry point like any third-party plugin. This module stays
light (no Playwright or httpx import) because ``cli.py plugins`` loads it; the flows live in
``plan.py`` (payloads), ``validate.py`` (the site's rules), ``browser.py`` and ``http.py``.

Actions by mode:
- browser: progress (dry-run fills the form and screenshots it; push saves through the page),
           create_project (M1–M5) and send_for_approval (M7), see ``entry_browser.py``
- http:    progress (the JSON endpoint the progress page's own script calls). The step forms
           M1–M5 and M7 are plain HTML form posts with no JSON endpoint, so http mode refuses
           project entry plainly (use browser mode).
"""
from __future__ import annotations

from tidtam.core.contract import TargetSpec
from tidtam.core.hookspecs import hookimpl


__version__ = "0.3.0"
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
            action_titles={"progress": "รายงานผลรายไตรมาส", "create_project": "บันทึกโครงการ (M1–M5)",
                           "send_for_approval": "ส่งขออนุมัติ (M7)"},
            entry_actions=("create_project", "send_for_approval"),
            # the site has no idempotency key: a create repeated while the first is still in
            # flight makes a second project (progress saves overwrite the quarter: repeatable)
            period_kinds=("Q",),
            mapping_schema="tidtam.plugins.emenscr.mapping:EmenscrMapping",
            request_slots=True,  # every request of browser.py and entry_browser.py holds a slot
        )
    )


@hookimpl
def plan_payloads(period, session, office, mapping, forms):
    from .plan import plan_progress

    return plan_progress(session, office, period, mapping, forms)


@hookimpl
def plan_entries(period, session, office, mapping, forms, present):
    from .plan import plan_entries as entries

    return entries(session, office, period, mapping, forms, present)


@hookimpl
def validate_payload(payload, mapping, forms):
    from .validate import validate

    return validate(payload, mapping, forms)


@hookimpl
def open_remote(mode, credentials, settings, browser):
    if mode == "browser":
        from .browser import open_browser

        return open_browser(browser, credentials, settings)
    from .http import open_http

    return open_http(credentials, settings)
