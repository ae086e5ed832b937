"""Dry-run and push: the remotes, the ledger around every side effect, reconcile first.

The rule of every submission: the ledger row is committed SUBMITTING *before* the action and
SUBMITTED only after ``lookup_remote`` reads the very values back. A row found SUBMITTING or
UNKNOWN (a run that was killed, or a save whose answer never came) is looked up on the site
before anything is repeated. Reads are retried freely; an action is repeated only after a
lookup shows it did not happen, and never after a timeout (it may still land): that record
stays UNKNOWN until the next run reconciles it. A record's actions run in order, one at a time,
and an action runs only after the record's earlier ones were read back (SUBMITTED): the rest
stay APPROVED, with the reason, for the next run.
"""
from __future__ import annotations

import asyncio
import getpass
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from ..app import ExitCode, UserError
from ..contract import LoginRefused, Payload, Problem, RemoteRefused, RemoteSettings, RemoteTimeout
from ..credentials import where_to_fix
from ..forms.page import LocatorError
from ..ledger import transition
from ..models import Submission, SubmissionState as S
from . import approval as approvals
from .lock import Lock
from .plan import Plan, in_flight, ledger_name, make_plan, rows_of, set_hash, sync_ledger
from .retry import read

MAX_SUBMITS = 5  # attempts of one action, each only after a lookup showed the last did not land
# A browser worker waits for the site about two thirds of a record and works in Chromium the rest:
# one worker more than the request slots keeps them busier (60 records at 150 ms, 3 slots, two
# runs each: 3 workers 16.4/16.7 s, 4 workers 15.1/15.2 s, 5 workers 15.7/16.2 s; ~15 MB a worker).
SPARE_BROWSER_WORKERS = 1


@dataclass
class Target:
    """What one run needs to know of its target: hooks, spec, validated config, database."""

    db: object
    hook: object
    spec: object
    config: object  # core.config.TargetConfig
    office_code: str
    stage: str = "push"  # or one of spec.stages: a separate step with its own ledger rows and approval

    @property
    def ledger(self) -> str:
        """The ledger's target key of this run (see plan.ledger_name)."""
        return ledger_name(self.spec.name, self.stage)


@dataclass
class Options:
    mode: str = "browser"
    concurrency: int = 3
    new_projects: bool = False
    trace: bool = False
    read_timeout: float = 15.0
    action_timeout: float = 120.0
    run_dir: Path | None = None
    approve_command: str | None = None  # what the preview tells the approver to run (default: approve <target>)


@dataclass
class PreviewRow:
    payload: Payload
    state: str  # "preview" | "invalid" | "sent" | "error"
    diff: list = field(default_factory=list)
    site_holds: bool = False
    screenshot: str | None = None
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class DryRunResult:
    rows: list[PreviewRow]
    set_hash: str
    preview_path: Path
    run_dir: Path


@dataclass
class PushResult:
    counts: dict[str, int]
    failures: list[tuple[str, str, str]]  # (record, action, error)
    run_dir: Path


def new_run_dir(base: Path, target: str, period: str, kind: str) -> Path:
    folder = base / "runs" / f"{datetime.now():%Y%m%d-%H%M%S-%f}-{target}-{period}-{kind}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- the remotes ---------------------------------------------------------------------------


@asynccontextmanager
async def remotes(t: Target, credentials, options: Options, records: int):
    """Logged-in remote workers of the chosen mode for ``records`` records (one Chromium shared in
    browser mode), each making one request at a time: ``options.concurrency`` of them, or one
    spare browser worker more and that many request slots (TargetSpec.request_slots)."""
    if options.mode not in t.spec.modes:
        raise UserError(f"{t.spec.name} ไม่รองรับโหมด {options.mode} (มี: {', '.join(t.spec.modes)})", ExitCode.USAGE)
    slots = options.concurrency if options.mode == "browser" and t.spec.request_slots else None
    count = max(1, min(options.concurrency + (SPARE_BROWSER_WORKERS if slots else 0), records))
    settings = RemoteSettings(config=t.config, run_dir=options.run_dir, concurrency=count,
                              read_timeout=options.read_timeout, action_timeout=options.action_timeout,
                              trace=options.trace, site_slots=asyncio.Semaphore(slots) if slots else None)
    async with AsyncExitStack() as stack:
        browser = None
        if options.mode == "browser":
            from .browser import chromium

            browser = await stack.enter_async_context(chromium())
        opened = [t.hook.open_remote(target=t.spec.name, mode=options.mode, credentials=credentials,
                                     settings=settings, browser=browser) for _ in range(count)]
        try:
            workers = await asyncio.gather(*(stack.enter_async_context(cm) for cm in opened))
        except LoginRefused as exc:
            raise UserError(f"{exc} — {where_to_fix(t.spec.name, credentials)} แล้วรันคำสั่งเดิมอีกครั้ง",
                            ExitCode.BAD_DATA) from None
        yield list(workers)


