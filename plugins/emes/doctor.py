"""``cli.py doctor emes``: walk every page the push and the confirmation use, as a person does
— pick the year and round, enter the round, open each standard and the first point of each
kind (narrative, works) — and ask each the questions of ``core.forms.inspect``, saving nothing: the confirm button and the upload form
are found, never clicked. Which page is which, and what each holds, is forms.yaml."""
from __future__ import annotations

from tidtam.core.contract import CheckResult
from tidtam.core.push.retry import read

from .plan import EVIDENCE_FORM, POINT_FORM, WORKS_FORM


async def check_pages(remote, period=None) -> list[CheckResult]:
    site = remote.site
    results: list[CheckResult] = []

    def record(where: str, findings: list) -> None:
        results.append(CheckResult(where, not findings, ""))
        results.extend(CheckResult(f.key, False, f.message) for f in findings)

    await read(site.open, "rounds")
    record("pages.rounds", await site.inspect_page("rounds"))
    where = await _enter_round(remote, period, results)
    if where is None:
        return results
    confirmed = await site.element("round", "confirmed") == "true"
    findings = await site.inspect_page("round", **where)
    if confirmed:  # a locked round shows no confirm button: nothing to check there
        findings = [f for f in findings if f.key != "pages.round.buttons.confirm"]
        results.append(CheckResult("pages.round.buttons.confirm", True, "รอบนี้ยืนยันแล้ว จึงไม่มีปุ่มยืนยันให้ตรวจ"))
    record("pages.round", findings)
    forms = {"narrative": POINT_FORM, "works": WORKS_FORM}
    evidence = not confirmed
    if confirmed:
        results.append(CheckResult(f"forms.{EVIDENCE_FORM}", True, "รอบนี้ยืนยันแล้ว จึงไม่มีแบบฟอร์มอัปโหลดให้ตรวจ"))
    for n, row in enumerate(await site.shown_rows("round", "standards")):
        at = {**where, "standard": row["href"].rstrip("/").rsplit("/", 1)[-1]}
        await read(site.open, "standard", **at)
        if n == 0:
            record("pages.standard", await site.inspect_page("standard", **at))
        for point in await site.shown_rows("standard", "points"):
            form = forms.pop(point["kind"], None)
            if form is None:
                continue
            await read(site.open_step, form, form, **where, code=point["code"])
            record(f"forms.{form}", await site.inspect_step(form, form))
            if evidence:
                record(f"forms.{EVIDENCE_FORM}", await site.inspect_step(EVIDENCE_FORM, EVIDENCE_FORM))
                evidence = False
    return results


async def _enter_round(remote, period, results: list[CheckResult]) -> dict | None:
    """Pick the year (the period's, or the first offered) and then a round from the list its
    choice fills, and enter: the round's page, as a person reaches it."""
    site = remote.site
    try:
        years = await site.options("rounds", "year")
        year = str(period.fiscal_year) if period is not None and str(period.fiscal_year) in years else (years or [None])[0]
        if year is None:
            results.append(CheckResult("pages.rounds.fields.year", False, "ไม่มีปีงบประมาณให้เลือก"))
            return None
        await site.choose("rounds", "year", year)
        rounds = await site.options("rounds", "round")  # filled by the page's script once a year is chosen
        number = str(period.number) if period is not None and str(period.number) in rounds else rounds[0]
        await site.choose("rounds", "round", number)
        async with remote.page.expect_navigation(wait_until="domcontentloaded"):
            await (await site.button("rounds", "enter")).click()
    except Exception as exc:  # a changed rounds page: reported, the pages behind it not reached
        if type(exc).__name__ not in ("LocatorError", "TimeoutError"):
            raise
        results.append(CheckResult("pages.rounds", False, f"เลือกปีและรอบไม่ได้: {exc}"))
        return None
    found = site.params_in_url(site.spec("round").path)
    if not found:
        results.append(CheckResult("pages.round.path", False, f"เข้าสู่การรายงานแล้วได้หน้า {remote.page.url} "
                                   f"ไม่ตรงกับ path {site.spec('round').path}"))
        return None
    return {"year": found["year"], "round": found["round"]}
