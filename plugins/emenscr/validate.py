"""The site's own rules, checked before any browser starts. Each problem names record and field.

These mirror what eMENSCR refuses (and the stand-in enforces): required fields, number ranges,
activity progress not below the previous quarter, "completed" only with every activity at 100,
money with at most two decimals, cumulative disbursement within the budget, text lengths.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from tidtam.core.contract import Payload, Problem

from .mapping import EmenscrMapping
from .plan import CREATE, PROGRESS, month_label

_MONEY = re.compile(r"^\d+(\.\d{1,2})?$")
_CODE = re.compile(r"^\d{4}-\d{3}$")
_PHONE = re.compile(r"^0\d{8,9}$")


def validate(payload: Payload, mapping: EmenscrMapping) -> list[Problem]:
    check = {PROGRESS: _progress, CREATE: _entry}.get(payload.action)
    problems = check(payload, mapping) if check else []
    problems += [Problem(payload.record_key, "-", note, "warning") for note in payload.data.get("_notes", [])]
    return problems


def _decimal(text) -> Decimal | None:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None


def _progress(payload: Payload, mapping: EmenscrMapping) -> list[Problem]:
    data, key = payload.data, payload.record_key
    problems: list[Problem] = []
    add = lambda field, message: problems.append(Problem(key, field, message))  # noqa: E731
    previous = data.get("_previous_percent", {})
    all_done = True
    for activity in data["activities"]:
        field = f"กิจกรรมที่ {activity['n']} (ร้อยละความก้าวหน้า)"
        value = _decimal(activity["percent"])
        if value is None or not 0 <= value <= 100:
            add(field, f"ต้องเป็นตัวเลข 0–100 (ได้ \"{activity['percent']}\")")
            continue
        before = _decimal(previous.get(str(activity["n"]), "0"))
        if value < before:
            add(field, f"ต้องไม่น้อยกว่าไตรมาสก่อน (ร้อยละ {previous[str(activity['n'])]}) แต่ได้ {activity['percent']}")
        all_done &= value == 100
    if data["status"] == mapping.statuses["completed"] and not all_done:
        add("สถานะการดำเนินงาน", f"\"{data['status']}\" ต้องมีความก้าวหน้าทุกกิจกรรมร้อยละ 100")
    if data["status"] not in mapping.statuses.values():
        add("สถานะการดำเนินงาน", f"ไม่มีในรายการของระบบ: \"{data['status']}\"")
    for kpi in data["kpis"]:
        field = f"ตัวชี้วัดที่ {kpi['n']} (ผลการดำเนินงาน)"
        if not kpi["result"]:
            add(field, "ต้องกรอก (ระบบบังคับ) — ยังไม่มีผลหรือหมายเหตุของตัวชี้วัดนี้")
        elif len(kpi["result"]) > mapping.limits.kpi_result:
            add(field, f"ยาว {len(kpi['result'])} ตัวอักษร เกิน {mapping.limits.kpi_result}")
    spent = Decimal(data.get("_disbursed_before", "0"))
    for month, amount in data["disbursed"].items():
        if not _MONEY.match(amount):
            add(f"ผลการเบิกจ่าย เดือน {month_label(month)}", f"ต้องเป็นจำนวนเงินไม่ติดลบ ทศนิยมไม่เกิน 2 ตำแหน่ง (ได้ \"{amount}\")")
        else:
            spent += Decimal(amount)
    budget = Decimal(data["_budget_total"])
    if spent > budget:
        add("ผลการเบิกจ่าย", f"ยอดเบิกจ่ายสะสม {spent:,.2f} บาท เกินงบประมาณโครงการ {budget:,.2f} บาท")
    if len(data["problems"]) > mapping.limits.problems:
        add("ปัญหาอุปสรรค", f"ยาว {len(data['problems'])} ตัวอักษร เกิน {mapping.limits.problems}")
    return problems


def _entry(payload: Payload, mapping: EmenscrMapping) -> list[Problem]:
    steps, key, limits = payload.data["steps"], payload.record_key, mapping.limits
    problems: list[Problem] = []
    add = lambda field, message: problems.append(Problem(key, field, message))  # noqa: E731
    m1, m3, m4, m5 = steps["M1"], steps["M3"], steps["M4"], steps["M5"]
    if not _CODE.match(m1["code"]):
        add("M1 รหัสโครงการ", f"ต้องอยู่ในรูปแบบ ปปปป-ลลล (ได้ \"{m1['code']}\")")
    if not _PHONE.match(m1["phone"]):
        add("M1 เบอร์โทรศัพท์ผู้รับผิดชอบ", f"ต้องเป็นตัวเลข 9–10 หลัก ขึ้นต้นด้วย 0 (ได้ \"{m1['phone']}\") — แก้ที่ข้อมูลบุคลากร")
    for field, label in (("owner", "ผู้รับผิดชอบโครงการ"), ("start_date", "วันเริ่มต้น (จากเดือนของกิจกรรม)"), ("name", "ชื่อโครงการ")):
        if not m1[field]:
            add(f"M1 {label}", "ต้องกรอก (ระบบบังคับ)")
    for field in ("strategy", "strategy_goal", "master_plan", "master_plan_target", "sub_plan", "sub_plan_target", "sdg"):
        if not steps["M2"][field]:
            add(f"M2 {field}", "ต้องเชื่อมโยงกับแผนนี้ (ระบบบังคับ) — เพิ่มในความเชื่อมโยงของโครงการ")
    for field, limit in (("rationale", limits.rationale), ("objectives", limits.objectives), ("target_groups", limits.target_groups)):
        if not m3[field]:
            add(f"M3 {field}", "ต้องกรอก (ระบบบังคับ)")
        elif len(m3[field]) > limit:
            add(f"M3 {field}", f"ยาว {len(m3[field])} ตัวอักษร เกิน {limit}")
    if not m3["kpis"]:
        add("M3 ตัวชี้วัด", "ต้องมีอย่างน้อย 1 ตัวชี้วัด")
    if not m4["activities"]:
        add("M4 กิจกรรม", "ต้องมีอย่างน้อย 1 กิจกรรม")
    for n, activity in enumerate(m4["activities"], start=1):
        if not activity["start_month"]:
            add(f"M4 กิจกรรมที่ {n}", "ไม่มีเดือนที่ดำเนินการ")
    if not m5["budget_lines"]:
        add("M5 งบประมาณตามแหล่งเงิน", "ต้องมีอย่างน้อย 1 รายการ (ระบบบังคับ) — เพิ่มงบประมาณของโครงการ "
            "หรือกำหนด no_budget_line ใน mapping.yaml สำหรับโครงการที่ไม่ใช้งบประมาณ")
    total = Decimal(m5["budget_total"])
    lines = sum(Decimal(b["amount"]) for b in m5["budget_lines"])
    plan = sum(Decimal(v) for v in m5["spending_plan"].values())
    if lines != total:
        add("M5 งบประมาณตามแหล่งเงิน", f"ผลรวม {lines:,.2f} บาท ไม่เท่ากับงบประมาณรวม {total:,.2f} บาท")
    if plan != total:
        add("M5 แผนการใช้จ่ายรายเดือน", f"ผลรวมงบของกิจกรรม {plan:,.2f} บาท ไม่เท่ากับงบประมาณรวม {total:,.2f} บาท")
    return problems
