"""Every ORM change to data is written to ``audit_log`` in the same transaction."""
from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from .models import AuditEntry
from .models.base import utcnow

ACTOR_KEY = "actor"
"""``session.info[ACTOR_KEY]`` names who made the change (a person code, the importer...)."""

COUNTS_KEY = "audit_counts"
"""``session.info[COUNTS_KEY]``, while ``counted`` runs: the changes counted instead of written."""


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


@cache
def columns(model) -> tuple[str, ...]:
    """The column attributes of a mapped class, in the order every audit entry lists them."""
    return tuple(attr.key for attr in inspect(model).column_attrs)


def all_values(model, values) -> dict:
    """``changes`` of an insert or delete: every column of ``model``, missing ones as null."""
    get = values.get
    return {key: _plain(get(key)) for key in columns(model)}


def changed_values(model, changes) -> dict:
    """``changes`` of an update: ``{column: {old, new}}`` for the columns in ``changes``
    (``{column: (old, new)}``), in column order."""
    return {key: {"old": _plain(changes[key][0]), "new": _plain(changes[key][1])} for key in columns(model) if key in changes}


def entry(operation: str, table_name: str, row_id: str, changes: dict, *, actor: str, at: datetime) -> dict:
    """One ``audit_log`` row: the only format, whether the ORM listener or a Core bulk write makes it.

    Inserts carry ``row_id`` "" (the listener runs before new rows get their identity) and
    their id among ``changes``; updates and deletes carry the row's id.
    """
    return {"at": at, "actor": actor, "operation": operation, "table_name": table_name, "row_id": row_id, "changes": changes}


def write(session: Session, rows: list[dict]) -> None:
    """Write audit rows made with ``entry`` (for changes made with Core statements, which the
    ORM listener never sees) in the session's transaction, in one executemany."""
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)


def _column_changes(obj, only_changed: bool) -> dict:
    """All column values (insert/delete), or {column: {old, new}} for what an update changed."""
    state = inspect(obj)
    model = state.mapper.class_
    if not only_changed:
        # state.dict: never trigger a lazy load from inside a flush
        return all_values(model, state.dict)
    changes = {}
    for key in columns(model):
        history = state.attrs[key].history
        if history.has_changes():
            changes[key] = (history.deleted[0] if history.deleted else None, history.added[0] if history.added else None)
    return changed_values(model, changes)


def _row_id(obj) -> str:
    # the primary key from the object's own dict: set for new rows too by the time of after_flush
    state = inspect(obj)
    return ",".join(str(state.dict.get(state.mapper.get_property_by_column(c).key, "")) for c in state.mapper.primary_key)


def _entries(session: Session):
    actor = session.info.get(ACTOR_KEY, "")
    now = utcnow()
    for operation, objects, only_changed in (
        ("insert", session.new, False),
        ("update", session.dirty, True),
        ("delete", session.deleted, False),
    ):
        for obj in objects:
            if isinstance(obj, AuditEntry):
                continue
            changes = _column_changes(obj, only_changed)
            if operation == "update" and not changes:
                continue
            yield entry(operation, obj.__tablename__, _row_id(obj), changes, actor=actor, at=now)


@contextmanager
def counted(session: Session) -> Iterator[Counter]:
    """Inside the block, ORM changes are counted per ``(table, operation)`` instead of written
    one audit row each; the caller writes what they add up to. Only for a load whose source
    files are its record (a whole office reloaded from its YAML files, see office_data): a
    row per loaded row would make most of the database a copy of those files."""
    counts: Counter = Counter()
    session.info[COUNTS_KEY] = counts
    try:
        yield counts
        session.flush()  # what is still pending belongs to the block
    finally:
        del session.info[COUNTS_KEY]


@event.listens_for(Session, "after_flush")
def _write_audit(session: Session, flush_context) -> None:
    # after_flush still sees the pre-flush new/dirty/deleted sets and their history, and
    # new rows have their ids by now; a Core insert is allowed here where session.add is not.
    entries = list(_entries(session))
    counts = session.info.get(COUNTS_KEY)
    if counts is None:
        write(session, entries)
    else:
        counts.update((e["table_name"], e["operation"]) for e in entries)
