"""``cli.py doctor emenscr`` and ``discover emenscr``: walk every page the push uses, as the push
reaches them, saving nothing: the project list and its paging, an approved project's progress
form, the new-project form (M1) and an existing project's page and steps. At each, doctor asks the
questions of ``core.forms.inspect``; discover records what the page holds (``core.forms.discover``).
Which page is which, and what each holds, is forms.yaml; this module only knows the way."""
from __future__ import annotations

from tidtam.core.contract import CheckResult
from tidtam.core.periods import current_fiscal_year, quarter
from tidtam.core.push.retry import read

from .plan import ENTRY_FORM, PROGRESS, fiscal_keys, quarter_keys


async def walk(remote, period, look) -> None:
    """``await look(key, inspect)`` on each page the push uses, once it is shown: ``key`` its
    forms.yaml key, ``inspect()`` doctor's questions about it; a ``CheckResult`` for a page not reached."""
    site = remote.site
    period = period if period is not None and period.kind == "Q" else quarter(current_fiscal_year(), 1)
    await read(site.open, "projects", q="", page_number=1)
    await look("pages.projects", lambda: site.inspect_page("projects"))
    rows = await site.shown_rows("projects", "projects")
    if await _first_approved(remote, rows, period) is None:
        await look(f"forms.{PROGRESS}", CheckResult(f"forms.{PROGRESS}", False, "ไม่พบโครงการที่อนุมัติแล้วในรายการ "
                                                    "จึงเปิดแบบฟอร์มรายงานผลมาตรวจไม่ได้"))
    else:
        await look(f"forms.{PROGRESS}.steps.{PROGRESS}", lambda: site.inspect_step(PROGRESS, PROGRESS, months=quarter_keys(period)))
    steps, months = site.steps(ENTRY_FORM), fiscal_keys(period.fiscal_year)
    first = steps[0].code
    await read(site.open_step, ENTRY_FORM, first, new=True)
    await look(f"forms.{ENTRY_FORM}.steps.{first}",
               lambda: _with_order(remote, site.inspect_step(ENTRY_FORM, first, months=months)))
    if not rows:
        return
    pid = int(rows[0]["id"])
    await read(site.open, "project", id=pid)
    await look("pages.project", lambda: site.inspect_page("project", id=pid))
    for step in steps[1:]:
        await read(site.open_step, ENTRY_FORM, step.code, id=pid)
        await look(f"forms.{ENTRY_FORM}.steps.{step.code}", lambda code=step.code: site.inspect_step(ENTRY_FORM, code, months=months))


async def _with_order(remote, findings) -> list:
    return await remote.step_order() + await findings


async def _first_approved(remote, rows: list[dict], period) -> int | None:
    """The first project whose progress form opens for the period (the site answers 409 before
    the ministry approves a project)."""
    for row in rows:
        response = await read(remote.site.open_step, PROGRESS, PROGRESS, id=row["id"], quarter=period.number)
        if response is None or response.status == 200:
            return int(row["id"])
    return None
