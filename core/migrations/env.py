"""Alembic environment: runs on the connection handed over by ``Database.upgrade``."""
from alembic import context
from sqlalchemy import create_engine

from tidtam.core.models import Base

config = context.config
connection = config.attributes.get("connection")


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite can only ALTER through table copies
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:  # plain `alembic` command line, for developers writing a new migration
    with create_engine(config.get_main_option("sqlalchemy.url")).begin() as conn:
        run(conn)
