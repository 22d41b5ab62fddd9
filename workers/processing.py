"""Extracting one batch of stored articles: the work behind the ``extract_articles`` task.

Kept apart from Celery so the rules read in one place:

* idempotent: articles already ``done`` are skipped, and ``save_result`` reports whether
  this was the article's first completion, so a task that runs twice (redelivery after a
  crash, a duplicate message) stores and announces each result once;
* one bad article never sinks its batch: if the batched model call raises, the batch is
  retried one article at a time, and an article whose own extraction raises (or whose
  stored row is not a valid Article) is marked ``failed`` with ``"<Type>: <message>"``
  -- a permanent error, retrying the same input with the same model would fail again;
* transient infrastructure errors (database, Redis) are *not* caught here: they propagate
  to the task, which retries the whole batch with backoff;
* the task's ids are store keys ``"<tenant>/<id>"`` (``shared.tenants``); the tagger sees
  and the results carry the client's own id, the store is addressed by key;
* a result is announced (stream + callback) right after it is stored, by the task that
  stored it first (``save_result`` claims the announcement in the same transaction), and
  the announcement is confirmed in the store (``mark_announced``). So under normal
  operation each result is announced exactly once; a task that runs again never announces
  a done article. If the worker dies or Redis fails in between, the claim is never
  confirmed and the recovery sweep announces the result again, marked as a redelivery (a
  failed announcement does not fail the batch: the rest of it still gets stored);
* the soft time limit (``SoftTimeLimitExceeded``) is never taken for an article's error:
  it propagates to the task, which splits the batch (``workers.time_limit``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from pydantic import ValidationError

from shared.schemas import Article, ExtractionResult
from shared.store import Store, StoredArticle
from shared.store.store import DEFAULT_LEASE_S
from workers.metrics import STORE_WRITE_SECONDS

log = logging.getLogger(__name__)

#: Runs the model on a batch; returns one result per article, in input order.
Extractor = Callable[[list[Article]], list[ExtractionResult]]
#: Announces a stored result of the given article (tenant, callback URL): publish it to
#: the stream, schedule the callback if any.
Announcer = Callable[[StoredArticle, ExtractionResult], None]


@dataclass
class BatchReport:
    """What happened to each store key of a batch (keys unknown to the store are ``missing``)."""

    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        """JSON-friendly form, for logs and the task's return value."""
        return {
            "done": self.done,
            "failed": self.failed,
            "skipped": self.skipped,
            "missing": self.missing,
        }


def describe_error(exc: BaseException) -> str:
    """The error text stored on a failed article: exception type and message."""
    return f"{type(exc).__name__}: {exc}"


def load_batch(store: Store, ids: Sequence[str], report: BatchReport) -> list[StoredArticle]:
    """The stored articles among ``ids``; rows that are not valid Articles are marked failed.

    The whole batch is loaded at once; only when that raises a validation error are the
    ids loaded one by one to find the broken rows.
    """
    try:
        return store.load_articles(list(ids))
    except ValidationError:
        log.warning("a stored row of batch %s is invalid; loading one by one", list(ids))
    loaded: list[StoredArticle] = []
    for article_id in ids:
        try:
            loaded.extend(store.load_articles([article_id]))
        except ValidationError as exc:
            store.mark_failed(article_id, describe_error(exc))
            report.failed.append(article_id)
    return loaded


def extract_each(extract: Extractor, articles: list[Article]) -> list[ExtractionResult | Exception]:
    """One result or the exception it raised per article, in input order.

    The batched call is tried first (the fast path); if it raises, or returns results that
    do not line up with the input, every article is extracted on its own so one bad
    article cannot fail the others.
    """
    if not articles:
        return []
    try:
        results = extract(articles)
        _check_alignment(articles, results)
        return list(results)
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        log.exception("batch extraction of %d articles failed; retrying one by one", len(articles))
    outcomes: list[ExtractionResult | Exception] = []
    for article in articles:
        try:
            single = extract([article])
            _check_alignment([article], single)
            outcomes.append(single[0])
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:
            log.exception("extraction of article %s failed", article.id)
            outcomes.append(exc)
    return outcomes


def _check_alignment(articles: list[Article], results: list[ExtractionResult]) -> None:
    got = [result.article_id for result in results]
    expected = [article.id for article in articles]
    if got != expected:
        raise RuntimeError(f"tagger returned results for {got}, expected {expected}")


def process_batch(
    store: Store,
    ids: Sequence[str],
    extract: Extractor,
    announce: Announcer,
    *,
    max_attempts: int = 5,
    lease_s: float = DEFAULT_LEASE_S,
) -> BatchReport:
    """Extract, store and announce the articles ``ids``; see the module docstring."""
    report = BatchReport()
    stored = load_batch(store, ids, report)
    known = {item.key for item in stored} | set(report.failed)
    report.missing = [article_id for article_id in ids if article_id not in known]

    todo: list[StoredArticle] = []
    for item in stored:
        if item.status != "done":
            todo.append(item)
        else:  # announced by the task that stored it, or by the recovery sweep
            report.skipped.append(item.key)

    # An article started before but not done was in a batch whose worker died. Run such
    # articles one at a time, so that an article that kills the worker (a poison pill)
    # only takes its own attempts, and give up on it after ``max_attempts``.
    groups: list[list[StoredArticle]] = [[item for item in todo if item.attempts == 0]]
    for item in todo:
        if item.attempts == 0:
            continue
        if item.attempts >= max_attempts:
            store.mark_failed(
                item.key,
                f"gave up after {item.attempts} attempts: the worker processing this article "
                "was lost each time (crash, out-of-memory kill or time limit)",
            )
            report.failed.append(item.key)
        else:
            groups.append([item])
    for group in groups:
        if group:
            _run_group(store, group, extract, announce, report, lease_s)
    return report


def _run_group(
    store: Store,
    group: list[StoredArticle],
    extract: Extractor,
    announce: Announcer,
    report: BatchReport,
    lease_s: float,
) -> None:
    """Mark (with a lease), extract, store and announce one group of articles."""
    started = time.perf_counter()
    store.mark_processing([item.key for item in group], lease_s)
    marked = time.perf_counter()
    outcomes = extract_each(extract, [item.article for item in group])
    extracted = time.perf_counter()
    for item, outcome in zip(group, outcomes, strict=True):
        if isinstance(outcome, Exception):
            store.mark_failed(item.key, describe_error(outcome))
            report.failed.append(item.key)
            continue
        with STORE_WRITE_SECONDS.time():
            saved = store.save_result(item.key, outcome)
        if saved:
            report.done.append(item.key)
            _announce(store, announce, item, outcome)
        else:  # another delivery of the same article finished first
            report.skipped.append(item.key)
    log.info(
        "group of %d: marked in %.2f s, extracted in %.2f s, stored and announced in %.2f s",
        len(group),
        marked - started,
        extracted - marked,
        time.perf_counter() - extracted,
    )


def _announce(
    store: Store, announce: Announcer, item: StoredArticle, result: ExtractionResult
) -> None:
    """Announce a stored result and confirm it; a failure is left to the recovery sweep.

    The result is safe in the store with its announcement claimed, so Redis being down
    must not fail the batch (the other results of the group still get stored): the sweep
    announces it again, marked redelivered, once the claim is old.
    """
    try:
        announce(item, result)
    except SoftTimeLimitExceeded:
        raise
    except Exception as error:
        log.warning(
            "announcing %s failed (%s: %s); the recovery sweep will announce it",
            item.key,
            type(error).__name__,
            error,
        )
        return
    store.mark_announced(item.key)
