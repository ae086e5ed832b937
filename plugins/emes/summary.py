"""After the push: the unit's E-MES summary (docx) and the evidence folder for OBEC's on-site
(เชิงประจักษ์) visit, both from the database and the ledger alone.

The folder has one sub-folder per indicator (``01_ตัวบ่งชี้_1.1``), its files numbered in the
order the owner attached them (``1.1-01_<name>``), each copied from the evidence store and
checked against its sha256, and an index page (``index.html``, Thai) listing every indicator,
its level, what the ledger says of its push, and every file with its size and sha256.
"""
from __future__ import annotations

import hashlib
import html
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import select

from tidtam.core.evidence import stored_path
from tidtam.core.models import Approval, EmesResult, Office, Submission, SubmissionState
from tidtam.core.periods import BANGKOK, Period
from tidtam.core.ledger import ledger_name
from tidtam.core.thai import thai_date, to_thai_digits

from .plan import CONFIRM, EVIDENCE, RESULT, TARGET, evidence_of, evidence_key, indicator_key, indicators_of, size_text

LEVEL_TH = {1: "ต้องปรับปรุง", 2: "พอใช้", 3: "ดี", 4: "ดีมาก", 5: "ดีเยี่ยม"}  # [assumed] as the site labels them


@dataclass
class FileEntry:
    number: int
    filename: str
    size: int
    sha256: str
    state: str  # the upload's ledger state (Thai)
    folder_name: str = ""


@dataclass
class IndicatorEntry:
    code: str
    name: str
    standard: str
    owner: str
    level: int | None
    narrative: str
    links: list[str]
    state: str
    sent_at: str
    files: list[FileEntry] = field(default_factory=list)


@dataclass
class Summary:
    office: str
    period: Period
    indicators: list[IndicatorEntry]
    approvals: list[tuple[str, str]]  # (Thai line, payload set hash)
    confirmation: str

    @property
    def sent(self) -> int:
        return sum(1 for i in self.indicators if i.state == SubmissionState.SUBMITTED.th)


def when(value: datetime | None) -> str:
    if value is None:
        return "-"
    local = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(BANGKOK)
    return f"{thai_date(local.date())} {local:%H:%M} น."


def collect(session, office: Office, period: Period) -> Summary:
    indicators = indicators_of(session, office, period.fiscal_year)
    results = {r.indicator_id: r for r in session.scalars(select(EmesResult).where(
        EmesResult.indicator_id.in_([i.id for i in indicators]), EmesResult.period == period.id))}
    files = evidence_of(session, [r.id for r in results.values()])
    ledger = {(s.record_key, s.action): s for s in session.scalars(select(Submission).where(
        Submission.office_id == office.id, Submission.period == period.id,
        Submission.target.in_([TARGET, ledger_name(TARGET, "confirm")])))}
    entries = []
    for indicator in indicators:
        result = results.get(indicator.id)
        row = ledger.get((indicator_key(indicator.code), RESULT))
        entry = IndicatorEntry(
            indicator.code, indicator.name, f"มาตรฐานที่ {indicator.standard.number} {indicator.standard.name}",
            indicator.owner.full_name if indicator.owner else "-", result.level if result else None,
            (result.narrative or "").strip() if result else "", list(result.links or []) if result else [],
            row.state.th if row else "ยังไม่ได้ส่ง", when(row.submitted_at) if row else "-")
        seen: set[str] = set()
        for f in files.get(result.id, []) if result else []:
            if f.sha256 in seen:
                continue
            seen.add(f.sha256)
            upload = ledger.get((evidence_key(indicator.code, f.sha256), EVIDENCE))
            entry.files.append(FileEntry(len(entry.files) + 1, f.filename, f.size, f.sha256,
                                         upload.state.th if upload else "ยังไม่ได้อัปโหลด"))
        entries.append(entry)
    approvals = [(f"อนุมัติ{'การยืนยันรอบ' if a.target != TARGET else 'ชุดข้อมูลที่ส่ง'} โดย {a.approved_by} "
                  f"เมื่อ {when(a.approved_at)}", a.payload_set_hash)
                 for a in session.scalars(select(Approval).where(
                     Approval.office_id == office.id, Approval.period == period.id, Approval.voided_at.is_(None),
                     Approval.target.in_([TARGET, ledger_name(TARGET, "confirm")])).order_by(Approval.id))]
    confirm = ledger.get((f"round:{period.id}", CONFIRM))
    if confirm is not None and confirm.state.value == "submitted":
        confirmation = f"ยืนยันการส่งข้อมูลรอบการประเมินในระบบแล้ว เมื่อ {when(confirm.submitted_at)}"
    else:
        confirmation = "ยังไม่ได้ยืนยันการส่งข้อมูลรอบการประเมิน (แก้ไขในระบบได้จนกว่าจะยืนยัน)"
    return Summary(office.name, period, entries, approvals, confirmation)


