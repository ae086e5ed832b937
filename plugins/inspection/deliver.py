"""Preview, deliver and settle the inspection package by e-mail, exactly once per message.

Built on the target-independent push pieces of ``core/push``: ``plan.make_plan`` asks this
plugin's ``plan_payloads`` for one payload per message part, ``plan.sync_ledger`` keeps the
ledger in step, ``approval`` binds the director's approval to the hash of the payload set
(each payload names the package hash, so the approval covers exactly this package), and
``lock.Lock`` allows one preview, delivery or decision per office and round at a time.

The rule of every message (see docs/inspection.md for the states and the window that remains):

* the ledger row is committed SUBMITTING after the server took the sender and recipients and
  before DATA; SUBMITTED only after the server's 250 to the end of DATA;
* a refusal (any SMTP error reply, or no connection) is FAILED: nothing was accepted, so the
  next run sends it again;
* no final answer after the body went out is UNKNOWN: it may have landed;
* a row found SUBMITTING or UNKNOWN is never sent again unless the archive mailbox (BCC'd on
  every message) shows, once ``settle_seconds`` have passed since the attempt, that the
  message is not there. Without an archive, a person decides (``resolve``) and is recorded.
"""
from __future__ import annotations

import base64
import getpass
import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from tidtam.core.app import ExitCode, UserError
from tidtam.core.ledger import transition
from tidtam.core.models import Office, Submission, SubmissionState as S
from tidtam.core.push import approval as approvals
from tidtam.core.push.lock import Lock
from tidtam.core.push.plan import Plan, in_flight, make_plan, rows_of, set_hash, sync_ledger
from tidtam.core.thai import thai_date

from . import mail
from .package import TARGET, Package, encoded_size, load, package_dir

TEMPLATES = Path(__file__).parent / "templates"
STATE_TH = {"planned": "รอแสดงตัวอย่าง", "previewed": "แสดงตัวอย่างแล้ว รออนุมัติ", "approved": "อนุมัติแล้ว รอส่ง",
            "submitting": "กำลังส่ง / ไม่ทราบผล", "submitted": "ส่งแล้ว", "failed": "ส่งไม่สำเร็จ (จะส่งใหม่)",
            "unknown": "ไม่แน่ใจว่าถึงหรือไม่"}


@dataclass
class PartView:
    payload: object  # core.contract.Payload
    state: str  # "preview" | "invalid" | "sent"
    encoded: int
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class PreviewResult:
    parts: list[PartView]
    set_hash: str
    package: Package
    path: Path


@dataclass
class DeliveryResult:
    counts: dict[str, int]
    problems: list[tuple[int, str, str]]  # (part, state, why) of every part not SUBMITTED
    decisions: list[int]  # parts that wait for a person's decision


def operator() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "-"


def _office(t, session) -> Office:
    office = session.scalars(select(Office).where(Office.code == t.office_code)).one_or_none()
    if office is None:
        raise UserError(f'ไม่พบสำนักงานรหัส "{t.office_code}" ในฐานข้อมูล')
    return office


def _office_id(t) -> int:
    with t.db.session() as session:
        return _office(t, session).id


def _part(row: Submission) -> int:
    return int(row.record_key.rpartition("-")[2])


# --- preview -------------------------------------------------------------------------------


