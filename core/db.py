"""Engine, sessions and migrations: one code path for SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from . import audit  # noqa: F401  (registers the audit listener on every Session)
from .errors import NoDatabase
from .settings import database_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLite ignores foreign keys unless asked; WAL lets a reader watch a push in progress.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Database:
    """A database URL with its engine and session factory.

    ``create=False`` refuses a SQLite file that does not exist yet (what the CLI does for every
    command but ``init``, ``demo`` and ``db upgrade``): SQLite would quietly create an empty one."""

    def __init__(self, url: str | None = None, create: bool = True):
        url = database_url(url)
        check_sqlite_file(url, create)
        try:
            self.engine = create_engine(url, future=True)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise NoDatabase(f"ที่อยู่ฐานข้อมูลใช้ไม่ได้: {exc} — ตรวจ --db หรือ TIDTAM_DATABASE_URL "
                            "(ไฟล์ SQLite หรือ URL เช่น postgresql+psycopg://user@host/tidtam)") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.url = self.engine.url
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self, actor: str = "") -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back entirely on any error."""
        with self._sessions() as session:
            session.info["actor"] = actor
            with session.begin():
                yield session

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (what ``cli.py db upgrade`` runs)."""
        from alembic import command

        with self.engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()

    def why_unusable(self, exc: Exception) -> str:
        """Thai for a statement or connection that failed: a schema behind the migrations says to
        run ``db upgrade``; anything else gives the driver's own words, never the SQL."""
        where = self.url.render_as_string(hide_password=True)
        if self.schema_is_behind():
            return (f"ฐานข้อมูล {where} ยังไม่ได้สร้างตารางหรือยังไม่ใช่รุ่นล่าสุด — "
                    "รัน python cli.py db upgrade (ใส่ --db เดียวกัน) แล้วรันคำสั่งเดิมอีกครั้ง")
        connecting = isinstance(exc, DBAPIError) and exc.statement is None
        advice = " — ตรวจ --db หรือ TIDTAM_DATABASE_URL และว่าเซิร์ฟเวอร์ฐานข้อมูลทำงานอยู่" if connecting else ""
        return f"ใช้ฐานข้อมูล {where} ไม่ได้: {driver_message(exc)}{advice}"

    def schema_is_behind(self) -> bool:
        """Whether the schema lacks migrations this code has (False when it cannot even be read)."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        try:
            with self.engine.connect() as connection:
                current = set(MigrationContext.configure(connection).get_current_heads())
        except SQLAlchemyError:
            return False
        return current != set(ScriptDirectory.from_config(alembic_config()).get_heads())


def check_sqlite_file(url: str, create: bool) -> None:
    """Refuse a SQLite path that is surely a mistake before SQLite turns it into a new empty file:
    a folder that does not exist, a folder given as the file, or (unless ``create``) no file."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database)
    fix = "ตรวจ --db หรือ TIDTAM_DATABASE_URL (พิมพ์ผิดหรือไม่?)"
    if not path.parent.is_dir():
        raise NoDatabase(f"ไม่มีโฟลเดอร์ {path.parent} ของฐานข้อมูล {path} — {fix}")
    if path.is_dir():
        raise NoDatabase(f"{path} เป็นโฟลเดอร์ ไม่ใช่ไฟล์ฐานข้อมูล — {fix}")
    if not create and not path.exists():
        raise NoDatabase(f"ไม่พบฐานข้อมูล {path} — {fix} หรือสร้างฐานข้อมูลใหม่ด้วย python cli.py init "
                        "(python cli.py demo สำหรับสำนักงานตัวอย่าง)")


def driver_message(exc: Exception) -> str:
    """What the database driver said (its first line), without the SQL statement SQLAlchemy adds."""
    text = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig is not None else str(exc)
    return text.split("[SQL:")[0].strip().splitlines()[0] if text.strip() else type(exc).__name__


def alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config
