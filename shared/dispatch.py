"""Sending work to the queue without importing the worker (and so without torch).

The intake only needs to name the task; the queue contract (``shared.queues``) routes it
to the ``newsevents`` queue on Redis where the extraction workers listen. Keeping this in
``shared/`` lets the intake image stay small.
"""

from __future__ import annotations

from functools import lru_cache

from celery import Celery

from shared.queues import EXTRACT_QUEUE, EXTRACT_TASK, broker_config
from shared.settings import Settings, get_settings


@lru_cache(maxsize=4)
def _client(redis_url: str, visibility_timeout_s: int) -> Celery:
    app = Celery("newsevents-client")
    app.conf.update(broker_config(redis_url, visibility_timeout_s))
    return app


def enqueue_articles(article_ids: list[str], settings: Settings | None = None) -> None:
    """Queue stored articles for extraction, in chunks a worker processes as one batch."""
    settings = settings or get_settings()
    app = _client(settings.redis_url, settings.visibility_timeout_s)
    size = settings.worker_batch_size
    for first in range(0, len(article_ids), size):
        chunk = article_ids[first : first + size]
        app.send_task(EXTRACT_TASK, args=[chunk], queue=EXTRACT_QUEUE)
