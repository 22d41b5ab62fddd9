"""Accepting articles: store the valid ones, then queue the new ones, then report.

The order matters. The store is the source of truth, so an article is written before its
id is queued (a worker never receives an id it cannot load), and duplicates -- the same id
or the same text as a stored article -- are reported but not queued again. When Redis
refuses the task, the articles stay ``queued`` in the store, marked unsent, and the
workers' recovery sweep queues them as soon as Redis answers again (the store is the
outbox, ``shared.outbox_send``); the client is told so with a 503 that still lists them
and a ``Retry-After``.

Everything happens inside the caller's tenant: duplicates are looked for among its
articles only, and the queue gets store keys ``"<tenant>/<id>"``. The article text of the
valid items is charged to the caller's daily quota before anything is stored, so a
request over the quota is refused whole (429) and stores nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from services.intake.callback_check import refuse_unsafe_callbacks
from services.intake.errors import RETRY_AFTER_S, IntakeError
from services.intake.models import AcceptedArticle
from services.intake.payload import parse_body
from services.intake.validation import check_items, error_status
from shared.callback_policy import CallbackPolicy
from shared.outbox_send import send_claimed
from shared.settings import Settings
from shared.store import Store
from shared.tenants import store_key

logger = logging.getLogger(__name__)


def enqueue_new(
    accepted: list[AcceptedArticle], tenant: str, store: Store, settings: Settings
) -> None:
    """Queue the articles stored by this request; IntakeError(503) when Redis is down."""
    new_keys = [store_key(tenant, entry.id) for entry in accepted if not entry.duplicate]
    error = send_claimed(store, new_keys, settings)
    if error is not None:
        raise IntakeError(
            503,
            f"stored {len(new_keys)} articles but could not queue them: the queue (Redis) is "
            f"unreachable ({error}). They stay 'queued' and are queued automatically when it "
            f"is back; poll GET /v1/articles/{{id}}.",
            accepted=list(accepted),
            retry_after_s=RETRY_AFTER_S,
        ) from error


def submit_request(
    content_type: str | None,
    body: bytes,
    store: Store,
    settings: Settings,
    tenant: str,
    charge_chars: Callable[[int], None],
) -> list[AcceptedArticle]:
    """Handle one POST /v1/articles body of ``tenant``; the 202 entries, else IntakeError.

    ``charge_chars`` is called with the text length of the valid items before they are
    stored; it raises (429) when the caller's quota cannot take them.
    """
    items: list[Any] = parse_body(content_type, body, settings.max_batch_articles)
    checked = check_items(items, settings.max_text_chars)
    policy = CallbackPolicy.from_setting(settings.callback_allowed_networks)
    checked = refuse_unsafe_callbacks(checked, policy)
    submissions = [item.submission for item in checked.valid]
    charge_chars(sum(len(item.article.text) for item in submissions))
    outcomes = store.submit_many(tenant, submissions) if submissions else []
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
    enqueue_new(accepted, tenant, store, settings)
    if checked.problems:
        raise IntakeError(
            error_status(checked.problems),
            [problem.error for problem in checked.problems],
            accepted=list(accepted),
        )
    return accepted