# --- dry-run -------------------------------------------------------------------------------


def dry_run(t: Target, period, credentials, options: Options) -> DryRunResult:
    with t.db.session() as session:
        office_id = _office(t, session).id
    with Lock(t.db, office_id, t.spec.name, period.id) as lock:
        return asyncio.run(_dry_run(t, period, credentials, options, lock))


async def _dry_run(t: Target, period, credentials, options: Options, lock: Lock) -> DryRunResult:
    name, ledger = t.spec.name, t.ledger
    with t.db.session() as session:
        stuck = in_flight(session, _office(t, session), ledger, period.id)
        if stuck:
            raise UserError(f"มี {len(stuck)} รายการที่ค้างจากการส่งครั้งก่อน (เช่น {stuck[0].record_key}) "
                            f"— รัน push {name} --period {period.id} เพื่อกระทบยอดและส่งต่อก่อน", ExitCode.INCOMPLETE)
    async with remotes(t, credentials, options, options.concurrency) as workers:
        present = None
        if options.new_projects:
            present = await read(lambda: t.hook.list_remote(target=name, remote=workers[0]))
        with t.db.session(actor=_operator()) as session:
            office = _office(t, session)
            plan = make_plan(t.hook, name, period, session, office, t.config.mapping, t.config.forms, present=present,
                             entries=options.new_projects, stage=t.stage)
            todo, done = sync_ledger(session, office, ledger, period.id, plan.payloads)
            todo_keys = {(r.record_key, r.action) for r in todo}
        rows = [_preview_row(plan, p, todo_keys) for p in plan.payloads]
        queue = [r for r in rows if r.state == "preview"]
        shots = options.run_dir / "screenshots"
        shots.mkdir(exist_ok=True)

        async def work(remote):
            while queue:
                row = queue.pop(0)
                await _preview_one(t, row, remote, shots)
        await asyncio.gather(*(work(w) for w in workers))
    if lock.lost:  # another run owns the ledger rows now: record nothing as previewed
        raise UserError(lock.lost, ExitCode.INCOMPLETE)
    with t.db.session(actor=_operator()) as session:
        held = rows_of(session, _office(t, session), ledger, period.id)
        for row in rows:
            entry = held[(row.payload.record_key, row.payload.action)]
            entry.last_error = "; ".join(row.errors) or None
            if row.state == "preview":
                transition(entry, S.PREVIEWED)
        digest = set_hash((r.payload.record_key, r.payload.action, r.payload.hash) for r in rows if r.state == "preview")
    from .preview import write_preview

    path = write_preview(options.run_dir / "preview.html", t, period, rows, digest, options)
    return DryRunResult(rows, digest, path, options.run_dir)


def _preview_row(plan: Plan, payload: Payload, todo_keys) -> PreviewRow:
    errors = [f"{p.field}: {p.message}" for p in plan.errors_of(payload)]
    warnings = [p.message if p.field == "-" else f"{p.field}: {p.message}" for p in plan.warnings_of(payload)]
    if (payload.record_key, payload.action) not in todo_keys:
        return PreviewRow(payload, "sent", warnings=warnings)
    return PreviewRow(payload, "invalid" if errors else "preview", warnings=warnings, errors=errors)