def preview(t, period, run_dir: Path) -> PreviewResult:
    """The dry-run: plan the messages from the package, keep them in the ledger as PREVIEWED,
    and write ``preview.html`` (what will be sent, to whom, in how many messages). Sends nothing."""
    with Lock(t.db, _office_id(t), TARGET, period.id):
        with t.db.session(actor=operator()) as session:
            office = _office(t, session)
            stuck = in_flight(session, office, TARGET, period.id)
            if stuck:
                raise UserError(f"มี {len(stuck)} ฉบับที่ค้างจากการส่งครั้งก่อน ({stuck[0].record_key}) — รัน deliver "
                                f"{TARGET} --round {period.id} เพื่อกระทบยอดก่อน แล้วจึงแสดงตัวอย่างใหม่", ExitCode.INCOMPLETE)
            plan = make_plan(t.hook, TARGET, period, session, office, t.config.mapping)
            todo, _done = sync_ledger(session, office, TARGET, period.id, plan.payloads)
            todo_keys = {(r.record_key, r.action) for r in todo}
            parts = [_view(plan, p, todo_keys) for p in plan.payloads]
            ledger = rows_of(session, office, TARGET, period.id)
            for view in parts:
                row = ledger[(view.payload.record_key, view.payload.action)]
                row.last_error = "; ".join(view.errors) or None
                if view.state == "preview":
                    transition(row, S.PREVIEWED)
            digest = set_hash((v.payload.record_key, v.payload.action, v.payload.hash) for v in parts if v.state == "preview")
        package = load(package_dir(t.office_code, period.id))
    path = write_preview(run_dir / "preview.html", t, period, parts, digest, package)
    return PreviewResult(parts, digest, package, path)


def _view(plan: Plan, payload, todo_keys) -> PartView:
    encoded = sum(encoded_size(f["size"]) for f in payload.data["attachments"])
    errors = [f"{p.field}: {p.message}" for p in plan.errors_of(payload)]
    warnings = [p.message for p in plan.warnings_of(payload)]
    if (payload.record_key, payload.action) not in todo_keys:
        return PartView(payload, "sent", encoded, warnings=warnings)
    return PartView(payload, "invalid" if errors else "preview", encoded, errors, warnings)


def write_preview(path: Path, t, period, parts: list[PartView], digest: str, package: Package) -> Path:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    now = datetime.now()
    html = env.get_template("preview.html.j2").render(
        spec=t.spec, period=period, parts=parts, digest=digest, package=package, manifest=package.manifest,
        mapping=t.config.mapping, photos=_photos(package), generated=f"{thai_date(now.date())} {now:%H:%M} น.",
        approve=f'python cli.py approve {TARGET} --period {period.id} --by "ชื่อผู้อนุมัติ"',
        counts={s: sum(1 for p in parts if p.state == s) for s in ("preview", "invalid", "sent")})
    path.write_text(html, encoding="utf-8")
    return path


