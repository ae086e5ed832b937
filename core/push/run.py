"""The one engine of every target: dry-run, approval and push, exactly once.

A target reaches its site through remotes (``core.contract.Remote``): a web form through
Chromium, a JSON endpoint, an e-mail server. The rule of every action, whatever the remote:

* the ledger row is committed SUBMITTING *before* the action and SUBMITTED only once the action
  is confirmed: a lookup reads the very values back (or the remote's own answer proves it, as an
  SMTP 250 does);
* a row that was ever attempted is looked up before it is attempted again;
* an action whose request may still be on its way (a run that died, an answer that never came)
  is repeated only once that request's deadline has passed (``Remote.settle_seconds``) and a
  lookup shows it did not land; a wait longer than one action timeout is left to a later run;
* the site refusing the values is FAILED (fix, then push again); no answer is UNKNOWN;
* a record's actions run in order, each only after the one before it was confirmed.
Reads and page loads are retried freely; a record the dry-run could not open says so.
"""
from __future__ import annotations

import asyncio
import re
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Callable

from ..contract import LoginRefused, LookupUnavailable, Payload, Problem, RemoteAnswered, RemoteError, RemoteRefused, RemoteSettings
from ..credentials import where_to_fix
from ..errors import BadInput, Misuse, NotYet
from ..forms.page import LocatorError
from ..ledger import NOT_PREVIEWED, Ledger, Summary, operator, set_hash, transition
from ..models import SubmissionState as S
from ..models.base import utcnow
from ..periods import BANGKOK
from .plan import Plan, make_plan
from .retry import read

MAX_SUBMITS = 5  # attempts of one action, each only after a lookup showed the last did not land
# A browser worker waits for the site about two thirds of a record and works in Chromium the rest:
# one worker more than the request slots keeps them busier (60 records at 150 ms, 3 slots, two
# runs each: 3 workers 16.4/16.7 s, 4 workers 15.1/15.2 s, 5 workers 15.7/16.2 s; ~15 MB a worker).
SPARE_BROWSER_WORKERS = 1
NOT_IN_A_FILE_NAME = re.compile(r"[^\w-]")  # what a screenshot's name replaces with "_"


@dataclass
class Target:
    """What one run needs to know of its target: its hooks, spec, validated config, database."""

    db: object
    hook: object  # core.plugins.TargetHooks: reaches only this target's plugin
    spec: object
    config: object  # core.config.TargetConfig
    office_code: str
    stage: str = "push"  # or one of spec.stages: a separate step with its own ledger rows and approval

    def ledger(self, period) -> Ledger:
        return Ledger(self.db, self.office_code, self.spec.name, period.id, self.stage)


@dataclass
class Options:
    mode: str = "browser"
    concurrency: int = 3
    new_projects: bool = False
    trace: bool = False
    read_timeout: float = 15.0
    action_timeout: float = 120.0
    run_dir: Path | None = None
    approve_command: str | None = None  # what the preview page tells the approver to run


@dataclass
class PreviewRow:
    payload: Payload
    state: str  # "preview" | "invalid" | "sent" | "error"
    diff: list = field(default_factory=list)
    site_holds: bool | None = False  # None: the remote has no way to look
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
class PushResult(Summary):
    run_dir: Path | None = None


def new_run_dir(base: Path, target: str, period: str, kind: str) -> Path:
    from datetime import datetime

    folder = base / "runs" / f"{datetime.now():%Y%m%d-%H%M%S-%f}-{target}-{period}-{kind}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- the remotes ---------------------------------------------------------------------------


