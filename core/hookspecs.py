"""The contract between core and a reporting target. Each hook's docstring is its contract.

A plugin is a module (or object) with functions marked ``@hookimpl``. Core calls every verb
hook with ``target=<name>``; a plugin answers for its own targets and returns ``None`` for any
other, so the first non-None answer wins (``firstresult``). An implementation may accept
fewer arguments than the spec declares, so hooks can gain arguments without breaking plugins.

The flow core drives: register_targets → plan_payloads → validate_payload → (open_remote →
lookup_remote → preview_payload) → approval → submit_payload → lookup_remote (read back).
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
def plan_payloads(target, period, session, office, mapping):
    """Return the list of ``Payload`` to send for ``office`` and ``period`` (a ``Period``).

    Read core records through the SQLAlchemy ``session`` and shape them with ``mapping`` (the
    target's validated mapping config). Pure: no network, no writes. Records with nothing to
    send are simply absent.
    """


@hookspec(firstresult=True)
def validate_payload(target, payload, mapping):
    """Return a list of ``Problem`` for one payload against the target's own rules
    (required fields, lengths, totals, dates inside the fiscal year), before any browser starts.
    An empty list means valid."""


@hookspec(firstresult=True)
def open_remote(target, mode, credentials, settings):
    """Return a context manager that logs in and yields a remote session for ``mode``
    ("browser" or "http"). ``credentials`` is a ``Credentials``; never log or store it."""


@hookspec(firstresult=True)
def lookup_remote(target, payload, remote):
    """Return the ``RemoteRecord`` the site holds for ``payload``'s record and action, or None.

    Read only. Core uses it to preview a diff, to read back after a submit, and to decide
    whether a non-idempotent action already happened before it is ever repeated.
    """


@hookspec(firstresult=True)
def preview_payload(target, payload, remote, screenshot_path):
    """Open the form for ``payload``, fill it WITHOUT saving, save a screenshot to
    ``screenshot_path`` (password fields masked) and return a list of warnings (Thai)."""


@hookspec(firstresult=True)
def submit_payload(target, payload, remote):
    """Perform the action once and return a ``SubmitResult`` with the remote id.

    Core has committed the ledger row as SUBMITTING before calling, and marks it SUBMITTED
    only after ``lookup_remote`` reads the saved values back. Raise on any doubt: core then
    reconciles through ``lookup_remote`` instead of blindly retrying.
    """


@hookspec(firstresult=True)
def check_target(target, remote, mapping):
    """Return a list of ``CheckResult``: every locator the push needs, on every page, resolved
    without saving anything (``cli.py doctor``)."""
