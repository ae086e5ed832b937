"""Planning: what E-MES should hold for a round, built from the database (pure).

The unit is the point of consideration (ประเด็นการพิจารณา) of the year's frame. Three kinds of payload:
- ``point_result``: one point's report. A "narrative" point fills forms.yaml › forms.point
  (level where the year asks one, narrative, links); a "works" point fills forms.works, its
  ranked works in rank order (title, video link). A point whose owner has not reported is
  still planned, carrying why in ``_missing``, so validation names it and its owner.
- ``upload_evidence``: one file of one point, keyed by its sha256 (uploaded once however often
  it is attached or pushed; forms.evidence): a narrative point's report and evidence files, a
  works point's report file of each work, described with its rank.
- ``confirm_round`` (stage "confirm" only): lock the round. Its data binds the approval to the
  exact point and evidence payloads the site holds, so any later change voids it.

Keys starting with ``_`` are context for validation and the preview, never sent.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tidtam.core.contract import Payload
from tidtam.core.forms.plan import fill_of
from tidtam.core.forms.schema import FormsFile
from tidtam.core.models import EmesIndicator, EmesPoint, EmesResult, EmesStandard, EvidenceFile, Office, Submission
from tidtam.core.models import SubmissionState as S
from tidtam.core.periods import Period

from .mapping import EmesMapping

RESULT, EVIDENCE, CONFIRM = "point_result", "upload_evidence", "confirm_round"
POINT_FORM, WORKS_FORM, EVIDENCE_FORM = "point", "works", "evidence"  # forms.yaml › forms
TARGET = "emes"


def point_key(code: str) -> str:
    return f"point:{code}"


def evidence_key(code: str, sha256: str) -> str:
    return f"evidence:{code}:{sha256}"


def round_key(period: Period) -> str:
    return f"round:{period.id}"


def size_text(size: int) -> str:
    """'812 ไบต์', '23.4 KB', '1.20 MB' (as the preview and the summary show sizes)."""
    if size < 1024:
        return f"{size:,} ไบต์"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.2f} MB"


def of_year(office: Office, fiscal_year: int, what=EmesPoint):
    """A select of ``what`` over the office's points of the year, in the frame's order."""
    return (select(what).join(EmesPoint.indicator).join(EmesIndicator.standard)
            .where(EmesStandard.office_id == office.id, EmesStandard.fiscal_year == fiscal_year)
            .order_by(EmesStandard.number, EmesIndicator.number, EmesPoint.number))


def points_of(session: Session, office: Office, fiscal_year: int) -> list[EmesPoint]:
    return list(session.scalars(of_year(office, fiscal_year).options(
        selectinload(EmesPoint.indicator).selectinload(EmesIndicator.standard), selectinload(EmesPoint.owner))))


def results_of(session: Session, points: list[EmesPoint], period: Period) -> dict[int, EmesResult]:
    return {r.point_id: r for r in session.scalars(select(EmesResult).where(
        EmesResult.point_id.in_([p.id for p in points]), EmesResult.period == period.id))}


def files_of(session: Session, result: EmesResult | None) -> list[EvidenceFile]:
    """A result's files, once per sha256: a works point's in rank order, others as attached."""
    if result is None:
        return []
    unique: dict[str, EvidenceFile] = {}
    for f in session.scalars(select(EvidenceFile).where(EvidenceFile.emes_result_id == result.id)
                             .order_by(EvidenceFile.added_at, EvidenceFile.id)):
        unique.setdefault(f.sha256, f)
    ranked = [unique.pop(w["sha256"]) for w in result.works if w.get("sha256") in unique]
    return ranked + list(unique.values())


def missing_of(point: EmesPoint, result: EmesResult | None, files: list[EvidenceFile]) -> list[str]:
    """What the point's owner has yet to send (Thai, naming the owner)."""
    owner = point.owner.full_name if point.owner else "ไม่มีผู้รับผิดชอบ"
    if point.owner is None:
        return ["ยังไม่ได้มอบหมายผู้รับผิดชอบประเด็นการพิจารณา"] + ([] if result else ["ยังไม่ได้รับผล"])
    if result is None:
        return [f"ยังไม่ได้รับผลจากผู้รับผิดชอบ ({owner})"]
    missing = []
    if point.asks_level and result.level is None:
        missing.append(f"ผู้รับผิดชอบ ({owner}) ยังไม่ได้ระบุระดับผลการประเมินตนเอง")
    if point.kind == "works":
        held = {f.sha256 for f in files}
        if len(result.works) != point.works:
            missing.append(f"ผู้รับผิดชอบ ({owner}) ส่งผลงาน {len(result.works)} จาก {point.works} ลำดับ")
        for rank, work in enumerate(result.works, start=1):
            lacks = [what for what, ok in (("ชื่อผลงาน", work.get("title")), ("ลิงก์วีดิทัศน์", work.get("video")),
                                           ("ไฟล์รายงาน", work.get("sha256") in held)) if not ok]
            if lacks:
                missing.append(f"ผลงานลำดับที่ {rank} ยังไม่มี" + " ".join(lacks) + f" ({owner})")
    elif not (result.narrative or "").strip():
        missing.append(f"ผู้รับผิดชอบ ({owner}) ยังไม่ได้เขียนผลการดำเนินงาน")
    return missing