@asynccontextmanager
async def remotes(t: Target, credentials, options: Options, records: int, hide: tuple[str, ...] = ()):
    """Logged-in remote workers of the chosen mode for ``records`` records (one Chromium shared in
    browser mode), each making one request at a time: ``options.concurrency`` of them, or one
    spare browser worker more and that many request slots (TargetSpec.request_slots). ``hide``:
    words that are someone's data, for discover and doctor to cut (RemoteSettings.hide)."""
    if options.mode not in t.spec.modes:
        raise Misuse(f"{t.spec.name} ไม่รองรับโหมด {options.mode} (มี: {', '.join(t.spec.modes)})")
    slots = options.concurrency if options.mode == "browser" and t.spec.request_slots else None
    count = max(1, min(options.concurrency + (SPARE_BROWSER_WORKERS if slots else 0), records))
    count = 1 if t.spec.in_order else count
    settings = RemoteSettings(config=t.config, run_dir=options.run_dir, concurrency=count,
                              read_timeout=options.read_timeout, action_timeout=options.action_timeout,
                              trace=options.trace, site_slots=asyncio.Semaphore(slots) if slots else None,
                              hide=hide)
    keys = credentials if callable(credentials) else (lambda name: credentials)  # a Vault, or one login
    async with AsyncExitStack() as stack:
        browser = None
        if options.mode == "browser":
            from .browser import chromium

            browser = await stack.enter_async_context(chromium(options.run_dir))
        opened = [t.hook.open_remote(target=t.spec.name, mode=options.mode, credentials=keys,
                                     settings=settings, browser=browser) for _ in range(count)]
        try:  # one worker signs in first: a wrong password is tried once, not once per worker
            workers = [await stack.enter_async_context(opened[0])]
            workers += await asyncio.gather(*(stack.enter_async_context(cm) for cm in opened[1:]))
        except LoginRefused as exc:
            raise BadInput(f"{exc} — {where_to_fix(t.spec.name, keys(t.spec.name))} แล้วรันคำสั่งเดิมอีกครั้ง") from None
        yield list(workers)


def _plan(t: Target, period, session, office, present=None, entries: bool = False, entry_keys=None) -> Plan:
    return make_plan(t.hook, t.spec.name, period, session, office, t.config.mapping, t.config.forms, present=present,
                     entries=entries, entry_keys=entry_keys, stage=t.stage)


# --- dry-run -------------------------------------------------------------------------------


def dry_run(t: Target, period, credentials, options: Options) -> DryRunResult:
    ledger = t.ledger(period)
    with ledger.lock() as lock:
        return asyncio.run(_dry_run(t, period, ledger, credentials, options, lock))


async def _dry_run(t: Target, period, ledger: Ledger, credentials, options: Options, lock) -> DryRunResult:
    with t.db.session() as session:
        ledger.refuse_in_flight(session, "แสดงตัวอย่าง")
    async with remotes(t, credentials, options, options.concurrency) as workers:
        present = await read(workers[0].keys) if options.new_projects else None
        with t.db.session(actor=operator()) as session:
            plan = _plan(t, period, session, ledger.office(session), present=present, entries=options.new_projects)
            todo, _ = ledger.sync(session, plan.payloads)
            todo_keys = {(r.record_key, r.action) for r in todo}
        rows = [_preview_row(plan, p, todo_keys) for p in plan.payloads]
        queue = [r for r in rows if r.state == "preview"]
        shots = options.run_dir / "screenshots"
        shots.mkdir(exist_ok=True)

        async def work(remote):
            while queue:
                await _preview_one(t, queue.pop(0), remote, shots)
        await asyncio.gather(*(work(w) for w in workers))
    if lock.lost:  # another run owns the ledger rows now: record nothing as previewed
        raise NotYet(lock.lost)
    _record_preview(ledger, rows)
    digest = set_hash((r.payload.record_key, r.payload.action, r.payload.hash) for r in rows if r.state == "preview")
    from .preview import write_preview

    with t.db.session() as session:
        section = t.hook.preview_section(target=t.spec.name, period=period, payloads=plan.payloads,
                                         mapping=t.config.mapping, office=ledger.office(session))
    path = write_preview(options.run_dir / "preview.html", t, period, rows, digest, options, section)
    return DryRunResult(rows, digest, path, options.run_dir)


def _record_preview(ledger: Ledger, rows: list[PreviewRow]) -> None:
    """Previewed rows move on; rows that are not ready say why. Approved and failed rows keep their
    state and approval: a dry-run never undoes what an approval or a push did."""
    with ledger.db.session(actor=operator()) as session:
        held = ledger.rows(session)
        for row in rows:
            if row.state == "sent":
                continue
            entry = held[(row.payload.record_key, row.payload.action)]
            entry.last_error = "; ".join(row.errors) or None
            if entry.state in (S.PLANNED, S.PREVIEWED):
                transition(entry, S.PREVIEWED if row.state == "preview" else S.PLANNED, error=entry.last_error)


def _preview_row(plan: Plan, payload: Payload, todo_keys) -> PreviewRow:
    errors = [f"{p.field}: {p.message}" for p in plan.errors_of(payload)]
    warnings = [p.message if p.field == "-" else f"{p.field}: {p.message}" for p in plan.warnings_of(payload)]
    if (payload.record_key, payload.action) not in todo_keys:
        return PreviewRow(payload, "sent", warnings=warnings)
    return PreviewRow(payload, "invalid" if errors else "preview", warnings=warnings, errors=errors)


