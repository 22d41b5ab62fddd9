"""The batch rules of ``process_batch`` against a real SQLite store.

The model is replaced by a small rule-based extractor (one "Meet" event per "met") so
these tests isolate the batch logic: idempotency, failure isolation and announcements.
The real model runs in ``tests/integration``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import text

from shared.schemas import Article, Event, ExtractionResult, ModelInfo, Span
from shared.store import Store, StoredArticle, Submission
from shared.tenants import client_id, store_key
from workers.processing import describe_error, process_batch

MODEL = ModelInfo(name="rule-based", version="test")
#: The tenant of the articles of these tests.
TENANT = "w"


def keys(*article_ids: str) -> list[str]:
    """Store keys of the test tenant's articles."""
    return [store_key(TENANT, article_id) for article_id in article_ids]


def client_ids(article_keys: list[str]) -> list[str]:
    """The client ids inside store keys (what the extractor sees)."""
    return [client_id(key) for key in article_keys]


class RuleExtractor:
    """One event per occurrence of "met"; raises for articles that contain "POISON"."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, articles: list[Article]) -> list[ExtractionResult]:
        self.calls.append([article.id for article in articles])
        results = []
        for article in articles:
            if "POISON" in article.text:
                raise ValueError(f"cannot read {article.id}")
            start = article.text.find("met")
            events = []
            if start >= 0:
                trigger = Span(text="met", start=start, end=start + 3)
                events.append(Event(type="Meet", trigger=trigger, confidence=0.9, sentence=0))
            results.append(ExtractionResult(article_id=article.id, model=MODEL, events=events))
        return results


class Announcements:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []

    def __call__(self, item: StoredArticle, result: ExtractionResult) -> None:
        assert item.tenant == TENANT and item.article.id == result.article_id
        self.seen.append((result.article_id, item.callback_url))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'worker.db'}")
    store.migrate()
    yield store
    store.close()


def submit(store: Store, *texts: str, callback_url: str | None = None) -> list[str]:
    """Store articles a0, a1, ... of the test tenant; their store keys."""
    ids = [f"a{number}" for number in range(len(texts))]
    store.submit_many(
        TENANT,
        [Submission(Article(id=i, text=t), callback_url) for i, t in zip(ids, texts, strict=True)],
    )
    return keys(*ids)


def event_rows(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM events")).scalar_one())


def test_batch_is_extracted_stored_and_announced_once(store: Store) -> None:
    ids = submit(store, "They met in Kyiv.", "Leaders met twice.", callback_url="http://cb/")
    extractor, announced = RuleExtractor(), Announcements()

    report = process_batch(store, ids, extractor, announced)

    assert report.done == ids and not report.failed
    assert extractor.calls == [client_ids(ids)]  # one batched model call
    assert announced.seen == [("a0", "http://cb/"), ("a1", "http://cb/")]
    for stored in store.load_articles(ids):
        assert stored.status == "done"
        assert stored.result is not None and len(stored.result.events) == 1
        assert stored.result.article_id == stored.article.id
    assert event_rows(store) == 2


def test_second_run_skips_done_articles_and_writes_nothing(store: Store) -> None:
    ids = submit(store, "They met in Kyiv.", "Leaders met twice.")
    process_batch(store, ids, RuleExtractor(), Announcements())
    extractor, announced = RuleExtractor(), Announcements()

    report = process_batch(store, ids, extractor, announced)

    assert report.skipped == ids and not report.done
    assert extractor.calls == []  # no model call at all
    assert announced.seen == []
    assert event_rows(store) == 2


def announcement_state(store: Store, article_id: str) -> tuple[bool, bool]:
    """Whether the article's announcement is claimed, and whether it is confirmed."""
    with store.engine.connect() as connection:
        claimed, announced = connection.execute(
            text("SELECT announce_claimed_at, announced_at FROM articles WHERE id = :id"),
            {"id": article_id},
        ).one()
    return claimed is not None, announced is not None


def test_announcement_is_confirmed_in_the_store(store: Store) -> None:
    ids = submit(store, "They met in Kyiv.")
    process_batch(store, ids, RuleExtractor(), Announcements())
    assert announcement_state(store, keys("a0")[0]) == (True, True)
    assert store.claim_announcements(dt.datetime.now(dt.UTC)) == []  # nothing left to do


def test_redelivered_batch_does_not_announce_again(store: Store) -> None:
    ids = submit(store, "They met in Kyiv.")
    process_batch(store, ids, RuleExtractor(), Announcements())
    announced = Announcements()

    process_batch(store, ids, RuleExtractor(), announced)

    assert announced.seen == []  # exactly once: the flag says it was announced
    assert event_rows(store) == 1


def test_failed_announcement_stays_claimed_for_the_sweep(store: Store) -> None:
    ids = submit(store, "They met in Kyiv.", "Leaders met twice.")

    def redis_down(item: StoredArticle, result: ExtractionResult) -> None:
        raise ConnectionError("Redis is down")

    report = process_batch(store, ids, RuleExtractor(), redis_down)

    assert report.done == ids  # the batch is stored all the same
    assert [item.status for item in store.load_articles(ids)] == ["done", "done"]
    assert announcement_state(store, keys("a0")[0]) == (True, False)
    assert store.claim_announcements(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)) == []
    assert store.claim_announcements(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)) == ids


