"""Prometheus metrics of the intake, served at ``/metrics``.

What operators need without reading logs: how many articles are accepted (new or
duplicate) and rejected (by reason), and how deep the queues are. The intake runs as one
uvicorn process, so the client library's default registry is enough (no multiprocess
mode); queue depth is read from Redis when Prometheus scrapes, so it is never stale.

No label carries a tenant, an article id or any text: the numbers are sums over every
client, so the endpoint shows no client anything about another's data. It is open like
``/healthz`` unless ``metrics_token`` is set, in which case it asks for that token.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator

import redis
from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import REGISTRY, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from services.intake.auth import unauthorized
from services.intake.errors import FieldError, IntakeError
from services.intake.models import AcceptedArticle
from shared.queues import CALLBACK_QUEUE, EXTRACT_QUEUE, queue_keys

logger = logging.getLogger(__name__)

ARTICLES_ACCEPTED = Counter(
    "newsevents_intake_articles_accepted",
    "Articles stored by POST /v1/articles; duplicate=true: already stored, not queued again.",
    ["duplicate"],
)
ARTICLES_REJECTED = Counter(
    "newsevents_intake_articles_rejected",
    "Articles refused by POST /v1/articles, by reason; a body refused whole counts once.",
    ["reason"],
)
#: The rejection reason of each error status of POST /v1/articles.
REJECTION_REASONS = {
    400: "malformed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "quota",  # the daily character quota (the request quota refuses before the route)
}
#: Seconds a queue-depth read may take before the scrape goes on without it.
REDIS_TIMEOUT_S = 2.0


def record_submission(accepted: list[AcceptedArticle], error: IntakeError | None) -> None:
    """Count the outcome of one POST /v1/articles: the stored articles and the refused ones.

    Item problems count one per refused item; a whole-body error (malformed JSON, quota,
    too large) counts once. A 503 refuses nothing: its articles are stored and listed.
    """
    for entry in accepted:
        ARTICLES_ACCEPTED.labels(duplicate="true" if entry.duplicate else "false").inc()
    if error is None or error.status_code not in REJECTION_REASONS:
        return
    reason = REJECTION_REASONS[error.status_code]
    if isinstance(error.detail, list):
        refused = {item.index for item in error.detail if isinstance(item, FieldError)}
        ARTICLES_REJECTED.labels(reason=reason).inc(max(1, len(refused)))
    else:
        ARTICLES_REJECTED.labels(reason=reason).inc()


class QueueDepthCollector(Collector):
    """``newsevents_queue_depth``: messages waiting in each queue, read at scrape time."""

    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "newsevents_queue_depth",
            "Messages waiting in a queue (not yet taken by a worker).",
            labels=["queue"],
        )
        client = redis.Redis.from_url(
            self.redis_url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
        )
        try:
            for queue in (EXTRACT_QUEUE, CALLBACK_QUEUE):
                pipe = client.pipeline(transaction=False)
                for key in queue_keys(queue):
                    pipe.llen(key)
                family.add_metric([queue], float(sum(pipe.execute())))
        except redis.RedisError as error:
            logger.warning("queue depth not measured, Redis unavailable: %s", error)
            return
        finally:
            client.close()
        yield family


def exposition(redis_url: str) -> bytes:
    """The text Prometheus scrapes: the process's metrics, then the queue depths."""
    scrape_time = CollectorRegistry(auto_describe=False)
    scrape_time.register(QueueDepthCollector(redis_url))
    return generate_latest(REGISTRY) + generate_latest(scrape_time)


def check_token(request: Request, token: str | None) -> None:
    """401 unless ``token`` is unset or the request carries it as a bearer token."""
    if token is None:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
        raise unauthorized("/metrics needs the metrics token (NEWSEVENTS_METRICS_TOKEN)")


def install_metrics(app: FastAPI) -> None:
    """Serve ``/metrics`` on ``app`` (blocking Redis reads: a plain ``def`` route)."""

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        settings = request.app.state.settings
        check_token(request, settings.metrics_token)
        return Response(exposition(settings.redis_url), media_type=CONTENT_TYPE_LATEST)
