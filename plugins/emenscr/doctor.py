"""``cli.py doctor emenscr``: walk every page the push uses, as the push reaches them, and ask each
the questions of ``core.forms.inspect``, saving nothing: the project list and its paging, an
approved project's progress form, the new-project form (M1) and an existing project's page and
steps. Which page is which, and what each holds, is forms.yaml; this module only knows the way."""
from __future__ import annotations

from tidtam.core.contract import CheckResult
from tidtam.core.periods import current_fiscal_year, quarter
from tidtam.core.push.retry import read

from .plan import ENTRY_FORM, PROGRESS, fiscal_keys, quarter_keys


async def check_pages(remote, period=None) -> list[CheckResult]:
    site = remote.site
    results: list[CheckResult] = []
    period = period if period is not None and period.kind == "Q" else quarter(current_fiscal_year(), 1)

    def record(where: str, findings: list) -> None:
        results.append(CheckResult(where, not findings, ""))
        results.extend(CheckResult(f.key, False, f.message) for f in findings)

    await read(site.open, "projects", q="", page_number=1)
    record("pages.projects", await site.inspect_page("projects"))
    rows = await site.shown_rows("projects", "projects")
    approved = await _first_approved(remote, rows, period)
    if approved is None:
        results.append(CheckResult(f"forms.{PROGRESS}", False,
                                   f"ไม่พบโครงการที่อนุมัติแล้วในรายการ จึงเปิดแบบฟอร์มรายงานผล {period.id} มาตรวจไม่ได้"))
    else:
        record(f"forms.{PROGRESS}", await site.inspect_step(PROGRESS, PROGRESS, months=quarter_keys(period)))
    await _check_entry(remote, rows, period, record, results)
    return results


async def _first_approved(remote, rows: list[dict], period) -> int | None:
    """The first project whose progress form opens for the period (the site answers 409 before
    the ministry approves a project)."""
    for row in rows:
        response = await read(remote.site.open_step, PROGRESS, PROGRESS, id=row["id"], quarter=period.number)
        if response is None or response.status == 200:
            return int(row["id"])
    return None


async def _check_entry(remote, rows: list[dict], period, record, results: list[CheckResult]) -> None:
    """The new-project form's first step, then one project's page and every later step."""
    site = remote.site
    steps = site.steps(ENTRY_FORM)
    months = fiscal_keys(period.fiscal_year)
    await read(site.open_step, ENTRY_FORM, steps[0].code, new=True)
    record(f"forms.{ENTRY_FORM}.steps.{steps[0].code}", await remote.step_order() + await site.inspect_step(
        ENTRY_FORM, steps[0].code, months=months))
    if not rows:
        return
    pid = int(rows[0]["id"])
    await read(site.open, "project", id=pid)
    record("pages.project", await site.inspect_page("project", id=pid))
    for step in steps[1:]:
        await read(site.open_step, ENTRY_FORM, step.code, id=pid)
        record(f"forms.{ENTRY_FORM}.steps.{step.code}", await site.inspect_step(ENTRY_FORM, step.code, months=months))
