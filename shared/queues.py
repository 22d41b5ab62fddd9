"""The queue contract: queue names, task names and the Celery configuration, in one place.

The intake (which only sends), the extraction worker, the callbacks worker, the local
stack and the benchmark all import their names from here, so a queue cannot be renamed
in one of them and silently left behind in another. ``docker-compose.yml``, the Makefile
and the Dockerfiles cannot import Python; they spell the same names and a test
(``tests/infra/test_queue_contract.py``) checks them against this module.

Two queues, two pools:

* ``newsevents`` (``EXTRACT_QUEUE``): ``newsevents.extract_articles`` runs the model; a
  prefork pool of a few processes, each holding a model.
* ``newsevents-callbacks`` (``CALLBACK_QUEUE``): ``newsevents.deliver_callback`` POSTs a
  result to its client; network-bound, so a thread pool of many threads in a process that
  never loads the model. A slow client then occupies a callback thread, never an
  extraction process.

This module imports nothing from Celery: the configuration is plain data that each app
applies with ``app.conf.update(...)``.
"""

from __future__ import annotations

from typing import Any

#: Queue of the extraction tasks (articles to run through the model).
EXTRACT_QUEUE = "newsevents"
#: Queue of the callback deliveries (results to POST to the clients' ``callback_url``).
CALLBACK_QUEUE = "newsevents-callbacks"

#: Extract events from stored articles, given a list of their ids.
EXTRACT_TASK = "newsevents.extract_articles"
#: POST one result to one callback URL: ``(url, result_json)``.
CALLBACK_TASK = "newsevents.deliver_callback"

#: Celery application (``celery -A ...``) of the extraction worker.
EXTRACT_WORKER_APP = "workers.celery_app"
#: Celery application of the callbacks worker (registers only the callback task).
CALLBACK_WORKER_APP = "workers.callback_app"
#: Pool of the callbacks worker: deliveries wait on the network, not on the CPU.
CALLBACK_POOL = "threads"

#: kombu's separator between a queue name and its priority, and its priority steps: a queue
#: is one Redis list per step (the intake's queue-depth metric and the workers' recovery
#: sweep both read them).
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)

#: Which queue each task goes to, whoever sends it.
TASK_ROUTES = {EXTRACT_TASK: {"queue": EXTRACT_QUEUE}, CALLBACK_TASK: {"queue": CALLBACK_QUEUE}}


def broker_config(redis_url: str, visibility_timeout_s: int) -> dict[str, Any]:
    """Celery settings that every app of newsevents shares, senders and workers alike.

    The visibility timeout must be the same on both sides: Redis hands an unacknowledged
    message to another consumer after it, so it must exceed the slowest task. JSON only,
    so no pickled payload from the broker is ever executed. No result backend: the store
    is where results live. Each worker app adds its own ``task_default_queue`` (what it
    consumes when started without ``-Q``); senders rely on ``task_routes``.
    """
    return {
        "broker_url": redis_url,
        "broker_transport_options": {"visibility_timeout": visibility_timeout_s},
        "broker_connection_retry_on_startup": True,
        "task_routes": TASK_ROUTES,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "task_ignore_result": True,
    }


def worker_argv(queue: str) -> list[str]:
    """The ``celery`` arguments (after the program name) of a worker consuming ``queue``.

    The local stack runs exactly these; the Makefile and docker-compose spell the same.
    """
    if queue == EXTRACT_QUEUE:
        return ["-A", EXTRACT_WORKER_APP, "worker", "-Q", EXTRACT_QUEUE]
    if queue == CALLBACK_QUEUE:
        return ["-A", CALLBACK_WORKER_APP, "worker", "-Q", CALLBACK_QUEUE, "--pool", CALLBACK_POOL]
    raise ValueError(f"no worker consumes a queue named {queue!r}")


def queue_keys(queue: str) -> list[str]:
    """The Redis lists of ``queue``, one per priority step."""
    return [queue if step == 0 else f"{queue}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS]
