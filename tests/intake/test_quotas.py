"""Per-key quotas, counted in the real Redis (DB 13) with a clock the test moves."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from intake_helpers import TENANT, article, authorize

from services.intake.app import create_app
from shared.settings import Settings
from shared.store import Store

#: 2026-01-10 12:00:20 UTC: 40 s before the next minute, 12 h before the next day.
START = 1_768_046_420.0


class Clock:
    """Seconds since the epoch, moved by the test."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def quota_client(
    settings: Settings, clock: Clock, redis_client: redis.Redis
) -> Iterator[TestClient]:
    """An intake with default quotas of 5 requests/minute and 100 characters/day."""
    limited = settings.model_copy(
        update={"quota_requests_per_minute": 5, "quota_chars_per_day": 100}
    )
    with TestClient(create_app(limited, quota_clock=clock)) as client:
        yield client


def assert_429(response: object, retry_after: int, words: str) -> None:
    assert response.status_code == 429, response.text  # type: ignore[attr-defined]
    assert response.headers["retry-after"] == str(retry_after)  # type: ignore[attr-defined]
    assert words in response.json()["detail"]  # type: ignore[attr-defined]


def test_requests_per_minute_then_allowed_again_next_minute(
    quota_client: TestClient, clock: Clock
) -> None:
    authorize(quota_client, requests_per_minute=3)
    for _ in range(3):
        assert quota_client.get("/v1/events").status_code == 200
    assert_429(quota_client.get("/v1/events"), 40, "limited to 3 requests per minute")
    assert_429(quota_client.get("/v1/articles/a-1"), 40, "requests per minute")
    clock.now += 39
    assert_429(quota_client.get("/v1/events"), 1, "requests per minute")
    clock.now += 1  # the next minute starts
    assert quota_client.get("/v1/events").status_code == 200


def test_the_default_quota_applies_to_keys_without_their_own(
    quota_client: TestClient,
) -> None:
    authorize(quota_client)
    for _ in range(5):
        assert quota_client.get("/v1/events").status_code == 200
    assert_429(quota_client.get("/v1/events"), 40, "limited to 5 requests per minute")


def test_zero_means_unlimited_and_keys_are_counted_apart(quota_client: TestClient) -> None:
    spent = authorize(quota_client, requests_per_minute=1)
    assert quota_client.get("/v1/events").status_code == 200
    assert quota_client.get("/v1/events").status_code == 429
    authorize(quota_client, requests_per_minute=0)
    for _ in range(20):
        assert quota_client.get("/v1/events").status_code == 200
    quota_client.headers["Authorization"] = f"Bearer {spent}"
    assert quota_client.get("/v1/events").status_code == 429


def test_characters_per_day_refuse_the_whole_request_then_allow_next_day(
    quota_client: TestClient, clock: Clock
) -> None:
    authorize(quota_client, chars_per_day=100)
    store: Store = quota_client.app.state.store  # type: ignore[attr-defined]
    assert quota_client.post("/v1/articles", json=article("a-1", "x" * 60)).status_code == 202
    refused = quota_client.post(
        "/v1/articles", json=[article("a-2", "y" * 30), article("a-3", "z" * 20)]
    )
    assert_429(refused, 12 * 3600 - 20, "limited to 100 characters per UTC day")
    assert store.get_article(TENANT, "a-2") is None and store.get_article(TENANT, "a-3") is None
    # What fits still goes in: the refused request consumed nothing.
    assert quota_client.post("/v1/articles", json=article("a-4", "w" * 40)).status_code == 202
    assert quota_client.post("/v1/articles", json=article("a-5", "v")).status_code == 429
    clock.now += 12 * 3600 - 20  # midnight UTC
    assert quota_client.post("/v1/articles", json=article("a-5", "v" * 100)).status_code == 202


def test_a_request_larger_than_a_whole_day_says_so(quota_client: TestClient) -> None:
    authorize(quota_client, chars_per_day=10)
    response = quota_client.post("/v1/articles", json=article("big", "x" * 11))
    assert response.status_code == 429
    assert "more than this API key may send in a whole day (10)" in response.json()["detail"]


def test_quotas_are_counted_in_redis(quota_client: TestClient, redis_client: redis.Redis) -> None:
    authorize(quota_client, chars_per_day=1000)
    quota_client.post("/v1/articles", json=article("a-1", "x" * 42))
    counters = {
        key.decode(): int(redis_client.get(key) or 0)
        for key in redis_client.scan_iter("newsevents:quota:*")
    }
    assert sorted(counters.values()) == [1, 42]
    assert all(0 < redis_client.ttl(key) <= 86_400 + 60 for key in counters)


def test_redis_outage_fails_open_with_a_warning(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Port 1: nothing listens, so both the quota counter and the queue are unreachable.
    settings = Settings(
        database_url=database_url, redis_url="redis://127.0.0.1:1/13", quota_requests_per_minute=1
    )
    with TestClient(create_app(settings)) as client, caplog.at_level(logging.WARNING):
        authorize(client)
        for _ in range(3):
            assert client.get("/v1/events").status_code == 200
        stored = client.post("/v1/articles", json=article("a-1", "Officials met."))
        assert stored.status_code == 503  # stored; the queue (not the quota) is down
    outage = [r for r in caplog.records if "quota counters unavailable" in r.getMessage()]
    assert len(outage) == 1  # once per pause, not once per request
