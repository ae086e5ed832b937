"""What one CLI run needs, built lazily so ``--help`` imports nothing heavy."""
from __future__ import annotations

from functools import cached_property

from .errors import BadInput


class App:
    def __init__(self, db_url: str | None = None, office_code: str | None = None, creates_database: bool = True):
        self._db_url = db_url
        self._office_code = office_code
        # The CLI passes False to every command but those that set a database up: for them a
        # missing SQLite file is a mistyped --db, refused before SQLite makes an empty one of it.
        self._creates_database = creates_database

    @cached_property
    def db(self):
        from .db import Database

        return Database(self._db_url, create=self._creates_database)

    def why_database_failed(self, exc: Exception) -> str:
        """Thai for an error of the database layer: what is wrong and what to run, never the SQL."""
        from .db import driver_message

        if "db" in vars(self):  # the database was opened (cached_property keeps it there)
            return self.db.why_unusable(exc)
        return f"ใช้ฐานข้อมูลไม่ได้: {driver_message(exc)}"

    @cached_property
    def profile(self):
        from .config import office_profile

        return office_profile()

    @cached_property
    def plugins(self):
        from .plugins import load_plugins

        return load_plugins()

    @cached_property
    def intake_kinds(self):
        """The intake workbooks this run knows: core's and its plugins' (``core.intake.kinds``)."""
        from .intake.kinds import intake_kinds

        return intake_kinds(self.plugins)

    @property
    def office_code(self) -> str:
        return self._office_code or self.profile.office_code

    def office(self, session):
        """The office this run works on: ``--office``, else the profile's, else the only one."""
        from sqlalchemy import select

        from .models import Office

        office = session.scalars(select(Office).where(Office.code == self.office_code)).one_or_none()
        if office is not None:
            return office
        offices = session.scalars(select(Office)).all()
        if not self._office_code and len(offices) == 1:
            return offices[0]
        known = ", ".join(o.code for o in offices) or "ยังไม่มี"
        raise BadInput(
            f'ไม่พบสำนักงานรหัส "{self.office_code}" ในฐานข้อมูล (ที่มี: {known}) — '
            "โหลดสำนักงานตัวอย่างด้วย `python cli.py demo` หรือระบุ --office"
        )


__all__ = ["App"]
