"""The worker side: claiming, saving results, failing, and finding lost articles."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from shared.store import Store, Submission, UnknownArticleError
from shared.store.tables import ArgumentRow, ArticleRow, EventRow

from .factories import (
    TALKS_TEXT,
    TENANT,
    key,
    keys,
    make_article,
    make_event,
    make_result,
    save_result,
    talks_result,
)


def submit_ids(store: Store, *ids: str) -> None:
    store.submit_many(TENANT, [Submission(make_article(article_id)) for article_id in ids])


def submit_talks(store: Store, article_id: str = "talks") -> None:
    store.submit_many(TENANT, [Submission(make_article(article_id, text=TALKS_TEXT))])


def row_counts(store: Store) -> tuple[int, int]:
    with store.engine.connect() as connection:
        events = connection.scalar(select(func.count()).select_from(EventRow))
        arguments = connection.scalar(select(func.count()).select_from(ArgumentRow))
    return events or 0, arguments or 0


def test_mark_processing_counts_attempts(store: Store) -> None:
    submit_ids(store, "a1", "a2")
    store.mark_processing(keys("a1"))
    store.mark_processing(keys("a1", "unknown"))
    a1, a2 = store.load_articles(keys("a1", "a2"))
    assert (a1.status, a1.attempts) == ("processing", 2)
    assert a1.updated_at > a1.created_at
    assert (a2.status, a2.attempts) == ("queued", 0)


def test_mark_processing_never_regresses_done(store: Store) -> None:
    submit_talks(store)
    store.mark_processing(keys("talks"))
    save_result(store, talks_result("talks"))
    store.mark_processing(keys("talks"))
    stored = store.get_article(TENANT, "talks")
    assert stored is not None
    assert (stored.status, stored.attempts) == ("done", 1)


def test_save_result_round_trips_exactly(store: Store) -> None:
    submit_talks(store)
    result = talks_result("talks")
    assert save_result(store, result) is True
    stored = store.get_article(TENANT, "talks")
    assert stored is not None
    assert stored.status == "done"
    assert stored.result == result
    assert stored.result.model_dump_json() == result.model_dump_json()


def test_save_result_is_idempotent(store: Store) -> None:
    submit_talks(store)
    result = talks_result("talks")
    assert save_result(store, result) is True
    first_counts = row_counts(store)
    assert first_counts == (3, 5)
    assert save_result(store, result) is False
    assert row_counts(store) == first_counts
    stored = store.get_article(TENANT, "talks")
    assert stored is not None and stored.result == result


def test_save_result_replaces_events_and_their_arguments(store: Store) -> None:
    submit_talks(store)
    save_result(store, talks_result("talks"))
    smaller = make_result(
        "talks", [make_event(TALKS_TEXT, "met", arguments=(("Place", "Florida"),))]
    )
    assert save_result(store, smaller) is False
    assert row_counts(store) == (1, 1)
    stored = store.get_article(TENANT, "talks")
    assert stored is not None and stored.result == smaller


def test_argument_rows_belong_to_their_own_events(store: Store) -> None:
    # Events and arguments are inserted in bulk: each argument row must point at the row of
    # the event it came with, in order, for consumers who query the tables directly.
    submit_talks(store)
    result = talks_result("talks")
    save_result(store, result)
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(EventRow.ordinal, EventRow.trigger_text, ArgumentRow.role, ArgumentRow.text)
            .join(ArgumentRow, ArgumentRow.event_id == EventRow.id, isouter=True)
            .where(EventRow.article_id == key("talks"))
            .order_by(EventRow.ordinal, ArgumentRow.id)
        ).all()
    expected = [
        (ordinal, event.trigger.text, argument.role, argument.text)
        for ordinal, event in enumerate(result.events)
        for argument in event.arguments
    ] + [
        (ordinal, event.trigger.text, None, None)
        for ordinal, event in enumerate(result.events)
        if not event.arguments
    ]
    assert sorted(rows, key=lambda r: (r[0], r[2] is None)) == sorted(
        expected, key=lambda r: (r[0], r[2] is None)
    )


def test_save_result_for_unknown_article_raises(store: Store) -> None:
    with pytest.raises(UnknownArticleError, match="nope"):
        save_result(store, make_result("nope", []))
    assert row_counts(store) == (0, 0)


def test_mark_failed_keeps_article_and_error(store: Store) -> None:
    submit_talks(store)
    store.mark_processing(keys("talks"))
    store.mark_failed(key("talks"), "RuntimeError: CUDA out of memory")
    stored = store.get_article(TENANT, "talks")
    assert stored is not None
    assert stored.status == "failed"
    assert stored.error == "RuntimeError: CUDA out of memory"
    assert stored.article.text == TALKS_TEXT
    assert stored.attempts == 1

    # A retry claims it again and a success clears the error.
    store.mark_processing(keys("talks"))
    assert save_result(store, talks_result("talks")) is True
    stored = store.get_article(TENANT, "talks")
    assert stored is not None
    assert (stored.status, stored.error, stored.attempts) == ("done", None, 2)


def test_mark_failed_does_not_hide_a_stored_result(store: Store) -> None:
    submit_talks(store)
    save_result(store, talks_result("talks"))
    store.mark_failed(key("talks"), "late duplicate task timed out")
    stored = store.get_article(TENANT, "talks")
    assert stored is not None
    assert (stored.status, stored.error) == ("done", None)


def age_all_articles(store: Store, seconds: float) -> None:
    """Pretend every article was last touched ``seconds`` ago."""
    with store.engine.begin() as connection:
        connection.execute(
            update(ArticleRow).values(
                updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
            )
        )


def test_find_stale_returns_unfinished_articles_not_touched_recently(store: Store) -> None:
    submit_ids(store, "queued", "processing", "failed")
    submit_talks(store, "done")
    store.mark_processing(keys("processing", "failed"))
    store.mark_failed(key("failed"), "boom")
    save_result(store, talks_result("done"))
    assert store.find_stale(600) == []

    age_all_articles(store, 3600)
    assert sorted(store.find_stale(600)) == keys("processing", "queued")
    assert store.find_stale(7200) == []

    store.mark_processing(keys("queued"))  # a worker took it again: fresh
    assert store.find_stale(600) == keys("processing")


def test_count_by_status_lists_every_status(store: Store) -> None:
    assert store.count_by_status() == {"queued": 0, "processing": 0, "done": 0, "failed": 0}
    submit_ids(store, "q1", "q2", "p1", "f1")
    submit_talks(store, "d1")
    store.mark_processing(keys("p1", "f1"))
    store.mark_failed(key("f1"), "boom")
    save_result(store, talks_result("d1"))
    assert store.count_by_status() == {"queued": 2, "processing": 1, "done": 1, "failed": 1}


def test_ping(store: Store) -> None:
    assert store.ping() is True
