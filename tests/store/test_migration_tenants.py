"""Revision 0003_tenants keeps the data stored before tenants, under tenant ``default``."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from shared.store import Store
from shared.store import migrate as migrations
from shared.store.engine import prepare_sqlite_directory
from shared.store.records import Submission
from shared.tenants import DEFAULT_TENANT

from .factories import make_article

NOW = "2025-12-06 10:00:00"


def fill_revision_0001(store: Store) -> None:
    """One done article with one event and one argument, as revision 0001 stored them."""
    with store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO articles (id, content_hash, text, status, attempts, created_at,"
                " updated_at) VALUES ('old-1', 'hash-1', 'Old text.', 'done', 1, :now, :now)"
            ),
            {"now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO events (id, article_id, ordinal, type, trigger_text, trigger_start,"
                " trigger_end, confidence, sentence, event_json) VALUES"
                " (7, 'old-1', 0, 'Meet', 'Old', 0, 3, 0.9, 0, '{}')"
            )
        )
        connection.execute(
            text(
                'INSERT INTO arguments (event_id, role, text, start, "end", confidence)'
                " VALUES (7, 'Agent', 'text', 4, 8, 0.8)"
            )
        )


def store_at_0001(url: str) -> Store:
    """A store on a new database migrated to revision 0001 and filled with old data."""
    prepare_sqlite_directory(url)
    store = Store(url)
    migrations.upgrade(store.engine, "0001")
    fill_revision_0001(store)
    return store


def rows(store: Store, sql: str) -> list[tuple[object, ...]]:
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def test_upgrade_moves_old_articles_to_the_default_tenant_and_back(
    fresh_database_url: str,
) -> None:
    store = store_at_0001(fresh_database_url)
    try:
        store.migrate()

        assert rows(store, "SELECT id, tenant, client_id FROM articles") == [
            ("default/old-1", DEFAULT_TENANT, "old-1")
        ]
        assert rows(store, "SELECT id, article_id FROM events") == [(7, "default/old-1")]
        assert rows(store, "SELECT event_id, role FROM arguments") == [(7, "Agent")]
        stored = store.get_article(DEFAULT_TENANT, "old-1")
        assert stored is not None and stored.article.text == "Old text."
        migrations.downgrade(store.engine, "0001")
        assert rows(store, "SELECT id FROM articles") == [("old-1",)]
        assert rows(store, "SELECT id, article_id FROM events") == [(7, "old-1")]
        assert rows(store, "SELECT event_id FROM arguments") == [(7,)]
    finally:
        store.close()


def test_foreign_keys_cascade_after_the_upgrade(fresh_database_url: str) -> None:
    store = store_at_0001(fresh_database_url)
    try:
        store.migrate()
        with store.engine.begin() as connection:
            connection.execute(text("DELETE FROM articles"))
        assert rows(store, "SELECT count(*) FROM events") == [(0,)]
        assert rows(store, "SELECT count(*) FROM arguments") == [(0,)]
    finally:
        store.close()


def test_downgrade_is_refused_while_other_tenants_have_articles(fresh_database_url: str) -> None:
    store = Store(fresh_database_url)
    try:
        store.migrate()
        store.submit_many("acme", [Submission(make_article("a-1"))])
        with pytest.raises(RuntimeError, match="belong to tenants other than 'default'"):
            migrations.downgrade(store.engine, "0001")
        assert migrations.current_revision(store.engine) == "0003_tenants"
        assert store.get_article("acme", "a-1") is not None
    finally:
        store.close()
