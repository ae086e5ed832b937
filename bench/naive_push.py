"""The naive way, kept as a yardstick for bench/push_bench.py: a new browser per record, one
record after another, fixed waits instead of waiting for conditions, no ledger, no read-back.
Do not use this to report anything: it is here only to be beaten.

    python bench/naive_push.py URL RECORDS.json
"""
from __future__ import annotations

import json
import sys
import time

from playwright.sync_api import sync_playwright

FIXED_WAIT = 1.0  # seconds after each click, "to be safe"


def push_one(playwright, url: str, user: str, password: str, record: dict) -> None:
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                         args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
    page = browser.new_page()
    page.goto(url + "/login")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("button[type=submit]")
    time.sleep(FIXED_WAIT)
    page.goto(f"{url}/projects?q={record['code']}")
    project_id = page.locator(f"tr[data-project-code='{record['code']}']").get_attribute("data-project-id")
    page.goto(f"{url}/projects/{project_id}/progress/{record['quarter']}")
    for name, value in record["values"].items():
        if name == "status":
            page.select_option(f"#{name}", value=value)
        else:
            page.fill(f"#{name}", value)
    page.click("#save-progress")
    time.sleep(FIXED_WAIT)
    browser.close()


def main(url: str, records_path: str) -> None:
    from tidtam.sandbox.site import demo_credentials  # the stand-in's demo account (bench only)

    user, password = demo_credentials()
    records = json.loads(open(records_path, encoding="utf-8").read())
    with sync_playwright() as playwright:
        for record in records:
            push_one(playwright, url, user, password, record)


if __name__ == "__main__":
    main(*sys.argv[1:3])
