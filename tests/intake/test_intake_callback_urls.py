"""POST /v1/articles refuses callback URLs that can never be delivered, with a 422 per item."""

from __future__ import annotations

import pytest
import redis
from fastapi.testclient import TestClient
from intake_helpers import TENANT, article, authorize, queued_article_ids

from services.intake.app import create_app
from shared.settings import Settings
from shared.store import Store

TEXT = "On November 30 in Florida, a meeting took place between the two delegations."


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/",
        "http://2130706433/hook",
        "http://0x7f.0.0.1/hook",
        "http://[::1]:8000/v1/articles",
        "http://[::ffff:169.254.169.254]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0:8000/",
        "https://10.0.0.5/hook",
        "http://metadata.google.internal/computeMetadata/v1/",
    ],
)
def test_an_internal_callback_url_is_422_and_nothing_is_stored(
    client: TestClient, store: Store, redis_client: redis.Redis, url: str
) -> None:
    response = client.post("/v1/articles", json=article("cb-1", TEXT, callback_url=url))
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["field"] == "articles[0].callback_url"
    assert "callback_url is not allowed" in error["message"]
    assert store.get_article(TENANT, "cb-1") is None
    assert queued_article_ids(redis_client) == []


def test_only_the_item_with_the_bad_url_is_refused(
    client: TestClient, store: Store, redis_client: redis.Redis
) -> None:
    items = [
        article("good-1", TEXT, callback_url="https://example.org/hook"),
        article("bad-1", TEXT + " Again.", callback_url="http://127.1/hook"),
    ]
    response = client.post("/v1/articles", json=items)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error == {
        "index": 1,
        "field": "articles[1].callback_url",
        "message": "callback_url is not allowed: 127.0.0.1 is loopback",
    }
    assert store.get_article(TENANT, "good-1") is not None
    assert store.get_article(TENANT, "bad-1") is None
    assert queued_article_ids(redis_client) == ["good-1"]


def test_the_allow_list_lets_trusted_receivers_through(
    settings: Settings, redis_client: redis.Redis
) -> None:
    allowed = settings.model_copy(update={"callback_allowed_networks": "10.0.0.0/8"})
    with TestClient(create_app(allowed)) as client:
        authorize(client)
        url = "http://10.1.2.3:8080/hook"
        response = client.post("/v1/articles", json=article("cb-ok", TEXT, callback_url=url))
        assert response.status_code == 202, response.text
    assert queued_article_ids(redis_client) == ["cb-ok"]
