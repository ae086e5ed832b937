"""Intake kinds: each kind of workbook that ``templates make`` writes and ``import`` reads back.

A kind is its layout and the functions that fill and apply it (``IntakeKind``). Core's own kind
is "progress", the plan's quarterly progress; plugins add theirs with the ``register_intake`` hook,
most simply with ``results_kind`` (a row per indicator, a result per period).
The writer, reader, importer, ``status`` and the CLI look a kind up here by the name a workbook
or a command line gives, never by a name of their own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..status import item, state
from .apply import apply_progress, apply_results
from .layouts import PROGRESS, TemplateLayout
from .sources import evidence_names, progress_owners, progress_rows


@dataclass(frozen=True)
class IntakeKind:
    layout: TemplateLayout  # its name is ``layout.kind``
    owners: Callable  # (office, fiscal year) → a select of the ids of people owning a record of this kind
    rows: Callable  # (session, office, period, owner) → {sheet key: [{column key: value}]}, prefilled
    apply: Callable  # (session, office, owner, book, result, clearing): a read workbook into the database
    collects: str | None = None  # the calendar's ``collects`` these records answer, for ``status``
    states: Callable | None = None  # (session, office, period) → [core.status.ItemState], one per record

    @property
    def name(self) -> str:
        return self.layout.kind


BUILTIN = IntakeKind(PROGRESS, progress_owners, progress_rows, apply_progress)  # its status is core.status's own


def intake_kinds(registry=None) -> dict[str, IntakeKind]:
    """Every kind by name: core's first, then the plugins' in load order. ``registry`` is the
    run's (``App.plugins``); without one, the plugins are loaded here."""
    if registry is None:
        from ..plugins import load_plugins

        registry = load_plugins()
    found = registry.unique("register_intake", lambda kind: kind.name, "แบบรายงานชนิด", {BUILTIN.name: "ตัวระบบ"})
    return {BUILTIN.name: BUILTIN} | {name: kind for name, (_, kind) in found.items()}


NOT_TEXT = ("number", "percent", "money", "level", "date")  # kept as read: None when left empty


def results_kind(layout: TemplateLayout, *, record, result, of_year, locked, noun: str, evidence_key: str, collects: str,
                 problems=lambda record, got: [], options=()) -> IntakeKind:
    """The usual kind a target adds: one sheet, a row per ``record`` (an indicator, keyed by its
    ``code``) that one person owns, the period's values in one ``result`` row per record
    (``indicator_id``, ``period``): each editable column is its attribute of that name, but "files"
    (its evidence, ``EvidenceFile.<evidence_key>_id``) and "links" (a list, one per line).

    ``of_year(office, fy, what)``: a select of ``what`` (the record model or one of its columns)
    for the office's fiscal year, in the workbook's order. ``locked(record)``: the prefilled cells
    of its row (``options``: the loader options they need). ``noun``: a record, in Thai. ``status``
    counts a record as sent when a value other than files and links is there, and names the
    layout's required columns left empty, texts over their ``max_length``, and ``problems(record, got)``."""
    (sheet,) = layout.sheets
    values = [c for c in sheet.editable if c.kind != "files"]

    def owned(session, office, fy, owner):
        return session.scalars(of_year(office, fy, record).where(record.owner_id == owner.id).options(*options)).all()

    def results_of(session, records, period):
        ids = [r.id for r in records]
        return {r.indicator_id: r for r in session.scalars(select(result).where(result.indicator_id.in_(ids), result.period == period.id))}

    def rows(session, office, period, owner):
        records = owned(session, office, period.fiscal_year, owner)
        found = results_of(session, records, period)
        evidence = evidence_names(session, **{f"{evidence_key}_id": [r.id for r in found.values()]})

        def cell(column, got):
            if got is None:
                return None
            if column.kind == "files":
                return "; ".join(evidence.get(got.id, []))
            return "\n".join(got.links) if column.kind == "links" else getattr(got, column.key)
        return {sheet.key: [locked(r) | {c.key: cell(c, found.get(r.id)) for c in sheet.editable} for r in records]}

    def apply(session, office, owner, book, outcome, clearing):
        records = owned(session, office, book.period.fiscal_year, owner)
        apply_results(session, office, owner, book, outcome, clearing, {r.code: r for r in records}, noun, result, evidence_key, lambda v: {c.key: v[c.key] if c.kind in NOT_TEXT else v[c.key] or ([] if c.kind == "links" else "") for c in values})

    def states(session, office, period):
        records = session.scalars(of_year(office, period.fiscal_year, record).options(selectinload(record.owner))).all()
        found, out = results_of(session, records, period), []
        for r in records:
            got = found.get(r.id)
            present = got is not None and any(getattr(got, c.key) not in (None, "") for c in values if c.kind != "links")
            out.append(state(item(r.code, r.name, r.owner), present, _layout_problems(values, got) + problems(r, got) if present else []))
        return out

    return IntakeKind(layout, lambda office, fy: of_year(office, fy, record.owner_id), rows, apply, collects, states)


def _layout_problems(columns, got) -> list[str]:
    """What a sent result lacks or has too much of, by its layout (Thai)."""
    found = [f'ยังไม่กรอก "{c.header}"' for c in columns if c.required and getattr(got, c.key) in (None, "")]
    return found + [f'"{c.header}" ยาว {len(getattr(got, c.key)):,} ตัวอักษร เกิน {c.max_length:,}'
                    for c in columns if c.max_length and len(getattr(got, c.key) or "") > c.max_length]
