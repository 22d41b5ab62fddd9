"""Querying stored events: each filter, their combination, time overlap and paging."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from shared.schemas import Event
from shared.store import EventQuery, Store, Submission

from .factories import (
    TALKS_TEXT,
    TENANT,
    make_article,
    make_event,
    make_result,
    save_result,
    talks_result,
)

D = dt.date


def store_result(store: Store, article_id: str, events: list[Event] | None = None) -> None:
    store.submit_many(
        TENANT, [Submission(make_article(article_id, text=f"{TALKS_TEXT} ({article_id})"))]
    )
    result = talks_result(article_id)
    save_result(store, result if events is None else make_result(article_id, events))


def summary(store: Store, **filters: object) -> list[tuple[str, str]]:
    page = store.query_events(TENANT, EventQuery.model_validate(filters))
    assert page.total == len(page.items)
    return [(item.article_id, item.event.type) for item in page.items]


@pytest.fixture
def two_articles(store: Store) -> Store:
    """Articles "a" then "b", each with the three talks events (Meet, Attack, Agreement)."""
    store_result(store, "a")
    store_result(store, "b")
    return store


def test_all_events_in_article_then_result_order(two_articles: Store) -> None:
    assert summary(two_articles) == [
        ("a", "Meet"),
        ("a", "Attack"),
        ("a", "Agreement"),
        ("b", "Meet"),
        ("b", "Attack"),
        ("b", "Agreement"),
    ]


def test_items_carry_the_saved_event(two_articles: Store) -> None:
    page = two_articles.query_events(TENANT, EventQuery(article_id="a", type="Meet"))
    [item] = page.items
    assert item.event == talks_result("a").events[0]
    assert isinstance(item.id, int)


def test_filter_by_type_plover_type_and_article(two_articles: Store) -> None:
    assert summary(two_articles, type="Attack") == [("a", "Attack"), ("b", "Attack")]
    assert summary(two_articles, plover_type="CONSULT") == [("a", "Meet"), ("b", "Meet")]
    assert summary(two_articles, article_id="b") == [
        ("b", "Meet"),
        ("b", "Attack"),
        ("b", "Agreement"),
    ]
    assert summary(two_articles, article_id="b", type="Meet", plover_type="CONSULT") == [
        ("b", "Meet")
    ]
    assert summary(two_articles, article_id="b", plover_type="ASSAULT", type="Meet") == []
    assert summary(two_articles, type="Nothing") == []


@pytest.mark.parametrize(
    ("time_from", "time_to", "expected"),
    [
        # The meeting is on 2025-11-30; the attack spans 2025-11-24..2025-11-30.
        (D(2025, 11, 30), D(2025, 11, 30), ["Meet", "Attack"]),
        (D(2025, 11, 25), D(2025, 11, 26), ["Attack"]),  # inside the range only
        (D(2025, 11, 1), D(2025, 11, 24), ["Attack"]),  # touches the range start
        (D(2025, 12, 1), D(2025, 12, 31), []),  # after both
        (D(2025, 11, 27), None, ["Meet", "Attack"]),  # open end
        (None, D(2025, 11, 23), []),  # open start, before both
        (None, D(2025, 11, 24), ["Attack"]),
        (D(2025, 12, 1), None, []),
    ],
)
def test_time_filter_is_an_overlap_and_skips_undated_events(
    store: Store, time_from: dt.date | None, time_to: dt.date | None, expected: list[str]
) -> None:
    store_result(store, "a")
    found = summary(store, time_from=time_from, time_to=time_to)
    assert [event_type for _, event_type in found] == expected


def test_time_filter_combines_with_type(two_articles: Store) -> None:
    assert (
        summary(two_articles, type="Meet", time_from=D(2025, 11, 25), time_to=D(2025, 11, 26)) == []
    )
    assert summary(two_articles, type="Attack", time_to=D(2025, 11, 26)) == [
        ("a", "Attack"),
        ("b", "Attack"),
    ]


def test_pages_cover_every_match_once_with_the_full_total(store: Store) -> None:
    for index in range(5):
        store_result(store, f"art{index}")
    everything = store.query_events(TENANT, EventQuery(limit=500))
    assert everything.total == 15

    seen: list[int] = []
    for offset in range(0, 15, 4):
        page = store.query_events(TENANT, EventQuery(limit=4, offset=offset))
        assert (page.total, page.limit, page.offset) == (15, 4, offset)
        assert len(page.items) == min(4, 15 - offset)
        seen.extend(item.id for item in page.items)
    assert seen == [item.id for item in everything.items]

    beyond = store.query_events(TENANT, EventQuery(limit=4, offset=100))
    assert (beyond.items, beyond.total) == ([], 15)

    typed = store.query_events(TENANT, EventQuery(type="Attack", limit=2, offset=1))
    assert typed.total == 5
    assert [item.article_id for item in typed.items] == ["art1", "art2"]


def test_replaced_results_leave_no_old_events(store: Store) -> None:
    store_result(store, "a")
    save_result(store, make_result("a", [make_event(TALKS_TEXT, "sign", "Agreement")]))
    assert summary(store) == [("a", "Agreement")]


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"time_from": "yesterday"}, "time_from"),
    ],
)
def test_bad_queries_name_the_field(filters: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        EventQuery.model_validate(filters)
    assert raised.value.errors()[0]["loc"] == (field,)


def test_time_bounds_out_of_order_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"time_from .* must not be after time_to"):
        EventQuery(time_from=D(2025, 12, 2), time_to=D(2025, 12, 1))
