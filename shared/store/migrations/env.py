"""Alembic environment for the store: migrate the engine we are given, online only.

``shared.store.migrate`` passes the store's engine in ``config.attributes["engine"]``;
the ``alembic`` command line passes nothing, and the engine is then built from the
``database_url`` setting (``DATABASE_URL`` / ``NEWSEVENTS_DATABASE_URL``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine, text

from shared.settings import get_settings
from shared.store.engine import create_store_engine, prepare_sqlite_directory, write_engine
from shared.store.tables import Base

#: PostgreSQL advisory lock key that serializes concurrent migrations ("newsevents" in hex).
MIGRATION_LOCK_KEY = 0x6E657773657665


def _serialize_migrations(connection: Connection) -> None:
    """Make a second process starting at the same time wait, then find nothing to do.

    SQLite needs nothing: the write transaction (BEGIN IMMEDIATE) already excludes others.
    The store's statement and lock timeouts are lifted for the migration: building an index
    on a large table, or waiting for another process's migration, may take longer.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL statement_timeout = 0"))
        connection.execute(text("SET LOCAL lock_timeout = 0"))
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})


def _engine() -> tuple[Engine, bool]:
    """The engine to migrate and whether this module created it (and so must dispose it)."""
    given = context.config.attributes.get("engine")
    if given is not None:
        return given, False
    url = get_settings().database_url
    prepare_sqlite_directory(url)
    return create_store_engine(url), True


def run_migrations_online() -> None:
    """Run the pending migrations inside one write transaction."""
    engine, owned = _engine()
    try:
        with write_engine(engine).connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                _serialize_migrations(connection)
                context.run_migrations()
    finally:
        if owned:
            engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
