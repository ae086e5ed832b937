"""The values that cross the boundary between core and a target plugin (see hookspecs.py)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TargetSpec:
    """What a plugin says about one reporting target it serves."""

    name: str  # "emenscr": the word used on the command line and in the ledger
    title: str  # Thai name shown to users
    version: str  # version of the site's forms this plugin speaks; picks config/targets/<name>/<version>/
    modes: tuple[str, ...] = ("browser",)  # "browser" (Playwright) and/or "http" (httpx)
    actions: tuple[str, ...] = ()  # e.g. ("progress", "create_project", "send_for_approval")
    period_kinds: tuple[str, ...] = ("Q",)  # "Q" quarters, "R" evaluation rounds
    # The pydantic model validating the target's mapping.yaml, or "module:Class" naming it (imported
    # only when a mapping is read, so loading the plugin, as every --help does, stays light).
    mapping_schema: type | str | None = None
    # Thai names of the actions, for previews and summaries (e.g. {"upload_evidence": "อัปโหลดหลักฐาน"}).
    action_titles: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    # Steps besides the push that need a dry-run and an approval of their own, never implied by a
    # push (E-MES: "confirm" locks the round). Core plans them with ``plan_payloads(stage=...)``
    # and keeps them in the ledger under "<name>:<stage>"; they share the push's lock.
    stages: tuple[str, ...] = ()
    # Actions planned by ``plan_entries`` for records the site lacks (eMENSCR: creating a project
    # and sending it for approval); approve and push re-plan exactly these rows.
    entry_actions: tuple[str, ...] = ()
    # True when the target's browser remote holds one of core's request slots around every
    # request it makes (core.push.browser.at_the_site / load): core then runs a spare browser
    # worker, which fills and renders while the others wait for the site, and the slots still
    # keep the run's own requests at --concurrency at once.
    request_slots: bool = False
    # True when records must reach the site one at a time in plan order (the numbered e-mails
    # of one package): core then runs a single worker whatever --concurrency says.
    in_order: bool = False


@dataclass(frozen=True)
class Payload:
    """Exactly what would be sent for one record and one action; its hash is what gets approved."""

    record_key: str  # stable id of the local record, e.g. "project:2570-001"
    action: str
    data: dict[str, Any]
    title: str = ""  # a Thai line for previews and progress bars

    @property
    def hash(self) -> str:
        return payload_hash(self.data)


def payload_hash(data: Any) -> str:
    """sha256 of the canonical JSON form: key order and whitespace never change the hash."""
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Problem:
    """A validation finding, located so a person can fix it: which record, which field, why (Thai)."""

    record_key: str
    field: str
    message: str
    severity: str = "error"  # "error" blocks the push; "warning" is shown in the preview
    action: str | None = None  # the payload's action, when a record has several


@dataclass(frozen=True)
class Change:
    """One field where the site differs from the payload: for the preview's diff."""

    field: str  # a Thai label
    site: str  # what the site holds now ("" when empty)
    ours: str  # what the payload would put there


@dataclass
class RemoteRecord:
    """What the remote side holds for a record right now (None from lookup means nothing)."""

    remote_id: str
    values: dict[str, Any] = field(default_factory=dict)
    matches: bool = False  # the site holds exactly what the payload sends
    diff: list[Change] = field(default_factory=list)


@dataclass
class SubmitResult:
    remote_id: str
    read_back: dict[str, Any] = field(default_factory=dict)
    # True when the site's own answer proves the action landed as sent (an SMTP server's 250 to
    # the end of DATA): core then records it SUBMITTED without a lookup. A web save is never
    # confirmed by its answer: core reads the values back.
    confirmed: bool = False


@dataclass(frozen=True)
class RemoteSettings:
    """What a remote worker needs besides credentials (see ``open_remote``)."""

    config: Any  # core.config.TargetConfig: mapping (with base_url) and locators
    run_dir: Any  # pathlib.Path of this run's folder (screenshots, traces)
    concurrency: int = 3
    read_timeout: float = 15.0  # seconds for a page load or a read; reads are retried
    action_timeout: float = 120.0  # seconds to wait for a save's answer; a save is never retried blindly
    trace: bool = False  # keep a Playwright trace and a screenshot of every failure in run_dir
    # The site's ids of records (e.g. project code → id), found once a run and shared by its workers.
    _run_wide: dict = field(default_factory=dict, repr=False)
    # asyncio.Semaphore of ``concurrency`` request slots when core runs a spare browser worker
    # (TargetSpec.request_slots); None when each worker is one request at a time anyway.
    site_slots: Any = None
    # Words that are someone's data (the office's project names, its people): discover and doctor's
    # baseline comparison cut them from what they keep, besides the account's own name.
    hide: tuple[str, ...] = ()

    def run_wide(self, kind: type):
        """The one ``kind()`` of this run, shared by its workers (a logged-in browser context...)."""
        return self._run_wide.setdefault(kind, kind())


