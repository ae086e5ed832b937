"""The contract between core and a reporting target. Each hook's docstring is its contract.

A plugin is a module (or object) with functions marked ``@hookimpl``. Core calls a target's hooks
through ``PluginRegistry.hooks_for(target)``, which reaches only the plugin that registered that
target, so an implementation answers for its own targets without checking the name. An
implementation may accept fewer arguments than the spec declares, so hooks can gain arguments
without breaking plugins.

The flow core drives (``core/push/run.py``): register_targets → plan_payloads (+ plan_entries for
records the site lacks) → validate_payload → open_remote → the remote's lookup and preview →
approval → the remote's submit → lookup (read back). What a remote is and does is the
``core.contract.Remote`` class: a web form, an upload, an e-mail or a file drop are all remotes
of the one engine. ``register_commands`` adds a plugin's own commands to the CLI.

What a target needs besides the push, core takes the same way: ``register_intake`` adds a kind of
intake workbook (``templates make`` / ``import`` / ``status``), ``annual_report_sections`` a part of
``report annual``. Core itself names no target.
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

    ``present`` is the set of record keys the site holds (the remote's ``keys()``); ``None`` means
    "plan every record", which core uses to re-derive approved payloads without the network.
    Pure like ``plan_payloads``. A record's payloads run in the order returned, one at a time.
    """


@hookspec(firstresult=True)
def validate_payload(target, payload, mapping, forms):
    """Return a list of ``Problem`` for one payload against the target's own rules that its
    form description cannot state (totals, one value against another, the previous quarter),
    before any browser starts. An empty list means valid. What forms.yaml states (required
    fields, lengths, kinds, option texts) core checks itself."""


@hookspec(firstresult=True)
def open_remote(target, mode, credentials, settings, browser):
    """Return an *async* context manager that logs in and yields one ``core.contract.Remote`` for
    ``mode`` (one of ``TargetSpec.modes``: "browser", "http", "email"...); core opens several
    (``settings.concurrency``) and gives each task one.

    ``browser`` is core's shared Playwright browser in browser mode (open a context of your own
    on it), None in other modes. ``settings`` is a ``RemoteSettings``. ``credentials(name)`` gives
    the ``Credentials`` of ``name`` (the target's own name, or another login it needs), asked for
    on first use: never log or store them, and keep them out of traces and screenshots (log in
    where no trace records). An expired session must log in again and go on by itself.
    Raise ``RemoteError`` for a mode the target does not support. A target whose spec sets
    ``request_slots`` gets one worker more than ``--concurrency`` in browser mode and must hold
    ``core.push.browser.at_the_site(settings)`` (or use ``load``) around every request it makes.
    """


@hookspec(firstresult=True)
def preview_section(target, period, payloads, mapping, office):
    """Return HTML (a ``markupsafe.Markup``) that the dry-run page shows under its table of records,
    for what a target shows besides each record (the files of a package, their pictures), or None."""


@hookspec
def register_commands(cli, report):
    """Add a plugin's own commands with click: ``cli`` is the main group, ``report`` its ``report``
    group. A command gets the run's ``core.app.App`` through ``@click.pass_obj`` and may use
    ``tidtam.cli_kit`` (periods, credentials, the generic push and approve flows, messages)."""


@hookspec
def register_intake(register):
    """Declare the intake workbooks this plugin adds: ``register(IntakeKind(...))`` (from
    ``core.intake.kinds``) once per kind. A kind is its ``TemplateLayout`` (sheets, columns, which
    cells owners fill, the period kind) and the functions core calls: ``owners`` (a query of the
    ids of people owning a record in a fiscal year), ``rows`` (the prefilled rows of one owner's
    workbook), ``apply`` (a read workbook into the database in the caller's transaction, never
    committing; a file is refused whole by raising ``core.intake.reader.IntakeError``) and, for
    ``status``, ``states`` under the calendar's ``collects`` name. Core has read and checked every
    cell by the layout before ``apply``. ``core.intake.kinds.results_kind`` makes all four for the
    usual shape (a row per indicator an owner answers for, a result per period). The name
    "progress" is core's own; a name a plugin already took is refused and that plugin reported.
    """


@hookspec
def annual_report_sections(register):
    """Add parts to ``report annual``: ``register(AnnualSection(...))`` (from
    ``core.reports.annual``) once per part. Core sorts the parts by ``order`` (its own are 10, 20,
    30 and 90), numbers them, writes each heading, and calls the part's ``collect`` (read the
    year, office-scoped, no writes), ``charts``, ``docx`` and ``html``: the part writes its body
    only, with ``figure(caption)`` numbering its charts the same in the docx and the website.
    """
