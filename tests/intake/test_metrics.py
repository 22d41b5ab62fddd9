"""The intake's /metrics: counts submissions by outcome, reads queue depth, may ask a token."""

from __future__ import annotations

import redis
from fastapi.testclient import TestClient
from intake_helpers import TENANT
from prometheus_client.parser import text_string_to_metric_families

from services.intake.app import create_app
from shared.queues import EXTRACT_QUEUE
from shared.settings import Settings


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def count(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str):
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


ACCEPTED = "newsevents_intake_articles_accepted_total"
REJECTED = "newsevents_intake_articles_rejected_total"


def test_submissions_move_the_counters_by_outcome(client: TestClient) -> None:
    before = samples(client)
    article = {"id": "m-1", "text": "Talks were held in Geneva on Monday."}
    assert client.post("/v1/articles", json=article).status_code == 202
    assert client.post("/v1/articles", json=article).status_code == 202  # a duplicate
    batch = [
        {"id": "m-2", "text": "Protests in Tbilisi."},
        {"text": ""},
        {"id": "bad/id", "text": "x"},
    ]
    assert client.post("/v1/articles", json=batch).status_code == 422
    malformed = client.post(
        "/v1/articles", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    after = samples(client)

    def moved(name: str, **labels: str) -> float:
        return count(after, name, **labels) - count(before, name, **labels)

    assert moved(ACCEPTED, duplicate="false") == 2  # m-1, m-2
    assert moved(ACCEPTED, duplicate="true") == 1
    assert moved(REJECTED, reason="invalid") == 2  # two bad items of one batch
    assert moved(REJECTED, reason="malformed") == 1


def test_queue_depth_counts_the_waiting_messages(
    client: TestClient, redis_client: redis.Redis
) -> None:
    assert count(samples(client), "newsevents_queue_depth", queue=EXTRACT_QUEUE) == 0
    for number in range(3):
        text = f"Meeting number {number} took place in Kyiv."
        assert client.post("/v1/articles", json={"text": text}).status_code == 202
    waiting = redis_client.llen(EXTRACT_QUEUE)
    assert waiting == 3
    assert count(samples(client), "newsevents_queue_depth", queue=EXTRACT_QUEUE) == waiting


def test_metrics_name_no_tenant_article_or_text(client: TestClient) -> None:
    article = {"id": "secret-article-17", "text": "Confidential talks in Oslo on Friday."}
    assert client.post("/v1/articles", json=article).status_code == 202
    client.headers.pop("Authorization")
    exposition = client.get("/metrics").text  # no API key needed (no token set)
    for private in ("secret-article-17", "Oslo", TENANT):
        assert private not in exposition


def test_a_metrics_token_is_asked_for_when_set(
    settings: Settings, redis_client: redis.Redis
) -> None:
    guarded = settings.model_copy(update={"metrics_token": "s3cret-scrape"})
    with TestClient(create_app(guarded)) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
        granted = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
        assert granted.status_code == 200
        assert "newsevents_queue_depth" in granted.text
