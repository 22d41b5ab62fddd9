"""The Celery application of the workers, configured for long, expensive tasks.

Start a worker with ``celery -A workers.celery_app worker -Q newsevents --loglevel INFO``
(``make worker``). Callbacks are not delivered here: they have their own queue and
worker (``workers.callback_app``), so a slow client never holds an extraction process.
Queue and task names and the broker settings shared with the intake come from the queue
contract, ``shared.queues``.

The settings follow Celery's advice for long-running tasks whose loss would be costly:

* ``task_acks_late``: a message is acknowledged only after its task finished, so a worker
  that dies mid-batch leaves the message to be delivered again;
* ``task_reject_on_worker_lost``: when a pool child is killed (OOM killer, SIGKILL) the
  message is requeued at once instead of being acknowledged as failed;
* ``worker_prefetch_multiplier=1``: a process reserves one message at a time, so a slow
  batch does not hold other messages hostage while idle workers wait;
* a Redis ``visibility_timeout`` longer than the slowest task: otherwise Redis would hand
  a still-running task to a second worker;
* ``task_soft_time_limit`` below ``task_time_limit``: a batch that runs long is interrupted,
  split in halves and requeued (``workers.time_limit``); the hard limit kills a batch that
  does not even return to Python, whose articles the recovery sweep requeues once their
  lease (time limit plus a margin) runs out.

There is no result backend: the store is where results live. Tasks are imported from
``workers.tasks``; the stale-article recovery is wired to the worker's start and stop in
``workers.recovery``.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from celery.signals import setup_logging

from shared.log_format import configure_logging
from shared.queues import EXTRACT_QUEUE, broker_config
from shared.settings import Settings, get_settings
from workers.metrics_server import prepare_multiprocess_dir


def create_app(settings: Settings) -> Celery:
    """A Celery app configured from the given settings."""
    app = Celery("newsevents-worker", include=["workers.tasks", "workers.recovery"])
    app.conf.update(broker_config(settings.redis_url, settings.visibility_timeout_s))
    app.conf.update(
        task_default_queue=EXTRACT_QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=settings.task_time_limit_s,
        task_soft_time_limit=settings.soft_time_limit_s(),
        worker_concurrency=settings.worker_concurrency,
        worker_hijack_root_logger=True,
    )
    return app


@setup_logging.connect
def _configure_logging(loglevel: Any = None, **_: Any) -> None:
    """Log like the intake (``shared.log_format``); connected, so Celery adds no handler."""
    level = loglevel if isinstance(loglevel, str) else logging.getLevelName(loglevel or 20)
    configure_logging(get_settings().log_format, level)


# Before the tasks (and the Prometheus client) are imported: see workers.metrics_server.
prepare_multiprocess_dir(get_settings().worker_metrics_port)
app = create_app(get_settings())
