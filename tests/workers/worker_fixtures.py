"""Shared fixtures of the worker tests that need Redis: DB 12 of the test server, a store."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import redis
from sqlalchemy import text

from shared.queues import EXTRACT_QUEUE
from shared.redis_testing import redis_test_url
from shared.schemas import Article
from shared.settings import Settings
from shared.store import Store, Submission

#: The Redis database that belongs to the worker tests.
REDIS_URL = redis_test_url(12)


def worker_settings(directory: Path, **overrides: object) -> Settings:
    """Settings of a SQLite store in ``directory`` and Redis DB 12."""
    return Settings.model_validate(
        {
            "database_url": f"sqlite:///{directory / 'db.sqlite'}",
            "redis_url": REDIS_URL,
            **overrides,
        }
    )


def queued_batches(client: redis.Redis) -> list[list[str]]:
    """The id lists of the extraction messages waiting in the queue, oldest first."""
    batches = []
    for raw in reversed(client.lrange(EXTRACT_QUEUE, 0, -1)):  # LPUSH in, BRPOP out
        message = json.loads(raw)
        batches.append(json.loads(base64.b64decode(message["body"]))[0][0])
    return batches


def set_column(store: Store, column: str, value: object, ids: list[str]) -> None:
    """Write one column of some articles directly (to age a timestamp, say)."""
    with store.engine.begin() as connection:
        for article_id in ids:
            connection.execute(
                text(f"UPDATE articles SET {column} = :value WHERE id = :id"),
                {"value": value, "id": article_id},
            )


def column(store: Store, name: str, article_id: str) -> object:
    """One column of one article, read directly."""
    with store.engine.connect() as connection:
        return connection.execute(
            text(f"SELECT {name} FROM articles WHERE id = :id"), {"id": article_id}
        ).scalar_one()


#: The tenant the worker tests store their articles under.
TENANT = "t"


def key(article_id: str) -> str:
    """The store key of a test article of ``TENANT``."""
    return f"{TENANT}/{article_id}"


def submit(store: Store, *ids: str) -> list[str]:
    """Store short articles of ``TENANT`` with these ids; returns their store keys."""
    store.submit_many(
        TENANT, [Submission(Article(id=i, text=f"Officials met in {i}.")) for i in ids]
    )
    return [key(i) for i in ids]
