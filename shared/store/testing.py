"""Throwaway PostgreSQL databases for tests of code that uses the store.

Tests of the store itself and integration tests of the whole pipeline both need an empty
database on a real server that disappears afterwards; this is the one place that knows how
to make one. The server comes from ``NEWSEVENTS_TEST_POSTGRES_URL`` (default: the local
server's ``test`` database, trust auth).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql
from sqlalchemy import make_url

#: Server and maintenance database the test databases are created from.
POSTGRES_ADMIN_URL = os.environ.get(
    "NEWSEVENTS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@contextmanager
def temporary_postgres_database(prefix: str = "newsevents_test") -> Iterator[str]:
    """Create an empty, uniquely named database; yield its plain ``postgresql://`` URL."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def allow_connections(database_url: str, allowed: bool) -> None:
    """Open or close a test database to new sessions; closing also ends the open ones.

    This is a database outage without stopping the shared server: the store's connections
    fail as they would if PostgreSQL went away, and come back when it is opened again.
    """
    name = str(make_url(database_url).database)
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(
            sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
                sql.Identifier(name), sql.SQL("true" if allowed else "false")
            )
        )
        if not allowed:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
