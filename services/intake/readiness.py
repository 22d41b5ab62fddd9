"""Probes behind ``GET /readyz``: can this intake's work actually get done right now?

Accepting articles needs a store that can *write* (answering a query is not enough: a
full disk or a read-only database still answers); getting them processed needs Redis and
at least one worker. Each probe is bounded by a short timeout and returns a plain value instead of
raising, so that one dead dependency shows up as ``false`` in the answer rather than as a
500 or a hung probe.
"""

from __future__ import annotations

import logging

import redis
from celery import Celery

from services.intake.models import Readiness, ReadinessChecks
from shared.store import Store

logger = logging.getLogger(__name__)

#: Seconds each probe may take; orchestrators poll readiness often.
PROBE_TIMEOUT_S = 1.0


def redis_answers(redis_url: str, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """True when Redis at ``redis_url`` answers PING."""
    client = redis.Redis.from_url(
        redis_url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
    )
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError) as error:
        logger.info("readiness: redis did not answer: %s", error)
        return False
    finally:
        client.close()


def store_answers(store: Store) -> bool:
    """True when the database behind ``store`` answers."""
    try:
        return store.ping()
    except Exception as error:  # a probe reports, it must not raise
        logger.info("readiness: store did not answer: %s", error)
        return False


def store_writes(store: Store) -> bool:
    """True when the database behind ``store`` commits a write (the heartbeat row)."""
    try:
        store.write_heartbeat()
    except Exception as error:  # a probe reports, it must not raise
        logger.warning("readiness: store cannot write: %s", error)
        return False
    return True


def count_workers(redis_url: str, timeout_s: float = PROBE_TIMEOUT_S) -> int:
    """How many Celery workers on the broker at ``redis_url`` answer a control ping."""
    app = Celery("newsevents-readiness", broker=redis_url)
    try:
        replies = app.control.ping(timeout=timeout_s)
        return len(replies or [])
    except Exception as error:  # a probe reports, it must not raise
        logger.info("readiness: worker ping failed: %s", error)
        return 0
    finally:
        app.close()


def check_readiness(redis_url: str, store: Store) -> Readiness:
    """All probes; workers are only pinged when Redis answers (the ping goes through it)."""
    redis_ok = redis_answers(redis_url)
    store_ok = store_answers(store)
    checks = ReadinessChecks(
        redis=redis_ok,
        store=store_ok,
        store_writable=store_ok and store_writes(store),
        workers=count_workers(redis_url) if redis_ok else 0,
    )
    ready = checks.redis and checks.store_writable and checks.workers > 0
    return Readiness(ready=ready, checks=checks)
