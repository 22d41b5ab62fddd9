"""Telling a client its result is ready: ``newsevents.deliver_callback(url, result_json)``.

A submission may name a ``callback_url``; when its article is first completed the worker
schedules this task, which POSTs the ExtractionResult JSON there. Delivery is a separate
task so a slow or dead client never holds up extraction, and so retries wait in the queue
rather than in a worker process.

Retries: connection errors, timeouts and 5xx answers are the receiver's temporary trouble,
so they are retried with exponential backoff (1 s, 2 s, 4 s, ... capped, with jitter) up
to ``callback_max_retries`` times. A 4xx answer means the receiver rejected the request
and will reject it again: we log it and give up. Like the stream, callbacks are
at-least-once: receivers should deduplicate by ``article_id``.
"""

from __future__ import annotations

import logging
import random

import httpx
from celery import Task

from shared.settings import get_settings
from workers.celery_app import app

log = logging.getLogger(__name__)

#: Longest wait between two delivery attempts.
MAX_BACKOFF_S = 300.0


class CallbackRetryableError(RuntimeError):
    """The receiver could not take the result now; try again later."""


def backoff_seconds(retries: int, rng: random.Random | None = None) -> float:
    """Wait before attempt ``retries + 1``: 2**retries seconds, capped, with +-25 % jitter."""
    base = min(MAX_BACKOFF_S, 2.0**retries)
    return base * (rng or random).uniform(0.75, 1.25)


def post_result(url: str, result_json: str, timeout_s: float) -> bool:
    """POST one result; True when delivered, False when the receiver refused it (4xx).

    Raises ``CallbackRetryableError`` on connection errors, timeouts and 5xx answers.
    """
    try:
        response = httpx.post(
            url,
            content=result_json,
            headers={"content-type": "application/json"},
            timeout=timeout_s,
        )
    except httpx.TransportError as exc:
        raise CallbackRetryableError(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code >= 500:
        raise CallbackRetryableError(f"receiver answered {response.status_code}")
    if response.status_code >= 400:
        log.warning(
            "callback to %s refused with %d, not retrying: %s",
            url,
            response.status_code,
            response.text[:200],
        )
        return False
    return True


@app.task(bind=True, name="newsevents.deliver_callback", max_retries=None)
def deliver_callback(self: Task, url: str, result_json: str) -> bool:
    """Deliver one result to its callback URL, retrying transient failures (module docs)."""
    settings = get_settings()
    try:
        return post_result(url, result_json, settings.callback_timeout_s)
    except CallbackRetryableError as exc:
        if self.request.retries >= settings.callback_max_retries:
            log.error(
                "callback to %s failed %d times, giving up: %s", url, self.request.retries + 1, exc
            )
            return False
        countdown = backoff_seconds(self.request.retries)
        log.info("callback to %s failed (%s); retrying in %.1f s", url, exc, countdown)
        raise self.retry(countdown=countdown, exc=exc) from exc