async def _preview_one(t: Target, row: PreviewRow, remote, shots: Path) -> None:
    payload = row.payload
    shot = shots / f"{NOT_IN_A_FILE_NAME.sub('_', payload.record_key)}-{payload.action}.png"
    try:
        try:
            held = await read(_signed_in, t, remote, remote.lookup, payload)
            row.site_holds, row.diff = held is not None, held.diff if held else []
            if held is not None and held.matches:
                row.warnings.append("ระบบมีข้อมูลนี้ตรงกันอยู่แล้ว")
        except LookupUnavailable:
            row.site_holds = None
        said = await read(_signed_in, t, remote, remote.preview, payload, shot) or []
        row.warnings += [item for item in said if not isinstance(item, Problem)]
        row.errors += [f"{item.field}: {item.message}" for item in said if isinstance(item, Problem)]
        if row.errors:  # the page itself would not take it: not ready, whatever the data checks said
            row.state = "invalid"
        row.screenshot = f"screenshots/{shot.name}" if shot.exists() else None
    except LocatorError as exc:  # the page is not what forms.yaml says: a problem to fix in config
        row.state = "error"
        row.errors.append(_describe(exc))
    except Exception as exc:  # the site did not answer even after retries: try the preview again
        row.state = "error"
        row.errors.append(f"{NOT_PREVIEWED}: {_describe(exc)}")


async def _signed_in(t: Target, remote, fn, *args):
    """``fn(*args)``; a form missing because the page shown is the login page (another worker
    signing in again) is a session that expired, which ``read`` retries, not a changed site."""
    try:
        return await fn(*args)
    except LocatorError:
        page, forms = getattr(remote, "page", None), t.config.forms
        if page is not None and forms is not None and forms.login.signed_out(page.url):
            raise RemoteAnswered("พบหน้าเข้าสู่ระบบแทนแบบฟอร์ม (หมดเวลาการใช้งาน)") from None
        raise


# --- approve -------------------------------------------------------------------------------


def approve(t: Target, period, by: str, only_ready: bool = False) -> tuple[object, int]:
    """Record ``by``'s approval of what the last dry-run previewed as ready (see Ledger.approve):
    the Approval and how many rows it covers."""
    ledger = t.ledger(period)
    with ledger.lock(), t.db.session(actor=by) as session:
        # The live approval's rows still to send come along when the data still gives them as
        # approved (a row left from another kind of run, e.g. a create before a progress-only
        # preview, stays outside and does not void this one).
        live = ledger.live_approval(session)
        carried = {r.id for r in ledger.rows(session).values()
                   if live is not None and r.approval_id == live.id and r.state in (S.APPROVED, S.FAILED)}
        plan = _plan_again(t, period, ledger, session, lambda row: row.state is S.PREVIEWED or row.id in carried)
        fresh = {(p.record_key, p.action): p.hash for p in plan.payloads}
        still = {r.id for r in ledger.rows(session).values() if r.id in carried
                 and fresh.get((r.record_key, r.action)) == r.payload_hash}
        if still != carried:
            plan = _plan_again(t, period, ledger, session, lambda row: row.state is S.PREVIEWED or row.id in still)
        record = ledger.approve(session, plan, by, only_ready, carried=still)
        count = sum(1 for r in ledger.rows(session).values() if r.approval_id == record.id)
    return record, count


def _plan_again(t: Target, period, ledger: Ledger, session, covered: Callable) -> Plan:
    """The plan of the rows ``covered`` picks. Entry rows (records the site lacked) are planned only
    for records whose entry rows it picks: approve and push must plan exactly the same set, or a
    row left over from an earlier approval would look like a new record and void the live one."""
    entry_keys = None
    if t.stage == "push":
        entry_keys = {key for (key, action), row in ledger.rows(session).items()
                      if action in t.spec.entry_actions and covered(row)} or None
    return _plan(t, period, session, ledger.office(session), entry_keys=entry_keys)


# --- push ----------------------------------------------------------------------------------


def push(t: Target, period, credentials, options: Options, on_progress: Callable | None = None) -> PushResult:
    ledger = t.ledger(period)
    with ledger.lock() as lock:
        asyncio.run(_push(t, period, ledger, credentials, options, lock, on_progress or (lambda *a: None)))
    return PushResult(**vars(ledger.summary()), run_dir=options.run_dir)