def _photos(package: Package, limit: int = 12) -> list[dict]:
    """Thumbnails of the images inside the evidence zips, exactly as they will be sent."""
    from PIL import Image

    out = []
    for f in package.files:
        if f.kind != "evidence":
            continue
        with zipfile.ZipFile(package.folder / f.name) as archive:
            for info in archive.infolist():
                if len(out) >= limit or not info.filename.lower().endswith((".jpg", ".jpeg", ".png")):
                    continue
                try:
                    with Image.open(io.BytesIO(archive.read(info))) as image:
                        image = image.convert("RGB")
                        image.thumbnail((320, 320))
                        buffer = io.BytesIO()
                        image.save(buffer, "JPEG", quality=80)
                except OSError:
                    continue
                out.append({"name": info.filename, "zip": f.name,
                            "src": "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()})
    return out


# --- deliver -------------------------------------------------------------------------------


def deliver(t, period, credentials, on_part=lambda part, state, why: None, now=None) -> DeliveryResult:
    """Send every approved part not yet SUBMITTED, settling in-flight parts first.

    ``credentials(name)`` gives a ``Credentials`` for "inspection" (SMTP login, only when
    ``smtp_auth``) and "inspection_archive" (the archive mailbox, only when a lookup is needed).
    ``now()`` is the clock (tests move it)."""
    now = now or (lambda: datetime.now(timezone.utc))
    mapping = t.config.mapping
    lock = Lock(t.db, _office_id(t), TARGET, period.id)
    with lock:
        row_ids, package = _approved(t, period)
        cached: dict[str, object] = {}

        def creds(name: str):
            if name not in cached:
                cached[name] = credentials(name)
            return cached[name]

        for row_id in row_ids:
            state, why = _deliver_one(t, row_id, package, mapping, creds, now)
            on_part(_part_of(t, row_id), state, why)
            if lock.lost:
                break  # another run took the lock over: leave the rest to it
    return summary(t, period)


def _approved(t, period) -> tuple[list[int], Package]:
    voided = None
    with t.db.session(actor=operator()) as session:
        office = _office(t, session)
        plan = make_plan(t.hook, TARGET, period, session, office, t.config.mapping)
        try:
            _, rows = approvals.check(session, office, TARGET, period.id, plan)
        except approvals.ApprovalVoided as exc:
            voided = exc  # commit the void, then refuse
        else:
            ids = [r.id for r in sorted(rows, key=_part) if r.state is not S.SUBMITTED]
    if voided:
        raise voided
    return ids, load(package_dir(t.office_code, period.id))


def _part_of(t, row_id: int) -> int:
    with t.db.session() as session:
        return _part(session.get(Submission, row_id))


def _deliver_one(t, row_id: int, package: Package, mapping, creds, now) -> tuple[str, str]:
    with t.db.session() as session:
        row = session.get(Submission, row_id)
        state, data = row.state, dict(row.payload)
        attempt_at = (row.read_back or {}).get("attempt_at")
    if state in (S.SUBMITTING, S.UNKNOWN):
        verdict, why = _reconcile(t, row_id, state, data, attempt_at, mapping, creds, now)
        if verdict != "resend":
            return verdict, why
        # The archive shows the earlier attempt did not land: one more attempt is safe.
    return _send(t, row_id, data, package, mapping, creds, now)


def _reconcile(t, row_id, state, data, attempt_at, mapping, creds, now) -> tuple[str, str]:
    if mapping.archive is None:
        why = ("ไม่ทราบว่าฉบับนี้ถึงผู้รับหรือไม่ และไม่ได้ตั้งกล่องจดหมายสำเนา (archive) ไว้ตรวจ — ตรวจกล่องจดหมายที่ส่งแล้ว "
               "แล้วใช้ deliver ... --mark-delivered หรือ --allow-resend")
        return _move(t, row_id, S.UNKNOWN, error=why) if state is S.SUBMITTING else str(S.UNKNOWN), why
    try:
        found = mail.in_archive(mapping, data["message_id"], creds("inspection_archive"))
    except mail.LookupFailed as exc:
        return _move(t, row_id, S.UNKNOWN, error=f"กระทบยอดไม่ได้: {exc}") if state is S.SUBMITTING else str(S.UNKNOWN), str(exc)
    if found:
        return _move(t, row_id, S.SUBMITTED, read_back={"attempt_at": attempt_at, "found_in_archive": True}), "พบในกล่องจดหมายสำเนา"
    settled_at = _parse(attempt_at) + timedelta(seconds=mapping.archive.settle_seconds) if attempt_at else None
    if settled_at is None or now() < settled_at:
        wait = "" if settled_at is None else f" (อีกประมาณ {int((settled_at - now()).total_seconds()) + 1} วินาที)"
        why = f"ยังไม่พบในกล่องจดหมายสำเนา แต่เพิ่งส่งไม่นาน{wait} — รันคำสั่งเดิมอีกครั้งภายหลัง"
        if state is S.SUBMITTING:
            _move(t, row_id, S.UNKNOWN, error=why)
        else:
            _note(t, row_id, why)
        return str(S.UNKNOWN), why
    return "resend", ""


def _send(t, row_id: int, data: dict, package: Package, mapping, creds, now) -> tuple[str, str]:
    def before_data():
        _move(t, row_id, S.SUBMITTING, read_back={"attempt_at": now().isoformat()})

    try:
        message = mail.build_message(data, package.folder, now())
        login = creds("inspection") if mapping.smtp_auth else None
        sent = mail.send(message, data, mapping, login, before_data)
    except mail.NotSent as exc:
        return _not_sent(t, row_id, str(exc)), str(exc)
    except mail.MaybeSent as exc:
        return _move(t, row_id, S.UNKNOWN, error=str(exc)), str(exc)
    with t.db.session() as session:
        attempt_at = (session.get(Submission, row_id).read_back or {}).get("attempt_at")
    return _move(t, row_id, S.SUBMITTED, remote_id=sent.reply[:200],
                 read_back={"attempt_at": attempt_at, "reply": sent.reply}), sent.reply


def _not_sent(t, row_id: int, why: str) -> str:
    """Nothing was accepted: FAILED (sent again next run), or the row's error noted."""
    with t.db.session(actor=operator()) as session:
        row = session.get(Submission, row_id)
        if row.state in (S.SUBMITTING, S.UNKNOWN):
            transition(row, S.FAILED, error=why)
        else:  # APPROVED or FAILED, never got as far as DATA this time
            row.last_error = why
        return str(row.state)


def _move(t, row_id: int, state: S, error: str | None = None, remote_id: str | None = None,
          read_back: dict | None = None) -> str:
    with t.db.session(actor=operator()) as session:
        row = session.get(Submission, row_id)
        transition(row, state, error=error, remote_id=remote_id)
        if read_back is not None:
            row.read_back = read_back
        if state is S.SUBMITTED:
            row.submitted_by = operator()
    return str(state)


def _note(t, row_id: int, why: str) -> None:
    with t.db.session(actor=operator()) as session:
        session.get(Submission, row_id).last_error = why


def _parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# --- a person's decision -------------------------------------------------------------------


def resolve(t, period, part: int, decision: str, by: str) -> str:
    """Settle an unsure part by a person's word: ``delivered`` (they saw it arrive) or ``resend``
    (they confirmed it did not: one more attempt). Recorded with who, when, and the audit log."""
    if decision not in ("delivered", "resend"):
        raise ValueError(decision)
    if not by.strip():
        raise UserError("ต้องระบุ --by ชื่อผู้ตัดสินใจ", ExitCode.USAGE)
    with Lock(t.db, _office_id(t), TARGET, period.id), t.db.session(actor=by) as session:
        rows = rows_of(session, _office(t, session), TARGET, period.id)
        row = rows.get((mail.record_key(period.id, part), mail.ACTION))
        if row is None:
            raise UserError(f"ไม่มีฉบับที่ {part} ของ {TARGET} {period.id} ในสมุดบันทึกการส่ง", ExitCode.USAGE)
        if row.state not in (S.SUBMITTING, S.UNKNOWN):
            raise UserError(f"ฉบับที่ {part} มีสถานะ \"{STATE_TH[str(row.state)]}\" — ตัดสินได้เฉพาะฉบับที่ไม่แน่ใจว่าถึงหรือไม่",
                            ExitCode.USAGE)
        record = {**(row.read_back or {}), "decision": decision, "decided_by": by,
                  "decided_at": datetime.now(timezone.utc).isoformat()}
        if decision == "delivered":
            transition(row, S.SUBMITTED)
            row.submitted_by = by
        else:
            transition(row, S.FAILED, error=f"{by} ยืนยันว่าผู้รับยังไม่ได้รับ: อนุญาตให้ส่งซ้ำหนึ่งครั้ง")
        row.read_back = record
        return str(row.state)


def summary(t, period) -> DeliveryResult:
    with t.db.session() as session:
        rows = [r for r in rows_of(session, _office(t, session), TARGET, period.id).values() if r.action == mail.ACTION]
        counts: dict[str, int] = {}
        for r in rows:
            counts[str(r.state)] = counts.get(str(r.state), 0) + 1
        problems = sorted((_part(r), str(r.state), r.last_error or "") for r in rows
                          if r.state in (S.FAILED, S.UNKNOWN, S.SUBMITTING) or (r.state is S.APPROVED and r.last_error))
        decisions = [p for p, state, _ in problems if state in ("unknown", "submitting")]
    return DeliveryResult(counts, problems, decisions)
