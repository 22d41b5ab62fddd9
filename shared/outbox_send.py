"""Handing claimed articles to the queue, the one way both the intake and the sweep do it.

The store row is marked as sent (``enqueued_at``) *before* the send: if the process dies
in between, the recovery sweep finds the message missing from Redis and sends it again;
if the send fails (Redis down), the mark is cleared at once so the sweep sends it as soon
as Redis answers. Either way no article waits for a person.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from shared.dispatch import enqueue_articles
from shared.settings import Settings
from shared.store import Store

log = logging.getLogger(__name__)

#: Failures of ``enqueue_articles`` that mean the broker cannot be reached.
BROKER_ERRORS: tuple[type[BaseException], ...] = (KombuOperationalError, RedisError, OSError)

Enqueue = Callable[[list[str], Settings], None]


def send_claimed(
    store: Store, ids: list[str], settings: Settings, enqueue: Enqueue = enqueue_articles
) -> BaseException | None:
    """Queue ``ids`` (already marked sent); None when sent, else the broker's error.

    On a broker error the ids are marked unsent for the sweep. If the database is down as
    well, they keep their mark and the sweep resends them once it sees the message missing.
    """
    if not ids:
        return None
    try:
        enqueue(ids, settings)
    except BROKER_ERRORS as error:
        log.warning("could not queue %d article(s): %s", len(ids), error)
        try:
            store.mark_unsent(ids)
        except SQLAlchemyError as db_error:
            log.warning("could not mark %d article(s) unsent: %s", len(ids), db_error)
        return error
    return None
