"""Sending work to the queue without importing the worker (and so without torch).

The intake only needs to name the task; Celery routes it to the ``newsevents`` queue on
Redis where the workers listen. Keeping this in ``shared/`` lets the intake image stay small.
"""

from __future__ import annotations

from functools import lru_cache

from celery import Celery

from shared.settings import Settings, get_settings

#: Name of the task that extracts events from stored articles, given their ids.
EXTRACT_TASK = "newsevents.extract_articles"
#: The queue workers consume (``celery -A workers.celery_app worker -Q newsevents``).
QUEUE = "newsevents"


@lru_cache(maxsize=4)
def _client(redis_url: str, visibility_timeout_s: int) -> Celery:
    app = Celery("newsevents-client", broker=redis_url)
    app.conf.broker_transport_options = {"visibility_timeout": visibility_timeout_s}
    app.conf.task_default_queue = QUEUE
    return app


def enqueue_articles(article_ids: list[str], settings: Settings | None = None) -> None:
    """Queue stored articles for extraction, in chunks a worker processes as one batch."""
    settings = settings or get_settings()
    app = _client(settings.redis_url, settings.visibility_timeout_s)
    size = settings.worker_batch_size
    for first in range(0, len(article_ids), size):
        app.send_task(EXTRACT_TASK, args=[article_ids[first : first + size]], queue=QUEUE)
