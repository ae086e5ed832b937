"""The contract between core and a reporting target. Each hook's docstring is its contract.

A plugin is a module (or object) with functions marked ``@hookimpl``. Core calls every verb
hook with ``target=<name>``; a plugin answers for its own targets and returns ``None`` for any
other, so the first non-None answer wins (``firstresult``). An implementation may accept
fewer arguments than the spec declares, so hooks can gain arguments without breaking plugins.

The flow core drives (``core/push/``): register_targets → plan_payloads (+ list_remote →
plan_entries for records the site lacks) → validate_payload → (open_remote → lookup_remote →
preview_payload) → approval → submit_payload → lookup_remote (read back).

Remote hooks (``list_remote``, ``lookup_remote``, ``preview_payload``, ``submit_payload``,
``check_target``) return an *awaitable* for their own target and ``None`` for any other: the
implementation is a plain function that returns a coroutine, so ``firstresult`` still picks the
right plugin. Core runs several remotes at once on one event loop (browser contexts or HTTP
clients); a remote object is used by one task at a time.
"""
from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("tidtam")
hookimpl = pluggy.HookimplMarker("tidtam")


@hookspec
def register_targets(register):
    """Declare the targets this plugin serves.

    Call ``register(TargetSpec(...))`` once per target (zero, one or many). Core refuses a
    second plugin registering a name already taken and reports both.
    """


@hookspec(firstresult=True)
def plan_payloads(target, period, session, office, mapping, forms, stage):
    """Return the list of ``Payload`` to send for ``office`` and ``period`` (a ``Period``).

    Read core records through the SQLAlchemy ``session`` and shape them with ``mapping`` (the
    target's validated mapping config). Pure: no network, no writes. Records with nothing to
    send are simply absent.

    ``forms`` is the target's form description (``core.forms.schema.FormsFile``, from its
    forms.yaml; None for a target without web pages). A payload that fills a form carries
    ``data["fill"]`` made by ``core.forms.plan.fill_of`` from a record of our values: which
    field gets which value, in which step, belongs to the description, never to plugin code.
    Core checks every fill against the description (required fields, lengths, kinds, options).

    ``stage`` is "push" for the ordinary push, or one of ``TargetSpec.stages`` (a separate step
    with its own dry-run and approval, e.g. E-MES's "confirm"); a plugin without stages may
    leave the argument out.
    """


@hookspec(firstresult=True)
def plan_entries(target, period, session, office, mapping, forms, present):
    """Return the ``Payload`` list that puts records the site does not hold yet onto it (for
    eMENSCR: project entry M1–M5 and send for approval M7), in the order they must run.

    ``present`` is the set of record keys the site holds (from ``list_remote``); ``None`` means
    "plan every record", which core uses to re-derive approved payloads without the network.
    Pure like ``plan_payloads``. A record's payloads run in the order returned, one at a time.
    """


@hookspec(firstresult=True)
def list_remote(target, remote):
    """Return an awaitable of the set of record keys the site holds now (read only)."""


@hookspec(firstresult=True)
def validate_payload(target, payload, mapping, forms):
    """Return a list of ``Problem`` for one payload against the target's own rules that its
    form description cannot state (totals, one value against another, the previous quarter),
    before any browser starts. An empty list means valid. What forms.yaml states (required
    fields, lengths, kinds, option texts) core checks itself."""


@hookspec(firstresult=True)
def open_remote(target, mode, credentials, settings, browser):
    """Return an *async* context manager that logs in and yields one remote worker for ``mode``
    ("browser" or "http"); core opens several (``settings.concurrency``) and gives each task one.

    ``browser`` is core's shared Playwright browser in browser mode (open a context of your own
    on it), None in http mode. ``settings`` is a ``RemoteSettings``. ``credentials`` is a
    ``Credentials``: never log or store it, and keep it out of traces and screenshots (log in
    where no trace records). An expired session must log in again and go on by itself.
    Raise ``RemoteError`` for a mode the target does not support. A target whose spec sets
    ``request_slots`` gets one worker more than ``--concurrency`` in browser mode and must hold
    ``core.push.browser.at_the_site(settings)`` (or use ``load``) around every request it makes.
    """


@hookspec(firstresult=True)
def lookup_remote(target, payload, remote):
    """Return an awaitable of the ``RemoteRecord`` the site holds for ``payload``'s record and
    action (with ``matches`` and a ``diff`` against the payload), or None if it holds nothing.

    Read only, safe to retry. Core uses it to preview a diff, to read back after a submit, and
    to decide whether an action already happened before it is ever repeated.
    """


@hookspec(firstresult=True)
def preview_payload(target, payload, remote, screenshot_path):
    """Return an awaitable: open the form for ``payload``, fill it WITHOUT saving, ask the page
    whether it would accept it (``core.forms.inspect.verdict``: the browser's constraint
    validation, the site's messages, a trial click of the save button), save a screenshot to
    ``screenshot_path`` (password fields masked) and give a list whose items are warnings (Thai
    ``str``) or ``Problem`` (what keeps the record from being ready; every one is listed).
    Http mode, which has no form to show, may return an empty list and no screenshot."""


@hookspec(firstresult=True)
def submit_payload(target, payload, remote):
    """Return an awaitable that performs the action once and gives a ``SubmitResult``.

    Core has committed the ledger row as SUBMITTING before calling, and marks it SUBMITTED
    only after ``lookup_remote`` reads the saved values back. Never retry a save inside:
    raise on any doubt (``RemoteError``; ``RemoteRefused`` when the site refused the values,
    naming the fields) and core reconciles through ``lookup_remote`` before any repeat. A
    multi-step action (create a project, then its steps) must continue from what the site
    already holds rather than start again.
    """


@hookspec(firstresult=True)
def check_target(target, remote, mapping, period):
    """Return an awaitable of a list of ``CheckResult`` (``cli.py doctor``): every page the push
    uses, reached the way the push reaches it, asked ``core.forms.inspect``'s questions (every
    field, button and list is there; every option we map to is offered; every field the page
    requires is one we fill), saving nothing. Core checks the login page itself. ``period``
    (or None) is the period the office is about to push, for pages that depend on it."""
