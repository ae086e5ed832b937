"""Pushing data to a reporting target, the same way for every target.

The flow, one file per step:
    plan.py      plan payloads through the target's hooks, validate them, keep them in the ledger
    preview.py   the dry-run page: a row per record with its diff, screenshot and warnings
    approval.py  the director's approval of one payload set, by hash; voided by any change
    run.py       dry-run and push: a pool of remotes, the ledger committed around every side
                 effect, read back before SUBMITTED, reconcile of SUBMITTING/UNKNOWN first
    lock.py      one push per (office, target, period) at a time
    browser.py   Chromium launch and the strict locator resolver
    report.py    the unit's summary of a push (xlsx, docx)
"""
