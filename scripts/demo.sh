#!/usr/bin/env bash
# The main job, end to end, on the embedded default (SQLite in the user's data dir):
# set up, load the demo office, and show what the unit sees at the end of 2570Q1.
set -euo pipefail
# Output is cut with sed, never head: head exits early and the writer dies of SIGPIPE (pipefail).
# --site spa: eMENSCR as the real one most likely is (Keycloak sign-in, pages drawn by JavaScript):
# the stand-in's spa profile and the forms version written for it, by this one switch.
SITE=classic
if [ "${1:-}" = "--site" ]; then SITE=${2:?"--site classic หรือ --site spa"}; fi
case "$SITE" in classic|spa) ;; *) echo "--site ต้องเป็น classic หรือ spa" >&2; exit 2 ;; esac
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
echo
echo "== สิ้นไตรมาส: ส่งรายงานผลเข้า eMENSCR (ระบบจำลองบนเครื่องนี้) =="
# The local stand-in of eMENSCR, holding the demo office's projects (entered and approved
# earlier); its demo account is demo / demo-1234. A real office sets its own credentials in the
# keyring or the environment and points config/targets/emenscr/<version>/mapping.yaml at the site.
PORT=8701
if [ "$SITE" = spa ]; then  # the office pins the spa forms version in a copy of config/
  rm -rf "$OUT/config-spa" && cp -r config "$OUT/config-spa"
  sed -i 's/emenscr: {version: "[^"]*"}/emenscr: {version: "2027.1-spa"}/' "$OUT/config-spa/office.yaml"
  grep -q '2027.1-spa' "$OUT/config-spa/office.yaml" || { echo "config/office.yaml: ไม่พบบรรทัด targets.emenscr.version" >&2; exit 1; }
  export TIDTAM_CONFIG_DIR="$OUT/config-spa"
  echo "(eMENSCR แบบ Keycloak + JavaScript: config/targets/emenscr/2027.1-spa)"
fi
: >"$OUT/sandbox.log"
.venv/bin/python cli.py sandbox emenscr --port "$PORT" --office-projects --profile "$SITE" >"$OUT/sandbox.log" 2>&1 &
SANDBOX_PID=$!
trap 'kill "$SANDBOX_PID" 2>/dev/null || true' EXIT
until grep -qs SANDBOX_READY "$OUT/sandbox.log"; do
  kill -0 "$SANDBOX_PID" 2>/dev/null || { cat "$OUT/sandbox.log"; exit 1; }
  sleep 0.2
done
export TIDTAM_EMENSCR_USERNAME=demo TIDTAM_EMENSCR_PASSWORD=demo-1234
echo "-- ตรวจว่าหน้าเว็บยังตรงกับ forms.yaml (ไม่บันทึกอะไร) --"
tidtam doctor emenscr --period 2570Q1 | tail -n 1
echo "-- ตัวอย่างก่อนส่ง รวมโครงการที่ยังไม่มีในระบบ 4 โครงการ (กรอกแบบฟอร์มจริงแต่ไม่บันทึก ถามหน้าเว็บว่ารับหรือไม่ ถ่ายภาพ) --"
tidtam push emenscr --period 2570Q1 --dry-run --new-projects >"$OUT/dry-run.txt" || [ $? -eq 3 ]
head -n 1 "$OUT/dry-run.txt"
errors=$(grep -c '^✗' "$OUT/dry-run.txt" || true)
if [ "$errors" -gt 0 ]; then
  echo "ข้อผิดพลาดที่ต้องแก้ $errors ข้อ (ระบุโครงการและช่อง) ดูทั้งหมดใน $OUT/dry-run.txt เช่น:"
  grep '^✗' "$OUT/dry-run.txt" | sed -n '1,3p'
else
  echo "ข้อมูลทุกรายการผ่านการตรวจตามกฎของระบบ"
