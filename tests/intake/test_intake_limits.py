"""Limits checked before or while parsing: body size, JSON depth and number length, field
lengths, safe ids and control characters in every field (the app's settings cap a body at
20,000 bytes, see conftest)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from intake_helpers import TENANT, article, queued_article_ids

from shared.store import Store

TEXT = "Protesters gathered in Tbilisi on Friday to demand new elections."


def test_a_body_over_the_cap_is_refused_from_its_content_length(
    client: TestClient, redis_client: redis.Redis
) -> None:
    body = json.dumps([article(f"a-{i}", TEXT + " " + "x" * 900) for i in range(30)])
    assert len(body) > 20_000
    response = client.post(
        "/v1/articles", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "max_request_bytes" in response.json()["detail"]
    assert queued_article_ids(redis_client) == []


def test_a_streamed_body_without_length_is_cut_off_at_the_cap(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"articles": ['
        for i in range(100):  # 100 x 1 KB, sent chunked (no Content-Length)
            yield json.dumps(article(f"s-{i}", TEXT + " " + "y" * 900)).encode() + b","
        yield b"{}]}"

    response = client.post(
        "/v1/articles", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * 9_000 + b"]" * 9_000, "nested too deeply"),
        (b'{"articles": ' + b"[" * 40 + b"]" * 40 + b"}", "nested too deeply"),
        (b'{"id": "n", "text": "t", "title": ' + b"7" * 5_000 + b"}", "characters long"),
    ],
)
def test_hostile_json_is_a_400_not_a_500(client: TestClient, body: bytes, message: str) -> None:
    response = client.post("/v1/articles", content=body)
    assert response.status_code == 400
    assert message in response.json()["detail"]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (article("a/b", TEXT), "id"),
        (article("a b", TEXT), "id"),
        (article("line\nbreak", TEXT), "id"),
        (article("ok-1", TEXT, title="x" * 1_001), "title"),
        (article("ok-2", TEXT, source="s" * 257), "source"),
        (article("ok-3", TEXT, url="https://e.org/" + "u" * 2_048), "url"),
        (article("ok-4", TEXT, title="bad\x00title"), "title"),
        (article("ok-5", TEXT, source="\x1b[31mred"), "source"),
    ],
)
def test_unsafe_fields_are_refused_and_the_rest_of_the_batch_kept(
    client: TestClient, store: Store, redis_client: redis.Redis, item: dict, field: str
) -> None:
    response = client.post("/v1/articles", json=[article("good-1", TEXT), item])
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["field"] == f"articles[1].{field}"
    assert [entry["id"] for entry in response.json()["accepted"]] == ["good-1"]
    assert store.get_article(TENANT, "good-1") is not None
    assert queued_article_ids(redis_client) == ["good-1"]
