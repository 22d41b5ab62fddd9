"""Telling a client its result is ready: ``newsevents.deliver_callback(url, result_json)``.

A submission may name a ``callback_url``; when its article is first completed the
extraction worker sends this task to the ``newsevents-callbacks`` queue, where the
callbacks worker (``workers.callback_app``) POSTs the ExtractionResult JSON there. Delivery
is a separate task on a separate queue and pool so a slow or dead client never holds up
extraction, and so retries wait in the queue rather than in a worker.

Each attempt is one ``workers.callback_delivery.post_result`` call: URL policy
(``shared.callback_policy``), pinned address, total deadline, capped read, no redirects.

Retries: connection errors, timeouts, DNS failures and 5xx (or 408/425/429) answers are
the receiver's temporary trouble, so they are retried with exponential backoff (1 s, 2 s,
4 s, ... capped, with jitter) up to ``callback_max_retries`` times. A URL the policy
refuses, a redirect or another 4xx answer will not change on retry: logged, given up.
Like the stream, callbacks are at-least-once: receivers should deduplicate by
``article_id``. URLs appear in the log only redacted (``redact_url``).
"""

from __future__ import annotations

import logging
import random

from celery import Task

from shared.callback_policy import CallbackPolicy
from shared.queues import CALLBACK_TASK
from shared.settings import get_settings
from workers.callback_app import app
from workers.callback_delivery import CallbackRetryableError, post_result, redact_url
from workers.metrics import CALLBACKS

log = logging.getLogger(__name__)

#: Longest wait between two delivery attempts.
MAX_BACKOFF_S = 300.0


def backoff_seconds(retries: int, rng: random.Random | None = None) -> float:
    """Wait before attempt ``retries + 1``: 2**retries seconds, capped, with +-25 % jitter."""
    base = min(MAX_BACKOFF_S, 2.0**retries)
    return base * (rng or random).uniform(0.75, 1.25)


@app.task(bind=True, name=CALLBACK_TASK, max_retries=None)
def deliver_callback(self: Task, url: str, result_json: str) -> bool:
    """Deliver one result to its callback URL, retrying transient failures (module docs)."""
    settings = get_settings()
    policy = CallbackPolicy.from_setting(settings.callback_allowed_networks)
    try:
        delivered = post_result(url, result_json, policy, settings.callback_timeout_s)
    except CallbackRetryableError as exc:
        shown = redact_url(url)
        if self.request.retries >= settings.callback_max_retries:
            attempts = self.request.retries + 1
            log.error(
                "callback to %s failed, giving up after %d attempt(s): %s", shown, attempts, exc
            )
            CALLBACKS.labels(outcome="gave_up").inc()
            return False
        CALLBACKS.labels(outcome="retried").inc()
        countdown = backoff_seconds(self.request.retries)
        log.info("callback to %s failed (%s); retrying in %.1f s", shown, exc, countdown)
        raise self.retry(countdown=countdown, exc=exc) from exc
    CALLBACKS.labels(outcome="delivered" if delivered else "refused").inc()
    return delivered