def _approved_work(t: Target, period, ledger: Ledger) -> tuple[list[list[tuple[int, Payload]]], int]:
    """The approved rows still to do, grouped by record (a record's actions run in order)."""
    def plan_for(session, office):
        live = ledger.live_approval(session)
        return _plan_again(t, period, ledger, session, lambda row: live is not None and row.approval_id == live.id)

    rows, plan = ledger.approved(plan_for)
    fresh = {(p.record_key, p.action): p for p in plan.payloads}
    order = {key: i for i, key in enumerate(fresh)}
    groups: dict[str, list] = {}
    for r in sorted((r for r in rows if r.state is not S.SUBMITTED), key=lambda r: order[(r.record_key, r.action)]):
        groups.setdefault(r.record_key, []).append((r.id, fresh[(r.record_key, r.action)]))
    return list(groups.values()), sum(1 for r in rows if r.state is S.SUBMITTED)


async def _push(t: Target, period, ledger: Ledger, credentials, options: Options, lock, on_progress) -> None:
    groups, already = _approved_work(t, period, ledger)
    on_progress("start", sum(len(g) for g in groups), already)
    queue = [(None, group) for group in groups]  # (not before, a record's actions in order)
    if queue:
        async with remotes(t, credentials, options, len(queue)) as workers:
            async def work(remote):
                while queue and not lock.lost:  # a run that lost the lock takes no new records
                    due, group = _take(queue)
                    if due is not None and (wait := (due - utcnow()).total_seconds()) > 0:
                        await asyncio.sleep(wait)  # only requests still on their way are left
                    for i, (row_id, payload) in enumerate(group):
                        try:
                            state = await _deliver(ledger, row_id, payload, remote, options)
                        except _Later as later:  # the other records go first, this one after its deadline
                            queue.append((later.args[0], group[i:]))
                            break
                        on_progress("record", payload, state)
                        if state is not S.SUBMITTED:  # a record's later actions need this one confirmed
                            rest = [row for row, _ in group[i + 1:]]
                            ledger.note(rest, f'ยังไม่ได้ส่ง: รอ "{payload.action}" ของรายการนี้ให้สำเร็จก่อน')
                            break
            await asyncio.gather(*(work(w) for w in workers))
    if lock.lost and queue:
        raise NotYet(f"{lock.lost} — รายการที่ส่งแล้วบันทึกไว้ครบ ที่เหลือให้งานนั้นส่งต่อ")


async def _deliver(ledger: Ledger, row_id: int, payload: Payload, remote, options: Options) -> S:
    """One approved action, exactly once (see the module docstring)."""
    row = ledger.view(row_id)
    if row.attempts or row.state in (S.SUBMITTING, S.UNKNOWN, S.FAILED):
        settled = await _settle(ledger, row, payload, remote, options)
        if settled is not None:
            return settled
    answered = None  # the site's last error answer, said if every attempt ends in one
    for _ in range(MAX_SUBMITS):
        ledger.move(row_id, S.SUBMITTING)  # committed before the side effect
        try:
            done = await remote.submit(payload)
        except RemoteRefused as exc:
            return await _failed(ledger, row_id, remote, options, exc)
        except LocatorError as exc:  # the page is not what forms.yaml says: nothing was clicked
            return await _failed(ledger, row_id, remote, options, _locator_advice(ledger, exc))
        except RemoteAnswered as exc:  # the request is over: a lookup tells whether it landed
            answered = exc
            found = await _look_unsure(ledger, row_id, payload, remote)
            if found is not None:
                return found
            continue  # it did not land: a repeat is safe
        except Exception as exc:  # no answer: it may still land, so never repeated in this run
            return ledger.move(row_id, S.UNKNOWN, error=_describe(exc))
        if done.confirmed:
            return ledger.move(row_id, S.SUBMITTED, remote_id=done.remote_id, read_back=done.read_back)
        try:
            held = await read(remote.lookup, payload)
        except Exception as exc:
            return ledger.move(row_id, S.UNKNOWN, error=f"อ่านกลับไม่ได้: {_describe(exc)}")
        if held is not None and held.matches:
            return ledger.move(row_id, S.SUBMITTED, remote_id=held.remote_id, read_back=held.values)
        diff = "; ".join(f"{c.field}: ระบบ={c.site!r} ส่ง={c.ours!r}" for c in (held.diff if held else []))
        return await _failed(ledger, row_id, remote, options, f"บันทึกแล้วแต่อ่านกลับไม่ตรง: {diff or 'ไม่พบข้อมูล'}")
    return await _failed(ledger, row_id, remote, options, f"ระบบตอบข้อผิดพลาด {MAX_SUBMITS} ครั้งติดกัน "
                                                          f"(ครั้งล่าสุด: {_describe(answered)}) — รันคำสั่งเดิมอีกครั้งภายหลัง")


