"""The dry-run page: one HTML file with a row per record — diff, screenshot, warnings — and the
hash of the whole payload set that ``approve`` binds to. Self-contained but for screenshots."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..thai import thai_date

TEMPLATES = Path(__file__).parent / "templates"
STATE_TH = {"preview": "จะส่ง", "invalid": "ข้อมูลไม่ผ่านการตรวจ", "sent": "ส่งแล้ว ไม่ต้องส่งซ้ำ",
            "error": "อ่านหรือเปิดแบบฟอร์มไม่ได้"}
ACTION_TH = {"progress": "รายงานผลรายไตรมาส", "create_project": "บันทึกโครงการ (M1–M5)",
             "send_for_approval": "ส่งขออนุมัติ (M7)"}


def write_preview(path: Path, t, period, rows, digest: str, options) -> Path:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    now = datetime.now()
    html = env.get_template("preview.html.j2").render(
        target=t.spec, period=period, rows=rows, digest=digest, mode=options.mode, office=t.office_code,
        generated=f"{thai_date(now.date())} {now:%H:%M} น.", state_th=STATE_TH, action_th=ACTION_TH,
        counts={state: sum(1 for r in rows if r.state == state) for state in STATE_TH},
        approve=f'python cli.py approve {t.spec.name} --period {period.id} --by "ชื่อผู้อนุมัติ"')
    path.write_text(html, encoding="utf-8")
    return path
