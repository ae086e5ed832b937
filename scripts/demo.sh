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
echo "== สถานะรอบการประเมินที่ 1 (E-MES และตรวจราชการ) =="
tidtam status --period 2570R1 --today 2027-01-10
