"""Which article ids Redis holds right now: waiting in the queue or reserved by a worker.

The recovery sweep uses this to tell a *lost* message from a merely *slow* one: an article
that is ``queued`` in the store, was sent a while ago, and whose id is in neither place was
lost (Redis restarted without its data, a send that never happened, a task that ran out of
retries) and is sent again; one that is still in the queue is just waiting its turn and is
left alone, however long the queue.

Celery's Redis transport (kombu) keeps waiting messages in one list per queue and priority
(``newsevents``, ``newsevents\\x06\\x163``, ...) and every message a worker has received but
not acknowledged -- running, prefetched, or waiting for a retry countdown -- in the
``unacked`` hash. Both are read in one MULTI transaction, so a message moving from the list
to the hash between two reads cannot slip through unseen.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterable
from typing import Any

import redis

from shared.queues import queue_keys

log = logging.getLogger(__name__)

#: kombu's hash of delivered, unacknowledged messages.
UNACKED_KEY = "unacked"


def message_ids(message: dict[str, Any], task_name: str) -> list[str]:
    """The article ids a Celery message (protocol 2) carries, if it is a ``task_name`` task."""
    if message.get("headers", {}).get("task") != task_name:
        return []
    try:
        args = json.loads(base64.b64decode(message["body"]))[0]
        return [str(article_id) for article_id in args[0]]
    except (KeyError, IndexError, TypeError, ValueError) as error:
        log.warning("unreadable %s message in Redis: %s", task_name, error)
        return []


def ids_in_redis(client: redis.Redis, queue: str, task_name: str) -> set[str]:
    """Ids of every ``task_name`` message waiting in ``queue`` or reserved by a worker."""
    pipe = client.pipeline(transaction=True)
    for key in queue_keys(queue):
        pipe.lrange(key, 0, -1)
    pipe.hvals(UNACKED_KEY)
    *waiting_lists, reserved = pipe.execute()
    found: set[str] = set()
    for raw in _chain(waiting_lists):
        found.update(message_ids(json.loads(raw), task_name))
    for raw in reserved:  # [message, exchange, routing key]
        found.update(message_ids(json.loads(raw)[0], task_name))
    return found


def _chain(lists: Iterable[list[bytes]]) -> Iterable[bytes]:
    for items in lists:
        yield from items
