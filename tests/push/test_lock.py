"""The push lock keeps itself renewed while held (dry-runs and packages too), and a holder whose
lease another run took over learns it: on SQLite and PostgreSQL alike."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tidtam.core import models as m
from tidtam.core.errors import UserError
from tidtam.core.push import lock as push_lock
from tidtam.core.push.lock import Lock


@pytest.fixture
def office_id(db):
    with db.session() as session:
        office = m.Office(code="T1", name="ทดสอบ", short_name="ทดสอบ")
        session.add(office)
        session.flush()
        return office.id


def _row(db):
    with db.session() as session:
        return session.scalars(select(m.PushLock)).one_or_none()


def test_a_held_lock_renews_itself_and_a_taken_over_one_says_so(db, office_id, monkeypatch, wait_for):
    monkeypatch.setattr(push_lock, "RENEW_EVERY", 0.05)
    with Lock(db, office_id, "emenscr", "2570Q1") as held:
        first = _row(db).renewed_at
        wait_for(lambda: _row(db).renewed_at > first, what="a renewal with no call from the holder")
        with pytest.raises(UserError, match="อีกงานหนึ่งกำลังทำอยู่"):
            Lock(db, office_id, "emenscr", "2570Q1").acquire()
        assert held.lost is None
        with db.session() as session:  # another run takes the lease over (as after a stale lease)
            session.execute(update(m.PushLock).values(holder="other-host:1:abcd"))
        wait_for(lambda: held.lost is not None, what="the holder to notice")
        assert "อีกงานหนึ่งรับช่วงไปแล้ว" in held.lost
    assert _row(db).holder == "other-host:1:abcd"  # leaving did not delete the new holder's lock


def test_a_released_lock_stops_renewing(db, office_id, monkeypatch):
    monkeypatch.setattr(push_lock, "RENEW_EVERY", 0.05)
    lock = Lock(db, office_id, "emenscr", "2570Q1")
    with lock:
        pass
    assert not lock._renewer.is_alive() and _row(db) is None
