"""The workers' Prometheus endpoint: one per worker, counting every pool process together.

A Celery prefork worker runs its tasks in child processes, each with its own memory, so
a counter kept in memory would only ever show one child. The Prometheus client's
multiprocess mode solves that: every process writes its values to files in
``PROMETHEUS_MULTIPROC_DIR`` and the endpoint, served by the worker's main process
(``start_http_server`` with a ``MultiProcessCollector``), adds them up at scrape time.

The client library decides on multiprocess mode when it is first imported, so
``prepare_multiprocess_dir`` must run before anything imports it: the Celery app modules
(``workers.celery_app``, ``workers.callback_app``) call it at the top, before their tasks
(and ``workers.metrics``) are imported. Unless the operator set
``PROMETHEUS_MULTIPROC_DIR`` (then it must be an empty folder of this worker alone), each
worker start gets a fresh temporary folder, removed when the worker exits, so counters
start at zero and two workers on one host never mix their files. The callbacks worker
(one process, threads) uses the same mechanism for uniformity.

The endpoint is off unless a port is set (``worker_metrics_port``,
``callback_metrics_port``); it has no authentication, so publish it only where the
Prometheus server can reach it, never to clients. It holds counts, durations and the
model's name, never a tenant, an article id or any text.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from typing import Any

from celery.signals import worker_process_shutdown, worker_ready

log = logging.getLogger(__name__)

#: The environment variable the Prometheus client reads at import.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

_port = 0


def prepare_multiprocess_dir(port: int) -> None:
    """Switch this process (and the pool it forks) to multiprocess metrics when ``port`` is set.

    Must run before the first import of ``prometheus_client``; a no-op when ``port`` is 0.
    """
    global _port
    if port == 0 or _port:
        return
    _port = port
    if os.environ.get(MULTIPROC_ENV):
        return
    directory = tempfile.mkdtemp(prefix="newsevents-metrics-")
    os.environ[MULTIPROC_ENV] = directory
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:  # a forked child exiting must not remove its parent's files
            shutil.rmtree(directory, ignore_errors=True)

    atexit.register(remove)


@worker_ready.connect
def _serve(**_: Any) -> None:
    """Start the endpoint in the worker's main process once the pool is up."""
    if not _port:
        return
    from prometheus_client import CollectorRegistry, start_http_server, values
    from prometheus_client.multiprocess import MultiProcessCollector

    if values.ValueClass is values.MutexValue:
        log.error(
            "metrics endpoint not started: prometheus_client was imported before %s was set, "
            "so the pool processes' values would be missing",
            MULTIPROC_ENV,
        )
        return
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    try:
        start_http_server(_port, registry=registry)
    except OSError as error:
        log.error("metrics endpoint not started on port %d: %s", _port, error)
        return
    log.info("metrics on http://0.0.0.0:%d/metrics (%s)", _port, os.environ[MULTIPROC_ENV])


@worker_process_shutdown.connect
def _process_gone(pid: int | None = None, **_: Any) -> None:
    """Drop a finished pool process's live gauges (its counters are kept)."""
    if _port:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())
