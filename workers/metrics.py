"""The workers' Prometheus metrics: throughput, failures, latency, model.

Updated in whichever process does the work (a prefork pool child, the callbacks worker's
threads) and served by ``workers.metrics_server``. No label holds a tenant, an article id
or any text (sums over every client; see the README's metrics table).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from prometheus_client import Counter, Gauge, Histogram

from shared.schemas import Article, ExtractionResult

if TYPE_CHECKING:
    from workers.processing import Extractor

#: Seconds buckets for model calls and store writes (CPU batches take seconds).
SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

ARTICLES_PROCESSED = Counter(
    "newsevents_worker_articles_processed",
    "Article ids handled by extraction tasks, by outcome: done (result stored), failed, "
    "skipped (already done) or missing (not in the store).",
    ["outcome"],
)
BATCH_SIZE = Histogram(
    "newsevents_worker_batch_size",
    "Articles per model call.",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)
TAGGER_SECONDS = Histogram(
    "newsevents_worker_tagger_seconds",
    "Seconds of one model call (a batch).",
    buckets=SECONDS_BUCKETS,
)
TAGGER_SECONDS_PER_ARTICLE = Histogram(
    "newsevents_worker_tagger_seconds_per_article",
    "Seconds of model time per article (a batch's time shared among its articles).",
    buckets=SECONDS_BUCKETS,
)
EVENTS_PER_ARTICLE = Histogram(
    "newsevents_worker_events_per_article",
    "Events found in one article.",
    buckets=(0, 1, 2, 3, 5, 10, 20, 50, 100),
)
STORE_WRITE_SECONDS = Histogram(
    "newsevents_worker_store_write_seconds",
    "Seconds to store one article's result.",
    buckets=SECONDS_BUCKETS,
)
STREAM_APPENDS = Counter(
    "newsevents_worker_stream_appends",
    "Results appended to the results stream, by outcome (ok, error).",
    ["outcome"],
)
CALLBACKS = Counter(
    "newsevents_callbacks",
    "Callbacks by outcome: scheduled (extraction worker), delivered, refused (for good), "
    "retried and gave_up (callbacks worker).",
    ["outcome"],
)
MODEL_INFO = Gauge(
    "newsevents_worker_model_info",
    "The model a worker process loaded (value 1), by name, version and device.",
    ["name", "version", "device"],
    multiprocess_mode="max",
)


def timed_extractor(extract: Extractor) -> Extractor:
    """``extract`` measuring each call: batch size, seconds, seconds per article, events."""

    def measured(articles: list[Article]) -> list[ExtractionResult]:
        started = time.perf_counter()
        results = extract(articles)
        elapsed = time.perf_counter() - started
        BATCH_SIZE.observe(len(articles))
        TAGGER_SECONDS.observe(elapsed)
        for result in results:
            TAGGER_SECONDS_PER_ARTICLE.observe(elapsed / max(1, len(articles)))
            EVENTS_PER_ARTICLE.observe(len(result.events))
        return results

    return measured


def record_batch(report: Mapping[str, Sequence[str]]) -> None:
    """Count a task's outcome per article (``BatchReport.as_dict()``)."""
    for outcome, keys in report.items():
        if keys:
            ARTICLES_PROCESSED.labels(outcome=outcome).inc(len(keys))


def record_model(name: str, version: str, device: str) -> None:
    """Expose which model this process serves."""
    MODEL_INFO.labels(name=name, version=version, device=device).set(1)
