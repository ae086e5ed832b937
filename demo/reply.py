"""Demo only: play the owners who fill in and send back their progress workbooks.

``python -m tidtam.demo.reply FOLDER`` fills about two thirds of the still-empty projects
in every progress template of FOLDER, with believable figures, and saves them — what the
unit would receive by e-mail before running ``cli.py import FOLDER``. Deterministic: the
same templates get the same answers.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import openpyxl

from tidtam.core.intake.layouts import FIRST_DATA_ROW

QUARTER_END = "31/12/2569"
PROBLEMS = [
    "",
    "การโอนจัดสรรงบประมาณล่าช้า จึงเลื่อนกิจกรรมบางส่วนไปไตรมาสถัดไป",
    "ช่วงเวลาดำเนินการตรงกับภารกิจอื่นของสถานศึกษา ได้ประสานปรับกำหนดการแล้ว",
    "",
]


def _dice(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16)


def reply(path: Path) -> int:
    """Fill one workbook as its owner would; returns how many projects were answered."""
    workbook = openpyxl.load_workbook(path)
    projects, activities, kpis = workbook.worksheets[0], workbook["กิจกรรม"], workbook["ตัวชี้วัด"]
    answered = set()
    for row in projects.iter_rows(min_row=FIRST_DATA_ROW):
        code, budget, status = row[0].value, row[2].value or 0, row[3]
        if code is None or status.value is not None or _dice(code) % 3 == 0:
            continue
        status.value = "อยู่ระหว่างดำเนินการ"
        row[4].value = f"{round(budget * (_dice(code + 'b') % 30) / 100, 2):,.2f} บาท"  # as people type it
        row[5].value = QUARTER_END
        row[6].value = PROBLEMS[_dice(code) % len(PROBLEMS)]
        answered.add(code)
    for row in activities.iter_rows(min_row=FIRST_DATA_ROW):
        code, months = row[0].value, str(row[3].value or "")
        if code in answered:
            in_q1 = any(month in months for month in ("ต.ค.", "พ.ย.", "ธ.ค."))
            row[4].value = (50 + _dice(f"{code}{row[1].value}") % 51) if in_q1 else 0
    for row in kpis.iter_rows(min_row=FIRST_DATA_ROW):
        code, target = row[0].value, row[3].value
        if code in answered and row[5].value is None and not row[6].value:
            if target is None:  # a qualitative KPI is reported in words
                row[6].value = "อยู่ระหว่างดำเนินการ จะประเมินผลเมื่อสิ้นสุดกิจกรรม"
            else:
                row[5].value = round(target * (_dice(f"{code}k{row[1].value}") % 40) / 100, 2)
    workbook.save(path)
    return len(answered)


def main(folder: str) -> None:
    total = 0
    for path in sorted(Path(folder).glob("progress_*.xlsx")):
        total += reply(path)
    print(f"ผู้รับผิดชอบส่งแบบรายงานคืน: ตอบเพิ่ม {total} โครงการ")


if __name__ == "__main__":
    main(sys.argv[1])