async def _preview_one(t: Target, row: PreviewRow, remote, shots: Path) -> None:
    name, payload = t.spec.name, row.payload
    try:
        held = await read(lambda: t.hook.lookup_remote(target=name, payload=payload, remote=remote))
        row.site_holds = held is not None
        row.diff = held.diff if held else []
        if held is not None and held.matches:
            row.warnings.append("ระบบมีข้อมูลนี้ตรงกันอยู่แล้ว")
        shot = shots / f"{_safe(payload.record_key)}-{payload.action}.png"
        said = await read(lambda: t.hook.preview_payload(target=name, payload=payload, remote=remote,
                                                         screenshot_path=shot)) or []
        row.warnings += [item for item in said if not isinstance(item, Problem)]
        row.errors += [f"{item.field}: {item.message}" for item in said if isinstance(item, Problem)]
        if row.errors:  # the page itself would not take it: not ready, whatever the data checks said
            row.state = "invalid"
        row.screenshot = f"screenshots/{shot.name}" if shot.exists() else None
    except Exception as exc:  # shown on the record's row; the rest of the preview goes on
        row.state = "error"
        row.errors.append(_describe(exc))


# --- push ----------------------------------------------------------------------------------


def push(t: Target, period, credentials, options: Options, on_progress: Callable | None = None) -> PushResult:
    with t.db.session() as session:
        office_id = _office(t, session).id
    lock = Lock(t.db, office_id, t.spec.name, period.id)
    with lock:
        return asyncio.run(_push(t, period, credentials, options, lock, on_progress or (lambda *a: None)))


def approve(t: Target, period, by: str, only_ready: bool = False) -> tuple[object, int]:
    """Record ``by``'s approval of what the last dry-run previewed as ready: (the Approval, its row
    count). The data is planned again first and must give the very payloads the preview showed;
    records the preview found problems in refuse the set, or are left out with ``only_ready``."""
    with t.db.session() as session:
        office_id = _office(t, session).id
    with Lock(t.db, office_id, t.spec.name, period.id), t.db.session(actor=by) as session:
        office = _office(t, session)
        plan = _plan_again(t, period, session, office, lambda row: row.state is S.PREVIEWED)
        record = approvals.approve(session, office, t.ledger, period.id, by, plan, only_ready)
        count = sum(1 for r in rows_of(session, office, t.ledger, period.id).values() if r.approval_id == record.id)
    return record, count


def _plan_again(t: Target, period, session, office, covered: Callable) -> Plan:
    """The plan of the rows ``covered`` picks. Project entry rows are planned only for records
    whose entry rows it picks: approve and push must plan exactly the same set (approve: the
    rows the dry-run previewed; push: the rows of the live approval), or a row left over from
    an earlier approval would look like a new record and void the live one."""
    entry_keys = None
    if t.stage == "push":
        ledger = rows_of(session, office, t.ledger, period.id)
        entry_keys = {key for (key, action), row in ledger.items()
                      if action in t.spec.entry_actions and covered(row)} or None
    return make_plan(t.hook, t.spec.name, period, session, office, t.config.mapping, t.config.forms, entry_keys=entry_keys,
                     stage=t.stage)


def _approved_work(t: Target, period) -> tuple[list[list[tuple[int, Payload]]], int]:
    """The approved rows still to do, grouped by record (a record's actions run in order)."""
    voided = None
    with t.db.session(actor=_operator()) as session:
        office = _office(t, session)
        live = approvals.current_approvals(session, office, t.ledger, period.id)
        live_id = live[-1].id if live else None
        plan = _plan_again(t, period, session, office, lambda row: live_id is not None and row.approval_id == live_id)
        try:
            _, rows = approvals.check(session, office, t.ledger, period.id, plan)
        except approvals.ApprovalVoided as exc:
            voided = exc  # commit the void, then refuse
        else:
            fresh = {(p.record_key, p.action): p for p in plan.payloads}
            order = {key: i for i, key in enumerate(fresh)}
            todo = sorted((r for r in rows if r.state is not S.SUBMITTED), key=lambda r: order[(r.record_key, r.action)])
            groups: dict[str, list] = {}
            for r in todo:
                groups.setdefault(r.record_key, []).append((r.id, fresh[(r.record_key, r.action)]))
            done = sum(1 for r in rows if r.state is S.SUBMITTED)
    if voided:
        raise voided
    return list(groups.values()), done


