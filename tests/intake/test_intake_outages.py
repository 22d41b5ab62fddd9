"""Dependency outages answer 503 with Retry-After, never 500, and /readyz sees them.

Real failures, no mocks: a SQLite database opened read-only (what a full disk or a
read-only remount looks like to the intake), and a PostgreSQL database that refuses
connections (``ALLOW_CONNECTIONS false`` after its sessions were terminated).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from intake_helpers import REDIS_URL, article, authorize

from services.intake.app import create_app
from shared.settings import Settings
from shared.store import Store
from shared.store.testing import allow_connections, temporary_postgres_database

TEXT = "Officials met in Kyiv on Friday to discuss the talks."


@contextmanager
def read_only_store(client: TestClient, database: Path) -> Iterator[Store]:
    """Make the running app use a read-only connection to its own database file."""
    writable: Store = client.app.state.store  # type: ignore[attr-defined]
    read_only = Store(f"sqlite:///file:{database}?mode=ro&uri=true")
    client.app.state.store = read_only  # type: ignore[attr-defined]
    try:
        yield read_only
    finally:
        client.app.state.store = writable  # type: ignore[attr-defined]
        read_only.close()


def test_read_only_database_is_not_ready_and_refuses_writes_with_503(
    tmp_path: Path, redis_client: object
) -> None:
    database = tmp_path / "intake.db"
    settings = Settings(database_url=f"sqlite:///{database}", redis_url=REDIS_URL)
    with TestClient(create_app(settings)) as client:
        authorize(client)  # the key is stored while the database still takes writes
        with read_only_store(client, database):
            ready = client.get("/readyz")
            submitted = client.post("/v1/articles", json=article("ro-1", TEXT))
            read = client.get("/v1/articles/ro-1")

    assert ready.status_code == 503
    assert ready.json()["checks"]["store"] is True  # it still answers queries...
    assert ready.json()["checks"]["store_writable"] is False  # ...but cannot write
    assert submitted.status_code == 503, submitted.text
    assert submitted.headers["retry-after"] == "5"
    assert "database is unavailable" in submitted.json()["detail"]
    assert read.status_code == 404  # reads still work


@pytest.mark.postgres
def test_unreachable_postgres_answers_503_with_retry_after(redis_client: object) -> None:
    with temporary_postgres_database() as url:
        settings = Settings(database_url=url, redis_url=REDIS_URL)
        with TestClient(create_app(settings)) as client:
            authorize(client)
            allow_connections(url, False)
            try:
                answers = [
                    client.get("/v1/articles/pg-1"),
                    client.get("/v1/events"),
                    client.post("/v1/articles", json=article("pg-1", TEXT)),
                    client.get("/readyz"),
                ]
            finally:
                allow_connections(url, True)
            back = client.post("/v1/articles", json=article("pg-1", TEXT))

    for answer in answers:
        assert answer.status_code == 503, answer.text
    assert all(answer.headers.get("retry-after") == "5" for answer in answers[:3])
    assert answers[3].json()["checks"]["store"] is False
    assert back.status_code == 202, back.text  # the pool reconnects once it is back
