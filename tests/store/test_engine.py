"""Engine set-up: driver choice for PostgreSQL URLs and the SQLite connection settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.settings import Settings
from shared.store import Store
from shared.store.engine import SQLITE_BUSY_TIMEOUT_S, normalize_url, sqlite_file


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db:5432/news", "postgresql+psycopg://u:p@db:5432/news"),
        ("postgres://u@db/news", "postgresql+psycopg://u@db/news"),
        ("postgresql+psycopg://u@db/news", "postgresql+psycopg://u@db/news"),
        ("sqlite:///var/x.db", "sqlite:///var/x.db"),
    ],
)
def test_postgres_urls_use_psycopg3(given: str, expected: str) -> None:
    assert normalize_url(given).render_as_string(hide_password=False) == expected


def test_sqlite_file_only_for_file_databases() -> None:
    assert sqlite_file(normalize_url("sqlite:////tmp/a/b.db")) == Path("/tmp/a/b.db")
    assert sqlite_file(normalize_url("sqlite://")) is None
    assert sqlite_file(normalize_url("sqlite:///:memory:")) is None
    assert sqlite_file(normalize_url("postgresql://db/x")) is None


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        store.migrate()
        with store.engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_S * 1000
            assert pragma("PRAGMA foreign_keys").scalar() == 1
    finally:
        store.close()


def test_from_settings_uses_database_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'from-settings.db'}"
    store = Store.from_settings(Settings.model_validate({"DATABASE_URL": url}))
    try:
        assert sqlite_file(store.engine.url) == tmp_path / "from-settings.db"
    finally:
        store.close()


@pytest.mark.postgres
def test_ping_is_false_when_the_server_is_unreachable() -> None:
    # Port 1 on localhost refuses connections immediately.
    store = Store("postgresql://postgres@127.0.0.1:1/none?connect_timeout=2")
    try:
        assert store.ping() is False
    finally:
        store.close()
