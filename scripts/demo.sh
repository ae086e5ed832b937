#!/usr/bin/env bash
# The main job, end to end, on the embedded default (SQLite in the user's data dir):
# set up, load the demo office, and show what the unit sees at the end of 2570Q1.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
tidtam() { .venv/bin/python cli.py "$@"; }

echo "== โหลดสำนักงานตัวอย่าง =="
tidtam demo
echo
echo "== ปลั๊กอินที่ติดตั้ง =="
tidtam plugins
echo
echo "== ปฏิทินการปฏิบัติงาน ปีงบประมาณ 2570 =="
tidtam calendar --fy 2570
echo
echo "== สถานะไตรมาสที่ 1 (ใครยังไม่ส่งข้อมูล) =="
tidtam status --period 2570Q1 --today 2027-01-10
echo
OUT=${TIDTAM_DEMO_OUT:-$PWD/demo-output}
rm -rf "$OUT/แบบรายงาน_2570Q1"
echo "== ส่งแบบรายงาน Excel ให้ผู้รับผิดชอบแต่ละคน =="
tidtam templates make --period 2570Q1 --out "$OUT/แบบรายงาน_2570Q1" | tail -n 1
echo "== ผู้รับผิดชอบกรอกแล้วส่งคืน (จำลอง) แล้วนำเข้า =="
.venv/bin/python -m tidtam.demo.reply "$OUT/แบบรายงาน_2570Q1"
tidtam import "$OUT/แบบรายงาน_2570Q1" | tail -n 1
echo
echo "== ความครบถ้วนรายผู้รับผิดชอบ (รหัสออก 3 = ยังมีรายการขาด) =="
tidtam completeness --period 2570Q1 --today 2027-01-10 || [ $? -eq 3 ]
echo
echo "== สถานะรอบการประเมินที่ 1 (E-MES และตรวจราชการ) =="
tidtam status --period 2570R1 --today 2027-01-10
echo
echo "== รายงานความก้าวหน้าไตรมาสที่ 1 สำหรับที่ประชุม (docx, xlsx, แผนภูมิ) =="
tidtam report progress --period 2570Q1 --date 2027-01-20 --out "$OUT/รายงานความก้าวหน้า_2570Q1" | tail -n 1
