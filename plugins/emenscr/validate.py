"""The site's own rules that the form description cannot state, checked before any browser
starts. Each problem names record and field (required fields, lengths, number and date forms
and option texts are checked by core from forms.yaml).

These mirror what eMENSCR refuses (and the stand-in enforces): activity progress 0–100 and not
below the previous quarter, "completed" only with every activity at 100, cumulative
disbursement within the budget, the project code's and phone's forms, budget lines and the
monthly plan adding up to the budget. Values are read from the payload's fill by our logical
names, whatever step forms.yaml puts them in.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from tidtam.core.contract import Payload, Problem
from tidtam.core.forms.plan import flat

from .mapping import EmenscrMapping
from .plan import CREATE, PROGRESS

_CODE = re.compile(r"^\d{4}-\d{3}$")
_PHONE = re.compile(r"^0\d{8,9}$")


def validate(payload: Payload, mapping: EmenscrMapping, forms) -> list[Problem]:
    check = {PROGRESS: _progress, CREATE: _entry}.get(payload.action)
    problems = check(payload, mapping, forms) if check else []
    problems += [Problem(payload.record_key, "-", note, "warning") for note in payload.data.get("_notes", [])]
    return problems


def _decimal(text) -> Decimal | None:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None


def _progress(payload: Payload, mapping: EmenscrMapping, forms) -> list[Problem]:
    data, key, values = payload.data, payload.record_key, flat(payload.data["fill"])
    problems: list[Problem] = []
    add = lambda field, message: problems.append(Problem(key, field, message))  # noqa: E731
    previous = data.get("_previous_percent", {})
    all_done = True
    for n, activity in enumerate(values.get("activities", []), start=1):
        field = f"กิจกรรมที่ {n} (ร้อยละความก้าวหน้า)"
        value = _decimal(activity.get("percent"))
        if value is None or not 0 <= value <= 100:
            add(field, f"ต้องเป็นตัวเลข 0–100 (ได้ \"{activity.get('percent')}\")")
            continue
        before = _decimal(previous.get(str(n), "0"))
        if value < before:
            add(field, f"ต้องไม่น้อยกว่าไตรมาสก่อน (ร้อยละ {previous[str(n)]}) แต่ได้ {activity['percent']}")
        all_done &= value == 100
    status = forms.forms[PROGRESS].steps[0].fields["status"]
    if values.get("status") == status.options.get("completed") and not all_done:
        add(status.label, f"\"{values['status']}\" ต้องมีความก้าวหน้าทุกกิจกรรมร้อยละ 100")
    spent = Decimal(data.get("_disbursed_before", "0"))
    for month, amount in (values.get("disbursed") or {}).items():
        if _decimal(amount) is not None:
            spent += Decimal(amount)
    budget = Decimal(data["_budget_total"])
    if spent > budget:
        add("ผลการเบิกจ่าย", f"ยอดเบิกจ่ายสะสม {spent:,.2f} บาท เกินงบประมาณโครงการ {budget:,.2f} บาท")
    return problems


def _entry(payload: Payload, mapping: EmenscrMapping, forms) -> list[Problem]:
    key, values = payload.record_key, flat(payload.data["fill"])
    problems: list[Problem] = []
    add = lambda field, message: problems.append(Problem(key, field, message))  # noqa: E731
    if values.get("code") and not _CODE.match(values["code"]):
        add("รหัสโครงการ", f"ต้องอยู่ในรูปแบบ ปปปป-ลลล (ได้ \"{values['code']}\")")
    if values.get("phone") and not _PHONE.match(values["phone"]):
        add("โทรศัพท์ของผู้รับผิดชอบ", f"ต้องเป็นตัวเลข 9–10 หลัก ขึ้นต้นด้วย 0 (ได้ \"{values['phone']}\") — แก้ที่ข้อมูลบุคลากร")
    for n, activity in enumerate(values.get("activities") or [], start=1):
        if not activity.get("start_month"):
            add(f"กิจกรรมที่ {n}", "ไม่มีเดือนที่ดำเนินการ")
    if "budget_lines" in values and not values["budget_lines"]:
        add("งบประมาณตามแหล่งเงิน", "ต้องมีอย่างน้อย 1 รายการ (ระบบบังคับ) — เพิ่มงบประมาณของโครงการ "
            "หรือกำหนด no_budget_line ใน mapping.yaml สำหรับโครงการที่ไม่ใช้งบประมาณ")
    total = _decimal(values.get("budget_total"))
    if total is not None:
        lines = sum((_decimal(b.get("amount")) or 0 for b in values.get("budget_lines") or []), Decimal(0))
        plan = sum((_decimal(v) or 0 for v in (values.get("spending_plan") or {}).values()), Decimal(0))
        if lines != total:
            add("งบประมาณตามแหล่งเงิน", f"ผลรวม {lines:,.2f} บาท ไม่เท่ากับงบประมาณรวม {total:,.2f} บาท")
        if "spending_plan" in values and plan != total:
            add("แผนการใช้จ่ายรายเดือน", f"ผลรวมงบของกิจกรรม {plan:,.2f} บาท ไม่เท่ากับงบประมาณรวม {total:,.2f} บาท")
    return problems
