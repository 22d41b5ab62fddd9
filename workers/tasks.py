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
the article; database and Redis outages are transient and retry the whole task with
exponential backoff and full jitter (bounded; after the last retry the articles stay
``queued``/``processing`` and ``workers.recovery`` requeues them later).
"""

from __future__ import annotations

import logging
from typing import Any

import redis.exceptions
import sqlalchemy.exc
from celery import Task
from kombu.exceptions import OperationalError as KombuOperationalError

from shared.queues import CALLBACK_QUEUE, CALLBACK_TASK, EXTRACT_TASK
from shared.schemas import ExtractionResult
from workers.celery_app import app
from workers.processing import process_batch
from workers.runtime import WorkerRuntime, get_runtime
from workers.stream import publish_result

log = logging.getLogger(__name__)

#: Errors of the infrastructure rather than of the article: retrying later can succeed.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    sqlalchemy.exc.OperationalError,
    KombuOperationalError,
)
#: How many times a batch is retried after transient errors before giving up.
MAX_TRANSIENT_RETRIES = 8


def announce(runtime: WorkerRuntime, result: ExtractionResult, callback_url: str | None) -> None:
    """Publish a stored result to the stream and schedule its callback, if any.

    The callback goes to its own queue, which only the callbacks worker consumes (by name:
    this process never imports the delivery code), so a slow receiver costs a callback
    thread there, never this extraction process.
    """
    settings = runtime.settings
    publish_result(runtime.redis, settings.results_stream, settings.results_stream_maxlen, result)
    if callback_url:
        arguments = [callback_url, result.model_dump_json()]
        app.send_task(CALLBACK_TASK, args=arguments, queue=CALLBACK_QUEUE)


@app.task(
    bind=True,
    name=EXTRACT_TASK,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=MAX_TRANSIENT_RETRIES,
)
def extract_articles(self: Task, ids: list[str]) -> dict[str, list[str]]:
    """Extract events from the stored articles ``ids`` (idempotent; see the module docs)."""
    runtime = get_runtime()
    delivery_info = self.request.delivery_info or {}
    again = bool(delivery_info.get("redelivered")) or bool(self.request.retries)
    # Loaded before the batch so a broken model fails the task, not every article in it.
    tagger = runtime.tagger()
    report = process_batch(
        runtime.store,
        ids,
        tagger.extract,
        lambda result, url: announce(runtime, result, url),
        reannounce_done=again,
        max_attempts=runtime.settings.max_attempts,
    )
    summary: dict[str, Any] = {key: len(value) for key, value in report.as_dict().items()}
    log.info("batch of %d ids: %s", len(ids), summary)
    return report.as_dict()
