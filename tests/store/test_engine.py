"""Engine set-up: driver choice for PostgreSQL URLs and the SQLite connection settings."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from shared.settings import Settings
from shared.store import Store
from shared.store.engine import DatabaseTimeouts, normalize_url, sqlite_file


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
            assert pragma("PRAGMA busy_timeout").scalar() == DatabaseTimeouts().sqlite_busy_s * 1000
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


def test_sqlite_busy_timeout_comes_from_the_settings(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'busy.db'}", sqlite_busy_timeout_s=2.5)
    store = Store.from_settings(settings)
    try:
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2500
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_connections_carry_statement_and_lock_timeouts(postgres_session_url: str) -> None:
    settings = Settings(
        database_url=postgres_session_url, db_statement_timeout_s=0.5, db_lock_timeout_s=0.2
    )
    store = Store.from_settings(settings)
    try:
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "500ms"
            assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "200ms"
        started = time.monotonic()
        with (
            pytest.raises(OperationalError, match="statement timeout"),
            store.engine.connect() as connection,
        ):
            connection.exec_driver_sql("SELECT pg_sleep(5)")
        assert time.monotonic() - started < 3.0  # cancelled at 0.5 s, not after 5 s
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_lock_wait_is_bounded(postgres_session_url: str) -> None:
    holder = Store(postgres_session_url)
    waiter = Store.from_settings(Settings(database_url=postgres_session_url, db_lock_timeout_s=0.3))
    try:
        with holder.engine.begin() as locked:
            locked.exec_driver_sql("LOCK TABLE heartbeat IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            with pytest.raises(OperationalError, match="lock timeout"):
                waiter.write_heartbeat()
            assert time.monotonic() - started < 3.0
    finally:
        holder.close()
        waiter.close()
