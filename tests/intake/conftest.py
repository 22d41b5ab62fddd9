"""Fixtures of the intake tests: a real SQLite store in tmp_path and the real Redis, DB 13.

The ``client`` sends an API key of tenant ``intake_helpers.TENANT`` with every request.

Redis DB 13 belongs to these tests (other helpers use other numbers); it is flushed at the
start of every test so each one sees only the tasks it queued itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from intake_helpers import REDIS_URL, authorize

from services.intake.app import create_app
from shared.redis_testing import flushed_redis
from shared.settings import Settings
from shared.store import Store


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    """A client of Redis DB 13, emptied before the test (and after)."""
    with flushed_redis(REDIS_URL) as client:
        yield client


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A SQLite file of this test's own."""
    return f"sqlite:///{tmp_path / 'intake.db'}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings pointing at the test's store and Redis DB 13, small limits for limit tests."""
    return Settings(
        database_url=database_url,
        redis_url=REDIS_URL,
        max_text_chars=1_000,
        max_batch_articles=5,
        max_request_bytes=20_000,
    )


@pytest.fixture
def client(settings: Settings, redis_client: redis.Redis) -> Iterator[TestClient]:
    """A TestClient around a fresh app (the lifespan migrates the store), with an API key."""
    with TestClient(create_app(settings)) as test_client:
        authorize(test_client)
        yield test_client


@pytest.fixture
def store(client: TestClient) -> Store:
    """The store the app under test uses."""
    app_store: Store = client.app.state.store  # type: ignore[attr-defined]
    return app_store
