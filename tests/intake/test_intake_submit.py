"""POST /v1/articles against a real SQLite store and the real Redis (DB 13)."""

from __future__ import annotations

import hashlib
import json

import redis
from fastapi.testclient import TestClient
from intake_helpers import TENANT, article, authorize, queued_article_ids

from shared.store import Store

TEXT_A = "On November 30 in Florida, a meeting took place between the two delegations."
TEXT_B = "Protesters gathered in Tbilisi on Friday to demand new elections."
TEXT_C = "The central bank raised its key rate by half a point on Tuesday."


def test_single_article_is_stored_and_queued(
    client: TestClient, store: Store, redis_client: redis.Redis
) -> None:
    payload = article("a-1", TEXT_A, published_at="2025-12-06", source="Ukrinform")
    response = client.post("/v1/articles", json=payload)
    assert response.status_code == 202, response.text
    assert response.json() == {
        "articles": [
            {"index": 0, "id": "a-1", "status": "queued", "duplicate": False, "duplicate_of": None}
        ]
    }
    stored = store.get_article(TENANT, "a-1")
    assert stored is not None
    assert stored.status == "queued"
    assert stored.article.text == TEXT_A
    assert stored.article.source == "Ukrinform"
    assert str(stored.article.published_at) == "2025-12-06"
    assert queued_article_ids(redis_client) == ["a-1"]


def test_array_of_articles(client: TestClient, store: Store, redis_client: redis.Redis) -> None:
    response = client.post("/v1/articles", json=[article("a-1", TEXT_A), article("b-1", TEXT_B)])
    assert response.status_code == 202, response.text
    entries = response.json()["articles"]
    assert [(entry["index"], entry["id"]) for entry in entries] == [(0, "a-1"), (1, "b-1")]
    assert store.get_article(TENANT, "b-1") is not None
    assert queued_article_ids(redis_client) == ["a-1", "b-1"]


def test_wrapped_batch_with_callback_and_datetime(
    client: TestClient, store: Store, redis_client: redis.Redis
) -> None:
    payload = {
        "articles": [
            article(
                "a-1",
                TEXT_A,
                published_at="2025-12-06T09:30:00+02:00",
                callback_url="https://example.org/hook",
            ),
            article("b-1", TEXT_B),
        ]
    }
    response = client.post("/v1/articles", json=payload)
    assert response.status_code == 202, response.text
    assert [entry["id"] for entry in response.json()["articles"]] == ["a-1", "b-1"]
    stored = store.get_article(TENANT, "a-1")
    assert stored is not None
    assert stored.callback_url == "https://example.org/hook"
    assert stored.article.published_at is not None
    assert stored.article.published_at.isoformat() == "2025-12-06T09:30:00+02:00"
    assert queued_article_ids(redis_client) == ["a-1", "b-1"]


def test_missing_id_is_derived_from_the_text(
    client: TestClient, store: Store, redis_client: redis.Redis
) -> None:
    expected = "sha256-" + hashlib.sha256(TEXT_A.encode("utf-8")).hexdigest()[:16]
    response = client.post("/v1/articles", json={"text": TEXT_A})
    assert response.status_code == 202, response.text
    assert response.json()["articles"][0]["id"] == expected
    assert store.get_article(TENANT, expected) is not None
    # The same text again gets the same id and is reported as that duplicate.
    again = client.post("/v1/articles", json={"text": TEXT_A + "\n"})
    assert again.json()["articles"][0] == {
        "index": 0,
        "id": expected,
        "status": "queued",
        "duplicate": True,
        "duplicate_of": expected,
    }
    assert queued_article_ids(redis_client) == [expected]


def test_duplicate_id_is_reported_and_not_queued_again(
    client: TestClient, store: Store, redis_client: redis.Redis
) -> None:
    assert client.post("/v1/articles", json=article("a-1", TEXT_A)).status_code == 202
    response = client.post("/v1/articles", json=[article("a-1", TEXT_B), article("c-1", TEXT_C)])
    assert response.status_code == 202, response.text
    first, second = response.json()["articles"]
    assert first == {
        "index": 0,
        "id": "a-1",
        "status": "queued",
        "duplicate": True,
        "duplicate_of": "a-1",
    }
    assert second["duplicate"] is False
    stored = store.get_article(TENANT, "a-1")
    assert stored is not None and stored.article.text == TEXT_A  # not overwritten
    assert queued_article_ids(redis_client) == ["a-1", "c-1"]


