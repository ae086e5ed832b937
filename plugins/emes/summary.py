"""After the push: the unit's E-MES summary (docx) and the evidence folder for OBEC's on-site
(เชิงประจักษ์) visit, both from the database and the ledger alone, organised as the visiting team
reads them: standard → indicator → point of consideration, a works point's works in rank order
with their video links.

The folder: ``มาตรฐานที่_1/ตัวบ่งชี้_1.1/ประเด็น_1.1.2/1.1.2-01_<name>`` (a work's report file:
``3.1.1-ผลงานลำดับที่_1_<name>``), each copied from the evidence store and checked against its
sha256, and an index page (``index.html``, Thai) listing every point, its level, what the ledger
says of its push, its works and every file with its size and sha256.
"""
from __future__ import annotations

import hashlib
import html
import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from tidtam.core.evidence import stored_path
from tidtam.core.ledger import ledger_name
from tidtam.core.models import Approval, Office, Submission, SubmissionState
from tidtam.core.periods import Period, thai_time
from tidtam.core.thai import thai_date, to_thai_digits

from .plan import CONFIRM, EVIDENCE, RESULT, TARGET, evidence_key, files_of, point_key, points_of, results_of, size_text

LEVEL_TH = {1: "ต้องปรับปรุง", 2: "พอใช้", 3: "ดี", 4: "ดีมาก", 5: "ดีเยี่ยม"}  # [assumed] as the site labels them


@dataclass
class FileEntry:
    filename: str
    size: int
    sha256: str
    state: str  # the upload's ledger state (Thai)
    rank: int = 0  # a work's report file: the work's rank
    folder_name: str = ""


@dataclass
class PointEntry:
    code: str
    text: str
    indicator: str  # "ตัวบ่งชี้ที่ 1.1 การบริหารจัดการที่ดี"
    standard: str  # "มาตรฐานที่ 1 ..."
    owner: str
    level: int | None
    narrative: str
    links: list[str]
    works: list[dict]  # rank order: title, video
    state: str
    sent_at: str
    files: list[FileEntry] = field(default_factory=list)

    def work_file(self, rank: int) -> FileEntry | None:
        return next((f for f in self.files if f.rank == rank), None)


@dataclass
class Summary:
    office: str
    period: Period
    points: list[PointEntry]
    approvals: list[tuple[str, str]]  # (Thai line, payload set hash)
    confirmation: str

    @property
    def sent(self) -> int:
        return sum(1 for p in self.points if p.state == SubmissionState.SUBMITTED.th)

    @property
    def files(self) -> int:
        return sum(len(p.files) for p in self.points)


