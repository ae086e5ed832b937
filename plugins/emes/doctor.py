"""``cli.py doctor emes``: log in, pick the year and round as a person does, and resolve every
locator the push and the confirmation use, on every page they visit. Nothing is saved: the
confirm button and the upload form are found, never clicked."""
from __future__ import annotations

from tidtam.core.contract import CheckResult
from tidtam.core.push.browser import LocatorError, resolve
from tidtam.core.push.retry import read


async def check_locators(remote) -> list[CheckResult]:
    results = [CheckResult("pages.login.*", True, "เข้าสู่ระบบได้ (ตรวจ username, password, submit แล้ว)")]
    page, locators = remote.page, remote.locators

    async def check(page_name: str, name: str, **params):
        key = locators.key_of(page_name, name) + (f" (ระดับ {params['level']})" if "level" in params else "")
        try:
            element = await resolve(page, locators, page_name, name, **params)
            results.append(CheckResult(key, True))
            return element
        except LocatorError as exc:
            results.append(CheckResult(key, False, str(exc)))
            return None

    # เลือกปีงบประมาณ → รอบการประเมิน (filled by the page's script) → เข้าสู่การรายงาน
    await read(remote.goto, remote.mapping.paths.rounds)
    year = await check("rounds", "year")
    round_select = await check("rounds", "round")
    enter = await check("rounds", "enter")
    if not (year and round_select and enter):
        return results
    years = [v for v in await year.locator("option").evaluate_all("o => o.map(x => x.value)") if v]
    if not years:
        results.append(CheckResult("pages.rounds.year", False, "ไม่มีปีงบประมาณให้เลือก"))
        return results
    await year.select_option(years[0])
    await page.wait_for_function("s => !s.disabled && s.options.length > 1", arg=await round_select.element_handle())
    rounds = [v for v in await round_select.locator("option").evaluate_all("o => o.map(x => x.value)") if v]
    await round_select.select_option(rounds[0])
    async with page.expect_navigation(wait_until="domcontentloaded"):
        await enter.click()

    status = await check("round", "status")
    await check("round", "standards")
    confirmed = status is not None and await status.get_attribute("data-confirmed") == "true"
    if confirmed:
        results.append(CheckResult("pages.round.confirm", True, "รอบนี้ยืนยันแล้ว จึงไม่มีปุ่มยืนยันให้ตรวจ"))
    else:
        await check("round", "confirm")

    # the first indicator of the first standard
    await page.locator("#standard-table a").first.click()
    await page.wait_for_load_state("domcontentloaded")
    first = page.locator("tr[data-indicator] a").first
    code = await page.locator("tr[data-indicator]").first.get_attribute("data-indicator")
    await first.click()
    await page.wait_for_load_state("domcontentloaded")
    await check("indicator", "title", code=code)
    for level in remote.mapping.levels:
        await check("indicator", "level", level=str(level))
    for name in ("narrative", "links", "save", "form"):
        await check("indicator", name)
    if confirmed:
        results.append(CheckResult("pages.indicator.evidence_*", True, "รอบนี้ยืนยันแล้ว จึงไม่มีแบบฟอร์มอัปโหลดให้ตรวจ"))
    else:
        for name in ("evidence_file", "evidence_description", "evidence_upload"):
            await check("indicator", name)
    rows = locators.pages["indicator"].get("evidence_rows")
    table = await page.locator("#evidence-table").count()
    results.append(CheckResult("pages.indicator.evidence_rows", rows is not None and table == 1,
                               "" if table == 1 else "ไม่พบตารางหลักฐาน (#evidence-table)"))
    return results