def _safe(name: str) -> str:
    """A file name that survives every file system the unit copies to (USB sticks are FAT)."""
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip(" .")
    return stem[:120] or "file"


def write_folder(summary: Summary, folder: Path) -> Path:
    """The evidence folder for the on-site visit, with index.html; every copy checked by sha256."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for n, entry in enumerate(summary.indicators, start=1):  # numbered by the indicator's place in the round
        if not entry.files:
            continue
        sub = folder / f"{n:02d}_ตัวบ่งชี้_{entry.code}"
        sub.mkdir()
        for f in entry.files:
            f.folder_name = f"{sub.name}/{entry.code}-{f.number:02d}_{_safe(f.filename)}"
            target = folder / f.folder_name
            shutil.copyfile(stored_path(f.sha256), target)
            if hashlib.sha256(target.read_bytes()).hexdigest() != f.sha256:
                raise RuntimeError(f"{target}: สำเนาไม่ตรงกับ sha256 ของไฟล์หลักฐาน")
    (folder / "index.html").write_text(index_html(summary), encoding="utf-8")
    return folder


def index_html(summary: Summary) -> str:
    e = html.escape
    rows = []
    for entry in summary.indicators:
        files = "".join(
            f'<li><a href="{e(f.folder_name)}">{e(f.folder_name.split("/")[-1])}</a> '
            f'<span class="size">{e(size_text(f.size))}</span> <code title="sha256">{f.sha256[:16]}…</code></li>'
            for f in entry.files) or "<li class=none>ไม่มีไฟล์หลักฐาน</li>"
        links = "".join(f'<li><a href="{e(link)}">{e(link)}</a></li>' for link in entry.links)
        level = f"ระดับ {entry.level} {LEVEL_TH.get(entry.level, '')}" if entry.level else "-"
        rows.append(f"<tr><td>{e(entry.code)}</td><td>{e(entry.name)}<br><small>{e(entry.owner)}</small></td>"
                    f"<td>{e(level)}</td><td>{e(entry.state)}</td><td><ol>{files}</ol>"
                    f"{'<p>ลิงก์:</p><ul>' + links + '</ul>' if links else ''}</td></tr>")
    total = sum(len(i.files) for i in summary.indicators)
    return f"""<!doctype html>
