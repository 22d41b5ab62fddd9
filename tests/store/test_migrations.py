"""The packaged Alembic migrations build (and tear down) the schema the tables describe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from shared.settings import REPO_ROOT
from shared.store import Store
from shared.store import migrate as migrations
from shared.store.engine import prepare_sqlite_directory, sqlite_file
from shared.store.tables import Base

STORE_TABLES = {"articles", "events", "arguments", "heartbeat", "api_keys"}
#: The newest revision the packaged scripts define.
HEAD = ScriptDirectory.from_config(migrations.alembic_config()).get_current_head()


def table_names(store: Store) -> set[str]:
    return set(inspect(store.engine).get_table_names())


def test_migrate_creates_tables_and_downgrade_drops_them(fresh_database_url: str) -> None:
    store = Store(fresh_database_url)
    try:
        store.migrate()
        assert table_names(store) >= STORE_TABLES
        assert migrations.current_revision(store.engine) == HEAD
        indexes = {index["name"] for index in inspect(store.engine).get_indexes("events")}
        assert {"ix_events_type", "ix_events_plover_type", "ix_events_time"} <= indexes

        migrations.downgrade(store.engine, "base")
        assert table_names(store) & STORE_TABLES == set()
        assert migrations.current_revision(store.engine) is None

        store.migrate()
        store.migrate()  # at head already: nothing to do, no error
        assert table_names(store) >= STORE_TABLES
    finally:
        store.close()


def test_migrated_schema_matches_the_table_classes(fresh_database_url: str) -> None:
    store = Store(fresh_database_url)
    try:
        store.migrate()
        with store.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        assert differences == []
    finally:
        store.close()


def test_migrate_creates_the_sqlite_directory(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a' / 'b' / 'store.db'}"
    store = Store(url)
    try:
        assert not store.ping()  # the directory does not exist yet
        store.migrate()
        assert store.ping()
        path = sqlite_file(store.engine.url)
        assert path is not None and path.is_file()
    finally:
        store.close()


def test_alembic_command_line_uses_the_database_url_setting(tmp_path: Path) -> None:
    database = tmp_path / "cli" / "store.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    alembic = [sys.executable, "-m", "alembic", "-c", "shared/store/alembic.ini"]
    subprocess.run([*alembic, "upgrade", "head"], cwd=REPO_ROOT, env=env, check=True, timeout=120)
    store = Store(f"sqlite:///{database}")
    try:
        assert table_names(store) >= STORE_TABLES
    finally:
        store.close()


def test_processes_starting_together_migrate_once(fresh_database_url: str) -> None:
    """The intake and every worker call migrate() at start-up, possibly at the same moment.

    Processes, not threads: Alembic's ``context`` is process-global.
    """
    script = "import sys; from shared.store import Store; Store(sys.argv[1]).migrate()"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script, fresh_database_url],
            cwd=REPO_ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        for child in children:
            _, stderr = child.communicate(timeout=120)
            assert child.returncode == 0, stderr
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    store = Store(fresh_database_url)
    try:
        assert migrations.current_revision(store.engine) == HEAD
        assert table_names(store) >= STORE_TABLES
    finally:
        store.close()


def test_leases_migration_fills_existing_rows_so_the_sweep_leaves_history_alone(
    fresh_database_url: str,
) -> None:
    prepare_sqlite_directory(fresh_database_url)
    store = Store(fresh_database_url)
    try:
        migrations.upgrade(store.engine, "0001")
        now = "2025-12-06 10:00:00"
        with store.engine.begin() as connection:
            for status in ("queued", "processing", "done", "failed"):
                connection.execute(
                    text(
                        "INSERT INTO articles (id, content_hash, text, status, attempts,"
                        " created_at, updated_at) VALUES (:id, :id, 'x', :id, 0, :now, :now)"
                    ),
                    {"id": status, "now": now},
                )
        migrations.upgrade(store.engine, "0002_leases")
        with store.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT status, enqueued_at IS NOT NULL, lease_expires_at IS NOT NULL,"
                    " announced_at IS NOT NULL FROM articles"
                )
            ).all()
        filled = {row[0]: tuple(bool(value) for value in row[1:]) for row in rows}
        assert filled == {
            "queued": (True, False, False),  # counts as sent: resent only if missing
            "processing": (False, True, False),  # lease already over: requeued
            "done": (False, False, True),  # counts as announced: never announced again
            "failed": (False, False, False),
        }
        migrations.downgrade(store.engine, "0001")
        columns = {column["name"] for column in inspect(store.engine).get_columns("articles")}
        assert "lease_expires_at" not in columns
        assert "heartbeat" not in table_names(store)
    finally:
        store.close()
