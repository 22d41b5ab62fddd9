"""Fixtures of the worker tests: Redis DB 12 (emptied per test) and a migrated SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from worker_fixtures import REDIS_URL, worker_settings

from shared.redis_testing import flushed_redis
from shared.settings import Settings
from shared.store import Store


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    with flushed_redis(REDIS_URL) as client:
        yield client


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return worker_settings(tmp_path)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    opened = Store.from_settings(settings)
    opened.migrate()
    yield opened
    opened.close()
