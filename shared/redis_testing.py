"""Which Redis server the tests use.

The tests reserve Redis database numbers per area (workers 12, intake 13, integration 14,
local stack 15) and empty them freely. ``NEWSEVENTS_TEST_REDIS_URL`` points them at another
server (for example ``redis://127.0.0.1:6390``) so two checkouts can run their suites side
by side without emptying each other's queues. Default: the local server on 6379.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import redis

#: Server the tests talk to, without a database number.
TEST_REDIS_SERVER = os.environ.get("NEWSEVENTS_TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip(
    "/"
)


def redis_test_url(database: int) -> str:
    """URL of the test server's database ``database``."""
    return f"{TEST_REDIS_SERVER}/{database}"


@contextmanager
def flushed_redis(url: str) -> Iterator[redis.Redis]:
    """A client of the test database ``url``, emptied before use and after."""
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()
