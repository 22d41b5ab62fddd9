"""Engines for the two supported backends, set up for several processes at once.

SQLite is the embedded default: WAL lets the intake read while a worker writes, the busy
timeout makes a second writer wait instead of failing, and foreign keys must be switched
on per connection for the event -> argument cascade. Write transactions start with
``BEGIN IMMEDIATE`` so that a read-then-write transaction takes the write lock up front
and waits for it, rather than failing later when upgrading a stale read snapshot.
PostgreSQL URLs are pointed at psycopg 3, the driver the project installs.

Every connection carries time bounds (``DatabaseTimeouts``): on PostgreSQL a
``statement_timeout`` and a ``lock_timeout`` (a stalled or locked database fails a request
in seconds with an error the intake answers as 503, instead of holding a thread forever)
and a connect timeout; on SQLite the busy timeout.

Celery's prefork pool forks workers from a parent that may already hold pooled
connections; a socket or SQLite handle shared by two processes corrupts both. So every
engine made here forgets its inherited connections in a forked child (without closing
them, which would close them for the parent too), as the SQLAlchemy docs recommend.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url

#: Seconds a new PostgreSQL connection may take before the attempt fails.
CONNECT_TIMEOUT_S = 10


@dataclass(frozen=True)
class DatabaseTimeouts:
    """Time bounds of every store connection (the settings ``db_*_timeout_s``)."""

    #: PostgreSQL: longest a statement may run.
    statement_s: float = 30.0
    #: PostgreSQL: longest a statement may wait for a lock.
    lock_s: float = 10.0
    #: SQLite: how long a connection waits for another process's lock before giving up.
    sqlite_busy_s: float = 30.0

    def postgres_options(self) -> str:
        """The libpq ``options`` that set both timeouts for the session (milliseconds)."""
        statement_ms, lock_ms = int(self.statement_s * 1000), int(self.lock_s * 1000)
        return f"-c statement_timeout={statement_ms} -c lock_timeout={lock_ms}"


#: Execution option naming how a SQLite transaction begins (DEFERRED or IMMEDIATE).
SQLITE_BEGIN_OPTION = "newsevents_sqlite_begin"


#: Engines made by this module that are still alive, for the fork hook below.
_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def _forget_inherited_connections() -> None:
    for engine in list(_ENGINES):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


def normalize_url(url: str | URL) -> URL:
    """Parse a database URL and pick the psycopg 3 driver for bare PostgreSQL URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL, or None for other backends and in-memory databases."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def prepare_sqlite_directory(url: str | URL) -> None:
    """Create the parent directory of a SQLite database file (SQLite will not)."""
    path = sqlite_file(normalize_url(url))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def create_store_engine(url: str | URL, timeouts: DatabaseTimeouts | None = None) -> Engine:
    """An engine for ``url`` with the per-backend settings described in the module docstring."""
    parsed = normalize_url(url)
    timeouts = timeouts or DatabaseTimeouts()
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed, timeouts.sqlite_busy_s)
    elif parsed.get_backend_name() == "postgresql":
        connect_args = {
            "options": timeouts.postgres_options(),
            "connect_timeout": CONNECT_TIMEOUT_S,
        }
        engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    else:
        engine = create_engine(parsed, pool_pre_ping=True)
    _ENGINES.add(engine)
    return engine


def write_engine(engine: Engine) -> Engine:
    """A view of ``engine`` whose transactions are meant to write (IMMEDIATE on SQLite)."""
    return engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})


def _sqlite_engine(url: URL, busy_timeout_s: float) -> Engine:
    engine = create_engine(
        url, connect_args={"timeout": busy_timeout_s, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _configure_connection(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module; "begin" below issues BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine
