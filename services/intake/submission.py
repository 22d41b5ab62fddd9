"""Accepting articles: store the valid ones, then queue the new ones, then report.

The order matters. The store is the source of truth, so an article is written before its
id is queued (a worker never receives an id it cannot load), and duplicates -- the same id
or the same text as a stored article -- are reported but not queued again. When Redis
refuses the task, the articles stay ``queued`` in the store and the worker's recovery
sweep queues them later; the client is told so with a 503 that still lists them.
"""

from __future__ import annotations

import logging
from typing import Any

from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from services.intake.callback_check import refuse_unsafe_callbacks
from services.intake.errors import IntakeError
from services.intake.models import AcceptedArticle
from services.intake.payload import parse_body
from services.intake.validation import check_items, error_status
from shared.callback_policy import CallbackPolicy
from shared.dispatch import enqueue_articles
from shared.settings import Settings
from shared.store import Store

logger = logging.getLogger(__name__)

#: Failures of ``enqueue_articles`` that mean the broker cannot be reached.
BROKER_ERRORS: tuple[type[BaseException], ...] = (KombuOperationalError, RedisError, OSError)


def enqueue_new(accepted: list[AcceptedArticle], settings: Settings) -> None:
    """Queue the articles stored by this request; IntakeError(503) when Redis is down."""
    new_ids = [entry.id for entry in accepted if not entry.duplicate]
    if not new_ids:
        return
    try:
        enqueue_articles(new_ids, settings)
    except BROKER_ERRORS as error:
        logger.warning("could not queue %d stored articles: %s", len(new_ids), error)
        raise IntakeError(
            503,
            f"stored {len(new_ids)} articles but could not queue them: the queue (Redis) is "
            f"unreachable ({error}). They stay 'queued' and will be picked up when it is "
            f"back; poll GET /v1/articles/{{id}}.",
            accepted=list(accepted),
        ) from error


def submit_request(
    content_type: str | None, body: bytes, store: Store, settings: Settings
) -> list[AcceptedArticle]:
    """Handle one POST /v1/articles body; returns the 202 entries or raises IntakeError."""
    items: list[Any] = parse_body(content_type, body, settings.max_batch_articles)
    checked = check_items(items, settings.max_text_chars)
    policy = CallbackPolicy.from_setting(settings.callback_allowed_networks)
    checked = refuse_unsafe_callbacks(checked, policy)
    submissions = [item.submission for item in checked.valid]
    outcomes = store.submit_many(submissions) if submissions else []
    accepted = [
        AcceptedArticle(
            index=item.index,
            id=outcome.id,
            status=outcome.status,
            duplicate=outcome.duplicate,
            duplicate_of=outcome.duplicate_of,
        )
        for item, outcome in zip(checked.valid, outcomes, strict=True)
    ]
    enqueue_new(accepted, settings)
    if checked.problems:
        raise IntakeError(
            error_status(checked.problems),
            [problem.error for problem in checked.problems],
            accepted=list(accepted),
        )
    return accepted
