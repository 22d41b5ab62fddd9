"""Running the store's Alembic migrations from code, with no alembic.ini needed.

The migration scripts ship inside the package (``shared/store/migrations``), so an
installed intake or worker can bring any database to the current schema with
``Store.migrate()``. The store's own engine is handed to Alembic, so migrations run
with the same SQLite pragmas (foreign keys, WAL, busy timeout) as normal work.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

#: Directory with env.py, script.py.mako and versions/.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic config pointing at the packaged scripts; ``engine`` is used if given.

    Without an engine, ``env.py`` falls back to the ``database_url`` setting, which is how
    the ``alembic`` command line (``alembic -c shared/store/alembic.ini ...``) works.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` up to ``revision``."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database behind ``engine`` down to ``revision`` ("base" drops everything)."""
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
