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
    mapping_schema: type | None = None  # a pydantic model validating the target's mapping.yaml
    # Thai names of the actions, for previews and summaries (e.g. {"upload_evidence": "อัปโหลดหลักฐาน"}).
    action_titles: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    # Steps besides the push that need a dry-run and an approval of their own, never implied by a
    # push (E-MES: "confirm" locks the round). Core plans them with ``plan_payloads(stage=...)``
    # and keeps them in the ledger under "<name>:<stage>"; they share the push's lock.
    stages: tuple[str, ...] = ()
    # Actions planned by ``plan_entries`` for records the site lacks (eMENSCR: creating a project
    # and sending it for approval); approve and push re-plan exactly these rows.
    entry_actions: tuple[str, ...] = ()
    # Actions the site does not de-duplicate (every call adds another record or another write in
    # its history, e.g. an upload, a create). A run that finds one in flight from a run that died
    # gives the old request until its action timeout to land, and looks again, before ever
    # repeating it (a killed client's bytes may still be on the wire).
    not_repeatable: tuple[str, ...] = ()
    # True when the target's browser remote holds one of core's request slots around every
    # request it makes (core.push.browser.at_the_site / load): core then runs a spare browser
    # worker, which fills and renders while the others wait for the site, and the slots still
    # keep the run's own requests at --concurrency at once.
    request_slots: bool = False


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


@dataclass(frozen=True)
class RemoteSettings:
    """What a remote worker needs besides credentials (see ``open_remote``)."""

    config: Any  # core.config.TargetConfig: mapping (with base_url) and locators
    run_dir: Any  # pathlib.Path of this run's folder (screenshots, traces)
    concurrency: int = 3
    read_timeout: float = 15.0  # seconds for a page load or a read; reads are retried
    action_timeout: float = 120.0  # seconds to wait for a save's answer; a save is never retried blindly
    trace: bool = False  # keep a Playwright trace and a screenshot of every failure in run_dir
    shared: dict = field(default_factory=dict)  # one run's cache shared by its workers (remote ids)
    # asyncio.Semaphore of ``concurrency`` request slots when core runs a spare browser worker
    # (TargetSpec.request_slots); None when each worker is one request at a time anyway.
    site_slots: Any = None


class RemoteError(RuntimeError):
    """The remote did not confirm an action (timeout, HTTP 500, expired session...): doubt."""


class RemoteRefused(RemoteError):
    """The site answered and refused the values (its validation messages, in Thai)."""


class LoginRefused(RemoteRefused):
    """The site refused the username or password: no retry can help, the user must fix them."""


class RemoteTimeout(RemoteError):
    """No answer in time: the action may still land later, so it is never repeated in this run."""


@dataclass(frozen=True)
class CheckResult:
    """One health or locator check of ``doctor``."""

    name: str  # e.g. the locator's config key "progress.status"
    ok: bool
    detail: str = ""
