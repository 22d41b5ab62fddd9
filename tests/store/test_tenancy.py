"""Tenants in the store: ids, duplicates, articles and events never cross a tenant's border."""

from __future__ import annotations

from shared.store import EventQuery, Store, Submission

from .factories import TALKS_TEXT, key, make_article, save_result, talks_result


def submit(store: Store, tenant: str, article_id: str, text: str = TALKS_TEXT) -> list[object]:
    return list(store.submit_many(tenant, [Submission(make_article(article_id, text=text))]))


def test_the_same_id_in_two_tenants_is_two_articles(store: Store) -> None:
    [first] = store.submit_many("t1", [Submission(make_article("a", text="First text."))])
    [second] = store.submit_many("t2", [Submission(make_article("a", text="Second text."))])
    assert not first.duplicate and not second.duplicate
    one, two = store.get_article("t1", "a"), store.get_article("t2", "a")
    assert one is not None and two is not None
    assert (one.article.text, one.tenant, one.key) == ("First text.", "t1", "t1/a")
    assert (two.article.text, two.tenant, two.key) == ("Second text.", "t2", "t2/a")
    assert one.article.id == two.article.id == "a"


def test_another_tenants_text_is_not_a_duplicate(store: Store) -> None:
    store.submit_many("t1", [Submission(make_article("private-id", text=TALKS_TEXT))])
    [outcome] = store.submit_many("t2", [Submission(make_article("mine", text=TALKS_TEXT))])
    assert not outcome.duplicate and outcome.duplicate_of is None
    # Within one tenant the same text still is a duplicate, named by that tenant's id.
    [again] = store.submit_many("t2", [Submission(make_article("mine-2", text=TALKS_TEXT))])
    assert again.duplicate and again.duplicate_of == "mine"


def test_another_tenants_article_is_invisible(store: Store) -> None:
    store.submit_many("t1", [Submission(make_article("talks", text=TALKS_TEXT))])
    save_result(store, talks_result("talks"), tenant="t1")
    assert store.get_article("t2", "talks") is None
    assert store.query_events("t2", EventQuery()).total == 0
    assert store.query_events("t2", EventQuery(article_id="talks")).items == []
    page = store.query_events("t1", EventQuery(article_id="talks"))
    assert page.total == 3
    assert {item.article_id for item in page.items} == {"talks"}


def test_results_are_saved_under_the_tenants_key_with_the_clients_id(store: Store) -> None:
    for tenant in ("t1", "t2"):
        store.submit_many(tenant, [Submission(make_article("talks", text=TALKS_TEXT))])
    assert save_result(store, talks_result("talks"), tenant="t2") is True
    one, two = store.load_articles([key("talks", "t1"), key("talks", "t2")])
    assert (one.status, two.status) == ("queued", "done")
    assert two.result is not None and two.result.article_id == "talks"
    assert store.query_events("t1", EventQuery()).total == 0
    assert store.query_events("t2", EventQuery()).total == 3


def test_a_result_under_the_wrong_key_is_refused(store: Store) -> None:
    store.submit_many("t1", [Submission(make_article("a"))])
    try:
        store.save_result("t1/a", talks_result("b"))
    except ValueError as error:
        assert "saved under store key" in str(error)
    else:
        raise AssertionError("a result for another id was saved")
