"""Project entry as data: a ``create_project`` payload's steps M1–M5 under the step forms' input
names, and the comparison with what the site's step forms show (shared by the browser flow,
the preview and the tests that check the stand-in's seed).

Input names follow the site: a scalar field is its own name (``code``), a repeatable row is
``<rows>-<i>-<column>`` (``kpis-0-name``), a monthly plan is ``<field>-<BE year>-<MM>``
(``spending_plan-2569-10``). Values are the strings the site shows back after a save.
"""
from __future__ import annotations

from tidtam.core.contract import Change, RemoteRecord, payload_hash

STEPS = ("M1", "M2", "M3", "M4", "M5")
# Repeatable rows: the payload's list → the locator names' prefix in locators.yaml (pages.entry).
ROWS = {"kpis": "kpi", "activities": "activity", "budget_lines": "budget_line"}
MONTHS = ("spending_plan",)
STEP_TITLES = {"M1": "ข้อมูลทั่วไป", "M2": "ความสอดคล้องกับแผน", "M3": "หลักการและเหตุผล วัตถุประสงค์ ตัวชี้วัด",
               "M4": "กิจกรรม", "M5": "งบประมาณ"}


def normal(value) -> str:
    """A value as compared with the site: browsers send a textarea's line breaks as CRLF and
    show them back as LF; surrounding blanks are not kept by the site."""
    return str(value if value is not None else "").replace("\r\n", "\n").strip()


def step_inputs(values: dict) -> dict[str, str]:
    """One step's values under the form's input names, in form order."""
    inputs: dict[str, str] = {}
    for name, value in values.items():
        if isinstance(value, list):
            for i, row in enumerate(value):
                for column, cell in row.items():
                    inputs[f"{name}-{i}-{column}"] = normal(cell)
        elif isinstance(value, dict):
            for key, cell in value.items():
                inputs[f"{name}-{key}"] = normal(cell)
        else:
            inputs[name] = normal(value)
    return inputs


def entry_inputs(steps: dict) -> dict[str, dict[str, str]]:
    return {code: step_inputs(steps[code]) for code in STEPS}


def entry_hash(steps: dict) -> str:
    """What ``send_for_approval`` checks the site's M1–M5 against before sending (M7)."""
    return payload_hash(entry_inputs(steps))


def step_diff(code: str, wanted: dict[str, str], shown: dict[str, str] | None) -> list[Change]:
    """Fields of one step where the site differs; a step the site has not saved is one change."""
    if shown is None:
        return [Change(f"{code} {STEP_TITLES[code]}", "(ยังไม่ได้บันทึก)", "บันทึกทั้งขั้นตอน")]
    changes = [Change(f"{code} {name}", shown.get(name, ""), value)
               for name, value in wanted.items() if normal(shown.get(name, "")) != value]
    changes += [Change(f"{code} {name}", value, "(ไม่มี)") for name, value in shown.items()
                if name not in wanted and normal(value)]  # extra rows the site still holds
    return changes


def record(steps: dict, remote_id: str, status: str, held: dict[str, dict[str, str] | None]) -> RemoteRecord:
    """What the site holds for a project entry, compared with the payload's steps."""
    wanted = entry_inputs(steps)
    diff = [change for code in STEPS for change in step_diff(code, wanted[code], held.get(code))]
    values = {"status": status, "steps": {code: held.get(code) for code in STEPS}}
    return RemoteRecord(remote_id, values, matches=not diff, diff=diff)


def held_hash(held: dict[str, dict[str, str] | None]) -> str | None:
    """The hash of M1–M5 as the site shows them, comparable with ``entry_hash``; None if a step
    is not saved."""
    if any(held.get(code) is None for code in STEPS):
        return None
    return payload_hash({code: {name: normal(value) for name, value in held[code].items()} for code in STEPS})
