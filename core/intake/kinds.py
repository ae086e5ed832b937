"""Intake kinds: each kind of workbook that ``templates make`` writes and ``import`` reads back.

A kind is its layout and the functions that fill and apply it (``IntakeKind``). Core's own kind
is "progress", the plan's quarterly progress; plugins add theirs with the ``register_intake`` hook.
The writer, reader, importer, ``status`` and the CLI look a kind up here by the name a workbook
or a command line gives, never by a name of their own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .layouts import PROGRESS, TemplateLayout
from .sources import progress_owners, progress_rows


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


def _apply_progress(*args) -> None:
    from .apply import apply_progress  # the reader and openpyxl: imported when a workbook is applied

    apply_progress(*args)


BUILTIN = IntakeKind(PROGRESS, progress_owners, progress_rows, _apply_progress)  # its status is core.status's own


def intake_kinds(registry=None) -> dict[str, IntakeKind]:
    """Every kind by name: core's first, then the plugins' in load order. ``registry`` is the
    run's (``App.plugins``); without one, the plugins are loaded here."""
    if registry is None:
        from ..plugins import load_plugins

        registry = load_plugins()
    found = registry.unique("register_intake", lambda kind: kind.name, "แบบรายงานชนิด", {BUILTIN.name: "ตัวระบบ"})
    return {BUILTIN.name: BUILTIN} | {name: kind for name, (_, kind) in found.items()}
