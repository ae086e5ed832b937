"""One push (or dry-run) per (office, target, period) at a time, on SQLite and PostgreSQL alike.

The holder's lease is renewed by a thread while the lock is held (dry-runs and packages too, not
only pushes); ``lost`` says why, once a renewal found another holder. Another run takes the lock only if the holder's
process is gone (same host) or its lease ran out, by a compare-and-swap on ``holder`` — two runs
can never both believe they hold it, so two pushes of one period never submit the same record.
"""
from __future__ import annotations

import os
import secrets
import socket
import threading
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import NotYet
from ..models import PushLock
from ..models.base import utcnow

LEASE = timedelta(seconds=60)
RENEW_EVERY = 15  # seconds: a few missed renewals (a busy database) still fit in one lease


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Lock:
    def __init__(self, db, office_id: int, target: str, period: str):
        self.db, self.office_id, self.target, self.period = db, office_id, target, period
        self.holder = holder_id()
        self.lost: str | None = None  # why the lock is no longer ours (Thai), set by the renewing thread
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def _where(self):
        return (PushLock.office_id == self.office_id, PushLock.target == self.target, PushLock.period == self.period)

    def acquire(self) -> None:
        try:
            with self.db.session(actor="push-lock") as session:
                session.add(PushLock(office_id=self.office_id, target=self.target, period=self.period, holder=self.holder))
            return
        except IntegrityError:
            pass
        with self.db.session(actor="push-lock") as session:
            current = session.scalars(select(PushLock).where(*self._where())).one()
            if not _stale(current):
                raise NotYet(f"มีการส่ง {self.target} {self.period} อีกงานหนึ่งกำลังทำอยู่ ({current.holder}) "
                                "— รอให้เสร็จก่อน แล้วจึงรันอีกครั้ง")
            taken = session.execute(update(PushLock).where(*self._where(), PushLock.holder == current.holder)
                                    .values(holder=self.holder, renewed_at=utcnow())).rowcount
        if taken != 1:
            raise NotYet(f"มีการส่ง {self.target} {self.period} อีกงานหนึ่งเพิ่งเริ่ม — รอให้เสร็จก่อน")

    def renew(self) -> bool:
        with self.db.session(actor="push-lock") as session:
            return session.execute(update(PushLock).where(*self._where(), PushLock.holder == self.holder)
                                   .values(renewed_at=utcnow())).rowcount == 1

    def release(self) -> None:
        with self.db.session(actor="push-lock") as session:
            session.execute(delete(PushLock).where(*self._where(), PushLock.holder == self.holder))

    def __enter__(self):
        self.acquire()
        self._renewer = threading.Thread(target=self._keep_renewed, name="push-lock", daemon=True)
        self._renewer.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._renewer.join()
        self.release()

    def _keep_renewed(self) -> None:
        while not self._stop.wait(RENEW_EVERY):
            try:
                if not self.renew():
                    self.lost = (f"งาน {self.target} {self.period} นี้หยุดรับรายการใหม่ เพราะอีกงานหนึ่งรับช่วงไปแล้ว "
                                 "(ต่ออายุสิทธิ์การส่งไม่ได้)")
                    return
            except Exception:  # a database hiccup: try again at the next tick, the lease outlasts a few
                continue


def _stale(lock: PushLock) -> bool:
    host, pid, _ = (lock.holder.split(":") + ["", "", ""])[:3]
    if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
        return True
    renewed = lock.renewed_at if lock.renewed_at.tzinfo else lock.renewed_at.replace(tzinfo=utcnow().tzinfo)
    return utcnow() - renewed > LEASE


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child not yet reaped is a zombie: gone for our purpose
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True