class RemoteError(RuntimeError):
    """The remote did not confirm an action and gave no answer that ends the request (a dropped
    connection, no reply): the request may still be on its way. The row stays UNKNOWN; a later
    run repeats it only once the request's deadline has passed and a lookup shows it did not land."""


class RemoteAnswered(RemoteError):
    """The site answered the action with an error (an HTTP 5xx, a session found expired): the
    request is over, so a lookup right away tells whether it landed, and a repeat is safe if not."""


class RemoteRefused(RemoteError):
    """The site answered and refused the values (its validation messages, in Thai)."""


class LoginRefused(RemoteRefused):
    """The site refused the username or password: no retry can help, the user must fix them."""


class RemoteTimeout(RemoteError):
    """No answer in time: the action may still land later, so it is never repeated in this run."""


class LookupUnavailable(RemoteError):
    """This remote has no way to look an action up (an e-mail target without an archive mailbox):
    an unsure row waits for a person's decision (``push --mark-delivered`` / ``--allow-resend``)."""


@dataclass(frozen=True)
class CheckResult:
    """One health or locator check of ``doctor``."""

    name: str  # e.g. the locator's config key "progress.status"
    ok: bool
    detail: str = ""
    note: bool = False  # information (a page changed since its baseline, a proposal), neither passed nor failed


class Remote:
    """One logged-in worker of a target, as ``open_remote`` yields it; one task uses it at a time.

    The engine calls ``lookup``, ``preview`` and ``submit`` with a ``Payload``. A subclass lists
    in ``ACTIONS`` the three methods that do each of its actions (lookup, preview, submit); an
    action it lacks (in this mode) is refused, naming what the mode can do."""

    mode = "browser"
    ACTIONS: dict[str, tuple[str, str, str]] = {}
    WHY_NOT = ""  # why an action is missing in this mode (Thai), added to the refusal

    def _method(self, payload: Payload, which: int):
        names = self.ACTIONS.get(payload.action)
        if names is None:
            can = ", ".join(self.ACTIONS) or "-"
            raise RemoteRefused(f'โหมด {self.mode} ทำ "{payload.action}" ไม่ได้{self.WHY_NOT} (ทำได้: {can})')
        return getattr(self, names[which])

    async def lookup(self, payload: Payload) -> RemoteRecord | None:
        """What the site holds for the payload's record and action (``matches`` and a ``diff``
        against the payload), or None. Read only and safe to retry: core uses it to preview, to
        read back after a submit, and to learn whether an action landed before it is repeated.
        Raise ``LookupUnavailable`` when this remote has no way to look."""
        return await self._method(payload, 0)(payload)

    async def preview(self, payload: Payload, screenshot_path) -> list:
        """Open the form, fill it WITHOUT saving, ask the page whether it would take it
        (``core.forms.inspect.verdict``), save a screenshot (password fields masked), and give
        warnings (Thai ``str``) and ``Problem`` items (what keeps the record from being ready)."""
        return await self._method(payload, 1)(payload, screenshot_path)

    async def submit(self, payload: Payload) -> SubmitResult:
        """Perform the action once. Core has committed the row SUBMITTING before, and reads the
        values back after. Never retry a save inside: raise ``RemoteRefused`` when the site
        refused the values (naming the fields), ``RemoteAnswered`` when it answered with an
        error, ``RemoteError``/``RemoteTimeout`` when no answer came. A multi-step action
        continues from what the site already holds rather than starting again."""
        return await self._method(payload, 2)(payload)

    async def keys(self) -> set[str]:
        """The record keys the site holds complete now (read only), for planning new records."""
        return set()

    async def check(self, period) -> list[CheckResult]:
        """``doctor``: every page the push uses, reached as the push reaches it, asked
        ``core.forms.inspect``'s questions, saving nothing. ``period`` may be None."""
        return [CheckResult("mode", False, f"doctor ตรวจหน้าเว็บด้วยเบราว์เซอร์ ใช้กับโหมด {self.mode} ไม่ได้")]

    async def walk(self, period, look) -> None:
        """``discover`` and ``check``'s way: reach every page the push uses as the push reaches it,
        opening pages only (never a save, an upload, a send or a confirmation), and ``await
        look(key, inspect)`` on each once it is shown: ``key`` its forms.yaml key, ``inspect()``
        doctor's questions about it; for a page not reached, ``inspect`` is a ``CheckResult``
        saying why. ``period`` may be None. A browser remote's ``check`` is
        ``core.push.browser.checked_pages`` over this walk."""
        raise RemoteError(f"discover สำรวจหน้าเว็บด้วยเบราว์เซอร์ ใช้กับโหมด {self.mode} ไม่ได้")

    def settle_seconds(self, action_timeout: float) -> float:
        """How long after an attempt began a lookup that finds nothing can be trusted: the
        request's deadline (a killed client's bytes may still be on the wire), plus any delay
        before the site shows what landed."""
        return action_timeout

    async def failure_screenshot(self, path) -> None:
        """Save what the page shows after a failure (``--trace``); nothing without a page."""