fi
tail -n 3 "$OUT/dry-run.txt"
echo "-- ผู้อำนวยการอนุมัติชุดข้อมูลนี้ (ผูกกับค่าแฮช; ถ้าตัวอย่างพบรายการที่ยังไม่พร้อม จะอนุมัติไม่ได้จนกว่าจะแก้ หรือใช้ --only-ready) --"
tidtam approve emenscr --period 2570Q1 --by "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา (สาธิต)"
echo "-- ส่งจริง: บันทึกทีละรายการ แล้วอ่านค่ากลับมาตรวจ (โครงการใหม่: ค้นหาด้วยรหัสก่อนสร้าง บันทึก M1–M5 แล้วส่งขออนุมัติ M7) --"
# Progress of a project entered just now waits for the ministry's approval: push says so (exit 3).
tidtam push emenscr --period 2570Q1 || [ $? -eq 3 ]
echo "-- กระทรวงอนุมัติโครงการใหม่ (ในระบบจำลองทำผ่าน /__admin แทนกระทรวง) แล้ว push อีกครั้ง: ส่งเฉพาะที่ยังค้าง --"
sent=$(curl -s "http://127.0.0.1:$PORT/__admin/state" | .venv/bin/python -c '
import json, sys
print(" ".join(str(p["id"]) for p in json.load(sys.stdin)["store"]["projects"] if p["status"] == "sent"))')
for id in $sent; do curl -s -X POST "http://127.0.0.1:$PORT/__admin/projects/$id/approve" >/dev/null; done
tidtam push emenscr --period 2570Q1
echo "-- อ่านกลับจากระบบจำลอง: จำนวนครั้งที่บันทึกต่อโครงการ --"
curl -s "http://127.0.0.1:$PORT/__admin/state" | .venv/bin/python -c '
import collections, json, sys
writes = json.load(sys.stdin)["writes"]
count = lambda action, key: collections.Counter(key(w) for w in writes if w["action"] == action)
saves = count("progress.save", lambda w: w["target"]["project_id"])
creates = count("project.create", lambda w: w["data"]["code"])
sends = count("project.send", lambda w: w["target"]["project_id"])
print(f"บันทึกผลไตรมาส {len(saves)} โครงการ, บันทึกซ้ำ {sum(1 for n in saves.values() if n > 1)} โครงการ")
codes = ", ".join(sorted(creates))
print(f"สร้างโครงการใหม่ {len(creates)} โครงการ ({codes}), สร้างซ้ำ {sum(1 for n in creates.values() if n > 1)}; "
      f"ส่งขออนุมัติ {len(sends)} โครงการ, ส่งซ้ำ {sum(1 for n in sends.values() if n > 1)}")'
tidtam report emenscr --period 2570Q1 --out "$OUT/สรุปการส่ง_eMENSCR_2570Q1" | tail -n 2
echo
echo "เปิดหน้าตัวอย่างก่อนส่งได้ที่: $(grep -o '/.*preview.html' "$OUT/dry-run.txt")"
echo
echo "== รายงานการตรวจราชการ รอบที่ 1: ชุดเอกสาร อนุมัติ แล้วส่งทางอีเมล (เซิร์ฟเวอร์อีเมลจำลองบนเครื่องนี้) =="
# Demo only: three placeholder pictures shipped in demo/photos/ (drawn with Pillow) become the
# good-practice evidence of indicators 1.1, 2.1 and 5.1, stored through core/evidence.py.
.venv/bin/python -m tidtam.demo.photos
tidtam package inspection --round 2570R1 --date 2027-03-20 --allow-incomplete --out "$OUT/ตรวจราชการ_2570R1" | tail -n 4
# The local SMTP + IMAP stand-in: the region's mailbox and the unit's archive mailbox (BCC).
MAIL_LOG="$OUT/mail.log"
.venv/bin/python -m tidtam.sandbox.mail --smtp-port 8025 --imap-port 8143 --admin-port 8703 >"$MAIL_LOG" 2>&1 &
MAIL_PID=$!
trap 'kill "$SANDBOX_PID" "$MAIL_PID" 2>/dev/null || true' EXIT
until grep -qs SANDBOX_READY "$MAIL_LOG"; do
  kill -0 "$MAIL_PID" 2>/dev/null || { cat "$MAIL_LOG"; exit 1; }
  sleep 0.2
done
export TIDTAM_INSPECTION_ARCHIVE_USERNAME=archive@demo-esa.example TIDTAM_INSPECTION_ARCHIVE_PASSWORD=demo-1234
tidtam deliver inspection --round 2570R1 --dry-run | tail -n 4
tidtam approve inspection --period 2570R1 --by "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา (สาธิต)" | sed -n '1,1p'
tidtam deliver inspection --round 2570R1
echo "-- อ่านกลับจากเซิร์ฟเวอร์อีเมลจำลอง --"
curl -s "http://127.0.0.1:8703/__admin/state" | .venv/bin/python -c '
import collections, json, sys
state = json.load(sys.stdin)
region = collections.Counter(m["message_id"] for m in state["messages"] if "inspection@region15.example" in m["rcpt_tos"])
files = sum(len(m["attachments"]) for m in state["messages"])
print(f"กล่องจดหมายของภาคได้รับ {len(region)} ฉบับ ไฟล์แนบ {files} ไฟล์, ได้รับซ้ำ {sum(1 for n in region.values() if n > 1)} ฉบับ")'
echo "ชุดเอกสารสำหรับเปิดดู: $OUT/ตรวจราชการ_2570R1"
echo
echo "== E-MES รอบที่ 1: ส่งผลรายประเด็นการพิจารณา ผลงานเรียงลำดับ และไฟล์ แล้วยืนยันรอบ (ระบบจำลองบนเครื่องนี้) =="
# Demo only: the owners of the points the demo data leaves open send their results, the works
# point gets its five ranked works (a report file drawn here with Pillow and a video link each),
# and a demo picture becomes a point's evidence (files stored once by sha256 through core/evidence.py).
OUT="$OUT" .venv/bin/python - <<'PY'
import os
from pathlib import Path
from PIL import Image
from sqlalchemy import select
from tidtam.core import models as m
from tidtam.core.app import App
from tidtam.core.evidence import add_evidence
app = App(None)
folder = Path(os.environ["OUT"]) / "ผลงาน_E-MES"
folder.mkdir(parents=True, exist_ok=True)
with app.db.session(actor="demo") as session:
    office = app.office(session)
    points = session.scalars(select(m.EmesPoint).join(m.EmesIndicator).join(m.EmesStandard).where(
        m.EmesStandard.office_id == office.id, m.EmesStandard.fiscal_year == 2570)).all()
    results = {r.point_id: r for r in session.scalars(select(m.EmesResult).where(
        m.EmesResult.point_id.in_([p.id for p in points]), m.EmesResult.period == "2570R1"))}
    for point in points:
        if point.id not in results:
            results[point.id] = m.EmesResult(point_id=point.id, period="2570R1", level=3 if point.asks_level else None, links=[],
                narrative="" if point.kind == "works" else f"ผู้รับผิดชอบรายงานผลการดำเนินงานตามประเด็นการพิจารณา {point.code} {point.text} (ข้อมูลสาธิต)")
            session.add(results[point.id])
    session.flush()
    by_code = {p.code: results[p.id] for p in points}
    for point in (p for p in points if p.kind == "works"):
        works = []
        for rank in range(1, point.works + 1):
            report = folder / f"รายงานผลงานลำดับที่_{rank}.pdf"
            Image.new("RGB", (300, 420), (40 * rank, 120, 200 - 30 * rank)).save(report, "PDF")
            held = add_evidence(session, office, report, emes_result=by_code[point.code])
            works.append({"title": f"ผลงานที่แสดงความสำเร็จ ลำดับที่ {rank} (สาธิต)", "video": f"https://www.youtube.com/watch?v=demo-esa-0{rank}",
                          "file": report.name, "sha256": held.sha256})
        by_code[point.code].works = works
    if not session.scalars(select(m.EvidenceFile).where(m.EvidenceFile.emes_result_id == by_code["1.1.3"].id)).first():
        add_evidence(session, office, Path("demo/photos/good-practice-1.1.jpg"), emes_result=by_code["1.1.3"])
print(f"ผลครบ {len(points)} ประเด็นการพิจารณา ผลงานเรียงลำดับ 5 ผลงานพร้อมไฟล์รายงาน และภาพหลักฐาน 1 ไฟล์ (สาธิต)")
PY
EMES_LOG="$OUT/sandbox-emes.log"
.venv/bin/python cli.py sandbox emes --port 8702 >"$EMES_LOG" 2>&1 &
EMES_PID=$!
trap 'kill "$SANDBOX_PID" "$MAIL_PID" "$EMES_PID" 2>/dev/null || true' EXIT
until grep -qs SANDBOX_READY "$EMES_LOG"; do
  kill -0 "$EMES_PID" 2>/dev/null || { cat "$EMES_LOG"; exit 1; }
  sleep 0.2
done
export TIDTAM_EMES_USERNAME=demo TIDTAM_EMES_PASSWORD=demo-1234
echo "-- ตัวอย่างก่อนส่ง (กรอกแบบฟอร์มแต่ไม่บันทึก ถ่ายภาพ รายการหลักฐานพร้อมขนาด) --"
tidtam push emes --period 2570R1 --dry-run | tee "$OUT/emes-dry-run.txt" | sed -n '1,2p'
tidtam approve emes --period 2570R1 --by "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา (สาธิต)" | sed -n '1,1p'
echo "-- ส่งจริง: บันทึกทีละประเด็นการพิจารณา อัปโหลดไฟล์ที่ระบบยังไม่มี (ตรวจด้วย sha256) แล้วอ่านกลับ --"
tidtam push emes --period 2570R1 | tail -n 2
echo "-- ยืนยันการส่งข้อมูลรอบ (ล็อกข้อมูล) เป็นคำสั่งแยก มีตัวอย่างและการอนุมัติของตัวเอง --"
tidtam confirm emes --round 2570R1 --dry-run | tail -n 3
tidtam confirm emes --round 2570R1 --approve "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา (สาธิต)" | sed -n '1,1p'
tidtam confirm emes --round 2570R1
curl -s "http://127.0.0.1:8702/__admin/state" | .venv/bin/python -c '
import collections, json, sys
state = json.load(sys.stdin)
saves = collections.Counter(w["target"]["point"] for w in state["writes"] if w["action"] == "point.save")
files = collections.Counter(e["sha256"] for e in state["store"]["evidence"] if not e["deleted"])
confirms = sum(1 for w in state["writes"] if w["action"] == "round.confirm")
print(f"บันทึก {len(saves)} ประเด็นการพิจารณา (ซ้ำ {sum(1 for n in saves.values() if n > 1)}), หลักฐาน {len(files)} ไฟล์ (ซ้ำ {sum(1 for n in files.values() if n > 1)}), ยืนยันรอบ {confirms} ครั้ง")'
tidtam report emes --round 2570R1 --date 2027-03-25 --out "$OUT/E-MES_2570R1" | tail -n 3
echo "เปิดหน้าตัวอย่างก่อนส่ง E-MES ได้ที่: $(grep -o '/.*preview.html' "$OUT/emes-dry-run.txt")"
echo "แฟ้มหลักฐานสำหรับการติดตามเชิงประจักษ์: $OUT/E-MES_2570R1/แฟ้มหลักฐาน/index.html"
