"""Faults with no person to fix them: every article ends done once, within a stated time.

Each test runs a real worker (slow extractor, ``slow_extractor.py``) against a Redis of
its own (``fault_helpers``), injects one fault mid-batch, and then only waits: the
recovery sweep, leases, the outbox and the announcement flag must bring every article to
``done``, once in the store and once on the stream (plus entries marked ``redelivered``),
within the bound named in the assertion. Each prints one ``FAULT {...}`` line (sent, done,
lost, duplicated on the stream, seconds to recover); ``pytest -s`` shows them.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fault_helpers import FaultStack, fault_stack
from pipeline_helpers import TENANT, article_payload, statuses, wait_for

from shared.store.testing import allow_connections, temporary_postgres_database

pytestmark = pytest.mark.slow

#: Seconds every fault test allows from the end of the fault to a settled pipeline.
RECOVERY_BOUND_S = 90.0


def articles(key: str, count: int) -> list[dict[str, str]]:
    return [article_payload(f"{key}-{n}") for n in range(count)]


def wait_mid_batch(stack: FaultStack, ids: list[str], done: int) -> None:
    """Wait until ``done`` articles are done and a batch is being extracted right now."""

    def under_way() -> bool:
        current = list(statuses(stack.store, ids).values())
        return current.count("done") >= done and "processing" in current

    wait_for(under_way, f"{done} articles done and a batch processing", 120.0, 0.02)


def test_redis_killed_and_restarted_mid_batch(tmp_path: Path) -> None:
    with fault_stack(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}") as stack:
        stack.start_worker()
        code, ids = stack.submit(*articles("redis-kill", 24))
        assert code == 202 and len(ids) == 24
        wait_mid_batch(stack, ids, 4)

        stack.redis_server.kill()  # kill -9 mid-batch: the worker keeps extracting
        time.sleep(5)
        stack.redis_server.start()  # same append-only file
        seconds = stack.wait_settled(ids, RECOVERY_BOUND_S)

        stack.outcome("redis killed (kill -9) and restarted after 5 s", ids, seconds).report()
        stack.assert_done_exactly_once(ids)
        assert seconds < RECOVERY_BOUND_S


def test_articles_accepted_while_redis_is_down_are_queued_when_it_returns(
    tmp_path: Path,
) -> None:
    with fault_stack(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}") as stack:
        stack.start_worker()
        stack.redis_server.kill()
        code, ids = stack.submit(*articles("redis-down", 8))
        assert code == 503 and len(ids) == 8  # stored, told so, with Retry-After
        time.sleep(2)
        stack.redis_server.start()
        seconds = stack.wait_settled(ids, RECOVERY_BOUND_S)

        stack.outcome("articles accepted while Redis was down", ids, seconds).report()
        stack.assert_done_exactly_once(ids)
        assert seconds < RECOVERY_BOUND_S


@pytest.mark.postgres
def test_database_outage_mid_batch(tmp_path: Path) -> None:
    with (
        temporary_postgres_database("newsevents_fault") as url,
        fault_stack(tmp_path, url) as stack,
    ):
        stack.start_worker()
        code, ids = stack.submit(*articles("db-outage", 16))
        assert code == 202
        wait_mid_batch(stack, ids, 4)

        allow_connections(url, False)  # the database goes away for 10 s
        try:
            time.sleep(10)
        finally:
            allow_connections(url, True)
        seconds = stack.wait_settled(ids, RECOVERY_BOUND_S)

        stack.outcome("PostgreSQL refused connections for 10 s", ids, seconds).report()
        stack.assert_done_exactly_once(ids)
        assert seconds < RECOVERY_BOUND_S


def test_time_limited_batch_is_split_and_a_slow_article_fails_alone(tmp_path: Path) -> None:
    with fault_stack(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}") as stack:
        # 8 articles of 1 s each against a 3 s soft limit: the batch must be split twice.
        stack.start_worker(
            NEWSEVENTS_WORKER_BATCH_SIZE="8",
            NEWSEVENTS_TASK_TIME_LIMIT_S="10",
            NEWSEVENTS_TASK_SOFT_TIME_LIMIT_S="3",
            NEWSEVENTS_TEST_EXTRACT_DELAY_S="1",
            NEWSEVENTS_MAX_ATTEMPTS="2",
        )
        stack.settings.worker_batch_size = 8
        batch = articles("time-limit", 7)
        batch.append(article_payload("time-limit-SLOW", title="SLOW"))
        batch[-1]["text"] = "SLOW " + batch[-1]["text"]
        started = time.monotonic()
        code, ids = stack.submit(*batch)
        assert code == 202 and len(ids) == 8
        seconds = stack.wait_settled(ids, RECOVERY_BOUND_S, frozenset({"done", "failed"}))

        outcome = stack.outcome("batch over the soft time limit (3 s)", ids, seconds)
        outcome.report()
        normal, slow = ids[:-1], ids[-1]
        stack.assert_done_exactly_once(normal)
        failed = stack.store.get_article(TENANT, slow)
        assert failed is not None and failed.status == "failed"
        assert failed.error is not None and "soft time limit (3 s)" in failed.error
        assert stack.worker is not None
        log = stack.worker.log_tail(400)
        assert "batch of 8 hit the soft time limit" in log  # split, not acked and dropped
        assert time.monotonic() - started < RECOVERY_BOUND_S
