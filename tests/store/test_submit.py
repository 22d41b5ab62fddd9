"""Submitting articles: storage round trip, duplicates by id and by text, batch order."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.schemas import Article
from shared.store import Store, Submission, SubmitOutcome, content_hash

from .factories import TENANT, keys, make_article


def submit(
    store: Store, *articles: Article, callback_url: str | None = None
) -> list[SubmitOutcome]:
    return store.submit_many(TENANT, [Submission(article, callback_url) for article in articles])


@pytest.mark.parametrize(
    "published_at",
    [
        None,
        dt.date(2025, 12, 6),
        dt.datetime(2025, 12, 6, 9, 30, 15),
        dt.datetime(2025, 12, 6, tzinfo=dt.UTC),  # midnight must not collapse to a date
        dt.datetime(2025, 12, 6, 9, 30, 15, 120000, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    ],
    ids=["none", "date", "naive-datetime", "utc-midnight", "aware-datetime"],
)
def test_article_round_trip(store: Store, published_at: dt.datetime | dt.date | None) -> None:
    article = make_article(
        "a1",
        text="  Talks were held in Geneva. \n",
        published_at=published_at,
        title="Talks",
        url="https://example.org/a1",
        source="Wire",
    )
    before = dt.datetime.now(dt.UTC)
    [outcome] = submit(store, article, callback_url="http://127.0.0.1:9/hook")
    assert outcome == SubmitOutcome(id="a1", status="queued", duplicate=False, duplicate_of=None)

    stored = store.get_article(TENANT, "a1")
    assert stored is not None
    assert stored.article == article
    assert type(stored.article.published_at) is type(published_at)
    assert stored.status == "queued"
    assert stored.error is None and stored.result is None
    assert stored.callback_url == "http://127.0.0.1:9/hook"
    assert stored.content_hash == content_hash("Talks were held in Geneva.")
    assert stored.attempts == 0
    assert stored.created_at.tzinfo is not None
    assert before - dt.timedelta(seconds=5) <= stored.created_at <= dt.datetime.now(dt.UTC)
    assert stored.updated_at == stored.created_at


def test_content_hash_ignores_surrounding_whitespace_only() -> None:
    assert content_hash(" a b \n") == content_hash("a b")
    assert content_hash("a b") != content_hash("a  b")
    assert len(content_hash("x")) == 64


def test_get_article_unknown_is_none(store: Store) -> None:
    assert store.get_article(TENANT, "missing") is None


def test_duplicate_by_id_writes_nothing(store: Store) -> None:
    submit(store, make_article("a1", text="first text"))
    [outcome] = submit(store, make_article("a1", text="other text"), callback_url="http://x/")
    assert outcome == SubmitOutcome(id="a1", status="queued", duplicate=True, duplicate_of="a1")
    stored = store.get_article(TENANT, "a1")
    assert stored is not None
    assert stored.article.text == "first text"
    assert stored.callback_url is None
    assert store.count_by_status()["queued"] == 1


def test_duplicate_by_content_hash_is_not_inserted(store: Store) -> None:
    submit(store, make_article("a1", text="Same words."))
    [outcome] = submit(store, make_article("a2", text="\tSame words.  "))
    assert outcome == SubmitOutcome(id="a2", status="queued", duplicate=True, duplicate_of="a1")
    assert store.get_article(TENANT, "a2") is None


def test_duplicate_reports_the_stored_status(store: Store) -> None:
    submit(store, make_article("a1", text="Same words."))
    store.mark_processing(keys("a1"))
    outcomes = submit(store, make_article("a1"), make_article("a2", text="Same words."))
    assert [(o.status, o.duplicate_of) for o in outcomes] == [
        ("processing", "a1"),
        ("processing", "a1"),
    ]


def test_duplicates_within_one_batch(store: Store) -> None:
    outcomes = submit(
        store,
        make_article("a1", text="One."),
        make_article("a2", text="Two."),
        make_article("a1", text="One again."),
        make_article("a3", text=" One. "),
        make_article("a4", text="Four."),
    )
    assert outcomes == [
        SubmitOutcome(id="a1", status="queued", duplicate=False, duplicate_of=None),
        SubmitOutcome(id="a2", status="queued", duplicate=False, duplicate_of=None),
        SubmitOutcome(id="a1", status="queued", duplicate=True, duplicate_of="a1"),
        SubmitOutcome(id="a3", status="queued", duplicate=True, duplicate_of="a1"),
        SubmitOutcome(id="a4", status="queued", duplicate=False, duplicate_of=None),
    ]
    assert store.count_by_status()["queued"] == 3


def test_same_id_preferred_over_same_text_elsewhere(store: Store) -> None:
    submit(store, make_article("a1", text="One."), make_article("a2", text="Two."))
    [outcome] = submit(store, make_article("a2", text="One."))
    assert outcome.duplicate_of == "a2"


def test_load_articles_keeps_input_order_and_skips_unknown(store: Store) -> None:
    submit(store, *(make_article(f"a{i}") for i in range(4)))
    loaded = store.load_articles(keys("a3", "missing", "a0", "a2"))
    assert [stored.article.id for stored in loaded] == ["a3", "a0", "a2"]
    assert store.load_articles(keys()) == []


def test_empty_submission_list(store: Store) -> None:
    assert store.submit_many(TENANT, []) == []
