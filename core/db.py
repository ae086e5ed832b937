"""Engine, sessions and migrations: one code path for SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from . import audit  # noqa: F401  (registers the audit listener on every Session)
from .settings import database_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str | None = None) -> Engine:
    url = database_url(url)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLite ignores foreign keys unless asked; WAL lets a reader watch a push in progress.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Database:
    """A database URL with its engine and session factory."""

    def __init__(self, url: str | None = None):
        self.engine = make_engine(url)
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


def alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config
