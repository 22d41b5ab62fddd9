"""The extraction task: ``newsevents.extract_articles(ids)`` on queue ``newsevents``.

Names come from the queue contract, ``shared.queues``.

Batching: a task takes a *list* of article ids. The intake sends the articles of one
request in chunks of ``worker_batch_size``, so a bulk submission becomes a few large model
batches. We deliberately do not use ``celery-batches`` to merge single-article messages:
its buffered requests are acknowledged only from the pool's success callback, so when a
pool child is killed the buffered messages are neither acknowledged nor rejected and wait
for the visibility timeout instead of being requeued at once (``task_reject_on_worker_lost``
does not apply to them), and it needs a large prefetch window, which contradicts
``worker_prefetch_multiplier=1``. A single-article submission therefore runs as a batch of
one; that costs throughput only when many clients send one article at a time.

Failures: see ``workers.processing`` -- per-article errors are permanent and recorded on
the article; database and Redis outages are transient and retry the whole task within a
budget of seconds (``workers.retry_policy``; after it the articles keep their store state
and ``workers.recovery`` requeues them); a batch interrupted by the soft time limit is
split and requeued (``workers.time_limit``).
"""

from __future__ import annotations

import logging
from typing import Any

import redis.exceptions
import sqlalchemy.exc
from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from kombu.exceptions import OperationalError as KombuOperationalError

from shared.queues import CALLBACK_QUEUE, CALLBACK_TASK, EXTRACT_TASK
from shared.schemas import ExtractionResult
from workers.celery_app import app
from workers.metrics import CALLBACKS, STREAM_APPENDS, record_batch, timed_extractor
from workers.processing import process_batch
from workers.retry_policy import RetryPolicy
from workers.runtime import WorkerRuntime, get_runtime
from workers.stream import publish_result
from workers.time_limit import split_timed_out_batch

log = logging.getLogger(__name__)

#: Errors of the infrastructure rather than of the article: retrying later can succeed.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    sqlalchemy.exc.OperationalError,
    KombuOperationalError,
)


def announce(
    runtime: WorkerRuntime,
    tenant: str,
    result: ExtractionResult,
    callback_url: str | None,
    redelivered: bool = False,
) -> None:
    """Publish a stored result of ``tenant`` to the stream and schedule its callback, if any.

    ``redelivered`` marks the stream entry of a result the recovery sweep announces again.
    The callback goes to its own queue, which only the callbacks worker consumes (by name:
    this process never imports the delivery code), so a slow receiver costs a callback
    thread there, never this extraction process.
    """
    settings = runtime.settings
    try:
        publish_result(
            runtime.redis,
            settings.results_stream,
            settings.results_stream_maxlen,
            result,
            tenant,
            redelivered,
        )
    except Exception:
        STREAM_APPENDS.labels(outcome="error").inc()
        raise
    STREAM_APPENDS.labels(outcome="ok").inc()
    if callback_url:
        arguments = [callback_url, result.model_dump_json()]
        app.send_task(CALLBACK_TASK, args=arguments, queue=CALLBACK_QUEUE)
        CALLBACKS.labels(outcome="scheduled").inc()


@app.task(bind=True, name=EXTRACT_TASK, max_retries=None)
def extract_articles(self: Task, ids: list[str]) -> dict[str, Any]:
    """Extract events from the stored articles ``ids`` (idempotent; see the module docs).

    Retry policy: a database or Redis outage (``TRANSIENT_ERRORS``) retries the whole batch
    with exponential backoff (2 s doubling to at most 60 s, +-25 % jitter) until the waits
    add up to ``db_retry_budget_s`` (default 300 s, about ten retries); then the task gives
    up and the recovery sweep requeues its articles (expired lease, missing message). The
    soft time limit splits the batch instead (``workers.time_limit``); nothing else retries.
    """
    runtime = get_runtime()
    settings = runtime.settings
    # Loaded before the batch so a broken model fails the task, not every article in it.
    extract = timed_extractor(runtime.extractor())
    try:
        report = process_batch(
            runtime.store,
            ids,
            extract,
            lambda item, result: announce(runtime, item.tenant, result, item.callback_url),
            max_attempts=settings.max_attempts,
            lease_s=settings.lease_s(),
        )
    except SoftTimeLimitExceeded:
        return split_timed_out_batch(runtime.store, ids, settings).as_dict()
    except TRANSIENT_ERRORS as exc:
        policy = RetryPolicy(settings.db_retry_budget_s)
        retries = self.request.retries
        if retries >= policy.max_retries:
            log.error("batch %s: giving up after %d retries: %s", ids[:20], retries, exc)
            raise
        countdown = policy.countdown(retries)
        log.warning("batch %s: %s; retry %d in %.1f s", ids[:20], exc, retries + 1, countdown)
        raise self.retry(exc=exc, countdown=countdown, max_retries=policy.max_retries) from exc
    record_batch(report.as_dict())
    summary: dict[str, Any] = {key: len(value) for key, value in report.as_dict().items()}
    log.info("batch of %d ids: %s", len(ids), summary)
    return report.as_dict()
