"""``cli.py doctor emes`` and ``discover emes``: walk every page the push and the confirmation use,
as a person does — pick the year and round, enter the round, open each standard and the first point
of each kind (narrative, works) — saving nothing: the confirm button and the upload form are found,
never clicked. At each, doctor asks the questions of ``core.forms.inspect``; discover records what
the page holds (``core.forms.discover``). Which page is which, and what each holds, is forms.yaml."""
from __future__ import annotations

from tidtam.core.contract import CheckResult
from tidtam.core.push.retry import read

from .plan import EVIDENCE_FORM, POINT_FORM, WORKS_FORM


async def walk(remote, period, look) -> None:
    """``await look(key, inspect)`` on each page once it is shown: ``key`` its forms.yaml key,
    ``inspect()`` doctor's questions about it; a ``CheckResult`` instead for what is not shown."""
    site = remote.site
    await read(site.open, "rounds")
    await look("pages.rounds", lambda: site.inspect_page("rounds"))
    where = await _enter_round(remote, period)
    if isinstance(where, CheckResult):
        await look("pages.round", where)
        return
    confirmed = await site.element("round", "confirmed") == "true"
    if confirmed:  # a locked round shows no confirm button and no upload form: nothing to check there
        await look("pages.round.buttons.confirm", CheckResult("pages.round.buttons.confirm", True, "รอบนี้ยืนยันแล้ว จึงไม่มีปุ่มยืนยันให้ตรวจ"))
        await look(f"forms.{EVIDENCE_FORM}", CheckResult(f"forms.{EVIDENCE_FORM}", True, "รอบนี้ยืนยันแล้ว จึงไม่มีแบบฟอร์มอัปโหลดให้ตรวจ"))
    await look("pages.round", lambda: _round_findings(site, where, confirmed))
    forms, evidence = {"narrative": POINT_FORM, "works": WORKS_FORM}, not confirmed
    for n, row in enumerate(await site.shown_rows("round", "standards")):
        at = {**where, "standard": row["href"].rstrip("/").rsplit("/", 1)[-1]}
        await read(site.open, "standard", **at)
        if n == 0:
            await look("pages.standard", lambda: site.inspect_page("standard", **at))
        for point in await site.shown_rows("standard", "points"):
            form = forms.pop(point["kind"], None)
            if form is None:
                continue
            await read(site.open_step, form, form, **where, code=point["code"])
            await look(f"forms.{form}.steps.{form}", lambda: site.inspect_step(form, form))
            if evidence:  # on the same page as the point's form
                await look(f"forms.{EVIDENCE_FORM}.steps.{EVIDENCE_FORM}", lambda: site.inspect_step(EVIDENCE_FORM, EVIDENCE_FORM))
                evidence = False


async def _round_findings(site, where: dict, confirmed: bool) -> list:
    findings = await site.inspect_page("round", **where)
    return [f for f in findings if not (confirmed and f.key == "pages.round.buttons.confirm")]


async def _enter_round(remote, period) -> dict | CheckResult:
    """Pick the year (the period's, or the first offered) and then a round from the list its
    choice fills, and enter: the round's page, as a person reaches it; or why it could not."""
    site = remote.site
    try:
        years = await site.options("rounds", "year")
        year = str(period.fiscal_year) if period is not None and str(period.fiscal_year) in years else (years or [None])[0]
        if year is None:
            return CheckResult("pages.rounds.fields.year", False, "ไม่มีปีงบประมาณให้เลือก")
        await site.choose("rounds", "year", year)
        rounds = await site.options("rounds", "round")  # filled by the page's script once a year is chosen
        number = str(period.number) if period is not None and str(period.number) in rounds else rounds[0]
        await site.choose("rounds", "round", number)
        async with remote.page.expect_navigation(wait_until="domcontentloaded"):
            await (await site.button("rounds", "enter")).click()
    except Exception as exc:  # a changed rounds page: reported, the pages behind it not reached
        if type(exc).__name__ not in ("LocatorError", "TimeoutError"):
            raise
        return CheckResult("pages.rounds", False, f"เลือกปีและรอบไม่ได้: {exc}")
    found = site.params_in_url(site.spec("round").path)
    if not found:
        return CheckResult("pages.round.path", False, f"เข้าสู่การรายงานแล้วได้หน้า {remote.page.url} "
                           f"ไม่ตรงกับ path {site.spec('round').path}")
    return {"year": found["year"], "round": found["round"]}
