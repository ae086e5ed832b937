"""E-MES's intake workbook (hook ``register_intake``): per round, what each owner answers for,
point by point (ประเด็นการพิจารณา). Sheet "points": a row per narrative point (level where the
year asks, narrative, the report and evidence files, links). Sheet "works": a works point's
ranked works, one row per rank (title, its report file, its video link, checked for form only)."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import selectinload

from tidtam.core import models as m
from tidtam.core.evidence import store_file
from tidtam.core.intake.apply import apply_results, refuse, set_changed, sync_evidence
from tidtam.core.intake.kinds import IntakeKind
from tidtam.core.intake.layouts import Column, SheetLayout, TemplateLayout
from tidtam.core.intake.sources import evidence_names
from tidtam.core.status import item, state

from .plan import files_of, missing_of, of_year, results_of

NARRATIVE_MAX = 3000  # the site's narrative limit [assumed], as config/targets/emes says; status checks it too
NOUN = "ประเด็นการพิจารณา"

LAYOUT = TemplateLayout(
    kind="emes", version="2", period_kind="R", file_prefix="emes",
    title="แบบรายงานผล E-MES รายประเด็นการพิจารณา {period} — {owner}",
    sheets=(
        SheetLayout("points", "รอบที่ {n}", (
            Column("code", "ประเด็น", 9),
            Column("indicator", "ตัวบ่งชี้", 30),
            Column("text", "ประเด็นการพิจารณา", 40),
            Column("level", "ระดับผลการประเมินตนเอง", 14, kind="level", editable=True, hint="1–5 เฉพาะประเด็นที่คำชี้แจงให้ระบุระดับ"),
            Column("narrative", "ผลการดำเนินงาน", 60, kind="multiline", editable=True, required=True, max_length=NARRATIVE_MAX),
            Column("evidence", "ไฟล์แบบรายงานและหลักฐาน (ชื่อไฟล์ คั่นด้วย ;)", 30, kind="files", editable=True, hint="pdf, jpg, png ในโฟลเดอร์เดียวกับแบบรายงานนี้"),
            Column("links", "ลิงก์ (บรรทัดละหนึ่งลิงก์)", 30, kind="links", editable=True),
        )),
        SheetLayout("works", "ผลงาน", (
            Column("code", "ประเด็น", 9),
            Column("rank", "ลำดับ", 7, kind="number"),
            Column("text", "ประเด็นการพิจารณา", 30),
            Column("title", "ชื่อผลงาน", 40, editable=True, required=True, max_length=500, hint="ลำดับที่ 1 คือผลงานที่โดดเด่นที่สุด"),
            Column("file", "ไฟล์รายงานผลงาน (ชื่อไฟล์)", 30, kind="files", editable=True, required=True, hint="pdf, jpg, png ในโฟลเดอร์เดียวกับแบบรายงานนี้"),
            Column("video", "ลิงก์วีดิทัศน์ (VDO)", 36, kind="url", editable=True, required=True, hint="https://…"),
        ), key_columns=2),
    ),
)


def owned(session, office, fy, owner) -> list[m.EmesPoint]:
    return session.scalars(of_year(office, fy).where(m.EmesPoint.owner_id == owner.id).options(
        selectinload(m.EmesPoint.indicator).selectinload(m.EmesIndicator.standard))).all()


def rows(session, office, period, owner) -> dict[str, list[dict]]:
    points = owned(session, office, period.fiscal_year, owner)
    found = results_of(session, points, period)
    names = evidence_names(session, emes_result_id=[r.id for r in found.values()])
    out = {"points": [], "works": []}
    for p in points:
        got = found.get(p.id)
        locked = {"code": p.code, "text": p.text}
        if p.kind == "works":
            works = got.works if got else []
            out["works"] += [locked | {"rank": rank, "title": None, "file": None, "video": None} | (
                {k: works[rank - 1].get(k) for k in ("title", "file", "video")} if rank <= len(works) else {})
                for rank in range(1, p.works + 1)]
        else:
            out["points"].append(locked | {"indicator": f"{p.indicator.code} {p.indicator.name}", "level": got.level if got else None,
                                           "narrative": got.narrative if got else None, "evidence": "; ".join(names.get(got.id, [])) if got else None,
                                           "links": "\n".join(got.links) if got else None})
    return out


def apply(session, office, owner, book, outcome, clearing) -> None:
    points = {p.code: p for p in owned(session, office, book.period.fiscal_year, owner)}
    narrative = {code: p for code, p in points.items() if p.kind != "works"}
    for row in book.sheets["points"]:  # the level: where the year's คำชี้แจง asks for one, and only there
        point, level = narrative.get(row.key[0]), row.values["level"]
        if point is not None and row.filled and (level is None) == point.asks_level:
            refuse(book, f"ประเด็น {point.code} ต้องกรอกระดับผลการประเมินตนเอง (1–5)" if point.asks_level
                   else f"ประเด็น {point.code} ไม่ต้องระบุระดับในปีนี้ — เว้นช่องนี้ว่าง", row, "points", "level")
    apply_results(session, office, owner, book, outcome, clearing, narrative, NOUN, m.EmesResult, "emes_result",
                  lambda v: {"level": v["level"], "narrative": v["narrative"] or "", "links": v["links"] or []}, sheet="points", link="point_id")
    _apply_works(session, office, owner, book, outcome, clearing, {c: p for c, p in points.items() if p.kind == "works"})


def _apply_works(session, office, owner, book, outcome, clearing, points) -> None:
    """A works point's rows in rank order: filled from rank 1 on without gaps, one report file each."""
    by_code = defaultdict(list)
    for row in book.sheets["works"]:
        by_code[row.key[0]].append(row)
    existing = results_of(session, list(points.values()), book.period)
    evidence = []
    for code, ranked in by_code.items():
        point = points.get(code) or refuse(book, f"{NOUN} {code} ไม่ได้อยู่ในความรับผิดชอบของ {owner.full_name} แล้ว กรุณาขอแบบรายงานใหม่", ranked[0], "works", "code")
        ranked.sort(key=lambda r: int(r.key[1]))
        filled = [r for r in ranked if r.filled]
        current = existing.get(point.id)
        if not filled:
            if current is not None and clearing.clear(ranked[0], "works", f"ผลงานของประเด็น {code}"):
                session.delete(current)
                outcome.cleared += 1
            continue
        gap = next((r for r, later in zip(ranked, ranked[1:]) if not r.filled and later.filled), None)
        if gap is not None:
            refuse(book, f"ผลงานต้องเรียงจากลำดับที่ 1 ต่อเนื่องกัน แต่ลำดับที่ {gap.key[1]} ว่างขณะที่ลำดับถัดไปกรอกแล้ว", gap, "works", "title")
        works = []
        for r in filled:
            if len(r.values["file"]) != 1:
                refuse(book, "ผลงานหนึ่งลำดับมีไฟล์รายงานได้หนึ่งไฟล์", r, "works", "file")
            path = r.values["file"][0]
            works.append({"title": r.values["title"], "video": r.values["video"], "file": path.name, "sha256": store_file(path)[0]})
        if current is None:
            current = m.EmesResult(point_id=point.id, period=book.period.id)
            session.add(current)
        set_changed(current, reported_by_id=owner.id, works=works)
        evidence.append(([r.values["file"][0] for r in filled], current))
        outcome.records += 1
    clearing.refuse_if_any()
    session.flush()
    sync_evidence(session, office, owner, "emes_result", [(paths, row.id) for paths, row in evidence])


def states(session, office, period) -> list:
    points = session.scalars(of_year(office, period.fiscal_year).options(
        selectinload(m.EmesPoint.owner), selectinload(m.EmesPoint.indicator).selectinload(m.EmesIndicator.standard))).all()
    found = results_of(session, points, period)
    out = []
    for p in points:
        got = found.get(p.id)
        present = got is not None and (bool(got.works) or got.level is not None or bool((got.narrative or "").strip()))
        problems = missing_of(p, got, files_of(session, got)) if present else []
        if got is not None and len(got.narrative or "") > NARRATIVE_MAX:
            problems.append(f'"ผลการดำเนินงาน" ยาว {len(got.narrative):,} ตัวอักษร เกิน {NARRATIVE_MAX:,}')
        out.append(state(item(p.code, p.text, p.owner), present, problems))
    return out


KIND = IntakeKind(LAYOUT, lambda office, fy: of_year(office, fy, m.EmesPoint.owner_id), rows, apply, "emes_results", states)