async def _push(t: Target, period, credentials, options: Options, lock: Lock, on_progress) -> PushResult:
    groups, already = _approved_work(t, period)
    total = sum(len(g) for g in groups)
    on_progress("start", total, already)
    if groups:
        async with remotes(t, credentials, options, len(groups)) as workers:
            async def work(remote):
                while groups and not lock.lost:  # a run that lost the lock takes no new records
                    group = groups.pop(0)
                    for i, (row_id, payload) in enumerate(group):
                        state = await _deliver(t, row_id, payload, remote, options)
                        on_progress("record", payload, state)
                        if state is not S.SUBMITTED:  # a record's later actions need this one read back
                            _hold(t, group[i + 1:], payload)
                            break
            await asyncio.gather(*(work(w) for w in workers))
    if lock.lost and groups:
        raise UserError(f"{lock.lost} — รายการที่ส่งแล้วบันทึกไว้ครบ ที่เหลือให้งานนั้นส่งต่อ", ExitCode.INCOMPLETE)
    return _summary(t, period, options.run_dir)


async def _reconcile(t: Target, row_id: int, lookup) -> S | None:
    """SUBMITTED if the site holds the values, UNKNOWN if it cannot be asked, None if it does not."""
    try:
        held = await read(lookup)
    except Exception as exc:
        return _move(t, row_id, S.UNKNOWN, error=f"กระทบยอดไม่ได้: {_describe(exc)}")
    if held is not None and held.matches:
        return _move(t, row_id, S.SUBMITTED, remote_id=held.remote_id, read_back=held.values)
    return None


async def _deliver(t: Target, row_id: int, payload: Payload, remote, options: Options) -> S:
    """One approved action, exactly once (see the module docstring)."""
    name = t.spec.name
    lookup = lambda: t.hook.lookup_remote(target=name, payload=payload, remote=remote)  # noqa: E731
    if _state(t, row_id) in (S.SUBMITTING, S.UNKNOWN, S.FAILED):
        # It may have landed (a FAILED row may be a save whose read-back disagreed): look first.
        settled = await _reconcile(t, row_id, lookup)
        if settled is not None:
            return settled
        quiet = _quiet_left(t, row_id, options.action_timeout) if payload.action in getattr(t.spec, "not_repeatable", ()) else 0
        if quiet > 0:
            await asyncio.sleep(quiet)  # until the old request's own deadline, then look again
            settled = await _reconcile(t, row_id, lookup)
            if settled is not None:
                return settled
    doubt: Exception | None = None
    for _ in range(MAX_SUBMITS):
        _move(t, row_id, S.SUBMITTING)  # committed before the side effect
        doubt = None
        try:
            await t.hook.submit_payload(target=name, payload=payload, remote=remote)
        except RemoteRefused as exc:
            return await _failed(t, row_id, remote, options, exc)
        except LocatorError as exc:  # the page is not what forms.yaml says: nothing was clicked
            return await _failed(t, row_id, remote, options, RemoteRefused(_locator_advice(t, exc)))
        except RemoteTimeout as exc:  # may still land later: never repeated in this run
            return _move(t, row_id, S.UNKNOWN, error=_describe(exc))
        except Exception as exc:
            doubt = exc
        try:
            held = await read(lookup)
        except Exception as exc:
            return _move(t, row_id, S.UNKNOWN, error=f"อ่านกลับไม่ได้: {_describe(exc)}")
        if held is not None and held.matches:
            return _move(t, row_id, S.SUBMITTED, remote_id=held.remote_id, read_back=held.values)
        if doubt is None:
            diff = "; ".join(f"{c.field}: ระบบ={c.site!r} ส่ง={c.ours!r}" for c in (held.diff if held else []))
            return await _failed(t, row_id, remote, options, RuntimeError(f"บันทึกแล้วแต่อ่านกลับไม่ตรง: {diff or 'ไม่พบข้อมูล'}"))
        # The lookup shows the action did not land: a repeat is safe.
    return await _failed(t, row_id, remote, options, doubt or RuntimeError("ไม่สำเร็จ"))


def _hold(t: Target, rest: list[tuple[int, Payload]], blocker: Payload) -> None:
    """Leave a record's later actions APPROVED, saying why they were not attempted this run."""
    if not rest:
        return
    with t.db.session(actor=_operator()) as session:
        for row_id, _ in rest:
            row = session.get(Submission, row_id)
            row.last_error = f"ยังไม่ได้ส่ง: รอ \"{blocker.action}\" ของรายการนี้ให้สำเร็จก่อน"