def plan_round(session: Session, office: Office, period: Period, mapping: EmesMapping, forms: FormsFile) -> list[Payload]:
    """Per point of the round's year: its report, then each of its files (once per sha256)."""
    points = points_of(session, office, period.fiscal_year)
    results = results_of(session, points, period)
    payloads: list[Payload] = []
    for point in points:
        code, result = point.code, results.get(point.id)
        files = files_of(session, result)
        works = [{"title": w.get("title", ""), "video": w.get("video", "")} for w in result.works] if result else []
        owner = point.owner.full_name if point.owner else ""
        if point.kind == "works":
            form, record = WORKS_FORM, {"owner": owner, "works": works}
        else:
            form = POINT_FORM
            record = {"owner": owner,  # who reports it: for a site that asks for a reporter
                      "level": str(result.level) if result and result.level is not None else "",
                      "narrative": narrative_text(result.narrative if result else ""),
                      "links": [link.strip() for link in (result.links or []) if link.strip()] if result else []}
        fill = fill_of(form, forms.forms[form], record)[0]
        if form == POINT_FORM and not point.asks_level:
            del fill["steps"][POINT_FORM]["level"]  # the year asks none: the site shows no level here
        notes = [f"ไฟล์ {len(files)} ไฟล์: " + ", ".join(f"{f.filename} ({size_text(f.size)})" for f in files)] if files else []
        data = {"year": period.fiscal_year, "round": period.number, "code": code, "form": form, "fill": fill,
                "_links": record.get("links", []) + [w["video"] for w in works if w["video"]], "_works": works,
                "_point": point.text, "_indicator": f"{point.indicator.code} {point.indicator.name}", "_owner": owner,
                "_missing": missing_of(point, result, files), "_notes": notes}
        payloads.append(Payload(point_key(code), RESULT, data, title=f"ประเด็น {code} {point.text}"))
        titles = {w.get("sha256"): (rank, w.get("title", "")) for rank, w in enumerate(result.works if result else [], start=1)}
        for n, f in enumerate(files, start=1):
            rank, title = titles.get(f.sha256, (0, ""))
            description = (mapping.work_description.format(rank=rank, title=title, name=f.filename) if rank
                           else mapping.evidence_description.format(n=n, name=f.filename))
            record = {"file": {"sha256": f.sha256, "filename": f.filename, "size": f.size}, "description": description}
            payloads.append(Payload(evidence_key(code, f.sha256), EVIDENCE, {
                "year": period.fiscal_year, "round": period.number, "code": code,
                "sha256": f.sha256, "filename": f.filename, "size": f.size,
                "fill": fill_of(EVIDENCE_FORM, forms.forms[EVIDENCE_FORM], record)[0],
            }, title=f"ไฟล์ของประเด็น {code} {f'ผลงานลำดับที่ {rank}' if rank else f'ลำดับที่ {n}'}: {f.filename} ({size_text(f.size)})"))
    return payloads


def narrative_text(text: str) -> str:
    """The narrative as the site keeps it: line breaks as \\n, no trailing spaces, trimmed."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def plan_confirm(session: Session, office: Office, period: Period, mapping: EmesMapping, forms: FormsFile) -> list[Payload]:
    """The round's confirmation, bound to the push payloads it locks in; ``_not_ready`` says what
    the ledger does not yet show as sent and read back with those very values."""
    pushed = plan_round(session, office, period, mapping, forms)
    ledger = {(r.record_key, r.action): r for r in session.scalars(select(Submission).where(
        Submission.office_id == office.id, Submission.target == TARGET, Submission.period == period.id))}
    not_ready = []
    for payload in pushed:
        row = ledger.get((payload.record_key, payload.action))
        what = payload.title
        if payload.data.get("_missing"):
            not_ready.append(f"{what}: " + "; ".join(payload.data["_missing"]))
        elif row is None or row.state is not S.SUBMITTED:
            state = "ยังไม่ได้ส่ง" if row is None else f"สถานะ {row.state.value}"
            not_ready.append(f"{what}: {state}")
        elif row.payload_hash != payload.hash:
            not_ready.append(f"{what}: ข้อมูลเปลี่ยนไปหลังส่ง — ต้องส่งใหม่ก่อน")
    data = {
        "year": period.fiscal_year,
        "round": period.number,
        "locks": sorted(f"{p.record_key}\x1f{p.action}\x1f{p.hash}" for p in pushed),
        "_points": sum(1 for p in pushed if p.action == RESULT),
        "_evidence": sum(1 for p in pushed if p.action == EVIDENCE),
        "_not_ready": not_ready,
    }
    title = f"ยืนยันการส่งข้อมูลรอบการประเมิน ปีงบประมาณ {period.fiscal_year} รอบที่ {period.number}"
    return [Payload(round_key(period), CONFIRM, data, title=title)]