def collect(session, office: Office, period: Period) -> Summary:
    points = points_of(session, office, period.fiscal_year)
    results = results_of(session, points, period)
    ledger = {(s.record_key, s.action): s for s in session.scalars(select(Submission).where(
        Submission.office_id == office.id, Submission.period == period.id,
        Submission.target.in_([TARGET, ledger_name(TARGET, "confirm")])))}
    entries = []
    for point in points:
        result = results.get(point.id)
        row = ledger.get((point_key(point.code), RESULT))
        ind = point.indicator
        entry = PointEntry(
            point.code, point.text, f"ตัวบ่งชี้ที่ {ind.code} {ind.name}", f"มาตรฐานที่ {ind.standard.number} {ind.standard.name}",
            point.owner.full_name if point.owner else "-", result.level if result else None,
            (result.narrative or "").strip() if result else "", list(result.links or []) if result else [],
            list(result.works or []) if result else [], row.state.th if row else "ยังไม่ได้ส่ง", thai_time(row.submitted_at) if row else "-")
        ranks = {w.get("sha256"): rank for rank, w in enumerate(entry.works, start=1)}
        for f in files_of(session, result):
            upload = ledger.get((evidence_key(point.code, f.sha256), EVIDENCE))
            entry.files.append(FileEntry(f.filename, f.size, f.sha256, upload.state.th if upload else "ยังไม่ได้อัปโหลด", ranks.get(f.sha256, 0)))
        entries.append(entry)
    approvals = [(f"อนุมัติ{'การยืนยันรอบ' if a.target != TARGET else 'ชุดข้อมูลที่ส่ง'} โดย {a.approved_by} "
                  f"เมื่อ {thai_time(a.approved_at)}", a.payload_set_hash)
                 for a in session.scalars(select(Approval).where(
                     Approval.office_id == office.id, Approval.period == period.id, Approval.voided_at.is_(None),
                     Approval.target.in_([TARGET, ledger_name(TARGET, "confirm")])).order_by(Approval.id))]
    confirm = ledger.get((f"round:{period.id}", CONFIRM))
    if confirm is not None and confirm.state.value == "submitted":
        confirmation = f"ยืนยันการส่งข้อมูลรอบการประเมินในระบบแล้ว เมื่อ {thai_time(confirm.submitted_at)}"
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
    for entry in summary.points:
        standard, indicator, _ = entry.code.split(".")
        sub = Path(f"มาตรฐานที่_{standard}", f"ตัวบ่งชี้_{standard}.{indicator}", f"ประเด็น_{entry.code}")
        others = (f for f in entry.files if not f.rank)
        for n, f in enumerate(others, start=1):
            f.folder_name = (sub / f"{entry.code}-{n:02d}_{_safe(f.filename)}").as_posix()
        for f in entry.files:
            if f.rank:
                f.folder_name = (sub / f"{entry.code}-ผลงานลำดับที่_{f.rank}_{_safe(f.filename)}").as_posix()
            target = folder / f.folder_name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(stored_path(f.sha256), target)
            if hashlib.sha256(target.read_bytes()).hexdigest() != f.sha256:
                raise RuntimeError(f"{target}: สำเนาไม่ตรงกับ sha256 ของไฟล์หลักฐาน")
    (folder / "index.html").write_text(index_html(summary), encoding="utf-8")
    return folder


def _level(entry: PointEntry) -> str:
    return f"ระดับ {entry.level} {LEVEL_TH.get(entry.level, '')}" if entry.level else "-"


