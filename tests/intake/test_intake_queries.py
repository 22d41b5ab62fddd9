"""GET /v1/articles/{id} and GET /v1/events, over results saved directly in the store."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from intake_helpers import REDIS_URL, TENANT, authorize, span_of

from services.intake.app import create_app
from shared.schemas import (
    Argument,
    Article,
    Event,
    EventPlace,
    EventTime,
    ExtractionResult,
    ModelInfo,
    PloverCoding,
    Span,
)
from shared.settings import Settings
from shared.store import Store, Submission
from shared.store.testing import temporary_postgres_database
from shared.tenants import store_key

MODEL = ModelInfo(name="hand-built", version="0")
TEXT_1 = "Delegations met in Florida on November 30. Police arrested two men in Kyiv on May 2."
TEXT_2 = "Troops attacked the town on March 3, 2024."


def _span(text: str, words: str) -> Span:
    return Span.model_validate(span_of(text, words))


def _event(
    text: str,
    trigger: str,
    event_type: str,
    plover: str,
    time_words: str,
    day: dt.date,
    with_details: bool = False,
) -> Event:
    """A hand-built event; ``with_details`` adds an argument and a place (for round trips)."""
    return Event(
        type=event_type,
        trigger=_span(text, trigger),
        confidence=0.9,
        sentence=0,
        arguments=[Argument(**span_of(text, "Delegations"), role="Agent", confidence=0.8)]
        if with_details
        else [],
        time=EventTime(**span_of(text, time_words), value=day),
        place=EventPlace(**span_of(text, "Florida"), name="Florida", country_code="US")
        if with_details
        else None,
        plover=PloverCoding(type=plover),
    )


@pytest.fixture
def results(store: Store) -> list[ExtractionResult]:
    """Two done articles with three events between them, saved through the store."""
    store.submit_many(
        TENANT,
        [
            Submission(article=Article(id="art-1", text=TEXT_1)),
            Submission(article=Article(id="art-2", text=TEXT_2)),
        ],
    )
    saved = [
        ExtractionResult(
            article_id="art-1",
            model=MODEL,
            events=[
                _event(
                    TEXT_1, "met", "Meet", "CONSULT", "November 30", dt.date(2025, 11, 30), True
                ),
                _event(TEXT_1, "arrested", "Arrest", "ARREST", "May 2", dt.date(2025, 5, 2)),
            ],
        ),
        ExtractionResult(
            article_id="art-2",
            model=MODEL,
            events=[
                _event(
                    TEXT_2, "attacked", "Attack", "ASSAULT", "March 3, 2024", dt.date(2024, 3, 3)
                )
            ],
        ),
    ]
    for result in saved:
        store.save_result(store_key(TENANT, result.article_id), result)
    return saved


def test_unknown_article_is_404(client: TestClient) -> None:
    response = client.get("/v1/articles/nope")
    assert response.status_code == 404
    assert response.json() == {"detail": "article 'nope' not found"}


def test_queued_article_has_no_result(client: TestClient, store: Store) -> None:
    store.submit_many(TENANT, [Submission(article=Article(id="q-1", text=TEXT_2))])
    body = client.get("/v1/articles/q-1").json()
    assert body["id"] == "q-1"
    assert body["status"] == "queued"
    assert body["attempts"] == 0
    assert body["result"] is None
    assert body["error"] is None
    assert dt.datetime.fromisoformat(body["created_at"]) <= dt.datetime.fromisoformat(
        body["updated_at"]
    )


def test_done_article_carries_its_result(
    client: TestClient, results: list[ExtractionResult]
) -> None:
    body = client.get("/v1/articles/art-1").json()
    assert body["status"] == "done"
    assert ExtractionResult.model_validate(body["result"]) == results[0]


def test_failed_article_carries_its_error(client: TestClient, store: Store) -> None:
    store.submit_many(TENANT, [Submission(article=Article(id="f-1", text=TEXT_2))])
    store.mark_failed(store_key(TENANT, "f-1"), "model crashed")
    body = client.get("/v1/articles/f-1").json()
    assert body["status"] == "failed"
    assert body["error"] == "model crashed"
    assert body["result"] is None


def _event_types(client: TestClient, query: str) -> list[str]:
    response = client.get(f"/v1/events?{query}")
    assert response.status_code == 200, response.text
    return [item["event"]["type"] for item in response.json()["items"]]


@pytest.mark.usefixtures("results")
def test_events_filters(client: TestClient) -> None:
    assert sorted(_event_types(client, "")) == ["Arrest", "Attack", "Meet"]
    assert _event_types(client, "type=Arrest") == ["Arrest"]
    assert _event_types(client, "plover_type=ASSAULT") == ["Attack"]
    assert sorted(_event_types(client, "article_id=art-1")) == ["Arrest", "Meet"]
    assert _event_types(client, "date_from=2025-06-01") == ["Meet"]
    assert _event_types(client, "date_to=2024-12-31") == ["Attack"]
    assert _event_types(client, "date_from=2025-05-02&date_to=2025-05-02") == ["Arrest"]
    assert _event_types(client, "type=Meet&article_id=art-2") == []


@pytest.mark.usefixtures("results")
def test_events_pagination(client: TestClient) -> None:
    first = client.get("/v1/events?limit=2").json()
    second = client.get("/v1/events?limit=2&offset=2").json()
    assert (first["total"], first["limit"], first["offset"]) == (3, 2, 0)
    assert (second["total"], second["limit"], second["offset"]) == (3, 2, 2)
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    ids = [item["id"] for item in first["items"] + second["items"]]
    assert len(set(ids)) == 3
    assert {item["article_id"] for item in first["items"] + second["items"]} == {"art-1", "art-2"}


def test_events_date_range_out_of_order_is_422(client: TestClient) -> None:
    response = client.get("/v1/events?date_from=2025-12-07&date_to=2025-12-01")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "index": None,
            "field": "date_from",
            "message": "date_from (2025-12-07) is after date_to (2025-12-01)",
        }
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_from=yesterday", "date_from"),
        ("date_to=2025-13-01", "date_to"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("offset=-1", "offset"),
        ("offset=9223372036854775808", "offset"),
        ("type=Attack%00", "type"),
        ("plover_type=%1b%5B31m", "plover_type"),
        ("article_id=a%00b", "article_id"),
    ],
)
def test_bad_event_parameters_are_422_naming_them(
    client: TestClient, query: str, field: str
) -> None:
    response = client.get(f"/v1/events?{query}")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [error["field"] for error in detail] == [field]
    assert detail[0]["message"]


def test_a_control_character_in_the_article_path_is_422(client: TestClient) -> None:
    response = client.get("/v1/articles/a%00b")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "article_id"


@pytest.mark.postgres
def test_nul_in_filters_and_path_is_422_on_postgresql(redis_client: object) -> None:
    """PostgreSQL refuses NUL in text parameters; the intake must answer 422, not 500."""
    with temporary_postgres_database() as url:
        app = create_app(Settings(database_url=url, redis_url=REDIS_URL))
        with TestClient(app) as pg_client:
            authorize(pg_client)
            assert pg_client.get("/v1/events?type=Attack%00").status_code == 422
            assert pg_client.get("/v1/events?article_id=a%00").status_code == 422
            assert pg_client.get("/v1/articles/a%00b").status_code == 422
            assert pg_client.get("/v1/events?type=Attack").status_code == 200