async def _failed(t: Target, row_id: int, remote, options: Options, exc: Exception) -> S:
    if options.trace and hasattr(remote, "failure_screenshot"):
        try:
            await remote.failure_screenshot(options.run_dir / f"failure-{row_id}.png")
        except Exception:  # a failure screenshot must never hide the failure itself
            pass
    return _move(t, row_id, S.FAILED, error=_describe(exc))


def _locator_advice(t: Target, exc: Exception) -> str:
    return (f"หน้าเว็บไม่ตรงกับ {t.config.folder / 'forms.yaml'} › {exc} — ยังไม่ได้บันทึก; "
            f"รัน python cli.py doctor {t.spec.name} เพื่อดูทุกจุดที่ต้องแก้ แล้ว dry-run ใหม่")


def _quiet_left(t: Target, row_id: int, timeout: float) -> float:
    """Seconds until the last attempt of a row is older than ``timeout`` (0 when it already is)."""
    from ..models.base import utcnow

    with t.db.session() as session:
        last = session.get(Submission, row_id).updated_at
    last = last if last.tzinfo else last.replace(tzinfo=utcnow().tzinfo)
    return max(0.0, timeout - (utcnow() - last).total_seconds())


def _state(t: Target, row_id: int) -> S:
    with t.db.session() as session:
        return session.get(Submission, row_id).state


def _move(t: Target, row_id: int, state: S, error: str | None = None, remote_id: str | None = None,
          read_back: dict | None = None) -> S:
    with t.db.session(actor=_operator()) as session:
        row = session.get(Submission, row_id)
        transition(row, state, error=error, remote_id=remote_id)
        if state is S.SUBMITTED:
            row.read_back, row.submitted_by = read_back, _operator()
    return state


def _summary(t: Target, period, run_dir: Path) -> PushResult:
    with t.db.session() as session:
        rows = rows_of(session, _office(t, session), t.ledger, period.id).values()
        counts: dict[str, int] = {}
        for r in rows:
            counts[str(r.state)] = counts.get(str(r.state), 0) + 1
        failures = [(r.record_key, r.action, r.last_error or "") for r in rows
                    if r.state in (S.FAILED, S.UNKNOWN) or (r.state is S.APPROVED and r.last_error)]
    return PushResult(counts, failures, run_dir)


# --- doctor --------------------------------------------------------------------------------


def doctor(t: Target, credentials, options: Options, period=None) -> list:
    """Check the login page, log in, and ask every page the push uses the form description's
    questions (core/forms/inspect.py), saving nothing. Every problem is reported, not the first:
    a login page that has changed is reported as such, and the pages behind it are not reached."""
    async def check():
        from ..contract import CheckResult
        from .browser import chromium, login_page_findings

        async with chromium() as browser:
            findings = await login_page_findings(browser, t.config, options.read_timeout)
        results = [CheckResult("login", not findings, "หน้าเข้าสู่ระบบ")]
        results += [CheckResult(f.key, False, f.message) for f in findings]
        if findings:
            return results + [CheckResult("pages", False, "เข้าสู่ระบบไม่ได้ จึงยังไม่ได้ตรวจหน้าอื่น — แก้รายการข้างบนแล้วรัน doctor อีกครั้ง")]
        async with remotes(t, credentials, options, 1) as (remote,):
            return results + await t.hook.check_target(target=t.spec.name, remote=remote, mapping=t.config.mapping,
                                                       period=period)
    return asyncio.run(check())


# --- small helpers -------------------------------------------------------------------------


def _office(t: Target, session):
    from sqlalchemy import select

    from ..models import Office

    office = session.scalars(select(Office).where(Office.code == t.office_code)).one_or_none()
    if office is None:
        raise UserError(f'ไม่พบสำนักงานรหัส "{t.office_code}" ในฐานข้อมูล')
    return office


def _operator() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "-"


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, LocatorError):
        return f"หน้าเว็บไม่ตรงกับ forms.yaml › {exc} — รัน doctor เพื่อดูทุกจุดที่ต้องแก้"[:500]
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:500] if not isinstance(exc, (RemoteRefused,)) else text[:500]


__all__ = ["Target", "Options", "dry_run", "approve", "push", "new_run_dir"]
