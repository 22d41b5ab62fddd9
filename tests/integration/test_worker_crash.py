"""Killing workers mid-batch: every accepted article still ends ``done``, exactly once.

Each test starts its own worker (the kills would break a shared one) and submits a batch
of twelve long articles in one request, so the intake queues them as one task and the
worker spends seconds on it -- long enough to be killed while the articles are
``processing``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_helpers import (
    Stack,
    WorkerProcess,
    argument_row_count,
    article_payload,
    event_row_count,
    running_stack,
    statuses,
    stream_counts,
    wait_for,
)

pytestmark = pytest.mark.slow

BATCH = 12


def submit_batch(stack: Stack, key: str) -> list[str]:
    """Submit twelve long articles in one request (one task) and return their ids."""
    entries = stack.submit(*(article_payload(f"{key}-{n}", text_copies=4) for n in range(BATCH)))
    return [str(entry["id"]) for entry in entries]


def wait_processing(stack: Stack, ids: list[str]) -> None:
    """Wait until the worker has taken the whole batch (model loaded, extraction running)."""

    def all_processing() -> bool:
        current = statuses(stack.store, ids)
        return len(current) == len(ids) and set(current.values()) == {"processing"}

    wait_for(
        all_processing,
        "the batch to be processing",
        interval_s=0.02,
        diagnostics=lambda: f"{statuses(stack.store, ids)}\n{stack.worker.log_tail()}",
    )


def assert_done_exactly_once(stack: Stack, ids: list[str]) -> list[int]:
    """Every article done with one result's worth of rows; returns the attempt counts."""
    stored = stack.finish(ids)
    counts = stream_counts(stack.redis, stack.settings.results_stream)
    for article in stored:
        assert article.status == "done", (article.article.id, article.error)
        assert article.result is not None
        article_id = article.article.id
        assert event_row_count(stack.store, article_id) == len(article.result.events)
        arguments = sum(len(event.arguments) for event in article.result.events)
        assert argument_row_count(stack.store, article_id) == arguments
        assert counts[article_id] >= 1  # at-least-once: a redelivery may announce it again
    return [article.attempts for article in stored]


def test_killed_pool_child_gets_its_batch_redelivered(tmp_path: Path) -> None:
    with running_stack(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path) as stack:
        ids = submit_batch(stack, "child")
        wait_processing(stack, ids)

        killed = stack.worker.kill_children()

        attempts = assert_done_exactly_once(stack, ids)
        assert max(attempts) == 2, attempts  # the interrupted batch was taken again
        assert stack.worker.process is not None and stack.worker.process.poll() is None
        assert not set(killed) & set(stack.worker.child_pids())


@pytest.mark.parametrize("queue_lost", [False, True], ids=["queue-kept", "queue-lost"])
def test_killed_worker_batch_is_finished_by_a_new_worker(tmp_path: Path, queue_lost: bool) -> None:
    database_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    # The lease the dead worker leaves is its time limit (plus no margin): with the queue
    # lost, its expiry is what brings the articles back, with no manual step.
    lease = {"NEWSEVENTS_TASK_TIME_LIMIT_S": "120", "NEWSEVENTS_LEASE_MARGIN_S": "0"}
    with running_stack(database_url, tmp_path, **lease) as stack:
        ids = submit_batch(stack, f"worker-{queue_lost}")
        wait_processing(stack, ids)

        stack.worker.kill_all()  # main process and pool child: nothing acks or requeues
        if queue_lost:  # Redis restarted without persistence: the task message is gone
            stack.redis.flushdb()
        replacement = WorkerProcess(
            database_url,
            tmp_path / "replacement.log",
            NEWSEVENTS_VISIBILITY_TIMEOUT_S="5",
            NEWSEVENTS_RECOVERY_INTERVAL_S="1",
        )
        stack.worker = replacement
        try:
            replacement.start().wait_ready()
            attempts = assert_done_exactly_once(stack, ids)
        finally:
            replacement.stop()
        assert max(attempts) >= 2, attempts