<html lang="th"><head><meta charset="utf-8"><title>หลักฐาน E-MES {e(summary.period.id)}</title>
<style>body{{font-family:"Sarabun","TH Sarabun New","Noto Sans Thai","Loma",sans-serif;margin:1.5rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #bbb;padding:.4rem;vertical-align:top}}
th{{background:#2c4a7c;color:#fff;text-align:left}}.size{{color:#555}}code{{color:#777;font-size:.8rem}}
ol{{margin:0;padding-left:1.2rem}}.none{{color:#a33;list-style:none}}</style></head><body>
<h1>แฟ้มหลักฐานประกอบการติดตามเชิงประจักษ์ (E-MES)</h1>
<p>{e(summary.office)} · ปีงบประมาณ {summary.period.fiscal_year} · {e(summary.period.label_th())}</p>
<p>ตัวบ่งชี้ {len(summary.indicators)} ตัว · ไฟล์หลักฐาน {total} ไฟล์ · {e(summary.confirmation)}</p>
<table><thead><tr><th>ตัวบ่งชี้</th><th>ชื่อ / ผู้รับผิดชอบ</th><th>ระดับ</th><th>การส่งเข้า E-MES</th>
<th>ไฟล์หลักฐาน (เรียงตามเลขที่)</th></tr></thead><tbody>
{''.join(rows)}
</tbody></table></body></html>
"""


def write_docx(summary: Summary, path: Path, as_of: date) -> Path:
    """The office style (A4, 16 pt, Thai digits, the font embedded); file names and links keep
    their digits as they are on disk and on the web."""
    from tidtam.core.reports import officedoc as od

    period = summary.period
    doc = od.new_document(title=f"สรุปผลการรายงาน E-MES {period.id}", author=summary.office)
    od.title(doc, "สรุปผลการรายงานการติดตาม ประเมินผลการบริหาร\nและการจัดการศึกษา (E-MES)")
    od.title(doc, f"ปีงบประมาณ พ.ศ. {period.fiscal_year} {period.label_th()}", size=od.HEADING_PT[1])
    od.para(doc, summary.office, align=od.CENTER)
    od.para(doc, f"ข้อมูล ณ วันที่ {thai_date(as_of, full=True)}", align=od.CENTER)
    od.heading(doc, "๑. ภาพรวม", 1)
    files = sum(len(i.files) for i in summary.indicators)
    od.para(doc, f"ส่งผลการประเมินตนเองเข้าระบบ E-MES และอ่านกลับตรงกันแล้ว {summary.sent} จาก {len(summary.indicators)} "
                 f"ตัวบ่งชี้ พร้อมไฟล์หลักฐาน {files} ไฟล์", indent_first=True)
    od.para(doc, summary.confirmation, indent_first=True)
    for line, _digest in summary.approvals:
        od.para(doc, line, indent_first=True)
    od.heading(doc, "๒. ผลรายตัวบ่งชี้", 1)
    rows = [[i.code, f"{i.name}\n{i.owner}", f"{i.level} {LEVEL_TH.get(i.level, '')}" if i.level else "-",
             str(len(i.files)), f"{i.state}\n{i.sent_at}"] for i in summary.indicators]
    od.table(doc, ["ตัวบ่งชี้", "ชื่อตัวบ่งชี้ / ผู้รับผิดชอบ", "ระดับ", "หลักฐาน\n(ไฟล์)", "การส่งเข้า E-MES"], rows,
             align=[od.CENTER, od.LEFT, od.CENTER, od.CENTER, od.LEFT])
    od.heading(doc, "๓. รายละเอียดและหลักฐาน", 1)
    standard = None
    for i in summary.indicators:
        if i.standard != standard:
            standard = i.standard
            od.heading(doc, standard, 2)
        od.heading(doc, f"ตัวบ่งชี้ที่ {i.code} {i.name}", 3)
        od.para(doc, f"ผู้รับผิดชอบ: {i.owner} ระดับผลการประเมินตนเอง: "
                     + (f"ระดับ {i.level} {LEVEL_TH.get(i.level, '')}" if i.level else "ยังไม่ได้รับผล"))
        od.para(doc, i.narrative or "(ยังไม่ได้รับผลการดำเนินงานจากผู้รับผิดชอบ)", indent_first=True)
        for link in i.links:
            od.para(doc, f"ลิงก์: {link}", thai_digits=False)
        for f in i.files:
            name = f.folder_name.rsplit("/", 1)[-1] if f.folder_name else f.filename  # as in the evidence folder
            paragraph = od.para(doc, "หลักฐาน ")
            od.set_fonts(paragraph.add_run(name), od.BODY_PT)
            od.set_fonts(paragraph.add_run(to_thai_digits(f" ({size_text(f.size)}) {f.state}")), od.BODY_PT)
    if summary.approvals:
        od.para(doc)
        for _line, digest in summary.approvals:
            od.para(doc, f"ค่าแฮชของชุดที่อนุมัติ (ใช้ตรวจว่าข้อมูลที่ส่งตรงกับที่อนุมัติ): {digest}",
                    thai_digits=False)
    return od.save_docx(doc, path, as_of)
