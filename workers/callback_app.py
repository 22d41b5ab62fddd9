"""The Celery application of the callbacks worker: deliveries only, never the model.

Start it with ``celery -A workers.callback_app worker -Q newsevents-callbacks --pool
threads --loglevel INFO`` (``make worker-callbacks``). A delivery spends its time waiting
on a client's server, so a thread pool of ``callback_concurrency`` threads in one small
process serves many slow receivers at once, while the extraction worker
(``workers.celery_app``, queue ``newsevents``) never waits on any of them.

This app registers only ``workers.callbacks``: its process imports neither the tagger nor
torch, does not migrate the store and does not run the stale-article recovery. Like the
extraction worker it acknowledges a message only after its task ran (a worker lost
mid-delivery leaves the callback to be delivered again: callbacks are at-least-once).
httpx and httpcore log at WARNING at most, so no request line with a client's URL reaches
the log.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from celery.signals import setup_logging

from shared.log_format import QUIET_LOGGERS, configure_logging
from shared.queues import CALLBACK_POOL, CALLBACK_QUEUE, broker_config
from shared.settings import Settings, get_settings
from workers.metrics_server import prepare_multiprocess_dir


def create_callback_app(settings: Settings) -> Celery:
    """A Celery app for the callbacks worker, configured from the given settings."""
    app = Celery("newsevents-callback-worker", include=["workers.callbacks"])
    app.conf.update(broker_config(settings.redis_url, settings.visibility_timeout_s))
    app.conf.update(
        task_default_queue=CALLBACK_QUEUE,
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        worker_pool=CALLBACK_POOL,
        worker_concurrency=settings.callback_concurrency,
        worker_hijack_root_logger=True,
    )
    return app


for _noisy in QUIET_LOGGERS:
    logging.getLogger(_noisy).setLevel(logging.WARNING)


@setup_logging.connect
def _configure_logging(loglevel: Any = None, **_: Any) -> None:
    """One JSON (or escaped text) line per record, like the intake and the extraction worker."""
    level = loglevel if isinstance(loglevel, str) else logging.getLevelName(loglevel or 20)
    configure_logging(get_settings().log_format, level)


# Before the tasks (and the Prometheus client) are imported: see workers.metrics_server.
prepare_multiprocess_dir(get_settings().callback_metrics_port)
app = create_callback_app(get_settings())
