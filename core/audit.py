"""Every ORM change to data is written to ``audit_log`` in the same transaction."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from .models import AuditEntry
from .models.base import utcnow

ACTOR_KEY = "actor"
"""``session.info[ACTOR_KEY]`` names who made the change (a person code, the importer...)."""


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _column_changes(obj, only_changed: bool) -> dict:
    """All column values (insert/delete), or {column: {old, new}} for what an update changed."""
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        if not only_changed:
            # state.dict: never trigger a lazy load from inside a flush
            changes[attr.key] = _plain(state.dict.get(attr.key))
            continue
        history = state.attrs[attr.key].history
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            changes[attr.key] = {"old": _plain(old), "new": _plain(new)}
    return changes


def _row_id(obj) -> str:
    return ",".join(str(v) for v in inspect(obj).identity or ())


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
            yield {
                "at": now,
                "actor": actor,
                "operation": operation,
                "table_name": obj.__tablename__,
                "row_id": _row_id(obj),
                "changes": changes,
            }


@event.listens_for(Session, "after_flush")
def _write_audit(session: Session, flush_context) -> None:
    # after_flush still sees the pre-flush new/dirty/deleted sets and their history, and
    # new rows have their ids by now; a Core insert is allowed here where session.add is not.
    rows = list(_entries(session))
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)