def test_duplicate_content_under_another_id(
    client: TestClient, store: Store, redis_client: redis.Redis
) -> None:
    assert client.post("/v1/articles", json=article("a-1", TEXT_A)).status_code == 202
    response = client.post("/v1/articles", json=article("other-id", TEXT_A))
    assert response.status_code == 202, response.text
    assert response.json()["articles"][0] == {
        "index": 0,
        "id": "other-id",
        "status": "queued",
        "duplicate": True,
        "duplicate_of": "a-1",
    }
    assert store.get_article(TENANT, "other-id") is None
    assert queued_article_ids(redis_client) == ["a-1"]


def test_duplicate_within_one_batch(client: TestClient, redis_client: redis.Redis) -> None:
    response = client.post("/v1/articles", json=[article("a-1", TEXT_A), article("a-2", TEXT_A)])
    assert response.status_code == 202, response.text
    assert response.json()["articles"][1]["duplicate_of"] == "a-1"
    assert queued_article_ids(redis_client) == ["a-1"]


def test_malformed_json_is_400_with_position(client: TestClient, store: Store) -> None:
    response = client.post(
        "/v1/articles",
        content=b'{"id": "a-1",\n "text": "x",,}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "malformed JSON" in detail
    assert "line 2 column" in detail
    assert sum(store.count_by_status().values()) == 0


def test_empty_body_is_400(client: TestClient) -> None:
    response = client.post(
        "/v1/articles", content=b"", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "empty" in response.json()["detail"]


def test_non_json_content_type_is_415(client: TestClient) -> None:
    response = client.post(
        "/v1/articles", content=b"text=hello", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 415
    assert "text/plain" in response.json()["detail"]


def test_body_of_the_wrong_shape_is_422(client: TestClient) -> None:
    response = client.post("/v1/articles", json=42)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "body"
    response = client.post("/v1/articles", json={"articles": "a-1"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "articles"
    assert "must be a list" in response.json()["detail"][0]["message"]
    response = client.post("/v1/articles", json={"articles": []})
    assert response.status_code == 422
    assert "empty" in response.json()["detail"][0]["message"]


def _only_error(response_json: dict[str, object]) -> dict[str, object]:
    detail = response_json["detail"]
    assert isinstance(detail, list) and len(detail) == 1, detail
    error = detail[0]
    assert isinstance(error, dict)
    return error


def test_missing_text_is_422_naming_the_field(
    client: TestClient, redis_client: redis.Redis
) -> None:
    response = client.post("/v1/articles", json={"id": "a-1"})
    assert response.status_code == 422
    error = _only_error(response.json())
    assert error["index"] == 0
    assert error["field"] == "articles[0].text"
    assert "required" in str(error["message"]).lower()
    assert response.json()["accepted"] == []
    assert queued_article_ids(redis_client) == []


def test_empty_text_is_422(client: TestClient) -> None:
    response = client.post("/v1/articles", json=[article("a-1", TEXT_A), article("b-1", "  \n")])
    assert response.status_code == 422
    error = _only_error(response.json())
    assert error["field"] == "articles[1].text"
    assert "empty" in str(error["message"])


def test_bad_field_values_are_422_each_named(client: TestClient) -> None:
    bad_items = [
        ({"id": "a", "text": 5}, "articles[0].text", "string"),
        ({"id": "a", "text": "bell \x07 here"}, "articles[0].text", "U+0007"),
        ({"id": "  ", "text": TEXT_A}, "articles[0].id", "blank"),
        ({"id": "a", "text": TEXT_A, "published_at": "yesterday"}, "articles[0].published_at", ""),
        (
            {"id": "a", "text": TEXT_A, "callback_url": "ftp://x.org/"},
            "articles[0].callback_url",
            "",
        ),
        ({"id": "a", "text": TEXT_A, "lang": "en"}, "articles[0].lang", "Extra inputs"),
        ("just a string", "articles[0]", "article object"),
    ]
    for item, field, words in bad_items:
        response = client.post("/v1/articles", json=[item])
        assert response.status_code == 422, (item, response.text)
        error = _only_error(response.json())
        assert error["field"] == field, item
        assert words in str(error["message"]), (item, error)


def test_article_over_the_text_limit_is_413(client: TestClient, store: Store) -> None:
    response = client.post("/v1/articles", json=article("long-1", "word " * 300))
    assert response.status_code == 413
    error = _only_error(response.json())
    assert error["field"] == "articles[0].text"
    assert "long-1" in str(error["message"])
    assert "1000" in str(error["message"])
    assert store.get_article(TENANT, "long-1") is None


def test_batch_over_the_limit_is_413_and_stores_nothing(
    client: TestClient, store: Store, redis_client: redis.Redis
) -> None:
    batch = [article(f"a-{number}", f"{TEXT_A} {number}") for number in range(6)]
    response = client.post("/v1/articles", json=batch)
    assert response.status_code == 413
    detail = response.json()["detail"]
    assert "6 articles" in detail
    assert "limit of 5" in detail
    assert store.get_article(TENANT, "a-0") is None
    assert queued_article_ids(redis_client) == []


def test_mixed_batch_keeps_the_valid_items(
    client: TestClient, store: Store, redis_client: redis.Redis
) -> None:
    batch = [
        article("ok-1", TEXT_A),
        {"id": "bad-1"},
        article("ok-2", TEXT_B),
        article("long-1", "word " * 300),
    ]
    response = client.post("/v1/articles", json={"articles": batch})
    assert response.status_code == 422, response.text
    body = response.json()
    assert [(error["index"], error["field"]) for error in body["detail"]] == [
        (1, "articles[1].text"),
        (3, "articles[3].text"),
    ]
    assert [(entry["index"], entry["id"]) for entry in body["accepted"]] == [
        (0, "ok-1"),
        (2, "ok-2"),
    ]
    assert store.get_article(TENANT, "ok-1") is not None
    assert store.get_article(TENANT, "ok-2") is not None
    assert store.get_article(TENANT, "long-1") is None
    assert queued_article_ids(redis_client) == ["ok-1", "ok-2"]


def test_batch_whose_only_problem_is_size_is_413_with_accepted(
    client: TestClient, redis_client: redis.Redis
) -> None:
    response = client.post(
        "/v1/articles", json=[article("ok-1", TEXT_A), article("long", "x" * 2000)]
    )
    assert response.status_code == 413
    assert [entry["id"] for entry in response.json()["accepted"]] == ["ok-1"]
    assert queued_article_ids(redis_client) == ["ok-1"]


def test_redis_down_is_503_and_the_article_stays_queued(database_url: str) -> None:
    from services.intake.app import create_app
    from shared.settings import Settings

    # Port 1 on localhost: nothing listens there, so the broker connection is refused.
    settings = Settings(database_url=database_url, redis_url="redis://127.0.0.1:1/13")
    with TestClient(create_app(settings)) as client:
        authorize(client)
        response = client.post("/v1/articles", json=article("a-1", TEXT_A))
        store: Store = client.app.state.store  # type: ignore[attr-defined]
        stored = store.get_article(TENANT, "a-1")
        unsent = store.claim_unsent()  # what the workers' recovery sweep will send
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    body = response.json()
    assert "could not queue" in body["detail"]
    assert "queued automatically" in body["detail"]
    assert [entry["id"] for entry in body["accepted"]] == ["a-1"]
    assert stored is not None and stored.status == "queued"
    assert unsent == [f"{TENANT}/a-1"]


def test_queued_articles_are_marked_sent(client: TestClient, store: Store) -> None:
    response = client.post("/v1/articles", json=article("sent-1", TEXT_A))
    assert response.status_code == 202, response.text
    assert store.claim_unsent() == []  # sent at once: nothing for the sweep to send


def test_openapi_documents_the_body_shapes_and_partial_success(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/v1/articles"]["post"]
    content = operation["requestBody"]["content"]["application/json"]
    assert set(content["examples"]) == {"single", "array", "wrapped"}
    assert "ArticleIn" in schema["components"]["schemas"]
    assert "ArticleBatchIn" in schema["components"]["schemas"]
    assert "accepted" in operation["description"]
    assert json.dumps(schema["components"]["schemas"]["ArticleIn"]).count("examples") >= 1
    assert client.get("/docs").status_code == 200
