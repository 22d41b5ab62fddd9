"""A batch that runs into the soft time limit is split in halves and requeued.

The hard time limit (``task_time_limit_s``) kills the pool child, and Celery acknowledges
the message of a killed task as failed: the batch would never run again. So the worker
sets a soft limit below it (``Settings.soft_time_limit_s()``); Celery raises
``SoftTimeLimitExceeded`` inside the task, and this module puts the unfinished articles
back in the queue as two smaller batches, each of which fits the limit more easily.

Blame follows size. Articles that were extracted together get back the attempt their
start counted (being in too large a batch is not their fault). An article that was
running on its own when the limit struck does count the attempt and is requeued alone;
after ``max_attempts`` it is marked failed with an error that names the time limit, the
poison-pill rule of ``workers.processing``. Articles finished before the limit struck
keep their result; articles not yet started go back unchanged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from shared.outbox_send import send_claimed
from shared.settings import Settings
from shared.store import Store

log = logging.getLogger(__name__)


@dataclass
class SplitReport:
    """What the time-limit handler did with the unfinished articles of a batch."""

    requeued: list[list[str]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        """JSON-friendly form, for logs and the task's return value."""
        return {
            "requeued": [article_id for part in self.requeued for article_id in part],
            "failed": self.failed,
        }


def halves(ids: list[str]) -> list[list[str]]:
    """``ids`` in two halves (one part when there is a single id, none when empty)."""
    middle = (len(ids) + 1) // 2
    return [part for part in (ids[:middle], ids[middle:]) if part]


def split_timed_out_batch(store: Store, ids: list[str], settings: Settings) -> SplitReport:
    """Requeue the unfinished articles of a batch the soft time limit interrupted."""
    report = SplitReport()
    stored = store.load_articles(ids)
    started = [item for item in stored if item.status == "processing"]
    waiting = [item.key for item in stored if item.status == "queued"]
    limit = settings.soft_time_limit_s()
    if len(started) == 1:
        alone = started[0]
        if alone.attempts >= settings.max_attempts:
            store.mark_failed(
                alone.key,
                f"gave up after {alone.attempts} attempts: extracting this article on its own "
                f"took longer than the task's soft time limit ({limit} s) each time",
            )
            report.failed.append(alone.key)
            parts = []
        else:  # alone again, its attempt counted
            parts = [store.claim_requeue([alone.key])]
        parts.append(store.claim_requeue(waiting))  # not the problem: one batch
    else:
        claimed = store.claim_requeue([item.key for item in started], refund_attempt=True)
        parts = halves(claimed + store.claim_requeue(waiting))
    for part in parts:
        if part:
            send_claimed(store, part, settings)
            report.requeued.append(part)
    log.warning(
        "batch of %d hit the soft time limit (%d s): requeued %s, failed %s",
        len(ids),
        limit,
        report.requeued,
        report.failed,
    )
    return report