def test_processing_articles_hold_a_lease(store: Store) -> None:
    ids = submit(store, "They met in Kyiv.")
    seen: list[dt.datetime | None] = []

    def extractor(articles: list[Article]) -> list[ExtractionResult]:
        with store.engine.connect() as connection:
            lease = connection.execute(text("SELECT lease_expires_at FROM articles")).scalar()
        seen.append(lease)
        return RuleExtractor()(articles)

    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    process_batch(store, ids, extractor, Announcements(), lease_s=90)

    lease = dt.datetime.fromisoformat(str(seen[0]))
    assert dt.timedelta(seconds=89) < lease - before < dt.timedelta(seconds=95)
    with store.engine.connect() as connection:  # released once the result is stored
        assert connection.execute(text("SELECT lease_expires_at FROM articles")).scalar() is None


def test_soft_time_limit_is_not_taken_for_an_article_error(store: Store) -> None:
    ids = submit(store, "They met in Kyiv.", "Leaders met twice.")

    def interrupted(articles: list[Article]) -> list[ExtractionResult]:
        raise SoftTimeLimitExceeded()

    with pytest.raises(SoftTimeLimitExceeded):
        process_batch(store, ids, interrupted, Announcements())

    stored = store.load_articles(ids)
    assert [item.status for item in stored] == ["processing", "processing"]  # not failed


def test_failing_article_is_marked_failed_and_others_finish(store: Store) -> None:
    ids = submit(store, "They met in Kyiv.", "POISON here.", "Leaders met twice.")
    extractor, announced = RuleExtractor(), Announcements()

    report = process_batch(store, ids, extractor, announced)

    assert report.done == keys("a0", "a2") and report.failed == keys("a1")
    assert extractor.calls == [client_ids(ids), ["a0"], ["a1"], ["a2"]]  # batch, then singly
    failed = store.get_article(TENANT, "a1")
    assert failed is not None and failed.status == "failed"
    assert failed.error == "ValueError: cannot read a1"
    assert [article_id for article_id, _ in announced.seen] == ["a0", "a2"]


def test_row_that_is_not_a_valid_article_fails_alone(store: Store) -> None:
    submit(store, "They met in Kyiv.", "Leaders met twice.")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO articles (id, tenant, client_id, content_hash, text, status,"
                " attempts, created_at, updated_at)"
                " VALUES ('w/bad', 'w', 'bad', 'x', :text, 'queued', 0, :now, :now)"
            ),
            {"text": "broken \x01 decoder", "now": now},
        )

    report = process_batch(store, keys("a0", "bad", "a1"), RuleExtractor(), Announcements())

    assert report.done == keys("a0", "a1") and report.failed == keys("bad")
    with store.engine.connect() as connection:
        status, error = connection.execute(
            text("SELECT status, error FROM articles WHERE id = 'w/bad'")
        ).one()
    assert status == "failed"
    assert error.startswith("ValidationError: ") and "control character" in error


def test_unknown_ids_are_reported_missing(store: Store) -> None:
    ids = submit(store, "They met in Kyiv.")
    report = process_batch(store, [*ids, "w/nope"], RuleExtractor(), Announcements())
    assert report.done == ids and report.missing == ["w/nope"]


def test_results_out_of_order_fall_back_to_one_by_one(store: Store) -> None:
    ids = submit(store, "They met in Kyiv.", "Leaders met twice.")
    inner = RuleExtractor()

    def reversed_extractor(articles: list[Article]) -> list[ExtractionResult]:
        return list(reversed(inner(articles)))

    report = process_batch(store, ids, reversed_extractor, Announcements())

    assert report.done == ids
    assert inner.calls == [client_ids(ids), ["a0"], ["a1"]]


def test_error_description_names_type_and_message() -> None:
    assert describe_error(KeyError("x")) == "KeyError: 'x'"


def test_interrupted_batch_reruns_one_article_at_a_time(store: Store) -> None:
    ids = submit(store, "They met in Kyiv.", "Leaders met twice.", "Nothing here.")
    store.mark_processing(ids[:2])  # a worker took these two, then died
    extractor = RuleExtractor()

    report = process_batch(store, ids, extractor, Announcements())

    assert sorted(report.done) == ids
    assert extractor.calls == [["a2"], ["a0"], ["a1"]]


def test_article_whose_worker_keeps_dying_is_given_up_after_max_attempts(store: Store) -> None:
    ids = submit(store, "They met in Kyiv.", "Leaders met twice.")
    for _ in range(3):
        store.mark_processing(keys("a0"))  # three workers died on it

    report = process_batch(store, ids, RuleExtractor(), Announcements(), max_attempts=3)

    assert report.failed == keys("a0") and report.done == keys("a1")
    stored = store.get_article(TENANT, "a0")
    assert stored is not None and stored.status == "failed"
    assert stored.error is not None and "gave up after 3 attempts" in stored.error
