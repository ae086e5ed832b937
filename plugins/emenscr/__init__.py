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

from tidtam.core.contract import RemoteError, TargetSpec
from tidtam.core.hookspecs import hookimpl

from .mapping import EmenscrMapping

__version__ = "0.3.0"
TARGET = "emenscr"
SUPPORTED = {"browser": ("progress", "create_project", "send_for_approval"), "http": ("progress",)}


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
            not_repeatable=("create_project", "send_for_approval"),
            period_kinds=("Q",),
            mapping_schema=EmenscrMapping,
            request_slots=True,  # every request of browser.py and entry_browser.py holds a slot
        )
    )


@hookimpl
def plan_payloads(target, period, session, office, mapping, forms):
    if target != TARGET:
        return None
    from .plan import plan_progress

    return plan_progress(session, office, period, mapping, forms)


@hookimpl
def plan_entries(target, period, session, office, mapping, forms, present):
    if target != TARGET:
        return None
    from .plan import plan_entries as entries

    return entries(session, office, period, mapping, forms, present)


@hookimpl
def validate_payload(target, payload, mapping, forms):
    if target != TARGET:
        return None
    from .validate import validate

    return validate(payload, mapping, forms)


@hookimpl
def open_remote(target, mode, credentials, settings, browser):
    if target != TARGET:
        return None
    if mode == "browser":
        from .browser import open_browser

        return open_browser(browser, credentials, settings)
    if mode == "http":
        from .http import open_http

        return open_http(credentials, settings)
    raise RemoteError(f"eMENSCR ไม่รองรับโหมด {mode}")


def _supported(payload, remote) -> None:
    if payload.action not in SUPPORTED[remote.mode]:
        from tidtam.core.contract import RemoteRefused

        raise RemoteRefused(f"โหมด {remote.mode} ส่ง \"{payload.action}\" ไม่ได้: การบันทึกโครงการ (M1–M5) และ"
                            "ส่งขออนุมัติ (M7) บนเว็บเป็นแบบฟอร์มหลายขั้นตอนที่ไม่มี JSON endpoint — ใช้ --mode browser "
                            f"(โหมด {remote.mode} รองรับ: {', '.join(SUPPORTED[remote.mode])})")


def _method(remote, name: str):
    """The remote's method, or one that refuses when the mode does not have it (never reached
    through ``_supported``, kept so a wrong table is a clear refusal, not an AttributeError)."""
    found = getattr(remote, name, None)
    if found is not None:
        return found

    async def refuse(*args):
        from tidtam.core.contract import RemoteRefused

        raise RemoteRefused(f"โหมด {remote.mode} ไม่มี {name}")
    return refuse


@hookimpl
def list_remote(target, remote):
    if target != TARGET:
        return None

    async def keys():
        """Projects the site holds *complete*: a draft (entered in part by a killed run, or by
        hand) or a project returned for correction still needs project entry."""
        held = await remote.project_codes()
        if hasattr(remote, "open_codes"):
            held -= await remote.open_codes()
        return {f"project:{code}" for code in held}
    return keys()


@hookimpl
def lookup_remote(target, payload, remote):
    if target != TARGET:
        return None

    async def lookup():
        _supported(payload, remote)
        return await {"progress": remote.read_progress, "create_project": _method(remote, "lookup_entry"),
                      "send_for_approval": _method(remote, "lookup_send")}[payload.action](payload)
    return lookup()


@hookimpl
def preview_payload(target, payload, remote, screenshot_path):
    if target != TARGET:
        return None

    async def preview():
        _supported(payload, remote)
        return await {"progress": remote.preview_progress, "create_project": _method(remote, "preview_entry"),
                      "send_for_approval": _method(remote, "preview_send")}[payload.action](payload, screenshot_path)
    return preview()


@hookimpl
def submit_payload(target, payload, remote):
    if target != TARGET:
        return None

    async def submit():
        _supported(payload, remote)
        return await {"progress": remote.submit_progress, "create_project": _method(remote, "submit_entry"),
                      "send_for_approval": _method(remote, "submit_send")}[payload.action](payload)
    return submit()


@hookimpl
def check_target(target, remote, mapping, period):
    if target != TARGET:
        return None
    from tidtam.core.contract import CheckResult

    if remote.mode != "browser":
        async def nothing():
            return [CheckResult("mode", False, "doctor ตรวจหน้าเว็บด้วยเบราว์เซอร์ ต้องใช้โหมด browser")]
        return nothing()
    from .doctor import check_pages

    return check_pages(remote, period)