async def _settle(ledger: Ledger, row, payload: Payload, remote, options: Options) -> S | None:
    """Before a row that was attempted is attempted again: SUBMITTED if the site holds it, UNKNOWN
    if that cannot be known yet, None when the lookup (after the old request's deadline, for a
    request that may still be on its way) shows it did not land."""
    if row.state not in (S.SUBMITTING, S.UNKNOWN):  # refused, or a person said it did not arrive
        try:
            return await _look(ledger, row.id, payload, remote)
        except LookupUnavailable:
            return None
        except Exception as exc:  # nothing may be repeated without knowing: wait for a later run
            ledger.note([row.id], f"ตรวจในระบบก่อนส่งซ้ำไม่ได้: {_describe(exc)} — รันคำสั่งเดิมอีกครั้ง")
            return row.state
    found = await _look_unsure(ledger, row.id, payload, remote)
    if found is not None:
        return found
    deadline = _deadline(row, remote, options)
    left = (deadline - utcnow()).total_seconds()
    if left > options.action_timeout:
        return ledger.move(row.id, S.UNKNOWN, error=f"ยังไม่พบในระบบ แต่คำขอเดิมอาจยังไม่ถึง — "
                                                   f"รันคำสั่งเดิมอีกครั้งหลัง {deadline.astimezone(BANGKOK):%H:%M:%S} น.")
    if left > 0:
        raise _Later(deadline)  # looked up again once the old request's deadline has passed
    return None


class _Later(Exception):
    """A row whose earlier request may still land: tried again at ``args[0]`` (after the others)."""


def _take(queue: list) -> tuple:
    """The first queued item that is due now, else the one due soonest."""
    now = utcnow()
    ready = next((i for i, (due, _) in enumerate(queue) if due is None or due <= now), None)
    if ready is None:
        ready = min(range(len(queue)), key=lambda i: queue[i][0])
    return queue.pop(ready)


async def _look(ledger: Ledger, row_id: int, payload: Payload, remote) -> S | None:
    """SUBMITTED if the site holds the values, None if it does not (a failed read raises)."""
    held = await read(remote.lookup, payload)
    if held is not None and held.matches:
        return ledger.move(row_id, S.SUBMITTED, remote_id=held.remote_id, read_back=held.values)
    return None


async def _look_unsure(ledger: Ledger, row_id: int, payload: Payload, remote) -> S | None:
    """``_look`` for a row that may have landed: a lookup that cannot be made leaves it UNKNOWN."""
    try:
        return await _look(ledger, row_id, payload, remote)
    except LookupUnavailable as exc:
        return ledger.move(row_id, S.UNKNOWN, error=f"{exc} — ตรวจเองแล้วบันทึกผล: --mark-delivered (ถึงแล้ว) "
                                                    "หรือ --allow-resend (ไม่ถึง)")
    except Exception as exc:
        return ledger.move(row_id, S.UNKNOWN, error=f"กระทบยอดไม่ได้: {_describe(exc)}")


def _deadline(row, remote, options: Options):
    started = row.attempted_at or utcnow()
    started = started if started.tzinfo else started.replace(tzinfo=utcnow().tzinfo)
    return started + timedelta(seconds=remote.settle_seconds(options.action_timeout))


async def _failed(ledger: Ledger, row_id: int, remote, options: Options, reason: Exception | str) -> S:
    """FAILED with the reason in Thai (an exception described, or the engine's own words)."""
    if options.trace:
        try:
            await remote.failure_screenshot(options.run_dir / f"failure-{row_id}.png")
        except Exception:  # a failure screenshot must never hide the failure itself
            pass
    return ledger.move(row_id, S.FAILED, error=(reason if isinstance(reason, str) else _describe(reason))[:500])


def _locator_advice(ledger: Ledger, exc: Exception) -> str:
    return f"หน้าเว็บไม่ตรงกับ forms.yaml › {exc} — ยังไม่ได้บันทึก; ตรวจทุกจุดด้วย doctor {ledger.target} แก้ forms.yaml แล้ว dry-run ใหม่"


