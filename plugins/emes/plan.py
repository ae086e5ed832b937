"""Planning: what E-MES should hold for a round, built from the database (pure).

Three kinds of payload:
- ``indicator_result``: one indicator's self-assessed level, narrative and links (forms.yaml ›
  forms.indicator). An indicator whose owner has not reported is still planned, carrying why
  in ``_missing``, so validation names it instead of leaving it out silently.
- ``upload_evidence``: one evidence file of one indicator, keyed by its sha256 (a file is
  uploaded once however often it is attached or pushed; forms.yaml › forms.evidence).
- ``confirm_round`` (stage "confirm" only): lock the round. Its data binds the approval to the
  exact indicator and evidence payloads the site holds, so any later change voids it.

Keys starting with ``_`` are context for validation and the preview, never sent.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tidtam.core.contract import Payload
from tidtam.core.forms.plan import fill_of
from tidtam.core.forms.schema import FormsFile
from tidtam.core.models import EmesIndicator, EmesResult, EmesStandard, EvidenceFile, Office, Submission
from tidtam.core.models import SubmissionState as S
from tidtam.core.periods import Period

from .mapping import EmesMapping

RESULT, EVIDENCE, CONFIRM = "indicator_result", "upload_evidence", "confirm_round"
INDICATOR_FORM, EVIDENCE_FORM = "indicator", "evidence"  # forms.yaml › forms
TARGET = "emes"


def indicator_key(code: str) -> str:
    return f"indicator:{code}"


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


def indicators_of(session: Session, office: Office, fiscal_year: int) -> list[EmesIndicator]:
    return list(session.scalars(
        select(EmesIndicator).join(EmesStandard)
        .where(EmesStandard.office_id == office.id, EmesStandard.fiscal_year == fiscal_year)
        .options(selectinload(EmesIndicator.standard), selectinload(EmesIndicator.owner))
        .order_by(EmesStandard.number, EmesIndicator.number)))


def evidence_of(session: Session, result_ids: list[int]) -> dict[int, list[EvidenceFile]]:
    found: dict[int, list[EvidenceFile]] = {}
    if result_ids:
        rows = session.scalars(select(EvidenceFile).where(EvidenceFile.emes_result_id.in_(result_ids))
                               .order_by(EvidenceFile.added_at, EvidenceFile.id))
        for row in rows:
            found.setdefault(row.emes_result_id, []).append(row)
    return found


def plan_round(session: Session, office: Office, period: Period, mapping: EmesMapping, forms: FormsFile) -> list[Payload]:
    """Per indicator of the round's year: its result, then each of its evidence files (once per sha256)."""
    indicators = indicators_of(session, office, period.fiscal_year)
    results = {r.indicator_id: r for r in session.scalars(select(EmesResult).where(
        EmesResult.indicator_id.in_([i.id for i in indicators]), EmesResult.period == period.id))}
    files = evidence_of(session, [r.id for r in results.values()])
    payloads: list[Payload] = []
    for indicator in indicators:
        code = indicator.code
        result = results.get(indicator.id)
        owner = indicator.owner.full_name if indicator.owner else ""
        missing = []
        if indicator.owner is None:
            missing.append("ยังไม่ได้มอบหมายผู้รับผิดชอบตัวบ่งชี้")
        if result is None:
            missing.append(f"ยังไม่ได้รับผลการดำเนินงานจากผู้รับผิดชอบ ({owner or 'ไม่มีผู้รับผิดชอบ'})")
        else:
            if result.level is None:
                missing.append(f"ผู้รับผิดชอบ ({owner or '-'}) ยังไม่ได้ระบุระดับผลการประเมินตนเอง")
            if not (result.narrative or "").strip():
                missing.append(f"ผู้รับผิดชอบ ({owner or '-'}) ยังไม่ได้เขียนผลการดำเนินงาน")
        unique: dict[str, EvidenceFile] = {}
        for f in files.get(result.id, []) if result else []:
            unique.setdefault(f.sha256, f)
        notes = []
        if unique:
            notes.append(f"หลักฐาน {len(unique)} ไฟล์: " + ", ".join(
                f"{f.filename} ({size_text(f.size)})" for f in unique.values()))
        record = {"owner": owner,  # who reports it: for a site that asks for a reporter
                  "level": str(result.level) if result and result.level is not None else "",
                  "narrative": narrative_text(result.narrative if result else ""),
                  "links": [link.strip() for link in (result.links or []) if link.strip()] if result else []}
        data = {
            "year": period.fiscal_year,
            "round": period.number,
            "code": code,
            "fill": fill_of(INDICATOR_FORM, forms.forms[INDICATOR_FORM], record)[0],
            "_links": record["links"],
            "_indicator": indicator.name,
            "_owner": owner,
            "_missing": missing,
            "_notes": notes,
        }
        title = f"ตัวบ่งชี้ {code} {indicator.name}"
        payloads.append(Payload(indicator_key(code), RESULT, data, title=title))
        for n, f in enumerate(unique.values(), start=1):
            record = {"file": {"sha256": f.sha256, "filename": f.filename, "size": f.size},
                      "description": mapping.evidence_description.format(n=n, name=f.filename)}
            payloads.append(Payload(evidence_key(code, f.sha256), EVIDENCE, {
                "year": period.fiscal_year, "round": period.number, "code": code,
                "sha256": f.sha256, "filename": f.filename, "size": f.size,
                "fill": fill_of(EVIDENCE_FORM, forms.forms[EVIDENCE_FORM], record)[0],
            }, title=f"หลักฐานตัวบ่งชี้ {code} ลำดับที่ {n}: {f.filename} ({size_text(f.size)})"))
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
        "_indicators": sum(1 for p in pushed if p.action == RESULT),
        "_evidence": sum(1 for p in pushed if p.action == EVIDENCE),
        "_not_ready": not_ready,
    }
    title = f"ยืนยันการส่งข้อมูลรอบการประเมิน ปีงบประมาณ {period.fiscal_year} รอบที่ {period.number}"
    return [Payload(round_key(period), CONFIRM, data, title=title)]