def index_html(summary: Summary) -> str:
    e = html.escape

    def file_item(f: FileEntry) -> str:
        return (f'<a href="{e(f.folder_name)}">{e(f.folder_name.split("/")[-1])}</a> '
                f'<span class="size">{e(size_text(f.size))}</span> <code title="sha256">{f.sha256[:16]}…</code>')

    body, heading = [], ("", "")
    for p in summary.points:
        if (p.standard, p.indicator) != heading:
            body += [f"<h2>{e(p.standard)}</h2>"] if p.standard != heading[0] else []
            body.append(f"<h3>{e(p.indicator)}</h3>")
            heading = (p.standard, p.indicator)
        works = "".join(f'<li>{e(w.get("title", ""))} — <a href="{e(w.get("video", ""))}">วีดิทัศน์</a>'
                        + (f"<br>{file_item(p.work_file(rank))}" if p.work_file(rank) else " <span class=none>ไม่มีไฟล์รายงาน</span>")
                        + "</li>" for rank, w in enumerate(p.works, start=1))
        files = "".join(f"<li>{file_item(f)}</li>" for f in p.files if not f.rank)
        links = "".join(f'<li><a href="{e(link)}">{e(link)}</a></li>' for link in p.links)
        body.append(f'<section id="p{e(p.code)}"><h4>ประเด็น {e(p.code)} {e(p.text)}</h4>'
                    f"<p>ผู้รับผิดชอบ: {e(p.owner)} · {e(_level(p))} · การส่งเข้า E-MES: {e(p.state)}</p>"
                    + (f"<p>ผลงาน (เรียงจากโดดเด่นที่สุด)</p><ol class=works>{works}</ol>" if p.works else "")
                    + (f"<ol>{files}</ol>" if files else ("" if p.works else "<p class=none>ไม่มีไฟล์</p>"))
                    + (f"<p>ลิงก์:</p><ul>{links}</ul>" if links else "") + "</section>")
    return f"""<!doctype html>
<html lang="th"><head><meta charset="utf-8"><title>หลักฐาน E-MES {e(summary.period.id)}</title>
<style>body{{font-family:"Sarabun","TH Sarabun New","Noto Sans Thai","Loma",sans-serif;margin:1.5rem}}
section{{border-left:3px solid #2c4a7c;padding-left:.8rem;margin-bottom:1rem}}.size{{color:#555}}
code{{color:#777;font-size:.8rem}}.none{{color:#a33}}</style></head><body>
<h1>แฟ้มหลักฐานประกอบการติดตามเชิงประจักษ์ (E-MES)</h1>
<p>{e(summary.office)} · ปีงบประมาณ {summary.period.fiscal_year} · {e(summary.period.label_th())}</p>
<p>ประเด็นการพิจารณา {len(summary.points)} ประเด็น · ไฟล์ {summary.files} ไฟล์ · {e(summary.confirmation)}</p>
{''.join(body)}
</body></html>
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
    od.para(doc, f"ส่งผลรายประเด็นการพิจารณาเข้าระบบ E-MES และอ่านกลับตรงกันแล้ว {summary.sent} จาก {len(summary.points)} "
                 f"ประเด็น พร้อมไฟล์รายงานและหลักฐาน {summary.files} ไฟล์", indent_first=True)
    od.para(doc, summary.confirmation, indent_first=True)
    for line, _digest in summary.approvals:
        od.para(doc, line, indent_first=True)
    od.heading(doc, "๒. ผลรายประเด็นการพิจารณา", 1)
    rows = [[p.code, f"{p.text}\n{p.owner}", _level(p) if not p.works else f"ผลงาน {len(p.works)} ลำดับ",
             str(len(p.files)), f"{p.state}\n{p.sent_at}"] for p in summary.points]
    od.table(doc, ["ประเด็น", "ประเด็นการพิจารณา / ผู้รับผิดชอบ", "ระดับ", "ไฟล์", "การส่งเข้า E-MES"], rows,
             align=[od.CENTER, od.LEFT, od.CENTER, od.CENTER, od.LEFT])
    od.heading(doc, "๓. รายละเอียดและหลักฐาน", 1)
    heading = ("", "")
    for p in summary.points:
        if p.standard != heading[0]:
            od.heading(doc, p.standard, 2)
        if (p.standard, p.indicator) != heading:
            od.heading(doc, p.indicator, 3)
            heading = (p.standard, p.indicator)
        od.para(doc, f"ประเด็นการพิจารณา {p.code} {p.text}", bold=True)
        od.para(doc, f"ผู้รับผิดชอบ: {p.owner}" + (f" ระดับผลการประเมินตนเอง: {_level(p)}" if p.level else ""))
        if p.works:
            for rank, w in enumerate(p.works, start=1):
                od.para(doc, f"ผลงานลำดับที่ {rank} {w.get('title', '')}", indent_first=True)
                od.para(doc, f"วีดิทัศน์: {w.get('video', '')}", thai_digits=False)
                _file_line(doc, od, p.work_file(rank), "ไฟล์รายงาน ")
        else:
            od.para(doc, p.narrative or "(ยังไม่ได้รับผลการดำเนินงานจากผู้รับผิดชอบ)", indent_first=True)
        for link in p.links:
            od.para(doc, f"ลิงก์: {link}", thai_digits=False)
        for f in p.files:
            if not f.rank:
                _file_line(doc, od, f, "หลักฐาน ")
    if summary.approvals:
        od.para(doc)
        for _line, digest in summary.approvals:
            od.para(doc, f"ค่าแฮชของชุดที่อนุมัติ (ใช้ตรวจว่าข้อมูลที่ส่งตรงกับที่อนุมัติ): {digest}", thai_digits=False)
    return od.save_docx(doc, path, as_of)


def _file_line(doc, od, f: FileEntry | None, label: str) -> None:
    if f is None:
        od.para(doc, label + "(ยังไม่มีไฟล์)")
        return
    name = f.folder_name.rsplit("/", 1)[-1] if f.folder_name else f.filename  # as in the evidence folder
    paragraph = od.para(doc, label)
    od.set_fonts(paragraph.add_run(name), od.BODY_PT)
    od.set_fonts(paragraph.add_run(to_thai_digits(f" ({size_text(f.size)}) {f.state}")), od.BODY_PT)