# --- doctor --------------------------------------------------------------------------------


def doctor(t: Target, credentials, options: Options, period=None) -> list:
    """Check the login page, log in, and ask every page the push uses the form description's
    questions (core/forms/inspect.py), saving nothing. Every problem is reported, not the first:
    a login page that has changed is reported as such, and the pages behind it are not reached.
    Pages with a baseline come with notes: what changed, and locators proposed in a patch (core/forms/baseline.py)."""
    async def check():
        from ..contract import CheckResult
        from ..forms.baseline import report
        from .browser import chromium, login_page_findings

        async with chromium(options.run_dir) as browser:
            findings = await login_page_findings(browser, t.config, options.read_timeout)
        results = [CheckResult("login", not findings)]
        results += [CheckResult(f.key, False, f.message) for f in findings]
        if findings:
            return results + [CheckResult("หน้าอื่น", False, "เข้าสู่ระบบไม่ได้ จึงยังไม่ได้ตรวจหน้าอื่น — แก้รายการข้างบนแล้วรัน doctor อีกครั้ง")]
        async with remotes(t, credentials, options, 1, _office_words(t)) as (remote,):  # words for the baseline
            results += await remote.check(period)
            drift = remote.site.drift if hasattr(remote, "site") else []
        return results + report(drift, t.config.folder / "forms.yaml", options.run_dir)
    return asyncio.run(check())


def discover(t: Target, credentials, options: Options, out: Path, period=None, base_url: str | None = None) -> tuple[Path, dict]:
    """First contact with a site, read only (``core.forms.discover``): the login page before
    signing in, then every page the remote's ``walk`` reaches (opening pages only), each as its
    structure, a screenshot and its ARIA snapshot in ``out/pages``; then a draft of our config
    version matched to what was found. ``base_url``: another address of the same site (the real
    one) than the mapping's. Returns (the draft version folder, every page's structure by key)."""
    from ..config import TargetConfig
    from ..forms.discover import draft, snapshot
    from .browser import chromium, login_page

    if base_url:
        t.config = TargetConfig(t.config.target, t.config.version, t.config.mapping.model_copy(update={"base_url": base_url}),
                                t.config.forms, t.config.folder)
    forms, pages = t.config.forms, {}

    async def walk():
        async with chromium(options.run_dir) as browser:
            async with login_page(browser, t.config, options.read_timeout) as page:
                pages["login"] = await snapshot(page, forms, "login", out / "pages", [])
        async with remotes(t, credentials, options, 1, _office_words(t)) as (remote,):
            async def look(key: str, inspect) -> None:
                if callable(inspect):  # else a page not reached
                    pages[key] = await snapshot(remote.page, forms, key, out / "pages",
                                                [remote.credentials.username, *remote.settings.hide])
            await remote.walk(period, look)
    try:
        asyncio.run(walk())
    except LocatorError as exc:  # a sign-in form unlike ours: its draft is what the person needs next
        if not exc.key.startswith("login.") or "login" not in pages:
            raise
        folder = draft(t.config.folder, forms, pages, out)
        raise BadInput(f"เข้าสู่ระบบไม่ได้ เพราะหน้าเข้าสู่ระบบไม่ตรงกับ forms.yaml › {exc} — สำรวจได้เฉพาะหน้าเข้าสู่ระบบ: "
                       f"ดู login ใน {out / 'matches.yaml'} แก้ login ใน {folder / 'forms.yaml'} แล้วคัดลอกร่างไปเป็นรุ่นที่ใช้ "
                       f"และรัน discover อีกครั้ง") from None
    return draft(t.config.folder, forms, pages, out), pages


# --- small helpers -------------------------------------------------------------------------


def _office_words(t: Target) -> tuple[str, ...]:
    from ..office_data import office_words

    if t.db is None:  # discover or doctor before any office data: only the account's name is known
        return ()
    with t.db.session() as session:
        return office_words(session, t.office_code)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, LocatorError):
        return f"หน้าเว็บไม่ตรงกับ forms.yaml › {exc} — รัน doctor เพื่อดูทุกจุดที่ต้องแก้"[:500]
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, RemoteError):
        return text[:500]
    return f"{type(exc).__name__}: {text}"[:500]


__all__ = ["Target", "Options", "dry_run", "approve", "push", "doctor", "new_run_dir"]
