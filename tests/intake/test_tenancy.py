"""Two tenants on one intake: neither can read, find, dedupe against or overwrite the other."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from intake_helpers import TENANT, article, create_key, finish_article, queued_keys

from shared.schemas import ExtractionResult
from shared.store import Store

PRIVATE_TEXT = "The board met in secret on Friday to discuss the merger."
OTHER = "rival"


@pytest.fixture
def rival(client: TestClient, store: Store) -> Iterator[dict[str, str]]:
    """Headers of a second tenant's key on the same intake."""
    yield {"Authorization": f"Bearer {create_key(store, OTHER)}"}


def finish(store: Store, tenant: str, article_id: str) -> ExtractionResult:
    """Store a one-event result for the tenant's article, as a worker would."""
    return finish_article(store, article_id, PRIVATE_TEXT, "met", "Meet", tenant)


def test_another_tenants_article_is_a_plain_404(
    client: TestClient, store: Store, rival: dict[str, str]
) -> None:
    assert client.post("/v1/articles", json=article("secret-1", PRIVATE_TEXT)).status_code == 202
    finish(store, TENANT, "secret-1")
    assert client.get("/v1/articles/secret-1").json()["status"] == "done"

    response = client.get("/v1/articles/secret-1", headers=rival)
    assert response.status_code == 404
    assert response.json() == {"detail": "article 'secret-1' not found"}
    missing = client.get("/v1/articles/never-stored", headers=rival)
    assert missing.json() == {"detail": "article 'never-stored' not found"}


def test_another_tenants_events_cannot_be_found(
    client: TestClient, store: Store, rival: dict[str, str]
) -> None:
    client.post("/v1/articles", json=article("secret-1", PRIVATE_TEXT))
    finish(store, TENANT, "secret-1")
    assert client.get("/v1/events").json()["total"] == 1

    for query in ("", "?article_id=secret-1", "?type=Meet", "?date_from=2000-01-01"):
        page = client.get(f"/v1/events{query}", headers=rival).json()
        assert page["total"] == 0 and page["items"] == [], query


def test_another_tenants_text_is_not_a_duplicate_and_names_nothing(
    client: TestClient, store: Store, rival: dict[str, str], redis_client: redis.Redis
) -> None:
    client.post("/v1/articles", json=article("secret-1", PRIVATE_TEXT))
    response = client.post("/v1/articles", json=article("mine", PRIVATE_TEXT), headers=rival)
    assert response.status_code == 202
    [entry] = response.json()["articles"]
    assert entry == {
        "index": 0,
        "id": "mine",
        "status": "queued",
        "duplicate": False,
        "duplicate_of": None,
    }
    assert "secret-1" not in response.text and TENANT not in response.text
    # Without an id, the derived id is the same for both, and still two articles.
    first = client.post("/v1/articles", json=article(None, "Shared wire text."))
    second = client.post("/v1/articles", json=article(None, "Shared wire text."), headers=rival)
    [one], [two] = first.json()["articles"], second.json()["articles"]
    assert one["id"] == two["id"] and not one["duplicate"] and not two["duplicate"]
    assert queued_keys(redis_client) == [
        f"{TENANT}/secret-1",
        f"{OTHER}/mine",
        f"{TENANT}/{one['id']}",
        f"{OTHER}/{two['id']}",
    ]


def test_the_same_id_in_two_tenants_is_two_articles(
    client: TestClient, store: Store, rival: dict[str, str]
) -> None:
    client.post("/v1/articles", json=article("a-1", PRIVATE_TEXT))
    response = client.post("/v1/articles", json=article("a-1", "My own text."), headers=rival)
    [entry] = response.json()["articles"]
    assert entry["duplicate"] is False and entry["duplicate_of"] is None

    finish(store, TENANT, "a-1")
    mine = client.get("/v1/articles/a-1").json()
    theirs = client.get("/v1/articles/a-1", headers=rival).json()
    assert mine["status"] == "done" and mine["result"]["article_id"] == "a-1"
    assert theirs["status"] == "queued" and theirs["result"] is None
    first, second = store.get_article(TENANT, "a-1"), store.get_article(OTHER, "a-1")
    assert first is not None and first.article.text == PRIVATE_TEXT
    assert second is not None and second.article.text == "My own text."


def test_a_tenant_cannot_overwrite_another_tenants_article(
    client: TestClient, store: Store, rival: dict[str, str]
) -> None:
    client.post("/v1/articles", json=article("a-1", PRIVATE_TEXT))
    client.post("/v1/articles", json=article("a-1", "Overwrite attempt."), headers=rival)
    again = client.post("/v1/articles", json=article("a-1", "Second attempt."), headers=rival)
    [entry] = again.json()["articles"]
    assert entry["duplicate"] is True and entry["duplicate_of"] == "a-1"  # its own first copy
    stored = store.get_article(TENANT, "a-1")
    assert stored is not None and stored.article.text == PRIVATE_TEXT
