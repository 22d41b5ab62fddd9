"""Store fixtures: a fresh SQLite file per test, and one PostgreSQL database per session.

The ``store`` fixture is parametrized over both backends so every behaviour test runs on
each; PostgreSQL cases carry the ``postgres`` marker (deselect with ``-m "not postgres"``).
The PostgreSQL database is created with a random name, migrated once, emptied before
each test and dropped at the end of the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from shared.store import Store
from shared.store.testing import temporary_postgres_database

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def sqlite_url(directory: Path) -> str:
    """A SQLite URL for a file in a not-yet-existing subdirectory (migrate must create it)."""
    return f"sqlite:///{directory / 'var' / 'newsevents.db'}"


@pytest.fixture(scope="session")
def postgres_session_url() -> Iterator[str]:
    """The URL of this session's migrated PostgreSQL database."""
    with temporary_postgres_database() as url:
        store = Store(url)
        store.migrate()
        store.close()
        yield url


def empty_postgres(store: Store) -> None:
    """Remove every row a previous test left, and restart the id sequences."""
    with store.engine.begin() as connection:
        connection.execute(text("TRUNCATE articles, events, arguments, api_keys RESTART IDENTITY"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty, migrated database of each backend."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path)
        migrating = Store(url)
        migrating.migrate()
        migrating.close()
        return url
    url = str(request.getfixturevalue("postgres_session_url"))
    cleaning = Store(url)
    empty_postgres(cleaning)
    cleaning.close()
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A store on an empty, migrated database of each backend."""
    opened = Store(database_url)
    yield opened
    opened.close()


@pytest.fixture(params=BACKENDS)
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a database of each backend that was never migrated."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    with temporary_postgres_database() as url:
        yield url
